#!/bin/bash
# /dns, /mx, /ptr and /bl against NSD and a validating Unbound on loopback (tests/dns/):
# records, rcodes, DNSSEC status (secure, insecure, bogus), MX order and problems,
# FCrDNS, DNSBL listings and error codes; then a resolver that never answers.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

start_dns

q() {
	run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 "$@"
}

# ------------------------------------------------------------------ /dns

q -c '/dns A example.test'
assert_rc 0
assert_out_matches '^\*\* example\.test\. A: NOERROR, 1 record, DNSSEC secure \(127\.0\.0\.1 port [0-9]+, [0-9]+ ms\)$'
assert_out_matches '^  example\.test\. (300|29[0-9]) A 127\.0\.0\.1$'

q -c '/dns AAAA mx1.example.test'
assert_rc 0
assert_out_contains '** mx1.example.test. AAAA: NOERROR, 1 record, DNSSEC secure'
assert_out_matches '^  mx1\.example\.test\. (300|29[0-9]) AAAA ::1$'

q -c '/dns txt multi.example.test'
assert_rc 0
assert_out_matches '^  multi\.example\.test\. (300|29[0-9]) TXT "v=spf1 " "ip4:127\.0\.0\.1 " "-all"$'

q -c '/dns TLSA _25._tcp.mx1.example.test'
assert_rc 0
assert_out_contains '** _25._tcp.mx1.example.test. TLSA: NOERROR, 1 record, DNSSEC secure'
assert_out_matches '^  _25\._tcp\.mx1\.example\.test\. (300|29[0-9]) TLSA 3 1 1 [0-9a-f]{64}$'

q -c '/dns MX example.test'
assert_rc 0
# the records in the order of the answer (Unbound may rotate them)
assert_out_contains '** example.test. MX: NOERROR, 2 records, DNSSEC secure'
assert_out_matches '^  example\.test\. (300|29[0-9]) MX 10 mx1\.example\.test\.$'
assert_out_matches '^  example\.test\. (300|29[0-9]) MX 20 mx2\.example\.test\.$'

# dig's order works too
q -c '/dns example.test MX'
assert_rc 0
assert_out_matches '^  example\.test\. (300|29[0-9]) MX 10 mx1\.example\.test\.$'

q -c '/dns A insecure.test'
assert_rc 0
assert_out_contains '** insecure.test. A: NOERROR, 1 record, DNSSEC insecure'

q -c '/dns A bogus.test'
assert_rc 0
assert_out_contains '!! bogus.test. A: SERVFAIL, DNSSEC bogus'
assert_out_matches '^!! DNSSEC bogus: '

q -c '/dns A alias.example.test'
assert_rc 0
assert_out_contains '** CNAME chain: alias.example.test. -> www.example.test. -> mx1.example.test.'
assert_out_matches '^  mx1\.example\.test\. (300|29[0-9]) A 127\.0\.0\.1$'

q -c '/dns A nosuch.example.test'
assert_rc 0
assert_out_contains '** nosuch.example.test. A: NXDOMAIN (no such name), DNSSEC secure'

q -c '/dns TLSA _25._tcp.mx2.example.test'
assert_rc 0
assert_out_contains 'NXDOMAIN (no such name), DNSSEC secure'

q -c '/dns MX implicit.example.test'
assert_rc 0
assert_out_contains '** implicit.example.test. MX: NOERROR, no records (NODATA), DNSSEC secure'

q -c '/dns PTR 127.0.0.1'
assert_rc 0
assert_out_matches '^  1\.0\.0\.127\.in-addr\.arpa\. (300|29[0-9]) PTR mx1\.example\.test\.$'

q -c '/dns FOO example.test'
assert_rc 2
assert_out_contains '!! /dns: unknown record type "FOO"'
assert_out_contains '!! usage: /dns <type> <name>'

q -c '/dns A'
assert_rc 2
assert_out_contains 'usage: /dns <type> <name>'

# ------------------------------------------------------------------ /mx

q -c '/mx example.test'
assert_rc 0
assert_out_contains '** example.test. MX: NOERROR, 2 records, DNSSEC secure'
assert_out_sequence '^  10 mx1\.example\.test\. -> 127\.0\.0\.1, ::1$' '^  20 mx2\.example\.test\. -> 127\.0\.0\.2, ::1$' \
	'^\*\* delivery order: mx1\.example\.test\. \(10\), then mx2\.example\.test\. \(20\)$'
assert_out_contains '!! mx1.example.test.: not a public address: 127.0.0.1 (loopback), ::1 (loopback)'

q -c '/mx mx-equal.example.test'
assert_rc 0
assert_out_contains '** delivery order: mx1.example.test. or mx2.example.test. (10)'

q -c '/mx implicit.example.test'
assert_rc 0
assert_out_sequence "^\\*\\* implicit MX \\(no MX records\\): the domain's address records\$" \
	'^  0 implicit\.example\.test\. -> 127\.0\.0\.1, ::1$'

q -c '/mx nullmx.test'
assert_rc 0
assert_out_contains '** nullmx.test. MX: NOERROR, 1 record, DNSSEC insecure'
assert_out_sequence '^  0 \.$' '^\*\* null MX: this domain accepts no mail'

q -c '/mx mx-mixednull.example.test'
assert_rc 0
assert_out_contains '!! null MX mixed with other MX records: a misconfiguration (RFC 7505 3)'
assert_out_contains '** delivery order: mx1.example.test. (10)'

q -c '/mx cnamemx.example.test'
assert_rc 0
assert_out_contains '  10 mxalias.example.test. -> 127.0.0.1, ::1'
assert_out_contains '!! mxalias.example.test. is an alias (CNAME) of mx1.example.test.: an MX exchange must not be an alias (RFC 2181 10.3)'

q -c '/mx mx-iplit.example.test'
assert_rc 3
assert_out_contains '!! 127.0.0.1. is an IP address, not a host name'
assert_out_contains '!! none of the MX hosts has an address'

q -c '/mx mx-noaddr.example.test'
assert_rc 0
assert_out_contains '  10 nohost.example.test. -> no address'
assert_out_contains '!! nohost.example.test. does not exist (NXDOMAIN): exchange without addresses, unusable'
assert_out_contains '  20 mx2.example.test. -> 127.0.0.2, ::1'

q -c '/mx nosuch.example.test'
assert_rc 3
assert_out_contains '** nosuch.example.test. MX: NXDOMAIN (no such name), DNSSEC secure'
assert_out_contains '!! nosuch.example.test.: NXDOMAIN: the domain does not exist (a hard error'

q -c '/mx bogus.test'
assert_rc 3
assert_out_contains '!! bogus.test. MX: SERVFAIL, DNSSEC bogus'
assert_out_contains '!! bogus.test.: temporary DNS failure (SERVFAIL, DNSSEC bogus'

q -c '/mx insecure.test'
assert_rc 0
assert_out_contains '** insecure.test. MX: NOERROR, 1 record, DNSSEC insecure'
assert_out_contains '  10 mx1.insecure.test. -> 127.0.0.1, ::1'

# ------------------------------------------------------------------ /ptr

q -c '/ptr 127.0.0.1'
assert_rc 0
assert_out_contains '** 127.0.0.1 PTR (1.0.0.127.in-addr.arpa.): NOERROR, 1 record, DNSSEC insecure'
assert_out_contains '  mx1.example.test. -> 127.0.0.1 (matches)'
assert_out_contains '** forward-confirmed reverse DNS: mx1.example.test. resolves back to 127.0.0.1'

q -c '/ptr ::1'
assert_rc 0
assert_out_contains '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.'
assert_out_contains '** forward-confirmed reverse DNS: mx1.example.test. resolves back to ::1'

q -c '/ptr 127.0.0.3'
assert_rc 0
assert_out_contains '** forward-confirmed reverse DNS: host.wild.example.test. resolves back to 127.0.0.3'

q -c '/ptr 127.0.0.4'
assert_rc 0
assert_out_contains '  mx1.example.test. -> 127.0.0.1 (does not match)'
assert_out_contains '!! forward-confirmed reverse DNS fails: no PTR name resolves back to 127.0.0.4'

q -c '/ptr 127.0.0.5'
assert_rc 0
assert_out_contains '!! dyn-127-0-0-5.dynamic.wild.example.test. looks generic'
assert_out_contains '!! forward-confirmed reverse DNS fails'

q -c '/ptr 127.0.0.9'
assert_rc 0
assert_out_contains '!! 127.0.0.9 has no PTR record (NXDOMAIN)'

q -c '/ptr not-an-address'
assert_rc 2
assert_out_contains '!! /ptr: not an IP address: not-an-address'

q -c '/ptr'
assert_rc 2
assert_out_contains '!! /ptr: not connected over TCP'

# ------------------------------------------------------------------ /bl

q -c '/bl 127.0.0.2 dnsbl.test'
assert_rc 0
assert_out_sequence '^\*\* DNSBL: address 127\.0\.0\.2 in 1 zone$' '^!! dnsbl\.test: 127\.0\.0\.2 is LISTED$' \
	'^  2\.0\.0\.127\.dnsbl\.test\. A 127\.0\.0\.2: listed$' \
	'^  2\.0\.0\.127\.dnsbl\.test\. TXT "listed: test point, see RFC 5782"$' \
	'^!! 127\.0\.0\.2: listed in 1 of 1 zone$'

q -c '/bl 127.0.0.1 dnsbl.test'
assert_rc 0
assert_out_contains '** dnsbl.test: not listed (NXDOMAIN)'
assert_out_contains '** 127.0.0.1: not listed in 1 zone'

q -c '/bl 127.0.0.3 dnsbl.test'
assert_rc 0
assert_out_contains '!! dnsbl.test: no verdict: the list answered an error code, not a listing'
assert_out_contains '  3.0.0.127.dnsbl.test. A 127.255.255.254: error code: query through a public or open resolver'
assert_out_not_contains 'is LISTED'

q -c '/bl ::ffff:7f00:2 dnsbl.test'
assert_rc 0
assert_out_contains '  2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.dnsbl.test. A 127.0.0.2: listed'

q -c '/bl ::ffff:7f00:1 dnsbl.test'
assert_rc 0
assert_out_contains '** dnsbl.test: not listed (NXDOMAIN)'

q -c '/bl bad.example.test dnsbl.test'
assert_rc 0
assert_out_contains '** RHSBL: domain bad.example.test in 1 zone'
assert_out_contains '  bad.example.test.dnsbl.test. A 127.0.1.2: listed'
assert_out_contains '  bad.example.test.dnsbl.test. TXT "listed domain: test entry"'

# several zones at once; one the resolver refuses (it never leaves the test zones)
q -c '/bl 127.0.0.2 dnsbl.test zen.spamhaus.org'
assert_rc 3
assert_out_contains '** DNSBL: address 127.0.0.2 in 2 zones'
assert_out_contains '!! zen.spamhaus.org: unknown (REFUSED)'
assert_out_contains '!! 127.0.0.2: listed in 1 of 2 zones; no verdict from 1'

q -c '/bl "bad name" dnsbl.test'
assert_rc 2

# ------------------------------------------------------------------ a resolver that never answers

start_fake_dns silent
run_smtpsh --dns-server "127.0.0.1:$FAKE_DNS_PORT" --dns-timeout 0.5 -c '/mx example.test'
assert_rc 3
assert_out_contains '!! example.test. MX: no answer'
assert_out_contains '!! example.test.: temporary DNS failure (no answer from 127.0.0.1'

run_smtpsh --dns-server "127.0.0.1:$FAKE_DNS_PORT" --dns-timeout 0.5 -c '/dns A example.test'
assert_rc 3
assert_out_contains '!! example.test. A: no answer'

run_smtpsh --dns-server "127.0.0.1:$FAKE_DNS_PORT" --dns-timeout 0.5 -c '/bl 127.0.0.2 dnsbl.test'
assert_rc 3
assert_out_contains '!! dnsbl.test: unknown (no answer from 127.0.0.1'
assert_out_contains '!! 127.0.0.2: no verdict from 1 zone'

run_smtpsh --dns-server "127.0.0.1:$FAKE_DNS_PORT" --dns-timeout 0.5 -c '/ptr 127.0.0.1'
assert_rc 3
assert_out_contains '!! reverse DNS of 127.0.0.1: temporary DNS failure'
assert_no_ctrl

pass
