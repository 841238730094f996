#!/bin/bash
# Usage errors exit 2, before any connection is made.
source "$(dirname "$0")/lib.sh"

run_smtpsh --no-such-option
assert_rc 2

run_smtpsh --color=sometimes -c QUIT 127.0.0.1:1
assert_rc 2

run_smtpsh --timeout soon -c QUIT 127.0.0.1:1
assert_rc 2

pass
