#!/bin/bash
# The reply code changes between the lines of one reply (250- then 550): flagged.
source "$(dirname "$0")/lib.sh"

start_fake inconsistent.scn
run_smtpsh -c 'EHLO x' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '<- 250-fake.example.test'
assert_out_contains '<- 550 5.7.1 changed my mind'
assert_out_contains '!! anomaly: code changed between lines'
assert_out_contains '<- 221'

pass
