#!/bin/bash
# Batch input from -f FILE and from stdin: lines sent exactly as typed, in order,
# comments and blank lines skipped.
source "$(dirname "$0")/lib.sh"

start_fake simple.scn --connections 3
cat >"$SCRATCH/batch.txt" <<'BATCH'
# a comment, not sent
ehlo  Mixed.Case.test

NOOP trailing words
/expect 250
QUIT
BATCH

run_smtpsh -f "$SCRATCH/batch.txt" "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> ehlo  Mixed.Case.test'
assert_out_contains '-> NOOP trailing words'
assert_out_contains '<- 221'
assert_log_contains 'ehlo  Mixed.Case.test'
assert_log_contains 'NOOP trailing words'
assert_log_not_contains 'comment'

run_smtpsh_stdin "$SCRATCH/batch.txt" "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> ehlo  Mixed.Case.test'
assert_out_contains '<- 221'

# -c lines run in order; `//text` sends the literal line /text
run_smtpsh -c 'EHLO x' -c '//slash line' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_contains '-> /slash line'
assert_log_contains '/slash line'
wait_fake
awk '/^EHLO x$/ { e = NR } /^\/slash line$/ { s = NR } END { exit !(e && s && e < s) }' "$FAKE_LOG" ||
	fail "the -c lines did not arrive in order"

pass
