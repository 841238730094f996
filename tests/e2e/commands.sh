#!/bin/bash
# The local commands in batch mode: /ehlo, /explain, /help, /connect, /close, /quit, /sleep,
# /echo, //, unknown and ambiguous commands, and the advisory warnings before a line that
# is still sent.
source "$(dirname "$0")/lib.sh"

# line_of TEXT: the number of the first stdout line that is exactly TEXT (0 if none)
line_of() {
	local n
	n=$(LC_ALL=C grep -n -x -F -e "$1" "$OUT" | head -n 1 | cut -d: -f1)
	echo "${n:-0}"
}

# --- /ehlo against a known EHLO reply
start_fake commands.scn
run_smtpsh -c /ehlo -c 'EHLO client.example' -c /ehlo -c QUIT "$FAKE_TARGET"
assert_rc 0
# before EHLO: says so, instead of listing nothing
assert_out_contains 'no EHLO reply yet'
assert_out_contains 'EHLO capabilities of fake.example.test:'
assert_out_matches '^  PIPELINING +Command pipelining \(RFC 2920\)$'
assert_out_matches '^  SIZE 10240000 +Message size declaration \(RFC 1870\)$'
assert_out_matches '^  ENHANCEDSTATUSCODES +Enhanced status codes .*\(RFC 2034\)$'
assert_out_matches '^  8BITMIME +8-bit MIME .*\(RFC 6152\)$'
assert_out_matches '^  X-FROBNICATE 1 +unknown extension$'
# local output has no marker and is never sent
assert_out_not_matches '^(->|<-|\*\*|!!) .*capabilities of'
assert_log_not_contains '/ehlo'
wait_fake

# --- /ehlo against a real Postfix: every keyword it advertises is known
start_postfix
run_smtpsh -c 'EHLO client.example' -c /ehlo -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_contains 'EHLO capabilities of mx1.example.test:'
assert_out_matches '^  PIPELINING +.*\(RFC 2920\)$'
assert_out_matches '^  ENHANCEDSTATUSCODES +.*\(RFC 2034\)$'
assert_out_matches '^  8BITMIME +.*\(RFC 6152\)$'
assert_out_matches '^  DSN +.*\(RFC 3461\)$'
assert_out_not_contains 'unknown extension'
stop_postfix

# --- /explain: basic and enhanced codes, no connection needed
run_smtpsh -c '/explain 550' -c '/explain 5.7.26' -c '/explain 421 4.4.2'
assert_rc 0
assert_out_matches '^550: Requested action not taken: mailbox unavailable.*\(RFC 5321\)$'
assert_out_contains 'class 5xx: permanent negative completion'
assert_out_contains '5.7.26: Multiple authentication checks failed (RFC 7372)'
assert_out_contains 'class 5.X.X: permanent failure'
assert_out_contains 'subject X.7.X: security or policy status'
assert_out_matches '^421: .*Service not available'
assert_out_matches '^4\.4\.2: Bad connection'
assert_out_not_matches '^(->|<-|\*\*|!!) '

# a bad argument: exit 2, an error line, and the batch stops
run_smtpsh -c '/explain bogus' -c '/echo not reached'
assert_rc 2
assert_out_matches '^!! .*bogus'
assert_out_not_contains 'not reached'

# --- /help lists every command the table has
run_smtpsh --list-commands
assert_rc 0
mapfile -t cmds < <(cut -f1 "$OUT")
((${#cmds[@]} >= 10)) || fail "--list-commands lists only ${#cmds[@]} commands"
run_smtpsh -c /help
assert_rc 0
for c in "${cmds[@]}"; do
	[[ $c == /* ]] || fail "--list-commands: \"$c\" does not start with /"
	assert_out_matches "^  ${c}( |\$)"
done
for v in EHLO MAIL RCPT DATA QUIT STARTTLS AUTH LHLO; do
	assert_out_matches "^  $v +"
done
assert_out_contains '//text sends the line /text'

# /help VERB: syntax and RFC; /help /command and /help command: its syntax
run_smtpsh -c '/help RCPT' -c '/help /expect' -c '/help connect'
assert_rc 0
assert_out_contains 'RCPT TO:<forward-path>'
assert_out_contains 'RFC 5321'
assert_out_contains 'Example: RCPT TO:<'
assert_out_matches '^/expect <'
assert_out_matches '^/connect <target>'
run_smtpsh -c '/help NOSUCHTHING'
assert_rc 2
assert_out_contains 'NOSUCHTHING'

# --- /connect without a TARGET on the command line; /close; then SMTP: not connected
start_fake commands.scn
run_smtpsh -c "/connect $FAKE_TARGET" -c 'EHLO x' -c '/expect 250' -c /close -c NOOP \
	-c '/echo not reached'
assert_rc 3
assert_out_contains "** connected to 127.0.0.1 port $FAKE_PORT"
assert_out_contains '<- 250-fake.example.test greets you'
assert_out_contains '** connection closed'
assert_out_contains '!! not connected'
assert_out_contains '-c line 5: stopped here'
assert_out_not_contains '-> NOOP'
assert_out_not_contains 'not reached'
assert_log_contains 'CLOSED'
assert_log_not_contains 'NOOP'
assert_log_not_contains 'QUIT'
wait_fake

# a command prefix works (/con is /connect); /close when not connected fails with exit 3
start_fake commands.scn
run_smtpsh -c "/con $FAKE_TARGET" -c 'EHLO x' -c /close -c /close -c '/echo not reached'
assert_rc 3
assert_out_contains "** connected to 127.0.0.1 port $FAKE_PORT"
assert_out_contains '<- 250 X-FROBNICATE 1'
assert_out_matches '^!! /close: not connected'
assert_out_contains '-c line 4: stopped here'
assert_out_not_contains 'not reached'
wait_fake

# --- /quit ends the batch with exit 0; the lines after it are not run
start_fake commands.scn
run_smtpsh -c 'EHLO x' -c /quit -c '/echo after quit' -c NOOP "$FAKE_TARGET"
assert_rc 0
assert_out_contains '<- 250 X-FROBNICATE 1'
assert_out_not_contains 'after quit'
assert_out_not_contains '-> NOOP'
assert_log_contains 'CLOSED'
assert_log_not_contains 'NOOP'
wait_fake

# ... but it keeps the status of an earlier failure (-k went on after it)
run_smtpsh -k -c '/expect 250' -c /quit -c '/echo after quit'
assert_rc 1
assert_out_contains 'expectation failed'
assert_out_not_contains 'after quit'

# --- /sleep and /echo
run_smtpsh -c '/echo hello' -c '/sleep 0.2' -c "/echo 'two  spaces' and\\ more" -c '/echo'
assert_rc 0
assert_out_contains 'hello'
((ELAPSED_MS >= 200)) || fail "/sleep 0.2 took only ${ELAPSED_MS} ms"
assert_elapsed_lt 3
[[ $(line_of hello) == 1 ]] || fail "/echo hello is not a line \"hello\" of its own"
assert_out_matches '^two  spaces and more$'
run_smtpsh -c '/sleep soon'
assert_rc 2
run_smtpsh -c '/sleep'
assert_rc 2
assert_out_contains 'usage: /sleep'

# --- // sends a literal line starting with /
start_fake commands.scn
run_smtpsh -c 'EHLO x' -c '//frobnicate this' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> /frobnicate this'
assert_out_not_contains 'unknown command'
assert_log_contains '/frobnicate this'
wait_fake

# --- unknown and ambiguous commands: exit 2, nothing sent, the batch stops
start_fake commands.scn
run_smtpsh -c 'EHLO x' -c '/frobnicate' -c NOOP "$FAKE_TARGET"
assert_rc 2
assert_out_matches '^!! .*unknown command /frobnicate.*/help'
assert_out_contains '-c line 2: stopped here'
assert_out_not_contains '-> NOOP'
assert_out_not_contains '-> /frobnicate'
assert_log_not_contains 'frobnicate'
assert_log_not_contains 'NOOP'
wait_fake

run_smtpsh -c '/e'
assert_rc 2
assert_out_matches '^!! /e is ambiguous'

# --- advisory warnings: printed just before the line, which is sent anyway
start_fake commands.scn
run_smtpsh -c 'EHLO x' -c 'RCPT TO:<b@example.test>' -c '/expect 250' -c RSET \
	-c STARTTLS -c '/expect 250' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<c@example.test>' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '!! warning: RCPT before MAIL'
assert_out_contains '!! warning: STARTTLS not advertised in EHLO'
n=$(line_of '!! warning: RCPT before MAIL')
[[ $(sed -n "$((n + 1))p" "$OUT") == '-> RCPT TO:<b@example.test>' ]] ||
	fail "the RCPT warning is not followed by the RCPT line"
n=$(line_of '!! warning: STARTTLS not advertised in EHLO')
[[ $(sed -n "$((n + 1))p" "$OUT") == '-> STARTTLS' ]] ||
	fail "the STARTTLS warning is not followed by the STARTTLS line"
# nothing else is warned about: not EHLO, RSET, the MAIL, nor the RCPT after MAIL
[[ $(grep -c '^!! warning: ' "$OUT") == 2 ]] || fail "warnings for lines that are in order"
assert_log_contains 'RCPT TO:<b@example.test>'
assert_log_contains 'STARTTLS'
assert_log_contains 'RCPT TO:<c@example.test>'
assert_log_not_contains 'UNEXPECTED'
wait_fake

# MAIL before any EHLO: warned, sent
start_fake simple.scn
run_smtpsh -c 'MAIL FROM:<a@example.test>' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
n=$(line_of '!! warning: MAIL before EHLO/HELO')
((n > 0)) || fail "no warning for MAIL before EHLO"
[[ $(sed -n "$((n + 1))p" "$OUT") == '-> MAIL FROM:<a@example.test>' ]] ||
	fail "the MAIL warning is not followed by the MAIL line"
assert_log_contains 'MAIL FROM:<a@example.test>'
wait_fake

pass
