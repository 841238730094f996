#!/bin/bash
# A reply line ending in a bare LF: flagged as an anomaly, still read as a line end, and
# the reply parsed to its end.
source "$(dirname "$0")/lib.sh"

start_fake bare-lf.scn
run_smtpsh -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '!! anomaly: bare LF'
assert_out_contains '<- 250-fake.example.test'
assert_out_contains '<- 250-PIPELINING'
assert_out_contains '<- 250 8BITMIME'
assert_out_contains '<- 221'
assert_log_contains 'QUIT'

pass
