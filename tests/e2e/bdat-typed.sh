#!/bin/bash
# BDAT typed by hand: after "BDAT n [LAST]" the next lines are chunk data, each counting with
# its CRLF, sent as typed (no dot-stuffing, no local commands, no comments); the reply is
# awaited only once n octets are out; typing more than n octets is warned about.
source "$(dirname "$0")/lib.sh"

envelope=(-c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>')

# --- exact: "hello world" + CRLF is 13 octets
start_fake esmtp.scn
run_smtpsh --timeout 3 "${envelope[@]}" -c 'BDAT 13 LAST' -c 'hello world' -c '/expect 250' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
# the chunk's reply comes after its data: smtpsh did not wait for one after the BDAT line
# (that would have taken the 3 s timeout and failed)
assert_out_sequence '^-> BDAT 13 LAST$' \
	'^\*\* chunk data now: 13 octets \(each line counts with its CRLF\)$' \
	'^-> hello world$' '^<- 250 2\.0\.0 chunk received$' '^-> QUIT$' '^<- 221 2\.0\.0 bye$'
nb=$(out_line_exact '-> BDAT 13 LAST')
nr=$(out_line_exact '<- 250 2.0.0 chunk received')
[[ $(sed -n "$((nb + 1)),$((nr - 1))p" "$OUT") == '** chunk data now: 13 octets (each line counts with its CRLF)
-> hello world' ]] || fail "something came between BDAT, its data and its reply"
assert_out_not_contains 'warning'
assert_out_not_contains 'unsolicited'
assert_out_not_contains 'no reply within'
assert_elapsed_lt 3
wait_fake
expected='EHLO client.example
MAIL FROM:<a@example.test>
RCPT TO:<b@example.test>
BDAT 13 LAST
BDAT-CHUNK 13 bytes
BDAT-DATA hello world\x0d\x0a
QUIT
CLOSED'
[[ $(<"$FAKE_LOG") == "$expected" ]] || fail "the fake server's log differs; expected:
$expected"

# --- two chunks, the second of several lines: a line with a dot, a lone ".", a line that
# looks like a local command and one that looks like a comment are all chunk data
data=('Subject: typed' '.dot first' '.' '/echo not a command' '# not a comment' '')
n=0
for l in "${data[@]}"; do
	n=$((n + ${#l} + 2))
done
lines=()
for l in "${data[@]}"; do
	lines+=(-c "$l")
done
start_fake esmtp.scn
run_smtpsh --timeout 3 "${envelope[@]}" -c 'BDAT 7' -c 'hello' -c '/expect 250' \
	-c "BDAT $n LAST" "${lines[@]}" -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_sequence '^-> BDAT 7$' '^\*\* chunk data now: 7 octets' '^-> hello$' \
	'^<- 250 2\.0\.0 chunk received$' "^-> BDAT $n LAST\$" "^\*\* chunk data now: $n octets" \
	'^-> Subject: typed$' '^-> \.dot first$' '^-> \.$' '^-> /echo not a command$' \
	'^-> # not a comment$' '^-> $' '^<- 250 2\.0\.0 chunk received$' '^-> QUIT$' '^<- 221 '
assert_out_not_matches '^not a command$'
assert_out_not_contains 'warning'
assert_out_not_contains 'unsolicited'
wait_fake
assert_log_line 'BDAT-DATA hello\x0d\x0a'
assert_log_line "BDAT $n LAST"
assert_log_line "BDAT-CHUNK $n bytes"
assert_log_line 'BDAT-DATA Subject: typed\x0d\x0a.dot first\x0d\x0a.\x0d\x0a/echo not a command\x0d\x0a# not a comment\x0d\x0a\x0d\x0a'
assert_log_line 'QUIT'
assert_log_not_contains 'UNEXPECTED'

# --- one octet too many: BDAT 12 LAST, then "hello world" + CRLF (13): warned about; the
# server takes 12 octets as the chunk and the stray LF as a line of its own
start_fake esmtp.scn
run_smtpsh --timeout 3 "${envelope[@]}" -c 'BDAT 12 LAST' -c 'hello world' -c '/expect 250' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_sequence '^-> BDAT 12 LAST$' '^\*\* chunk data now: 12 octets' '^-> hello world$' \
	'^<- 250 2\.0\.0 chunk received$'
# the warning: about that line (it comes right after it: the count is known once sent)
nb=$(out_line_exact '-> BDAT 12 LAST')
nw=$(out_line_match '^!! warning: 1 octets? more than the BDAT size announced$')
nr=$(out_line_exact '<- 250 2.0.0 chunk received')
((nw > nb && nw < nr)) || fail "no overrun warning between BDAT 12 LAST and its reply"
wait_fake
assert_log_line 'BDAT-CHUNK 12 bytes'
assert_log_line 'BDAT-DATA hello world\x0d'
assert_log_line '\x0a'

pass
