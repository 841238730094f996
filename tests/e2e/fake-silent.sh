#!/bin/bash
# A server that never answers: --timeout bounds the wait for a reply, and for the greeting.
source "$(dirname "$0")/lib.sh"

start_fake silent.scn
run_smtpsh --timeout 2 -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 3
assert_out_contains '<- 220 fake.example.test ESMTP'
assert_out_contains '-> EHLO x'
assert_out_matches '^!! .*no reply within'
assert_out_not_contains '-> QUIT'
assert_elapsed_ge 1.5
assert_elapsed_lt 10

# no greeting at all: the batch waits for it (and sends nothing) until the timeout
start_fake no-greeting.scn
run_smtpsh --timeout 2 -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 3
assert_out_contains "** connected to 127.0.0.1 port $FAKE_PORT"
assert_out_matches '^!! .*no reply within'
assert_out_not_contains '-> EHLO x'
assert_elapsed_ge 1.5
assert_elapsed_lt 10

pass
