#!/bin/bash
# smtpsh mx:DOMAIN[:PORT] and /connect mx:...: MX hosts in delivery order, each address in
# turn, the next MX when one refuses. The MX hosts of example.test resolve to loopback
# addresses: mx1 127.0.0.1 and ::1 (nothing listens on the port there), mx2 127.0.0.2
# (the fake server) and ::1.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

start_dns
start_fake esmtp.scn --listen 127.0.0.2
port=$FAKE_PORT

run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 -c 'EHLO client.example.test' -c '/ptr' \
	-c QUIT "mx:example.test:$port"
assert_rc 0
assert_out_sequence \
	'^\*\* mx:example\.test: 2 hosts in delivery order, DNSSEC secure: mx1\.example\.test \(10\), mx2\.example\.test \(20\)$' \
	'^\*\* trying MX mx1\.example\.test \(preference 10, 1 of 2\) \.\.\.$' \
	"^!! 127\\.0\\.0\\.1 port $port: Connection refused\$" \
	"^!! \\[::1\\] port $port: Connection refused\$" \
	'^!! MX mx1\.example\.test: no address accepted the connection$' \
	'^\*\* trying MX mx2\.example\.test \(preference 20, 2 of 2\) \.\.\.$' \
	"^\\*\\* connected to 127\\.0\\.0\\.2 port $port\$" \
	'^<- 220 fake\.example\.test ESMTP$' \
	'^-> EHLO client\.example\.test$'
# /ptr on the live session: the address connected to, the banner, EHLO and MX names
assert_out_contains '** forward-confirmed reverse DNS: mx2.example.test. resolves back to 127.0.0.2'
assert_out_contains '!! reverse DNS does not match banner: banner name fake.example.test, the PTR of 127.0.0.2 is mx2.example.test.'
assert_out_contains '!! banner name fake.example.test does not resolve to 127.0.0.2 (NXDOMAIN)'
assert_out_contains '!! reverse DNS does not match EHLO: EHLO name fake.example.test'
assert_out_contains '** host name mx2.example.test matches the reverse DNS of 127.0.0.2'
assert_out_contains '<- 221 2.0.0 bye'
assert_log_contains 'EHLO client.example.test'
wait_fake

# /connect mx: in a batch; the same fallback
start_fake esmtp.scn --listen 127.0.0.2
port=$FAKE_PORT
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 -c "/connect mx:example.test:$port" -c QUIT
assert_rc 0
assert_out_contains "** connected to 127.0.0.2 port $port"
assert_out_contains '<- 220 fake.example.test ESMTP'
wait_fake

# nothing listens anywhere: every host tried, then a connection failure
port=$(free_port)
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 -c NOOP "mx:example.test:$port"
assert_rc 3
assert_out_contains '** trying MX mx2.example.test (preference 20, 2 of 2) ...'
assert_out_contains '!! no MX host of example.test accepted a connection (2 tried)'
assert_out_not_contains '-> NOOP'

# -4: the IPv6 addresses are left out
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 -4 "mx:example.test:$port"
assert_rc 3
assert_out_not_contains '[::1]'

# equal preferences: both orders come up (RFC 5321 5.1); 20 runs, 2 chances in a million to fail
first1=0 first2=0
for ((i = 0; i < 20; i++)); do
	run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 "mx:mx-equal.example.test:$port"
	assert_rc 3
	if [[ $(out_line_match '^\*\* trying MX mx1\.example\.test \(preference 10, 1 of 2\)') != 0 ]]; then
		first1=$((first1 + 1))
	elif [[ $(out_line_match '^\*\* trying MX mx2\.example\.test \(preference 10, 1 of 2\)') != 0 ]]; then
		first2=$((first2 + 1))
	else
		fail "no first MX host"
	fi
done
((first1 > 0 && first2 > 0)) || fail "equal preferences always in the same order ($first1/$first2)"

# the null MX of a domain with another MX is skipped, with a warning
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 "mx:mx-mixednull.example.test:$port"
assert_rc 3
assert_out_contains '!! mx:mx-mixednull.example.test: null MX mixed with other MX records: a misconfiguration (RFC 7505 3)'
assert_out_contains '1 host in delivery order'

# a host without addresses is skipped
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 "mx:mx-noaddr.example.test:$port"
assert_rc 3
assert_out_contains '!! MX nohost.example.test has no address (NXDOMAIN): skipped'
assert_out_contains '** trying MX mx2.example.test (preference 20, 2 of 2) ...'

# no connection at all: null MX (RFC 7505), NXDOMAIN, a bogus answer
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 -c NOOP mx:nullmx.test
assert_rc 3
assert_out_contains '!! mx:nullmx.test: null MX: this domain accepts no mail (RFC 7505'
assert_out_not_contains 'trying'

run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 -c NOOP mx:nosuch.example.test
assert_rc 3
assert_out_contains '!! mx:nosuch.example.test: NXDOMAIN: the domain does not exist'

run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 -c NOOP mx:bogus.test
assert_rc 3
assert_out_contains '!! mx:bogus.test: temporary DNS failure (SERVFAIL, DNSSEC bogus'

# bad port; /next-mx without an MX list
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 5 mx:example.test:0
assert_rc 2
assert_out_contains '!! bad target mx:example.test:0 (mx:DOMAIN or mx:DOMAIN:PORT, port 1-65535)'

run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" -c /next-mx
assert_rc 2
assert_out_contains '!! /next-mx: no MX list: connect with /connect mx:DOMAIN first'

pass
