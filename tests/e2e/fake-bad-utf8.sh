#!/bin/bash
# Invalid UTF-8 in a reply line: flagged, and what reaches the terminal is valid UTF-8.
source "$(dirname "$0")/lib.sh"

start_fake bad-utf8.scn
run_smtpsh --color=never -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '!! anomaly: invalid UTF-8'
assert_out_contains 'byte and'
assert_out_contains '<- 250 ok'
assert_out_contains '<- 221'
"$PYTHON" -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$OUT" 2>/dev/null ||
	fail "stdout is not valid UTF-8"

pass
