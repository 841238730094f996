#!/bin/bash
# /pipeline ... /pipeline end: against Postfix, MAIL, three RCPTs (one refused) and DATA go
# out before any reply, each reply is then shown with the command it answers, in order,
# and the message is accepted; the fake server proves each group came in one write;
# /pipeline cancel sends nothing; a refused DATA keeps the queued text back; BDAT in a
# pipeline; a group of 1100 RCPTs (over Postfix's recipient limit); without PIPELINING
# advertised the lines go one at a time; lines still queued at the end of the input are
# not dropped in silence.
source "$(dirname "$0")/lib.sh"

queue=(
	-c '/pipeline'
	-c 'MAIL FROM:<a@example.test>'
	-c 'RCPT TO:<b@example.test>'
	-c 'RCPT TO:<reject@example.test>'
	-c 'RCPT TO:<c@example.test>'
	-c 'DATA'
	-c 'Subject: pipelined'
	-c ''
	-c 'sent with /pipeline'
	-c '.'
	-c '/pipeline end'
)

# reply_answers REGEX COMMAND: the first reply line after the last match matching REGEX
# is followed by the note "answers: COMMAND"
_at=0
reply_answers() {
	local n
	n=$(out_line_match "$1" "$_at")
	((n > 0)) || fail "no reply matching /$1/ after line $_at"
	[[ $(sed -n "$((n + 1))p" "$OUT") == "   answers: $2" ]] ||
		fail "line $n ($1) is not followed by \"   answers: $2\""
	_at=$((n + 1))
}

# ---------------------------------------------------------------- Postfix

start_postfix
run_smtpsh -c 'EHLO client.example' -c '/expect 250' "${queue[@]}" -c '/expect 250' \
	-c '/expect 2.0.0' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_contains '** queueing SMTP lines: /pipeline end sends them, /pipeline cancel drops them'
assert_out_not_contains 'PIPELINING not advertised'
# the MAIL..DATA group: every line sent before the first reply to any of them
nmail=$(out_line_exact '-> MAIL FROM:<a@example.test>')
ndata=$(out_line_exact '-> DATA')
nreply=$(out_line_match '^<- ' "$nmail")
((nmail > 0 && ndata > nmail)) || fail "MAIL and DATA were not sent in order"
[[ $(sed -n "$((nmail + 1)),$((ndata - 1))p" "$OUT") == '-> RCPT TO:<b@example.test>
-> RCPT TO:<reject@example.test>
-> RCPT TO:<c@example.test>' ]] || fail "the RCPT lines are not between MAIL and DATA"
((nreply == ndata + 1)) || fail "a reply came before the whole group was sent (first reply: line $nreply)"
# then the replies in order, each followed by the command it answers
_at=$ndata
reply_answers '^<- 250 2\.1\.0 ' 'MAIL FROM:<a@example.test>'
reply_answers '^<- 250 2\.1\.5 ' 'RCPT TO:<b@example.test>'
reply_answers '^<- 550 5\.7\.1 <reject@example\.test>' 'RCPT TO:<reject@example.test>'
reply_answers '^<- 250 2\.1\.5 ' 'RCPT TO:<c@example.test>'
reply_answers '^<- 354 ' 'DATA'
# the message text goes after the 354, and its "." is answered with the queue id
assert_out_sequence '^\*\* message text now' '^-> Subject: pipelined$' '^-> $' \
	'^-> sent with /pipeline$' '^-> \.$'
reply_answers '^<- 250 2\.0\.0 Ok: queued as ' '.'
[[ $(grep -c '^   answers: ' "$OUT") == 6 ]] || fail "expected 6 \"answers:\" notes"
assert_out_sequence '^-> QUIT$' '^<- 221 '
# outside the pipeline no "answers:" note
n=$(out_line_exact '-> QUIT')
[[ $(sed -n "$((n + 2))p" "$OUT") != '   answers: QUIT' ]] || fail "QUIT's reply has an answers: note"
qid=$(postfix_queue_ids)
wait_maillog "$qid: to=<b@example.test>.* status=sent "
wait_maillog "$qid: to=<c@example.test>.* status=sent "
wait_maillog 'reject: RCPT from .*: 550 5\.7\.1 <reject@example\.test>'
# Postfix saw the group as pipelined input and logged no error for it
wait_maillog 'disconnect from .* ehlo=1 mail=1 rcpt=2/3 data=1 quit=1 commands=6/7'

# /pipeline cancel: nothing of the queue is sent; the session goes on
run_smtpsh -c 'EHLO client.example' -c '/pipeline' -c 'MAIL FROM:<cancel@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c DATA -c 'never sent' -c '/pipeline cancel' \
	-c NOOP -c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_contains '** dropped 4 queued lines'
assert_out_not_contains '-> MAIL'
assert_out_not_contains 'never sent'
assert_out_sequence '^\*\* dropped 4 queued lines$' '^-> NOOP$' '^<- 250 ' '^-> QUIT$' '^<- 221 '
wait_maillog 'disconnect from .* ehlo=1 noop=1 quit=1 commands=3$'
! grep -q 'cancel@example.test' "$PF_LOG" || fail "Postfix saw the cancelled MAIL"

# every recipient refused: Postfix answers the pipelined DATA with 554, and the queued
# message text is not sent (Postfix would take it for commands)
run_smtpsh -c 'EHLO client.example' -c '/pipeline' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<reject@example.test>' -c 'RCPT TO:<full@example.test>' -c DATA \
	-c 'Subject: refused' -c '' -c 'body' -c . -c '/pipeline end' -c '/expect 554' -c NOOP \
	-c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
_at=0
reply_answers '^<- 250 2\.1\.0 ' 'MAIL FROM:<a@example.test>'
reply_answers '^<- 550 5\.7\.1 ' 'RCPT TO:<reject@example.test>'
reply_answers '^<- 552 5\.2\.2 ' 'RCPT TO:<full@example.test>'
reply_answers '^<- 554 5\.5\.1 ' 'DATA'
assert_out_sequence '^!! DATA was not accepted: 4 queued lines of message text not sent$' \
	'^-> NOOP$' '^<- 250 ' '^-> QUIT$'
assert_out_not_contains '-> Subject: refused'
assert_out_not_contains '-> body'
wait_maillog 'disconnect from .* ehlo=1 mail=1 rcpt=0/2 data=0/1 noop=1 quit=1 commands=4/7$'

# BDAT pipelined with MAIL and RCPT (RFC 3030): the chunk data goes in the same write,
# and the three replies are matched to their commands
run_smtpsh -c 'EHLO client.example' -c '/pipeline' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c 'BDAT 7 LAST' -c 'hello' -c '/pipeline end' -c '/expect 250' \
	-c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
nmail=$(out_line_exact '-> MAIL FROM:<a@example.test>')
[[ $(sed -n "$((nmail + 1)),$((nmail + 3))p" "$OUT") == '-> RCPT TO:<b@example.test>
-> BDAT 7 LAST
-> hello' ]] || fail "MAIL, RCPT, BDAT and its data were not sent together"
_at=$nmail
reply_answers '^<- 250 2\.1\.0 ' 'MAIL FROM:<a@example.test>'
reply_answers '^<- 250 2\.1\.5 ' 'RCPT TO:<b@example.test>'
reply_answers '^<- 250 2\.0\.0 Ok: 7 bytes queued as ' 'BDAT 7 LAST'
qid=$(postfix_queue_ids)
wait_maillog "$qid: to=<b@example.test>.* status=sent "

# /pipeline end with nothing queued, and without /pipeline: said so
run_smtpsh -c '/pipeline' -c '/pipeline end' -c '/pipeline end' "127.0.0.1:$PF_PORT"
assert_rc 2
assert_out_contains '** nothing queued'
assert_out_contains '!! /pipeline end: nothing is being queued (start with /pipeline)'
stop_postfix

# ---------------------------------------------------------------- one write per group (fake)

start_fake pipeline-batch.scn
run_smtpsh -c 'EHLO client.example' "${queue[@]:0:16}" -c 'line two' -c '.' -c '/pipeline end' \
	-c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
_at=0
reply_answers '^<- 250 2\.1\.0 sender ok$' 'MAIL FROM:<a@example.test>'
reply_answers '^<- 250 2\.1\.5 first ok$' 'RCPT TO:<b@example.test>'
reply_answers '^<- 550 5\.7\.1 second refused$' 'RCPT TO:<reject@example.test>'
reply_answers '^<- 250 2\.1\.5 third ok$' 'RCPT TO:<c@example.test>'
reply_answers '^<- 354 go ahead$' 'DATA'
reply_answers '^<- 250 2\.0\.0 queued as BATCHED$' '.'
wait_fake
# the five commands in one read, then the three lines of text and the "." in one read
expected='EHLO client.example
MAIL FROM:<a@example.test>
RCPT TO:<b@example.test>
RCPT TO:<reject@example.test>
RCPT TO:<c@example.test>
DATA
BATCH 5
Subject: pipelined

line two
.
BATCH 4
QUIT
CLOSED'
[[ $(<"$FAKE_LOG") == "$expected" ]] || fail "the fake server's log differs; expected:
$expected"

# ---------------------------------------------------------------- no PIPELINING (fake)

start_fake no-pipelining.scn
run_smtpsh -c 'EHLO client.example' "${queue[@]}" -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '!! warning: PIPELINING not advertised: sending the 9 lines one at a time'
# from MAIL to the reply to DATA: each command, then its reply, then the next
nmail=$(out_line_exact '-> MAIL FROM:<a@example.test>')
n354=$(out_line_match '^<- 354 ' "$nmail")
((nmail > 0 && n354 > nmail)) || fail "no MAIL ... 354 in the output"
got=$(sed -n "${nmail},${n354}p" "$OUT" | grep -E '^(->|<-) ' | cut -c1-2 | tr '\n' ' ')
[[ $got == '-> <- -> <- -> <- -> <- -> <- ' ]] ||
	fail "the commands did not alternate with their replies: $got"
assert_out_sequence '^-> Subject: pipelined$' '^-> $' '^-> sent with /pipeline$' '^-> \.$' \
	'^<- 250 2\.0\.0 queued$'
wait_fake
for l in 'MAIL FROM:<a@example.test>' 'RCPT TO:<b@example.test>' 'RCPT TO:<reject@example.test>' \
	'RCPT TO:<c@example.test>' 'DATA' 'Subject: pipelined' 'sent with /pipeline' '.' 'QUIT'; do
	assert_log_line "$l"
done

# ---------------------------------------------------------------- a large pipeline (Postfix)

# MAIL, 1100 RCPTs and DATA pipelined - what an admin sends to check a recipient limit
# (Postfix's smtpd_recipient_limit is 1000: the last 100 get 452 4.5.3). smtpsh sends such
# a queue in groups of at most 512 commands, each in one write. Every reply is matched to
# its command, the 354 is known as DATA's, and the message goes through.
start_postfix
{
	echo 'EHLO client.example'
	echo '/pipeline'
	echo 'MAIL FROM:<many@example.test>'
	for ((i = 1; i <= 1100; i++)); do
		echo "RCPT TO:<r$i@example.test>"
	done
	printf '%s\n' DATA 'Subject: 1100 recipients' '' 'body' . '/pipeline end' '/expect 250' QUIT
} >"$SCRATCH/many.smtpsh"
run_smtpsh -f "$SCRATCH/many.smtpsh" "127.0.0.1:$PF_PORT"
[[ $(grep -c '^<- 250 2\.1\.5 ' "$OUT") == 1000 ]] || fail "expected 1000 accepted recipients"
[[ $(grep -c '^<- 452 4\.5\.3 ' "$OUT") == 100 ]] || fail "expected 100 recipients over the limit"
[[ $(grep -c '^   answers: RCPT TO:<r[0-9]*@example\.test>$' "$OUT") == 1100 ]] ||
	fail "not every RCPT reply was matched to its command"
# the first 452 answers the 1001st recipient
_at=0
reply_answers '^<- 452 4\.5\.3 ' 'RCPT TO:<r1001@example.test>'
_at=$(out_line_match '^<- 354 ')
((_at > 0)) || fail "no 354"
_at=$((_at - 1))
reply_answers '^<- 354 ' 'DATA'
assert_out_not_contains 'DATA was not accepted'
assert_out_sequence '^<- 354 ' '^-> Subject: 1100 recipients$' '^-> \.$' '^<- 250 2\.0\.0 Ok: queued as '
assert_rc 0
qid=$(postfix_queue_ids)
wait_maillog "$qid: from=<many@example.test>, size=[0-9]+, nrcpt=1000 "
stop_postfix

# ---------------------------------------------------------------- /pipeline never ended

# The input ends while lines are still queued (no "/pipeline end"): they must not vanish
# in silence with exit status 0. Either they are sent, or the run says they were not and
# fails; in both cases smtpsh says something about the queue.
start_fake simple.scn
run_smtpsh -c 'EHLO client.example' -c '/pipeline' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c QUIT "$FAKE_TARGET"
nq=$(out_line_match '^\*\* queueing SMTP lines')
((nq > 0 && $(out_line_match '^(!!|\*\*) .*(queued|pipeline)' "$nq") > 0)) ||
	fail "nothing said about the lines still queued at the end of the input"
if grep -q '^-> MAIL FROM:<a@example.test>$' "$OUT"; then
	assert_log_line 'MAIL FROM:<a@example.test>'
else
	[[ $RC != 0 ]] || fail "the queued lines were dropped at the end of the input, and the exit status is 0"
fi

pass
