#!/bin/bash
# smtpsh --replay of sessions that sent messages with /send, whose transcripts hold a summary
# ("sent FILE: N lines, M octets on the wire") and, for --bdat, "BDAT n" lines without their n
# octets, never the text.
#
# The bug report's session (STARTTLS, AUTH, /send FILE, /send FILE --bdat, each /expect 250)
# recorded against Postfix replays against it with --replay-message FILE (one per message,
# in order): every reply code as recorded (exit 0), the messages sent as /send sends them
# (dot-stuffed DATA; BDAT chunks of the recorded size) and received whole by Postfix (their
# Message-ID, their last body line seen by body_checks, their size), with the same commands
# as the recording. Without --replay-message the file the transcript names is never read
# (although it is there): the test message goes in its place with a warning, with DATA and
# with BDAT, the session stays in step (QUIT gets 221, well within the timeout, no command
# taken as chunk data), and the reply codes are compared all the same. One other file given
# once goes for both messages. A count of files that fits neither rule, a missing file, or
# --replay-message without --replay is a usage error (exit 2) before connecting; a file for a
# transcript without such a message is warned about and not sent.
#
# Against the project's fake server, which logs every byte it gets: a replay with the files
# delivers byte for byte what the recording did (JSONL transcript this time); BDAT typed by
# hand replays with its chunk data and compares its reply after the data. Against a Postfix
# with a small message_size_limit, the message's end is a difference (552) for DATA and for
# BDAT, reported as "difference at FILE:LINE: /send FILE[ --bdat]: recorded 250, got 552".
# A 40 MB message recorded as one BDAT chunk replays in chunks of 16 MiB, not one of 40 MB.
source "$(dirname "$0")/lib.sh"

for v in $(compgen -v SMTPSH_REDACTED_); do
	unset "$v"
done

# mkmsg NAME: $SCRATCH/NAME.eml, LF line endings, Message-ID <replay-NAME@example.test>, lines
# starting with "." and lone "." lines (unstuffed, one would end a DATA message early), ending
# with the line "end of NAME".
mkmsg() {
	local i
	{
		printf 'From: <a@example.test>\nTo: <b@example.test>\nSubject: replay of /send %s\n' "$1"
		printf 'Message-ID: <replay-%s@example.test>\n\n' "$1"
		for ((i = 1; i <= 40; i++)); do
			case $((i % 10)) in
			3) printf '.line %02d of %s starts with a dot\n' "$i" "$1" ;;
			6) printf '.\n' ;;
			*) printf 'line %02d of the message %s\n' "$i" "$1" ;;
			esac
		done
		printf 'end of %s\n' "$1"
	} >"$SCRATCH/$1.eml"
}
mkmsg first
mkmsg second
mkmsg other
M1=$SCRATCH/first.eml
M2=$SCRATCH/second.eml
M3=$SCRATCH/other.eml
# on the wire: CRLF line endings; DATA also doubles the leading dots
wire_data() { echo $(($(wc -c <"$1") + $(wc -l <"$1") + $(grep -c '^\.' "$1"))); }
wire_bdat() { echo $(($(wc -c <"$1") + $(wc -l <"$1"))); }
N1=$(wc -l <"$M1")
NDOTS1=$(grep -c '^\.' "$M1")
O1=$(wire_data "$M1")
O2=$(wire_bdat "$M2")
CHUNK=500
((O2 > 2 * CHUNK)) || _die "second.eml is too small for several chunks"

# Postfix logs the last line of every message it receives (body_checks WARN).
printf '/^end of ([a-z]+)$/ WARN replay body end\n' >"$SCRATCH/body_checks"
chmod 644 "$SCRATCH/body_checks"
# AUTH only after STARTTLS, as a submission server has it.
start_postfix_auth Repl4y-send --tls --main "body_checks = regexp:$SCRATCH/body_checks"
T=127.0.0.1:$PF_PORT

# the part of Postfix's "disconnect from" line that counts the commands, since the last run
pf_commands() {
	pflog_wait_disconnect
	_pflog_since | LC_ALL=C sed -n -E 's/.*: disconnect from [^ ]+ (.*)$/\1/p' | tail -n 1
}

# check_delivered QID NAME: Postfix received the message NAME.eml whole as QID
check_delivered() {
	wait_maillog "$1: message-id=<replay-$2@example\.test>"
	wait_maillog "$1: warning: body end of $2 from "
	wait_maillog "$1: to=<b@example\.test>.* status=sent "
}

# ------------------------------------------------------------------ the bug report's session
REC=$SCRATCH/report.txt
SESSION=(-c 'EHLO client.example' -c STARTTLS -c '/expect 220' -c 'EHLO client.example'
	-c "/auth PLAIN $AUTH_USER" -c '/expect 235'
	-c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' -c "/send $M1" -c '/expect 250'
	-c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>'
	-c "/send $M2 --bdat --chunk $CHUNK" -c '/expect 250' -c QUIT)
SMTPSH_SECRET=$AUTH_PASS run_smtpsh --transcript "$REC" "${SESSION[@]}" "$T"
assert_rc 0
assert_no_secret "$REC"
mapfile -t REC_QIDS < <(postfix_queue_ids)
((${#REC_QIDS[@]} == 2)) || fail "the recording queued ${#REC_QIDS[@]} messages, not 2"
check_delivered "${REC_QIDS[0]}" first
check_delivered "${REC_QIDS[1]}" second
REC_CMDS=$(pf_commands)
[[ $REC_CMDS == *'ehlo=2 starttls=1 auth=1 mail=2 rcpt=2 data=1 bdat='*' quit=1 '* ]] ||
	fail "unexpected command counts for the recording: $REC_CMDS"
# What the transcript holds: summaries and BDAT lines, not a line of either text.
TS_RE='^[0-9T:.Z-]{24}'
LC_ALL=C grep -aqE "$TS_RE \*\* sent $(re_quote "$M1"): $N1 lines, $O1 octets on the wire" "$REC" ||
	fail "the transcript has no summary of /send first.eml"
NCHUNKS=$(LC_ALL=C grep -acE "$TS_RE ~> BDAT $CHUNK\$" "$REC" || true)
((NCHUNKS == O2 / CHUNK)) || fail "the transcript has $NCHUNKS chunks of $CHUNK octets, not $((O2 / CHUNK))"
LC_ALL=C grep -aqE "$TS_RE \*\* \($CHUNK octets of chunk data\)\$" "$REC" ||
	fail "the transcript does not say the BDAT lines carried chunk data"
! LC_ALL=C grep -aqE 'end of|line 0[0-9] of' "$REC" || fail "the transcript holds message text"
L1=$(lineno "$REC" "$TS_RE ~> DATA\$")
L2=$(lineno "$REC" "$TS_RE ~> BDAT $CHUNK\$")
# the replayed session, in order
REPLAY_RE=('^<- 220 ' '^-> STARTTLS$' '^~> EHLO client\.example$' '^~> AUTH PLAIN \[redacted\]$'
	'^<~ 235 ' '^~> DATA$' '^<~ 354 ' '^~> \.$' '^<~ 250 2\.0\.0 Ok: queued as '
	"^~> BDAT [0-9]+ LAST\$" '^<~ 250 2\.0\.0 Ok: [0-9]+ bytes queued as ' '^~> QUIT$' '^<~ 221 ')

# --- one file per message, in order: as recorded, and Postfix gets both whole
SMTPSH_REDACTED_1="AUTH PLAIN $PLAIN_B64" run_smtpsh --timeout 10 --replay "$REC" \
	--replay-message "$M1" --replay-message "$M2"
assert_rc 0
assert_out_contains "** replaying 9 client lines and 2 messages of $REC"
assert_out_sequence "${REPLAY_RE[@]}"
assert_out_sequence "^\*\* $(re_quote "$REC"):$L1: /send $(re_quote "$M1"): sending $(re_quote "$M1") in its place" \
	'^~> DATA$' "^\*\* sent $(re_quote "$M1"): $N1 lines, $O1 octets on the wire \(line endings made CRLF\)\$" \
	'^\*\* '"$NDOTS1"' lines starting with "\." dot-stuffed$' '^~> \.$' \
	"^\*\* $(re_quote "$REC"):$L2: /send $(re_quote "$M2") --bdat: sending $(re_quote "$M2")" \
	"^~> BDAT $CHUNK\$" "^<~ 250 2\.0\.0 Ok: $CHUNK bytes\$" \
	"^~> BDAT $((O2 % CHUNK)) LAST\$" "^<~ 250 2\.0\.0 Ok: $O2 bytes queued as " \
	"^\*\* sent $(re_quote "$M2"): [0-9]+ lines, $O2 octets on the wire"
n=$(grep -cx -- "~> BDAT $CHUNK" "$OUT" || true)
((n == NCHUNKS)) || fail "the replay sent $n chunks of $CHUNK octets, the recording $NCHUNKS"
assert_out_contains '** replay: 9 lines and 2 messages sent, every reply code as recorded'
assert_out_not_contains 'difference'
assert_out_not_contains 'not recorded'
assert_no_secret
mapfile -t QIDS < <(postfix_queue_ids)
((${#QIDS[@]} == 2)) || fail "the replay queued ${#QIDS[@]} messages, not 2"
check_delivered "${QIDS[0]}" first
check_delivered "${QIDS[1]}" second
# the same texts as recorded: the sizes differ only by the queue ids in Received:
for i in 0 1; do
	s_rec=$(maillog_size "${REC_QIDS[i]}")
	s_rep=$(maillog_size "${QIDS[i]}")
	[[ -n $s_rec && -n $s_rep ]] || fail "no size= in the maillog for ${REC_QIDS[i]} / ${QIDS[i]}"
	((s_rec - ${#REC_QIDS[i]} == s_rep - ${#QIDS[i]})) ||
		fail "message $((i + 1)): $s_rep octets stored by the replay, $s_rec by the recording"
done
# and the same commands, chunk for chunk
[[ $(pf_commands) == "$REC_CMDS" ]] || fail "Postfix counted $(pf_commands) for the replay, $REC_CMDS for the recording"

# --- no --replay-message: the test message in place of each, the session in step
SMTPSH_REDACTED_1="AUTH PLAIN $PLAIN_B64" run_smtpsh --timeout 10 --replay "$REC"
assert_rc 0
assert_out_sequence "${REPLAY_RE[@]}"
assert_out_sequence \
	"^!! $(re_quote "$REC"):$L1: /send $(re_quote "$M1"): the message text was not recorded \($O1 octets on the wire\); sending the test message in its place \(--replay-message FILE sends a file\)\$" \
	'^~> DATA$' '^\*\* sent the test message: ' '^~> \.$' '^<~ 250 ' \
	"^!! $(re_quote "$REC"):$L2: /send $(re_quote "$M2") --bdat: the message text was not recorded \($O2 octets on the wire\)" \
	'^~> BDAT [0-9]+ LAST$' '^<~ 250 ' '^\*\* sent the test message: ' '^~> QUIT$' '^<~ 221 '
assert_out_contains '** replay: 9 lines and 2 messages sent, every reply code as recorded'
assert_out_not_contains 'difference'
# a desynchronised session would wait out the 10 s timeout
assert_elapsed_lt 5
mapfile -t QIDS < <(postfix_queue_ids)
((${#QIDS[@]} == 2)) || fail "the replay without files queued ${#QIDS[@]} messages, not 2"
for q in "${QIDS[@]}"; do
	wait_maillog "$q: message-id=<[^>]*\.smtpsh@"
	wait_maillog "$q: to=<b@example\.test>.* status=sent "
done
# the files the transcript names are there, but were not read
[[ -s $M1 && -s $M2 ]] || _die "the message files are gone"
assert_pflog_not_contains 'replay-first@'
assert_pflog_not_contains 'end of first'
assert_pflog_not_contains 'end of second'
CMDS=$(pf_commands)
[[ $CMDS =~ ^ehlo=2\ starttls=1\ auth=1\ mail=2\ rcpt=2\ data=1\ bdat=[0-9]+\ quit=1\ commands=([0-9]+)$ ]] ||
	fail "Postfix counted these commands for the replay without files: $CMDS"

# --- another file, given once: it goes for both messages
SMTPSH_REDACTED_1="AUTH PLAIN $PLAIN_B64" run_smtpsh --timeout 10 --replay "$REC" --replay-message "$M3"
assert_rc 0
assert_out_matches "^\*\* $(re_quote "$REC"):$L1: /send $(re_quote "$M1"): sending $(re_quote "$M3") in its place"
assert_out_matches "^\*\* $(re_quote "$REC"):$L2: /send $(re_quote "$M2") --bdat: sending $(re_quote "$M3") in its place"
assert_out_contains '** replay: 9 lines and 2 messages sent, every reply code as recorded'
mapfile -t QIDS < <(postfix_queue_ids)
((${#QIDS[@]} == 2)) || fail "the replay with other.eml queued ${#QIDS[@]} messages, not 2"
check_delivered "${QIDS[0]}" other
check_delivered "${QIDS[1]}" other
assert_pflog_not_contains 'end of first'

# --- usage errors, before connecting
for args in "--replay-message $M1 --replay-message $M2 --replay-message $M3" \
	"--replay-message $SCRATCH/no-such.eml" "--replay-message $SCRATCH"; do
	# shellcheck disable=SC2086  # the words of args
	run_smtpsh --replay "$REC" $args
	assert_rc 2
	assert_out_not_contains 'connected'
	assert_out_not_matches '^(->|~>) '
done
run_smtpsh --replay "$REC" --replay-message "$M1" --replay-message "$M2" --replay-message "$M3"
assert_rc 2
assert_out_contains "$REC records 2 messages sent from a file, and --replay-message was given 3 times"
run_smtpsh --replay "$REC" --replay-message "$SCRATCH/no-such.eml"
assert_rc 2
assert_out_contains "--replay-message $SCRATCH/no-such.eml: No such file or directory"
run_smtpsh --replay-message "$M1" -c QUIT "$T"
assert_rc 2
assert_any_contains '--replay-message goes with --replay'
assert_out_not_contains 'connected'

# ------------------------------------------------------------------ byte for byte (fake server)
# five sessions: the recording, the replay with the files, the one without, then BDAT typed
# by hand recorded and replayed
start_fake esmtp.scn --connections 5
RECF=$SCRATCH/fake.jsonl
run_smtpsh --transcript "$RECF" --transcript-format jsonl -c 'EHLO client.example' \
	-c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' -c "/send $M1" -c '/expect 250' \
	-c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' -c "/send $M2 --chunk 300" \
	-c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
run_smtpsh --timeout 10 --replay "$RECF" --replay-message "$M1" --replay-message "$M2"
assert_rc 0
assert_out_contains '** replay: 6 lines and 2 messages sent, every reply code as recorded'
run_smtpsh --timeout 10 --replay "$RECF"
assert_rc 0
assert_out_contains '** replay: 6 lines and 2 messages sent, every reply code as recorded'
assert_elapsed_lt 5
RECB=$SCRATCH/typed-bdat.txt
run_smtpsh --transcript "$RECB" -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c 'BDAT 7' -c 'hello' -c '/expect 250' -c 'BDAT 19 LAST' \
	-c 'QUIT is data here' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
run_smtpsh --timeout 10 --replay "$RECB"
assert_rc 0
assert_out_sequence '^-> BDAT 7$' '^-> hello$' '^<- 250 2\.0\.0 chunk received$' '^-> BDAT 19 LAST$' \
	'^-> QUIT is data here$' '^<- 250 2\.0\.0 chunk received$' '^-> QUIT$' '^<- 221 '
assert_out_contains '** replay: 8 lines sent, every reply code as recorded'
assert_out_not_contains 'difference'
assert_out_not_contains 'unsolicited'
assert_elapsed_lt 5

wait_fake
# the log of each session, ending at its CLOSED
mapfile -t S < <("$PYTHON" -c '
import sys
for part in open(sys.argv[1], encoding="utf-8").read().split("CLOSED\n")[:-1]:
    print(part.replace("\\", "\\\\").replace("\n", "\\n"))' "$FAKE_LOG")
((${#S[@]} == 5)) || fail "the fake server logged ${#S[@]} sessions, not 5"
[[ ${S[1]} == "${S[0]}" ]] || fail "the replay with the files sent other bytes than the recording:
${S[1]}
--- recorded:
${S[0]}"
[[ ${S[0]} == *'\n..line 03 of first starts with a dot\n'*'\nend of first\n.\n'* ]] ||
	fail "the recording's DATA is not the dot-stuffed file: ${S[0]}"
[[ ${S[0]} == *'BDAT-DATA '*'end of second\\x0d\\x0a\n'* ]] ||
	fail "the recording's chunks do not hold second.eml: ${S[0]}"
# without the files: the test message both times, every command a command
[[ ${S[2]} != *'of first'* && ${S[2]} != *'of second'* ]] || fail "a message file was read: ${S[2]}"
[[ ${S[2]} == *'\nDATA\n'*'Message-ID: <'*'\n.\nMAIL FROM:<a@example.test>\nRCPT TO:<b@example.test>\nBDAT '*'LAST\nBDAT-CHUNK '*'\nQUIT\n' ]] ||
	fail "the replay without files did not send the test message with DATA, then BDAT, then QUIT: ${S[2]}"
[[ ${S[2]} != *UNEXPECTED* && ${S[2]} != *'BDAT-DATA BDAT'* ]] || fail "the session fell out of step: ${S[2]}"
[[ ${S[4]} == "${S[3]}" ]] || fail "typed BDAT replayed as:
${S[4]}
--- recorded:
${S[3]}"
[[ ${S[3]} == *'BDAT-DATA QUIT is data here\\x0d\\x0a\nQUIT\n' ]] || fail "typed BDAT recorded as: ${S[3]}"

# ------------------------------------------------------------------ a server that changed
# Postfix with a small size limit refuses both messages at their end: a difference each.
start_postfix --main 'message_size_limit = 1000'
P2=127.0.0.1:$PF_PORT
LD=$(lineno "$RECF" '"dir":"sent".*"line":"DATA"')
LB=$(lineno "$RECF" '"dir":"sent".*"line":"BDAT 300"')
run_smtpsh --timeout 10 --replay "$RECF" "$P2" --replay-message "$M1" --replay-message "$M2"
assert_rc 1
assert_out_matches "^!! difference at $(re_quote "$RECF"):$LD: /send $(re_quote "$M1"): recorded 250 2\.0\.0, got 552 5\.3\.4\$"
assert_out_matches "^!! difference at $(re_quote "$RECF"):$LB: /send $(re_quote "$M2") --bdat: recorded 250 2\.0\.0, got 552 5\.3\.4\$"
n=$(grep -c '^!! difference at ' "$OUT" || true)
((n == 2)) || fail "$n differences reported, not 2"
assert_out_matches "^!! replay: 6 lines and 2 messages sent, 2 differences from $(re_quote "$RECF")\$"
assert_out_sequence '^-> QUIT$' '^<- 221 '
assert_elapsed_lt 5
# a file given for a transcript without a message of /send: said, and not sent
run_smtpsh --timeout 10 --replay "$RECB" "$P2" --replay-message "$M1"
assert_rc 0
assert_out_contains "!! warning: $RECB records no message sent from a file: --replay-message $M1 is not used"
assert_out_contains '** replay: 8 lines sent, every reply code as recorded'
assert_pflog_not_contains 'replay-first@'

# ------------------------------------------------------------------ a recorded 40 MB chunk
# A whole message recorded as one BDAT chunk: the replay sends it in chunks of at most
# 16 MiB, so its memory stays flat whatever size the transcript names.
BIGM=$SCRATCH/big.eml
{
	printf 'Subject: one big chunk\r\n\r\n'
	seq -f 'line %08g of a message sent as a single BDAT chunk, forty octets and more' 1 500000 |
		sed 's/$/\r/'
} >"$BIGM"
start_fake simple.scn --connections 2
RECC=$SCRATCH/one-chunk.txt
run_smtpsh --transcript "$RECC" -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c "/send $BIGM --bdat --chunk 100000000" -c '/expect 250' \
	-c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_matches '^-> BDAT [0-9]{8} LAST$'
run_smtpsh --timeout 20 --replay "$RECC" --replay-message "$BIGM"
assert_rc 0
assert_out_contains '** replay: 4 lines and 1 message sent, every reply code as recorded'
# /send holds one chunk at a time (send-large.sh checks its RSS): the chunk sizes on the
# wire are what bounds the replay's memory (RSS is no measure here under ASan's quarantine)
wait_fake
chunks=$(grep '^BDAT [0-9]' "$FAKE_LOG" | tr '\n' ' ')
[[ $chunks == "BDAT "[0-9]*" LAST BDAT 16777216 BDAT 16777216 BDAT "[0-9]*" LAST " ]] ||
	fail "recorded one chunk, replayed in 16 MiB chunks: the server got $chunks"

pass
