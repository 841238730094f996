#!/bin/bash
# Greeting and a multi-line reply arriving one byte per TCP segment are parsed exactly as
# if they came in one read: all lines shown, one reply, no anomaly.
source "$(dirname "$0")/lib.sh"

start_fake split.scn
run_smtpsh -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '<- 220 fake.example.test ESMTP'
assert_out_contains '<- 250-fake.example.test'
assert_out_contains '<- 250-PIPELINING'
assert_out_contains '<- 250-SIZE 10240000'
assert_out_contains '<- 250 8BITMIME'
assert_out_not_contains '!! anomaly'
assert_out_not_contains 'expectation failed'
assert_out_contains '<- 221'
assert_log_contains 'EHLO x'

pass
