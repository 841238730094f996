#!/bin/bash
# /spf, /dmarc, /dkim, /tls-rpt and /check against NSD and a validating Unbound on
# loopback (tests/dns/): SPF trees with their lookup counts, limits, loops and syntax
# errors, check_host() results, DMARC found by the RFC 9989 tree walk, DKIM key
# sizes, TLS-RPT records, and the /check report of the test domains.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

start_dns

q() {
	run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 "$@"
}

# ------------------------------------------------------------------ /spf: the tree

q -c '/spf example.test'
assert_rc 0
assert_out_contains '  example.test: "v=spf1 ip4:127.0.0.0/8 ip6:::1 mx -all" (DNSSEC secure)'
assert_out_matches '^  ip4:127\.0\.0\.0/8 +pass +in 127\.0\.0\.0/8$'
assert_out_matches '^  mx +pass +an address of an MX host of example\.test  \[lookup 1/10\] 2 MX hosts, 4 addresses$'
assert_out_matches '^  -all +fail +every other address$'
assert_out_contains 'SPF example.test: valid; 1 DNS lookup (limit 10), 0 void lookups (limit 2)'

# 11 includes: over the limit of 10, the count shown
q -c '/spf spf-many.example.test'
assert_rc 1
assert_out_contains '  include:s10.spf.example.test pass      if s10.spf.example.test passes  [lookup 10/10]'
assert_out_contains '[lookup 11/10: over the limit]'
assert_out_contains '    s11.spf.example.test: "v=spf1 ip4:127.0.0.11 -all"'
assert_out_contains '!! SPF spf-many.example.test: permerror: more than 10 DNS lookups (RFC 7208 4.6.4); 11 DNS lookups (limit 10)'

q -c '/spf spf-loop1.example.test'
assert_rc 1
assert_out_contains '    spf-loop2.example.test: "v=spf1 include:spf-loop1.example.test -all"'
assert_out_contains 'spf-loop1.example.test: include loop: already being evaluated above (permerror)'
assert_out_contains '!! SPF spf-loop1.example.test: permerror: include loop: spf-loop1.example.test -> spf-loop2.example.test -> spf-loop1.example.test'

q -c '/spf spf-dup.example.test'
assert_rc 1
assert_out_contains 'spf-dup.example.test: more than one SPF record (RFC 7208 4.5: permerror)'
assert_out_contains '!! SPF spf-dup.example.test: permerror: spf-dup.example.test has 2 SPF records'

q -c '/spf spf-bad.example.test'
assert_rc 1
assert_out_contains '!! SPF: "ip4:127.0.0.1/33": bad CIDR length (0-32)'
assert_out_contains '!! SPF: "foo:bar": unknown mechanism'
assert_out_contains '!! SPF: "redirect=b.example.test": duplicate redirect (RFC 7208 6)'
assert_out_contains '!! SPF spf-bad.example.test: permerror: syntax error'

q -c '/spf spf-void.example.test'
assert_rc 1
assert_out_contains '[lookup 3/10] [void 3/2: over the limit] 0 addresses'
assert_out_contains '!! SPF spf-void.example.test: permerror: more than 2 void lookups (RFC 7208 4.6.4); 3 DNS lookups (limit 10), 3 void lookups (limit 2)'

q -c '/spf spf-mech.example.test'
assert_rc 0
assert_out_contains '!! SPF: "ptr:example.test": ptr should not be used'
assert_out_matches '^  a:mx2\.example\.test/32 +pass +an address of mx2\.example\.test \(prefix /32, //128\)  \[lookup 1/10\] 2 addresses$'
assert_out_contains '(prefix /24, //64)  [lookup 2/10] 2 MX hosts, 4 addresses'
assert_out_contains '[lookup 4/10] (depends on the message (macros): not looked up)'
assert_out_contains '    spf-soft.example.test: "v=spf1 ip4:127.0.0.1 ~all"'
assert_out_matches '^    ~all +softfail +every other address$'
assert_out_contains 'SPF spf-mech.example.test: valid; 5 DNS lookups (limit 10), 0 void lookups (limit 2)'

q -c '/spf nosuch.example.test'
assert_rc 1
assert_out_contains '!! SPF nosuch.example.test: none: no SPF record at nosuch.example.test'

# ------------------------------------------------------------------ /spf: check_host()

q -c '/spf example.test 127.0.0.1'
assert_rc 0
assert_out_contains 'SPF check_host(127.0.0.1, example.test, postmaster@example.test):'
assert_out_contains 'SPF result: pass (ip4:127.0.0.0/8 in example.test); 0 DNS lookups, 0 void lookups'

q -c '/spf example.test ::1 alice@example.test'
assert_rc 0
assert_out_contains 'SPF result: pass (ip6:::1 in example.test)'

q -c '/spf example.test 192.0.2.1'
assert_rc 0
assert_out_contains '  mx: lookup 1/10'
assert_out_contains '    MX mx1.example.test: no match'
assert_out_contains 'SPF result: fail (-all in example.test); 1 DNS lookup, 0 void lookups'

q -c '/spf spf-soft.example.test 192.0.2.1'
assert_rc 0
assert_out_contains 'SPF result: softfail (~all in spf-soft.example.test)'

q -c '/spf spf-neutral.example.test 192.0.2.1'
assert_rc 0
assert_out_contains 'SPF result: neutral (no mechanism matched: the default is neutral)'

q -c '/spf spf-redir.example.test 192.0.2.1'
assert_rc 0
assert_out_contains 'SPF result: softfail (redirect=spf-soft.example.test > ~all in spf-soft.example.test); 1 DNS lookup'

q -c '/spf spf-many.example.test 127.0.0.3'
assert_rc 0
assert_out_contains 'SPF result: pass (include:s3.spf.example.test > ip4:127.0.0.3 in s3.spf.example.test); 3 DNS lookups'

q -c '/spf spf-many.example.test 127.0.0.11'
assert_rc 1
assert_out_contains '  include:s10.spf.example.test: lookup 10/10'
assert_out_contains 'SPF result: permerror (more than 10 DNS lookups (RFC 7208 4.6.4)); 11 DNS lookups'

q -c '/spf spf-loop1.example.test 127.0.0.1'
assert_rc 1
assert_out_contains 'include loop: spf-loop1.example.test is already being evaluated'
assert_out_contains 'SPF result: permerror'

q -c '/spf spf-mech.example.test 127.0.0.2'
assert_rc 0
assert_out_contains 'SPF result: pass (a:mx2.example.test/32 in spf-mech.example.test); 1 DNS lookup'

q -c '/spf spf-exists.example.test 127.0.0.9'
assert_rc 0
assert_out_contains '    macros expand to 9.0.0.127.in-addr.ex.example.test'
assert_out_contains 'SPF result: pass (exists:%{ir}.%{v}.ex.example.test in spf-exists.example.test)'

q -c '/spf spf-ptr.example.test 127.0.0.1'
assert_rc 0
assert_out_contains '    validated PTR name mx1.example.test'
assert_out_contains 'SPF result: pass (ptr:example.test in spf-ptr.example.test)'

# -all with exp=: the explanation, its macros expanded
q -c '/spf spf-mech.example.test 10.9.9.9'
assert_rc 0
assert_out_contains '    void lookup 1/2: 9.9.9.10.in-addr.ex.example.test has no records'
assert_out_contains 'SPF result: fail (-all in spf-mech.example.test); 5 DNS lookups, 1 void lookup'
assert_out_contains 'SPF explanation: 10.9.9.9 may not send mail for spf-mech.example.test'

q -c '/spf spf-void.example.test 192.0.2.1'
assert_rc 1
assert_out_contains 'SPF result: permerror (more than 2 void lookups (RFC 7208 4.6.4)); 3 DNS lookups, 3 void lookups'

q -c '/spf nosuch.example.test 192.0.2.1'
assert_rc 0
assert_out_contains 'SPF result: none (no SPF record at nosuch.example.test)'

q -c '/spf example.test 999.1.1.1'
assert_rc 2
assert_out_contains '/spf: "999.1.1.1" is not an IP address'

# ------------------------------------------------------------------ /dmarc

# sub.example.test has no record: the tree walk finds the organisational domain's
q -c '/dmarc sub.example.test'
assert_rc 0
assert_out_contains 'RFC 9989 DNS tree walk (no Public Suffix List), at most 8 names: _dmarc.sub.example.test, _dmarc.example.test, _dmarc.test'
assert_out_contains '  _dmarc.sub.example.test: no record (NXDOMAIN)'
assert_out_contains '  _dmarc.example.test: "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc-reports@example.test; adkim=s; aspf=s" (DNSSEC secure)'
assert_out_contains 'found at example.test, above sub.example.test'
assert_out_matches '^  p=reject +policy for the domain: failing mail is rejected$'
assert_out_matches '^  adkim=s +DKIM alignment: strict'
assert_out_contains 'policy: sub.example.test: sp=quarantine; subdomains: sp=quarantine; non-existent subdomains: np=quarantine'
assert_out_contains 'DMARC sub.example.test: sp=quarantine (from _dmarc.example.test)'

q -c '/dmarc example.test'
assert_rc 0
assert_out_contains 'DMARC example.test: p=reject (from _dmarc.example.test)'
assert_out_not_contains 'found at'

q -c '/dmarc dmarc-none.example.test'
assert_rc 1
assert_out_contains '!! DMARC: p=none: monitoring only, failing mail is not stopped'
assert_out_contains '!! DMARC: pct=50: the policy applies to 50% of failing mail only'
assert_out_contains '!! DMARC: t=y: test mode'
assert_out_contains '!! DMARC: rua: "mailto:bad" is not a mailto: address'
assert_out_contains '!! DMARC: reports to other.test are not authorised: no v=DMARC1 at dmarc-none.example.test._report._dmarc.other.test'

q -c '/dmarc dmarc-dup.example.test'
assert_rc 1
assert_out_contains '!!   _dmarc.dmarc-dup.example.test: 2 DMARC records: an error, all are ignored'
assert_out_contains 'by RFC 7489 the domain then has no policy at all'

q -c '/dmarc a.b.c.d.e.f.g.h.i.example.test'
assert_rc 0
assert_out_contains 'at most 8 names: _dmarc.a.b.c.d.e.f.g.h.i.example.test, _dmarc.e.f.g.h.i.example.test,'
assert_out_contains 'DMARC a.b.c.d.e.f.g.h.i.example.test: sp=quarantine (from _dmarc.example.test)'

# ------------------------------------------------------------------ /dkim

q -c '/dkim sel1 example.test'
assert_rc 0
assert_out_contains 'key: RSA 2048 bits (k=rsa)'
assert_out_contains 'DKIM sel1._domainkey.example.test: RSA 2048 bits'

q -c '/dkim sel2 example.test'
assert_rc 0
assert_out_contains 'DKIM sel2._domainkey.example.test: CNAME -> sel1._domainkey.example.test.'
assert_out_contains 'DKIM sel2._domainkey.example.test: RSA 2048 bits'

q -c '/dkim ed example.test'
assert_rc 0
assert_out_contains 'DKIM ed._domainkey.example.test: Ed25519 256 bits'

q -c '/dkim revoked example.test'
assert_rc 1
assert_out_contains '!! DKIM revoked._domainkey.example.test: revoked (empty p=)'

q -c '/dkim weak example.test'
assert_rc 1
assert_out_contains 'flags: t=y testing'
assert_out_contains 'weak key: RSA 512 bits; verifiers must not accept less than 1024 (RFC 8301)'

q -c '/dkim nosuch example.test'
assert_rc 1
assert_out_contains '!! DKIM nosuch._domainkey.example.test: no key record (NXDOMAIN)'

# ------------------------------------------------------------------ /tls-rpt

q -c '/tls-rpt example.test'
assert_rc 0
assert_out_contains 'TLS-RPT _smtp._tls.example.test: "v=TLSRPTv1; rua=mailto:tlsrpt@example.test" (DNSSEC secure)'
assert_out_contains 'TLS-RPT example.test: ok: 1 report URI: mailto:tlsrpt@example.test'

q -c '/tls-rpt rpt-bad.example.test'
assert_rc 1
assert_out_contains '!! TLS-RPT: rua: "ftp://reports.example.test/": only mailto: and https: are defined'

q -c '/tls-rpt rpt-dup.example.test'
assert_rc 1
assert_out_contains '!! TLS-RPT _smtp._tls.rpt-dup.example.test: 2 records, exactly one is allowed'

# ------------------------------------------------------------------ /check

# (the MTA-STS policy fetch of example.test is covered by dns-policy-mtasts.sh: here it
# goes to a port where nothing listens)
SMTPSH_MTA_STS_PORT=$(free_port) q -c '/check example.test'
assert_rc 1
assert_out_contains 'ok   MX: 2 hosts: 10 mx1.example.test, 20 mx2.example.test'
assert_out_contains 'warn MX mx1.example.test: 127.0.0.1, ::1 (loopback address: not reachable from the Internet)'
assert_out_contains 'ok   PTR 127.0.0.1: mx1.example.test (forward-confirmed)'
assert_out_contains 'ok   PTR 127.0.0.2: mx2.example.test (forward-confirmed)'
assert_out_contains 'ok   DNSSEC: the MX RRset of example.test is signed and validated (secure)'
assert_out_contains 'ok   DANE mx1.example.test: 1 TLSA record (3 1 1), DNSSEC secure'
assert_out_contains 'warn DANE mx2.example.test: no TLSA records at _25._tcp.mx2.example.test (secure): no DANE'
assert_out_contains 'ok   SPF: v=spf1 ip4:127.0.0.0/8 ip6:::1 mx -all (1 lookup)'
assert_out_contains 'ok   DMARC: p=reject (_dmarc.example.test)'
assert_out_matches '^fail MTA-STS: id=20240101T000000Z, but the policy fetch failed: sts-policy-fetch-error: '
assert_out_contains 'ok   TLS-RPT: rua=mailto:tlsrpt@example.test'
assert_out_matches '^check example\.test: [0-9]+ ok, 3 warn, 1 fail; [0-9]+ DNS queries in [0-9]+ ms'
# the lines in a fixed order
assert_out_sequence '^ok   MX: ' '^warn MX mx1' '^warn MX mx2' '^ok   PTR 127\.0\.0\.1' '^ok   DNSSEC' \
	'^ok   DANE mx1' '^ok   SPF' '^ok   DMARC' 'MTA-STS' '^ok   TLS-RPT' '^check example\.test: '

q -c '/check sub.example.test'
assert_rc 1
assert_out_contains 'fail SPF: no SPF record at sub.example.test'
assert_out_contains 'ok   DMARC: sp=quarantine from the organisational domain'"'"'s record _dmarc.example.test (RFC 9989 tree walk)'
assert_out_contains 'warn MTA-STS: no _mta-sts.sub.example.test record (no policy)'
assert_out_contains 'warn TLS-RPT: no _smtp._tls.sub.example.test record'

q -c '/check nullmx.test'
assert_rc 0
assert_out_contains 'ok   MX: null MX (RFC 7505): nullmx.test accepts no mail'
assert_out_contains 'warn DNSSEC: the MX RRset of nullmx.test is not signed (insecure)'
assert_out_contains 'ok   SPF: v=spf1 -all (0 lookups)'
assert_out_contains 'warn DMARC: p=reject (_dmarc.nullmx.test): no rua=: nobody receives aggregate reports'

q -c '/check nosuch.example.test'
assert_rc 1
assert_out_contains 'fail MX: nosuch.example.test does not exist (NXDOMAIN)'
# a domain that does not exist falls under np=
assert_out_contains 'ok   DMARC: np=quarantine from the organisational domain'

q -c '/check implicit.example.test'
assert_rc 1
assert_out_contains 'warn MX: no MX records: mail goes to the addresses of implicit.example.test (implicit MX, RFC 5321 5.1)'
assert_out_contains 'warn MX implicit.example.test: 127.0.0.1, ::1'

q -c '/check cnamemx.example.test'
assert_out_contains 'warn MX mxalias.example.test: an alias (CNAME to mx1.example.test): an MX must name a host (RFC 2181 10.3)'

q -c '/check insecure.test'
assert_out_contains 'warn DANE mx1.insecure.test: 1 TLSA record, not DNSSEC-secure (insecure): unusable'

q -c '/check bogus.test'
assert_rc 1
assert_out_matches '^fail MX: lookup failed: SERVFAIL'
assert_out_matches '^fail DNSSEC: the MX RRset of bogus\.test is bogus'
assert_out_contains 'fail SPF: temperror: TXT bogus.test: SERVFAIL'

q -c '/check mx-noaddr.example.test'
if grep -q 'nohost' "$OUT"; then
	assert_out_contains 'fail MX: no address for nohost.example.test'
fi

q -c '/check not_a domain'
assert_rc 2

pass
