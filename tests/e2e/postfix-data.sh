#!/bin/bash
# A whole message through a real MTA: DATA mode in batch, the end-of-data reply, and the
# message really reaching Postfix's (discard) delivery.
source "$(dirname "$0")/lib.sh"

start_postfix

run_smtpsh -c 'EHLO x' -c '/expect 250' \
	-c 'MAIL FROM:<a@example.test>' -c '/expect 250' \
	-c 'RCPT TO:<b@example.test>' -c '/expect 250' \
	-c 'DATA' \
	-c 'From: a@example.test' -c 'To: b@example.test' -c 'Subject: e2e test' \
	-c 'Message-ID: <e2e-data-test@example.test>' -c '' \
	-c 'Hello from the smtpsh end-to-end tests.' -c '.' \
	-c '/expect 250' -c '/expect 2.0.0' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_contains '-> DATA'
assert_out_matches '^<- 354 '
assert_out_contains 'Hello from the smtpsh end-to-end tests.'
assert_out_matches '^<- 250 2\.0\.0 Ok: queued as '
assert_out_contains '<- 221'

# Postfix logs the message id and the discard delivery (asynchronously: wait for it).
for ((i = 0; i < 100; i++)); do
	grep -q 'status=sent (e2e)' "$PF_LOG" 2>/dev/null && break
	sleep 0.1
done
grep -q 'message-id=<e2e-data-test@example.test>' "$PF_LOG" ||
	fail "Postfix's log has no message-id=<e2e-data-test@example.test>: $(cat "$PF_LOG")"
grep -q 'status=sent (e2e)' "$PF_LOG" ||
	fail "Postfix's log shows no discard delivery: $(cat "$PF_LOG")"

pass
