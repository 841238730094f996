#!/bin/bash
# The server closes the connection in the middle of a multi-line reply, or instead of
# answering a command: exit 3 either way.
source "$(dirname "$0")/lib.sh"

start_fake midclose.scn
run_smtpsh -c 'EHLO x' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 3
assert_out_contains '<- 250-first'
assert_out_matches '^!! .*closed in the middle of a reply'
assert_out_not_contains '-> QUIT'

# closed after reading NOOP, with no reply at all
start_fake close-no-reply.scn
run_smtpsh -c 'EHLO x' -c '/expect 250' -c NOOP -c QUIT "$FAKE_TARGET"
assert_rc 3
assert_out_contains '-> NOOP'
assert_out_contains '** connection closed by server'
assert_out_not_contains '-> QUIT'
assert_log_contains 'NOOP'

pass
