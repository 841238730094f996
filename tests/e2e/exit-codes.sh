#!/bin/bash
# Batch exit codes, one case per phase (smtpsh(1), EXIT STATUS): 0 ok, 1 other failure,
# 2 usage, 3 connection (refused, no reply in time), 4 TLS, 5 greeting, 6 EHLO/HELO/LHLO,
# 7 AUTH, 8 MAIL, 9 RCPT, 10 DATA/BDAT/end of data. Fake servers for the replies no MTA
# gives on purpose, Postfix for the ordinary ones.
source "$(dirname "$0")/lib.sh"

# start_scenario NAME: a fake server on the scenario read from stdin (kept as
# $SCRATCH/NAME.scn, to start again)
start_scenario() {
	cat >"$SCRATCH/$1.scn"
	start_fake "$SCRATCH/$1.scn"
}

# scenario fragments: the greeting; EHLO and its reply; MAIL and RCPT accepted
greet='send 220 fake.example.test ESMTP'
ehlo_ok='expect EHLO
send 250-fake.example.test
send 250-PIPELINING
send 250-STARTTLS
send 250-AUTH PLAIN LOGIN
send 250 ENHANCEDSTATUSCODES'
envelope_ok='expect MAIL
send 250 2.1.0 ok
expect RCPT
send 250 2.1.5 ok'

# ---------------------------------------------------------------- 0: all good

start_postfix
run_smtpsh -c 'EHLO x' -c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0

# ---------------------------------------------------------------- 3: connection

# nothing listening
port=$(free_port)
run_smtpsh --timeout 5 -c 'EHLO x' "127.0.0.1:$port"
assert_rc 3
assert_out_contains "127.0.0.1 port $port: Connection refused"
assert_out_not_contains '-> EHLO'
run_smtpsh --timeout 5 -c "/connect 127.0.0.1:$port" -c '/echo not reached'
assert_rc 3
assert_out_not_contains 'not reached'

# the server accepts the command but never answers: "no reply within", exit 3
start_scenario timeout <<EOF
$greet
expect EHLO
hold 10
EOF
run_smtpsh --timeout 1 -c 'EHLO x' -c '/echo not reached' "$FAKE_TARGET"
assert_rc 3
assert_out_contains '!! no reply within 1.0 s'
assert_out_contains '-c line 1: stopped here (exit code 3)'
assert_out_not_contains 'not reached'
assert_elapsed_ge 1
assert_elapsed_lt 5

# ---------------------------------------------------------------- 5: greeting

start_scenario greeting <<EOF
send 554 5.3.2 no service
until-quit
EOF
run_smtpsh -c '/expect 220' -c QUIT "$FAKE_TARGET"
assert_rc 5
assert_out_contains '<- 554 5.3.2 no service'
assert_out_contains '!! expectation failed: wanted 220, got 554 5.3.2'
assert_out_contains '-c line 1: stopped here (exit code 5)'
assert_out_not_contains '-> QUIT'

# ---------------------------------------------------------------- 6: EHLO

start_scenario ehlo <<EOF
$greet
expect EHLO
send 501 5.5.4 Syntax error in EHLO
until-quit
EOF
run_smtpsh -c 'EHLO bad..name' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 6
assert_out_contains '-c line 2: stopped here (exit code 6)'
# HELO and LHLO are the same phase
start_scenario helo <<EOF
$greet
expect HELO
send 501 5.5.4 Syntax error in HELO
until-quit
EOF
run_smtpsh -c 'HELO' -c '/expect 250' "$FAKE_TARGET"
assert_rc 6

# ---------------------------------------------------------------- 4: TLS

# STARTTLS answered 220, then plaintext instead of a TLS handshake
start_scenario starttls <<EOF
$greet
$ehlo_ok
expect STARTTLS
send 220 2.0.0 Ready to start TLS
sleep 0.3
send 250 this is not TLS at all, just plain text
close
EOF
run_smtpsh --timeout 5 -c 'EHLO x' -c STARTTLS -c 'EHLO x' -c '/echo not reached' "$FAKE_TARGET"
assert_rc 4
assert_out_contains '<- 220 2.0.0 Ready to start TLS'
assert_out_contains '-c line 2: stopped here (exit code 4)'
assert_out_not_contains 'not reached'
[[ $(grep -c -- '-> EHLO x' "$OUT") == 1 ]] || fail "EHLO was sent again after the failed handshake"

# ---------------------------------------------------------------- 7: AUTH

# typed by hand
start_scenario auth <<EOF
$greet
$ehlo_ok
expect AUTH PLAIN
send 535 5.7.8 Authentication credentials invalid
until-quit
EOF
run_smtpsh -c 'EHLO x' -c 'AUTH PLAIN AGFsaWNlAHdyb25n' -c '/expect 235' -c QUIT "$FAKE_TARGET"
assert_rc 7
assert_out_contains '<- 535 5.7.8 Authentication credentials invalid'
assert_out_contains '-c line 3: stopped here (exit code 7)'
wait_fake
# through /auth
start_fake "$SCRATCH/auth.scn"
SMTPSH_E2E_SECRET=wrong run_smtpsh -c 'EHLO x' -c '/auth PLAIN alice --secret-env SMTPSH_E2E_SECRET' \
	-c '/expect 235' -c QUIT "$FAKE_TARGET"
assert_rc 7
assert_out_contains '<- 535 5.7.8 Authentication credentials invalid'
assert_out_not_contains 'wrong'
wait_fake
assert_log_line 'AUTH PLAIN AGFsaWNlAHdyb25n'

# ---------------------------------------------------------------- 8: MAIL, 9: RCPT (Postfix)

run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<no closing bracket' -c '/expect 250' -c QUIT \
	"127.0.0.1:$PF_PORT"
assert_rc 8
assert_out_matches '^<- 501 5\.1\.7 '
assert_out_contains '-c line 3: stopped here (exit code 8)'

run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<reject@example.test>' \
	-c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 9
assert_out_matches '^<- 550 5\.7\.1 '
assert_out_contains '-c line 4: stopped here (exit code 9)'

# the enhanced status code pattern counts the same way
run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<full@example.test>' \
	-c '/expect 2.1.5' "127.0.0.1:$PF_PORT"
assert_rc 9
assert_out_matches '^<- 552 5\.2\.2 '
stop_postfix

# ---------------------------------------------------------------- 10: DATA and end of data

start_scenario data <<EOF
$greet
$ehlo_ok
$envelope_ok
expect DATA
send 554 5.5.1 No valid recipients
until-quit
EOF
run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' -c DATA \
	-c '/expect 354' -c 'Subject: never sent' -c QUIT "$FAKE_TARGET"
assert_rc 10
assert_out_contains '<- 554 5.5.1 No valid recipients'
assert_out_contains '-c line 5: stopped here (exit code 10)'
assert_out_not_contains 'never sent'

start_scenario dataend <<EOF
$greet
$ehlo_ok
$envelope_ok
expect DATA
send 354 go ahead
data
send 552 5.3.4 Message too big for system
until-quit
EOF
# (no /expect 354 after DATA here: once the 354 is in, every line is message text, a line
# starting with "/" too)
run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' -c DATA \
	-c 'Subject: too big' -c '' -c 'body' -c . -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 10
assert_out_contains '<- 552 5.3.4 Message too big for system'
assert_out_contains '-c line 9: stopped here (exit code 10)'
wait_fake
[[ $(sed -n '/^DATA$/,/^\.$/p' "$FAKE_LOG") == $'DATA\nSubject: too big\n\nbody\n.' ]] ||
	fail "the message text differs"

# ... the same with /send: the "." of the message
start_fake "$SCRATCH/dataend.scn"
run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c '/send' -c '/expect 250' "$FAKE_TARGET"
assert_rc 10
assert_out_contains '<- 552 5.3.4 Message too big for system'

# BDAT: a refused chunk
start_scenario bdat <<EOF
$greet
expect EHLO
send 250-fake.example.test
send 250 CHUNKING
$envelope_ok
expect BDAT
send 552 5.3.4 Chunk too big
close
EOF
run_smtpsh -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c '/send --bdat' -c '/expect 250' "$FAKE_TARGET"
assert_rc 10
assert_out_contains '<- 552 5.3.4 Chunk too big'
assert_out_contains '-> BDAT '
assert_out_not_contains '** sent the test message'

# ---------------------------------------------------------------- 1: any other reply

start_scenario noop <<EOF
$greet
$ehlo_ok
expect NOOP
send 500 5.5.1 Command unrecognized
until-quit
EOF
run_smtpsh -c 'EHLO x' -c NOOP -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 1
assert_out_contains '<- 500 5.5.1 Command unrecognized'
assert_out_contains '-c line 3: stopped here (exit code 1)'
# /expect before any reply at all: 1 as well
run_smtpsh -c '/expect 250'
assert_rc 1
assert_out_contains 'no reply has arrived'

# ---------------------------------------------------------------- 2: usage

run_smtpsh --timeout soon -c 'EHLO x'
assert_rc 2
run_smtpsh --no-such-option
assert_rc 2
run_smtpsh 127.0.0.1:1 127.0.0.1:2
assert_rc 2
run_smtpsh -c '/expect twohundred'
assert_rc 2
assert_out_contains 'is not a code'
run_smtpsh -f "$SCRATCH/no-such-file.smtpsh"
assert_rc 2
assert_out_contains 'cannot open'

pass
