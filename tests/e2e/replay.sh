#!/bin/bash
# smtpsh --replay TRANSCRIPT [TARGET] against real servers: a session recorded against
# Postfix (EHLO, MAIL, an accepted and a refused RCPT, DATA, message text, ".", QUIT)
# replays against the same server with every reply code as recorded (exit 0), from the
# text and from the JSONL transcript, and Postfix sees the same commands again. Against a
# server that changed (a second Postfix whose policy refuses what the first accepted and
# accepts what it refused; the fake server with another greeting) each difference is
# reported as "difference at FILE:LINE: LINE: recorded CODE, got CODE" and the exit status
# is 1. Without TARGET the transcript's own "# target" is used (IPv4 and IPv6). An AUTH
# PLAIN line recorded as [redacted] (Postfix with Dovecot) is never guessed: in batch mode
# without $SMTPSH_REDACTED_1 the replay stops (exit 2) naming the variable and the line;
# with it, it authenticates (235 as recorded) and the secret shows nowhere, nor in a
# transcript of the replay; a wrong one is a difference (535). /auth LOGIN replays too: the
# user name's line goes out as the base64 that was sent, without the decoding shown next to
# it. A server that closes the connection mid-way is a difference; no server at all is a
# connection failure (exit 3). A transcript cut mid-line
# (a killed session) replays up to the cut, with a warning naming the line; a file that is
# no transcript is refused (exit 2) with FILE:LINE, before anything is sent.
source "$(dirname "$0")/lib.sh"

for v in $(compgen -v SMTPSH_REDACTED_); do
	unset "$v"
done

# The server of the recordings: Postfix with AUTH through Dovecot (offered in plaintext).
start_postfix_auth Repl4y-pw
WRONG_B64=$(printf '\0%s\0%s' "$AUTH_USER" "not-the-password" | base64 -w0)
P1=$PF_PORT
P1_LOG=$PF_LOG
T1=127.0.0.1:$P1
# A server that changed since: the recipient accepted before is refused now, and the one
# refused before is accepted.
start_postfix --main 'smtpd_recipient_restrictions = check_recipient_access inline:{ { b@example.test = 550 5.7.1 Refused by the changed policy } }, permit'
P2=$PF_PORT
P2_LOG=$PF_LOG
T2=127.0.0.1:$P2
[[ $P1 != "$P2" ]] || _die "two Postfix instances on one port"
# assertions on Postfix's log: the first instance unless told otherwise
PF_LOG=$P1_LOG

# The session recorded: every line goes to Postfix as it was typed.
SESSION=(-c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>'
	-c 'RCPT TO:<reject@example.test>' -c DATA -c 'Subject: replay test' -c ''
	-c 'a line of the replayed message' -c . -c QUIT)
# What the replay sends again, in order
SENT_RE=('^-> EHLO client\.example$' '^-> MAIL FROM:<a@example\.test>$' '^-> RCPT TO:<b@example\.test>$'
	'^-> RCPT TO:<reject@example\.test>$' '^-> DATA$' '^-> Subject: replay test$' '^-> ?$'
	'^-> a line of the replayed message$' '^-> \.$' '^-> QUIT$')

# ------------------------------------------------------------------ record, replay (text)
REC=$SCRATCH/session.txt
run_smtpsh --transcript "$REC" "${SESSION[@]}" "$T1"
assert_rc 0
assert_out_matches '^<- 550 5\.7\.1 <reject@example\.test>'
assert_out_matches '^<- 250 2\.0\.0 Ok: queued as '
LC_ALL=C grep -aqE '^[0-9T:.Z-]{24} <- 550 5\.7\.1 ' "$REC" || fail "the transcript lacks the 550"

run_smtpsh --replay "$REC" "$T1"
assert_rc 0
assert_out_contains "** replaying 10 client lines of $REC"
assert_out_contains "** connected to 127.0.0.1 port $P1"
assert_out_sequence '^<- 220 ' "${SENT_RE[@]}" '^<- 221 '
assert_out_matches '^<- 550 5\.7\.1 <reject@example\.test>'
assert_out_contains '** replay: 10 lines sent, every reply code as recorded'
assert_out_not_contains 'difference'
# Postfix saw the same session: the message text went as message text, not as commands
assert_pflog_matches 'from=<a@example\.test>, size=[0-9]+, nrcpt=1'
assert_pflog_matches 'disconnect from .* ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5/6$'

# ------------------------------------------------------------------ the same from JSONL
RECJ=$SCRATCH/session.jsonl
run_smtpsh --transcript "$RECJ" --transcript-format jsonl "${SESSION[@]}" "$T1"
assert_rc 0
head -n 1 "$RECJ" | grep -qF '"type":"header"' || fail "not a JSONL transcript: $(head -n 2 "$RECJ")"
run_smtpsh --replay "$RECJ" "$T1"
assert_rc 0
assert_out_contains "** replaying 10 client lines of $RECJ"
assert_out_sequence '^<- 220 ' "${SENT_RE[@]}" '^<- 221 '
assert_out_contains '** replay: 10 lines sent, every reply code as recorded'
assert_out_not_contains 'difference'
assert_pflog_matches 'disconnect from .* ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5/6$'

# ------------------------------------------------------------------ without TARGET: the header's
run_smtpsh --replay "$REC"
assert_rc 0
assert_out_contains "** connected to 127.0.0.1 port $P1"
assert_out_contains '** replay: 10 lines sent, every reply code as recorded'
assert_pflog_matches 'disconnect from .* ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5/6$'
run_smtpsh --replay "$RECJ"
assert_rc 0
assert_out_contains "** connected to 127.0.0.1 port $P1"
assert_out_contains '** replay: 10 lines sent, every reply code as recorded'
# ... over IPv6 too
REC6=$SCRATCH/v6.txt
run_smtpsh --transcript "$REC6" -c 'EHLO client.example' -c 'NOOP' -c QUIT "[::1]:$P1"
assert_rc 0
run_smtpsh --replay "$REC6"
assert_rc 0
assert_out_contains "** connected to [::1] port $P1"
assert_out_contains '** replay: 3 lines sent, every reply code as recorded'
assert_pflog_contains 'connect from unknown[::1]'

# ------------------------------------------------------------------ a server that changed
L_B=$(lineno "$REC" '^[0-9T:.Z-]{24} -> RCPT TO:<b@example\.test>$')
L_R=$(lineno "$REC" '^[0-9T:.Z-]{24} -> RCPT TO:<reject@example\.test>$')
run_smtpsh --replay "$REC" "$T2"
assert_rc 1
assert_out_contains "** connected to 127.0.0.1 port $P2"
assert_difference "$REC" "$L_B" 'RCPT TO:<b@example.test>' '250( 2\.1\.5)?' '550( 5\.7\.1)?'
assert_difference "$REC" "$L_R" 'RCPT TO:<reject@example.test>' '550( 5\.7\.1)?' '250( 2\.1\.5)?'
n=$(grep -c '^!! difference at ' "$OUT" || true)
((n == 2)) || fail "$n differences reported, not 2"
# the replay went on to the end
assert_out_sequence "${SENT_RE[@]}"
assert_out_matches "^!! replay: 10 lines sent, 2 differences from $(re_quote "$REC")\$"
assert_out_not_contains 'every reply code as recorded'
# (the second Postfix's log, which the replay is the only session to reach)
for ((i = 0; i < 50; i++)); do
	grep -qF 'Refused by the changed policy' "$P2_LOG" && break
	sleep 0.1
done
grep -qF 'Refused by the changed policy' "$P2_LOG" || fail "the second Postfix logged no refusal"
# the JSONL transcript: the same differences, at its own line numbers
L_B=$(lineno "$RECJ" '"line":"RCPT TO:<b@example\.test>"')
L_R=$(lineno "$RECJ" '"line":"RCPT TO:<reject@example\.test>"')
run_smtpsh --replay "$RECJ" "$T2"
assert_rc 1
assert_difference "$RECJ" "$L_B" 'RCPT TO:<b@example.test>' '250( 2\.1\.5)?' '550( 5\.7\.1)?'
assert_difference "$RECJ" "$L_R" 'RCPT TO:<reject@example.test>' '550( 5\.7\.1)?' '250( 2\.1\.5)?'
n=$(grep -c '^!! difference at ' "$OUT" || true)
((n == 2)) || fail "$n differences reported, not 2"
# a TARGET wins over the header's target, and the header's still works
run_smtpsh --replay "$REC"
assert_rc 0
assert_out_contains "** connected to 127.0.0.1 port $P1"

# The fake server: another greeting, and 250 for the recipient refused before.
start_fake replay-changed.scn
L_G=$(lineno "$REC" '^[0-9T:.Z-]{24} <- 220 ')
L_R=$(lineno "$REC" '^[0-9T:.Z-]{24} -> RCPT TO:<reject@example\.test>$')
run_smtpsh --replay "$REC" "$FAKE_TARGET"
assert_rc 1
assert_difference "$REC" "$L_G" '(greeting)' '220' '554( 5\.3\.2)?'
assert_difference "$REC" "$L_R" 'RCPT TO:<reject@example.test>' '550( 5\.7\.1)?' '250'
n=$(grep -c '^!! difference at ' "$OUT" || true)
((n == 2)) || fail "$n differences reported, not 2"
assert_out_matches "^!! replay: 10 lines sent, 2 differences from $(re_quote "$REC")\$"
wait_fake
# the fake server got every client line again, byte for byte (the blank line of the
# message included), and nothing else
got=$(cat "$FAKE_LOG")
want=$(printf '%s\n' 'EHLO client.example' 'MAIL FROM:<a@example.test>' 'RCPT TO:<b@example.test>' \
	'RCPT TO:<reject@example.test>' DATA 'Subject: replay test' '' 'a line of the replayed message' \
	. QUIT CLOSED)
[[ $got == "$want" ]] || fail "the fake server received:
$got
--- expected:
$want"

# A server that closes the connection after EHLO: the line it did not answer is a
# difference, and the replay stops there.
start_fake close-no-reply.scn
L_M=$(lineno "$REC" '^[0-9T:.Z-]{24} -> MAIL FROM:')
run_smtpsh --replay "$REC" "$FAKE_TARGET"
assert_rc 1
assert_out_matches "^!! difference at $(re_quote "$REC"):$L_M: .*(connection|no reply)"
assert_out_not_contains '-> RCPT'
assert_out_matches "^!! replay: 2 lines sent, 1 difference from $(re_quote "$REC")\$"
wait_fake
# Nothing listening: a connection failure (exit 3), not a difference.
run_smtpsh --replay "$REC" "127.0.0.1:$(free_port)"
assert_rc 3
assert_out_contains 'Connection refused'
assert_out_not_contains '-> EHLO'

# ------------------------------------------------------------------ AUTH PLAIN [redacted]
RECA=$SCRATCH/auth.txt
SMTPSH_SECRET=$AUTH_PASS run_smtpsh --transcript "$RECA" -c 'EHLO client.example' \
	-c "/auth PLAIN $AUTH_USER" -c '/expect 235' -c 'MAIL FROM:<a@example.test>' -c QUIT "$T1"
assert_rc 0
assert_no_secret "$RECA"
L_A=$(lineno "$RECA" '^[0-9T:.Z-]{24} -> AUTH PLAIN \[redacted\]$')
LC_ALL=C grep -aqE '^[0-9T:.Z-]{24} <- 235 2\.7\.0 ' "$RECA" || fail "the transcript lacks the 235"

# batch mode (stdin is no terminal) without the variable: no prompt, nothing guessed, exit 2
run_smtpsh --replay "$RECA" "$T1"
assert_rc 2
assert_out_matches "^!! $(re_quote "$RECA"):$L_A: .*SMTPSH_REDACTED_1"
assert_out_not_contains '-> AUTH'
assert_out_not_contains 'every reply code as recorded'
assert_elapsed_lt 10
assert_pflog_not_contains 'auth='
assert_no_secret

# with it: authenticated, 235 as recorded; the secret shows nowhere, not in a transcript
# of the replay either
RT=$SCRATCH/auth-replayed.txt
SMTPSH_REDACTED_1="AUTH PLAIN $PLAIN_B64" run_smtpsh --transcript "$RT" --replay "$RECA" "$T1"
assert_rc 0
assert_out_matches '^-> AUTH PLAIN \[redacted\]$'
assert_out_matches '^<- 235 2\.7\.0 '
assert_out_contains '** replay: 4 lines sent, every reply code as recorded'
assert_pflog_matches 'disconnect from .* ehlo=1 auth=1 mail=1 quit=1 commands=4$'
assert_no_secret "$RT"
[[ -s $RT ]] || fail "--transcript with --replay wrote nothing"
LC_ALL=C grep -aqE '^[0-9T:.Z-]{24} -> AUTH PLAIN \[redacted\]$' "$RT" ||
	fail "the replay's transcript lacks the redacted AUTH line"
# the JSONL transcript of the same session replays the same way
RECAJ=$SCRATCH/auth.jsonl
SMTPSH_SECRET=$AUTH_PASS run_smtpsh --transcript "$RECAJ" --transcript-format jsonl \
	-c 'EHLO client.example' -c "/auth PLAIN $AUTH_USER" -c '/expect 235' -c QUIT "$T1"
assert_rc 0
assert_no_secret "$RECAJ"
run_smtpsh --replay "$RECAJ" "$T1"
assert_rc 2
assert_out_contains 'SMTPSH_REDACTED_1'
SMTPSH_REDACTED_1="AUTH PLAIN $PLAIN_B64" run_smtpsh --replay "$RECAJ" "$T1"
assert_rc 0
assert_out_matches '^<- 235 2\.7\.0 '
assert_out_contains 'every reply code as recorded'
assert_no_secret
# a wrong secret: the server says 535 where the transcript says 235
SMTPSH_REDACTED_1="AUTH PLAIN $WRONG_B64" run_smtpsh --replay "$RECA" "$T1"
assert_rc 1
assert_out_matches '^<- 535 5\.7\.8 '
assert_difference "$RECA" "$L_A" 'AUTH PLAIN [redacted]' '235( 2\.7\.0)?' '535( 5\.7\.8)?'
assert_out_not_contains "$WRONG_B64"
assert_pflog_matches 'disconnect from .* auth=0/1 '
assert_any_contains "$(basename "$RECA")"

# ------------------------------------------------------------------ cut mid-line
# The session was killed while writing "-> DATA": the file ends in the middle of that line.
L_D=$(lineno "$REC" '^[0-9T:.Z-]{24} -> DATA$')
CUT=$SCRATCH/cut.txt
{
	head -n $((L_D - 1)) "$REC"
	sed -n "${L_D}p" "$REC" | head -c 27
} >"$CUT"
[[ $(tail -c 1 "$CUT") != '' ]] || _die "the cut file ends with a newline"
run_smtpsh --replay "$CUT" "$T1"
assert_rc 0
assert_out_matches "^!! $(re_quote "$CUT"):$L_D: .*cut short"
assert_out_sequence "${SENT_RE[@]:0:4}"
assert_out_not_contains '-> DATA'
assert_out_contains '** replay: 4 lines sent, every reply code as recorded'
assert_pflog_matches 'disconnect from .* ehlo=1 mail=1 rcpt=1/2 commands=3/4$'
# the same in JSONL, cut in the middle of the object of the "." line
L_D=$(lineno "$RECJ" '"dir":"sent".*"line":"\."')
CUTJ=$SCRATCH/cut.jsonl
{
	head -n $((L_D - 1)) "$RECJ"
	sed -n "${L_D}p" "$RECJ" | head -c 40
} >"$CUTJ"
run_smtpsh --replay "$CUTJ" "$T1"
assert_rc 0
assert_out_matches "^!! $(re_quote "$CUTJ"):$L_D: .*cut short"
assert_out_sequence "${SENT_RE[@]:0:8}"
assert_out_not_matches '^-> \.$'
assert_out_contains '** replay: 8 lines sent, every reply code as recorded'

# ------------------------------------------------------------------ not a transcript
G1=$SCRATCH/garbage.txt
printf 'Hello,\nthis is a mail, not a transcript.\n' >"$G1"
run_smtpsh --replay "$G1" "$T1"
assert_rc 2
assert_any_matches "$(re_quote "$G1"):1: "
assert_out_not_contains 'connected'
# good lines, then a bad one (line 12)
G2=$SCRATCH/garbage2.txt
{
	head -n 11 "$REC"
	echo 'this line is no event of a transcript'
	tail -n +12 "$REC"
} >"$G2"
run_smtpsh --replay "$G2" "$T1"
assert_rc 2
assert_any_matches "$(re_quote "$G2"):12: "
assert_out_not_contains 'connected'
assert_out_not_contains '-> EHLO'
# a broken JSON object on line 3 of a JSONL transcript
G3=$SCRATCH/garbage3.jsonl
{
	head -n 2 "$RECJ"
	echo '{"t":"2026-11-23T06:00:00.123Z","dir":"sent","tls":false,"line":"NOOP",}'
	tail -n +4 "$RECJ"
} >"$G3"
run_smtpsh --replay "$G3" "$T1"
assert_rc 2
assert_any_matches "$(re_quote "$G3"):3: "
assert_out_not_contains 'connected'
# random bytes
G4=$SCRATCH/garbage4.bin
head -c 4096 /dev/urandom >"$G4"
run_smtpsh --replay "$G4" "$T1"
assert_rc 2
assert_any_matches "$(re_quote "$G4"):[0-9]+: "
assert_out_not_contains 'connected'
# no such file
run_smtpsh --replay "$SCRATCH/no-such-file" "$T1"
assert_rc 2
assert_any_contains "$SCRATCH/no-such-file"
assert_out_not_contains 'connected'

# ------------------------------------------------------------------ AUTH LOGIN
# /auth LOGIN shows the user name's line with its decoding, "-> BASE64 (decoded: USER)";
# the decoding is for the reader: the replay sends the base64 alone, as it went on the
# wire, and the password's line ([redacted]) from $SMTPSH_REDACTED_1.
RECL=$SCRATCH/auth-login.txt
SMTPSH_SECRET=$AUTH_PASS run_smtpsh --transcript "$RECL" -c 'EHLO client.example' \
	-c "/auth LOGIN $AUTH_USER" -c '/expect 235' -c QUIT "$T1"
assert_rc 0
assert_no_secret "$RECL"
n=$(grep -cE '^[0-9T:.Z-]{24} -> \[redacted\]$' "$RECL" || true)
((n == 1)) || fail "$n [redacted] lines in the AUTH LOGIN transcript, not 1 (the password's)"
SMTPSH_REDACTED_1=$PASS_B64 run_smtpsh --replay "$RECL" "$T1"
assert_out_not_contains 'difference'
assert_out_matches '^<- 235 2\.7\.0 '
assert_out_contains '** replay: 5 lines sent, every reply code as recorded'
assert_rc 0
assert_pflog_not_contains 'Invalid base64'
assert_pflog_matches 'disconnect from .* ehlo=1 auth=1 quit=1 commands=3$'
assert_no_secret

pass
