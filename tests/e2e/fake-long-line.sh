#!/bin/bash
# A 100 KB reply line: flagged as over-long and truncated, no crash, and the reply stream
# stays in step (the final line and the QUIT reply are read normally).
source "$(dirname "$0")/lib.sh"

start_fake long-line.scn
run_smtpsh -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '!! anomaly: line over 512 octets'
assert_out_contains '!! anomaly: line truncated'
assert_out_contains '<- 250-HUGE xxxx'
assert_out_contains '<- 250 8BITMIME'
assert_out_contains '<- 221'
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$OUT")
((longest < 102400)) || fail "the 100 KB line was printed whole ($longest characters)"

pass
