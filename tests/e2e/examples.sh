#!/bin/bash
# The example batch files of doc/examples/ run as documented, against real servers on
# loopback, and end with the exit status their comments promise - so they never rot.
# Every *.smtpsh there must be run here.
source "$(dirname "$0")/lib.sh"

EXAMPLES=$TESTS_DIR/../doc/examples
[[ -d $EXAMPLES ]] || _die "no directory $EXAMPLES"
ran=()

# example NAME ARGS...: run doc/examples/NAME.smtpsh with ARGS (-D ...) in batch mode
example() {
	local name=$1
	shift
	[[ -f $EXAMPLES/$name.smtpsh ]] || fail "no example $name.smtpsh"
	ran+=("$name")
	run_smtpsh --timeout 10 "$@" -f "$EXAMPLES/$name.smtpsh"
}

# ---------------------------------------------------------------- Postfix with STARTTLS

start_postfix --tls
H=127.0.0.1:$PF_PORT

# starttls-check: TLS comes up (the certificate is self-signed: reported, not fatal)
example starttls-check -D HOST="$H" -D HELO=probe.example.test
assert_rc 0
assert_out_sequence '^-> EHLO probe\.example\.test$' '^<- 250[ -]STARTTLS$' '^  STARTTLS ' \
	'^-> STARTTLS$' '^<- 220 ' '^~> EHLO probe\.example\.test$' '^<~ 250 ' '^~> QUIT$' '^<~ 221 '
assert_out_matches 'TLSv1\.[23]'
assert_out_not_contains 'expectation failed'

# send-test-message: the generated message is accepted and delivered (to discard)
example send-test-message -D HOST="$H" -D HELO=probe.example.test -D FROM=probe@example.test \
	-D TO=postmaster@example.test
assert_rc 0
assert_out_sequence '^-> MAIL FROM:<probe@example\.test>$' '^<- 250 ' \
	'^-> RCPT TO:<postmaster@example\.test>$' '^<- 250 ' '^-> DATA$' '^<- 354 ' \
	'^\*\* sent the test message' '^-> \.$' '^<- 250 2\.0\.0 Ok: queued as ' '^-> QUIT$'
qid=$(postfix_queue_ids)
wait_maillog "$qid: to=<postmaster@example.test>.* status=sent "
# ... and a refused recipient ends it with exit 9
example send-test-message -D HOST="$H" -D HELO=probe.example.test -D FROM=probe@example.test \
	-D TO=reject@example.test
assert_rc 9
assert_out_matches '^<- 550 5\.7\.1 '
assert_out_not_contains '-> DATA'

# every-mx: the loop of its comment, over two "MX hosts" (the same Postfix over IPv4 and IPv6)
for mx in "127.0.0.1:$PF_PORT" "[::1]:$PF_PORT"; do
	example every-mx -D MX="$mx" -D HELO=probe.example.test
	assert_rc 0
	assert_out_sequence "^checking ${mx//[[\]]/.}\$" '^\*\* connected to ' '^-> STARTTLS$' \
		'^<- 220 ' '^~> EHLO probe\.example\.test$' '^<~ 250 ' '^~> QUIT$'
done

# relay-refused: loopback clients are in this Postfix's mynetworks, so it relays for
# them: from here it is an open relay, and the example says so with exit 9
example relay-refused -D HOST="$H" -D HELO=probe.example.test -D FROM=probe@example.test \
	-D TO=someone@elsewhere.test
assert_rc 9
assert_out_matches '^<- 250 2\.1\.5 '
assert_out_contains '!! expectation failed: wanted 5xx, got 250'
stop_postfix

# starttls-check against a server without STARTTLS: exit 4
start_postfix
example starttls-check -D HOST="127.0.0.1:$PF_PORT" -D HELO=probe.example.test
assert_rc 4
assert_out_matches '^<- 502 5\.5\.1 '
assert_out_not_contains '~>'
stop_postfix

# ---------------------------------------------------------------- a closed relay

# the same Postfix, but loopback is no longer one of its own networks
start_postfix --main 'mynetworks = 192.0.2.0/24'
example relay-refused -D HOST="[::1]:$PF_PORT" -D HELO=probe.example.test \
	-D FROM=probe@example.test -D TO=someone@elsewhere.test
assert_rc 0
assert_out_matches '^<- 554 5\.7\.1 <someone@elsewhere\.test>: Relay access denied$'
assert_out_contains '<- 221'
wait_maillog 'reject: RCPT from .*: 554 5\.7\.1 <someone@elsewhere\.test>: Relay access denied'
stop_postfix

# ---------------------------------------------------------------- submission with AUTH

# Postfix with Dovecot SASL, AUTH offered only inside TLS (as on a submission port)
start_postfix --auth --tls
SMTPSH_SECRET=$AUTH_PASS example submission-login -D HOST="127.0.0.1:$PF_PORT" \
	-D HELO=laptop.example.test -D AUTH_USER="$AUTH_USER"
assert_rc 0
assert_out_sequence '^-> STARTTLS$' '^<- 220 ' '^~> EHLO laptop\.example\.test$' \
	'^<~ 250[ -]AUTH .*PLAIN' '^~> AUTH PLAIN ' '^<~ 235 ' '^~> QUIT$' '^<~ 221 '
assert_out_not_contains "$AUTH_PASS"
assert_out_not_contains "$(printf '\0%s\0%s' "$AUTH_USER" "$AUTH_PASS" | base64 -w0)"
# a wrong password: exit 7 (the AUTH phase); none at all: exit 2, batch mode never prompts
SMTPSH_SECRET=not-the-password example submission-login -D HOST="127.0.0.1:$PF_PORT" \
	-D HELO=laptop.example.test -D AUTH_USER="$AUTH_USER"
assert_rc 7
assert_out_matches '^<~ 535 5\.7\.8 '
SMTPSH_SECRET='' example submission-login -D HOST="127.0.0.1:$PF_PORT" \
	-D HELO=laptop.example.test -D AUTH_USER="$AUTH_USER"
assert_rc 2
assert_out_not_matches '^~> AUTH'
stop_postfix

# ---------------------------------------------------------------- all of them, and documented

for f in "$EXAMPLES"/*.smtpsh; do
	name=$(basename "$f" .smtpsh)
	[[ " ${ran[*]} " == *" $name "* ]] || fail "doc/examples/$name.smtpsh is not run by this test"
	# each says how to run it and what its exit status means
	grep -qE "^#.* -f $name\.smtpsh" "$f" || fail "$name.smtpsh shows no command line using it"
	grep -q '^# Exit status' "$f" || fail "$name.smtpsh does not document its exit status"
done

pass
