#!/bin/bash
# A replay whose DATA goes otherwise than recorded stays safe. Recorded 354 (the text
# follows) but refused now: the recorded message text and its "." are not sent, so none
# of its lines (one reads "RSET", one "QUIT") reaches the server as a command, and the
# session goes on to its QUIT. Recorded refused but accepted now: the replay stops at
# once, since the recorded commands after DATA would become message text and a "."
# would deliver it; the connection is closed without a ".", so nothing is queued.
source "$(dirname "$0")/lib.sh"

TEXT=(-c 'Subject: diverging replay' -c '' -c 'RSET' -c 'QUIT' -c 'last text line')

# ------------------------------------------------------------------ recorded 354, refused now
start_fake simple.scn
REC=$SCRATCH/accepted.txt
run_smtpsh --transcript "$REC" -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c DATA "${TEXT[@]}" -c . -c NOOP -c QUIT "$FAKE_TARGET"
assert_rc 0
wait_fake

start_fake data-refused.scn
run_smtpsh --replay "$REC" "$FAKE_TARGET"
assert_rc 1
assert_out_matches "^!! difference at .*accepted\\.txt:[0-9]+: DATA: recorded 354, got 554 5\\.7\\.0\$"
assert_out_matches '^!! .*accepted\.txt:[0-9]+: DATA not accepted this time: the 5 recorded lines of message text and its "\." are not sent$'
assert_out_not_matches '^-> (Subject: diverging replay|RSET|last text line|\.)$'
assert_out_sequence '^<- 554 5\.7\.0 no DATA today$' '^-> NOOP$' '^<- 250 ok$' '^-> QUIT$' '^<- 221 '
wait_fake
assert_log_not_contains 'Subject: diverging replay'
assert_log_not_contains 'RSET'
assert_log_not_contains 'last text line'
assert_log_contains 'NOOP'
[[ $(grep -c '^QUIT$' "$FAKE_LOG") == 1 ]] || fail "the server got $(grep -c '^QUIT$' "$FAKE_LOG") QUITs, not one"

# ------------------------------------------------------------------ recorded refused, accepted now
start_fake data-refused.scn
REC2=$SCRATCH/refused.txt
run_smtpsh --transcript "$REC2" -c 'EHLO x' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c DATA -c RSET -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_matches '^<- 554 5\.7\.0 no DATA today$'
wait_fake

start_fake simple.scn
run_smtpsh --replay "$REC2" "$FAKE_TARGET"
assert_rc 1
assert_out_matches "^!! difference at .*refused\\.txt:[0-9]+: DATA: recorded 554 5\\.7\\.0, got 354\$"
assert_out_matches '^!! .*refused\.txt:[0-9]+: DATA accepted this time \(recorded 554\): stopping here'
assert_out_not_matches '^-> (RSET|QUIT|\.)$'
wait_fake
assert_log_contains 'DATA'
assert_log_not_contains 'RSET'
assert_log_not_contains 'queued'
grep -qx 'CLOSED.*' "$FAKE_LOG" || fail "the connection was not closed by the client: $(cat "$FAKE_LOG")"
pass
