#!/bin/bash
# lmtp:// targets: LHLO; a warning (but the line is still sent) for EHLO; after the message,
# one reply per accepted recipient (RFC 2033 4.2), the last one 0.5 s late, and /expect
# checks that last one.
source "$(dirname "$0")/lib.sh"

lines=(
	-c 'LHLO client.example' -c '/expect 250'
	-c 'EHLO client.example' -c '/expect 500'
	-c 'MAIL FROM:<sender@example.test>' -c '/expect 250'
	-c 'RCPT TO:<alice@example.test>' -c '/expect 250'
	-c 'RCPT TO:<nobody@example.test>' -c '/expect 550'
	-c 'RCPT TO:<bob@example.test>' -c '/expect 250'
	-c DATA
	-c 'Subject: lmtp test' -c '' -c 'body line'
	-c .
	-c '/expect 452' -c '/expect 4.2.2'
	-c NOOP -c '/expect 250'
	-c QUIT
)

start_fake lmtp.scn
# a short timeout: waiting for a third reply after "." (one per RCPT, accepted or not)
# would fail within it instead of hanging
run_smtpsh --timeout 3 "${lines[@]}" "lmtp://$FAKE_TARGET"
assert_rc 0
assert_out_contains "** connected to 127.0.0.1 port $FAKE_PORT"
assert_out_contains '<- 220 fake.example.test LMTP ready'
assert_out_contains '-> LHLO client.example'
assert_out_contains '<- 250 ENHANCEDSTATUSCODES'
# EHLO: warned about, then sent all the same
assert_out_contains '!! warning: this is an LMTP server: it expects LHLO, not EHLO'
assert_out_contains '-> EHLO client.example'
assert_log_contains 'EHLO client.example'
nwarn=$(grep -n -F -e '!! warning: this is an LMTP server' "$OUT" | head -n 1 | cut -d: -f1)
[[ $(sed -n "$((nwarn + 1))p" "$OUT") == '-> EHLO client.example' ]] ||
	fail "the warning is not right before the EHLO line"
# no warning for LHLO on an LMTP session
assert_out_not_contains 'LHLO is the LMTP greeting'
# both replies to the end of the message, in order, neither taken for unsolicited
assert_out_contains '<- 250 2.0.0 <alice@example.test> delivered'
assert_out_contains '<- 452 4.2.2 <bob@example.test> mailbox full'
n250=$(grep -n -F -e '<- 250 2.0.0 <alice@example.test> delivered' "$OUT" | cut -d: -f1)
n452=$(grep -n -F -e '<- 452 4.2.2 <bob@example.test> mailbox full' "$OUT" | cut -d: -f1)
((n250 < n452)) || fail "the per-recipient replies are out of order"
ndot=$(grep -n -x -F -e '-> .' "$OUT" | cut -d: -f1)
((ndot < n250)) || fail "the first per-recipient reply came before the end of the message"
# the NOOP is sent only after the second reply is in: its 250 is not mistaken for it
nnoop=$(grep -n -x -F -e '-> NOOP' "$OUT" | cut -d: -f1)
((n452 < nnoop)) || fail "NOOP was sent before the second per-recipient reply"
assert_out_not_contains 'unsolicited'
assert_out_not_contains 'expectation failed'
assert_out_not_contains 'no reply within'
assert_out_contains '<- 221 2.0.0 bye'
assert_log_contains 'body line'
assert_log_contains 'NOOP'
assert_elapsed_ge 0.5
assert_elapsed_lt 3
wait_fake

# the same, but /expect 250 right after "." must fail: the last reply is the 452
start_fake lmtp.scn
run_smtpsh --timeout 3 "${lines[@]:0:34}" -c '/expect 250' -c QUIT "lmtp://$FAKE_TARGET"
# exit 10: the reply that failed belongs to the DATA phase
assert_rc 10
assert_out_contains '<- 452 4.2.2 <bob@example.test> mailbox full'
assert_out_matches '^!! expectation failed: wanted 250, got 452 4\.2\.2'
assert_out_not_contains '-> QUIT'

pass
