#!/bin/bash
# A NUL byte in a reply line: flagged, shown as \x00, never written raw.
source "$(dirname "$0")/lib.sh"

start_fake nul.scn
run_smtpsh --color=never -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '!! anomaly: NUL byte'
assert_out_contains 'NUL\x00here'
assert_no_ctrl
assert_out_contains '<- 250 ok'
assert_out_contains '<- 221'

pass
