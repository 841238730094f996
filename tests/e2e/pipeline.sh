#!/bin/bash
# /pipeline ... /pipeline end: against Postfix, MAIL, three RCPTs (one refused) and DATA go
# out before any reply, each reply is then shown with the command it answers, in order,
# and the message is accepted; the fake server proves each group came in one write;
# /pipeline cancel sends nothing; without PIPELINING advertised the lines go one at a time.
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
	n=$(_out_find e "$1" "$_at")
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
nreply=$(_out_find e '^<- ' "$nmail")
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
n354=$(_out_find e '^<- 354 ' "$nmail")
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

pass
