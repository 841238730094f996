#!/bin/bash
# mx: targets with Postfix (loopback-only: 127.0.0.1 and ::1): the MX host name is the
# target (SNI, prompt), /ptr compares the banner and EHLO names, /next-mx moves on
# to mx2 (127.0.0.2 refuses, ::1 accepts), then there is no host left.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

start_dns
start_postfix --tls

run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 10 -k \
	-c 'EHLO client.example.test' -c '/expect 250' -c STARTTLS -c 'EHLO client.example.test' -c '/ptr' \
	-c /next-mx -c '/expect 220' -c /ptr -c /next-mx "mx:example.test:$PF_PORT"
assert_rc 3
assert_out_sequence \
	'^\*\* trying MX mx1\.example\.test \(preference 10, 1 of 2\) \.\.\.$' \
	"^\\*\\* connected to 127\\.0\\.0\\.1 port $PF_PORT\$" \
	'^<- 220 mx1\.example\.test ESMTP' \
	'^(\*\*|!!) TLS .*, SNI mx1\.example\.test;' \
	'^\*\* 127\.0\.0\.1 PTR \(1\.0\.0\.127\.in-addr\.arpa\.\): NOERROR, 1 record' \
	'^\*\* banner name mx1\.example\.test matches the reverse DNS of 127\.0\.0\.1$' \
	'^\*\* banner name mx1\.example\.test resolves to 127\.0\.0\.1$' \
	'^\*\* EHLO name mx1\.example\.test matches the reverse DNS of 127\.0\.0\.1$' \
	'^\*\* host name mx1\.example\.test matches the reverse DNS of 127\.0\.0\.1$' \
	'^\*\* closing the connection: next MX$' \
	'^\*\* trying MX mx2\.example\.test \(preference 20, 2 of 2\) \.\.\.$' \
	"^!! 127\\.0\\.0\\.2 port $PF_PORT: Connection refused\$" \
	"^\\*\\* connected to \\[::1\\] port $PF_PORT\$" \
	'^<- 220 mx1\.example\.test ESMTP' \
	'^\*\* no EHLO reply yet: send EHLO to compare its host name$' \
	'^!! reverse DNS does not match host name: host name mx2\.example\.test, the PTR of ::1 is mx1\.example\.test\.$' \
	'^!! /next-mx: no MX host of example\.test is left \(all 2 tried\)$'

# implicit MX: the domain's own address
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 10 -c "/connect mx:implicit.example.test:$PF_PORT" \
	-c '/expect 220' -c QUIT
assert_rc 0
assert_out_sequence \
	"^\\*\\* mx:implicit\\.example\\.test: implicit MX \\(no MX records\\): the domain's address records\$" \
	'^\*\* trying MX implicit\.example\.test \(preference 0, 1 of 1\) \.\.\.$' \
	"^\\*\\* connected to 127\\.0\\.0\\.1 port $PF_PORT\$" \
	'^<- 221 '

# a connection by name ends the MX list
run_smtpsh --dns-server "127.0.0.1:$DNS_PORT" --timeout 10 -c "/connect 127.0.0.1:$PF_PORT" -c /next-mx \
	"mx:example.test:$PF_PORT"
assert_rc 2
assert_out_contains '!! /next-mx: no MX list'

pass
