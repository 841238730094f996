#!/bin/bash
# The headline case against a real MTA: EHLO, /expect, QUIT; a failing /expect; a 5xx
# with its enhanced status code and explanation; the same over IPv6 and as an smtp:// URL.
source "$(dirname "$0")/lib.sh"

start_postfix

# EHLO, /expect 250, QUIT
run_smtpsh -c 'EHLO x' -c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_contains "** connected to 127.0.0.1 port $PF_PORT"
assert_out_contains '<- 220 mx1.example.test ESMTP'
assert_out_contains '-> EHLO x'
assert_out_contains '<- 250-mx1.example.test'
assert_out_matches '^<- 250 [A-Z0-9]'
assert_out_contains '-> QUIT'
assert_out_contains '<- 221'
assert_out_not_contains 'expectation failed'
# not a terminal, no --color: no colour escapes at all
assert_no_esc

# a failing expectation on the EHLO reply: exit 6 (the EHLO phase), and the batch stops there
run_smtpsh -c 'EHLO x' -c '/expect 550' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 6
assert_out_contains '<- 250-mx1.example.test'
assert_out_matches '^!! expectation failed'
assert_out_not_contains '-> QUIT'

# a 5xx reply with an enhanced status code, decoded
run_smtpsh -c 'EHLO x' -c '/expect 2xx' \
	-c 'MAIL FROM:<a@example.test>' -c '/expect 250' \
	-c 'RCPT TO:<reject@example.test>' -c '/expect 550' -c '/expect 5xx' -c '/expect 5.7.1' \
	-c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_contains '-> RCPT TO:<reject@example.test>'
assert_out_matches '^<- 550 5\.7\.1 '
assert_out_contains 'mailbox unavailable'
assert_out_contains 'Delivery not authorized'
assert_out_contains '<- 221'

# an accepted recipient in another domain (loopback may relay), then /expect 5.7.1 fails:
# exit 9, the RCPT phase
run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@elsewhere.test>' \
	-c '/expect 250' -c '/expect 5.7.1' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 9
assert_out_matches '^<- 250 2\.1\.5 '
assert_out_matches '^!! expectation failed'

# the same over IPv6
run_smtpsh -c 'EHLO x' -c '/expect 250' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<reject@example.test>' -c '/expect 5.7.1' -c QUIT "[::1]:$PF_PORT"
assert_rc 0
assert_out_matches "^\*\* connected to \[?::1\]? port $PF_PORT\$"
assert_out_contains '<- 250-mx1.example.test'
assert_out_matches '^<- 550 5\.7\.1 '
assert_out_contains '<- 221'

# the target as an smtp:// URL
run_smtpsh -c 'EHLO x' -c '/expect 250' -c QUIT "smtp://127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_contains "** connected to 127.0.0.1 port $PF_PORT"
assert_out_contains '<- 221'

pass
