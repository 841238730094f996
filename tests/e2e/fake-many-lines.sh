#!/bin/bash
# A 10,000-line EHLO reply: read to the end quickly, flagged, its last line shown.
source "$(dirname "$0")/lib.sh"

start_fake many-lines.scn
run_smtpsh -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '!! anomaly: over 1000 lines'
assert_out_contains '<- 250 LAST-LINE-OK'
assert_out_contains '<- 221'
assert_elapsed_lt 30

pass
