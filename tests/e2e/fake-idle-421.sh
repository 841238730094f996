#!/bin/bash
# The server sends 421 on its own after the EHLO reply and closes: the next command sees
# the 421, then the close; exit 3.
#
# A second NOOP rather than QUIT follows: a close right after QUIT is the normal end of a
# session.  Whether the client sees the close before or after sending that second NOOP
# depends on timing, so both orders are run, and both must end with exit 3.
source "$(dirname "$0")/lib.sh"

# the close arrives while the second NOOP waits for its reply
start_fake idle-421-late-close.scn
run_smtpsh -c 'EHLO x' -c '/expect 250' -c NOOP -c NOOP "$FAKE_TARGET"
assert_rc 3
assert_out_contains '<- 250 PIPELINING'
assert_out_contains '<- 421 4.4.2 fake.example.test Error: timeout exceeded'
assert_out_matches '[Ss]ervice not available'
assert_out_contains 'Bad connection'
assert_out_contains '** connection closed by server'
assert_out_not_contains 'expectation failed'

# the server closes at once after the 421 (usually before the second NOOP is sent)
start_fake idle-421.scn
run_smtpsh -c 'EHLO x' -c '/expect 250' -c NOOP -c NOOP "$FAKE_TARGET"
assert_rc 3
assert_out_contains '<- 421 4.4.2 fake.example.test Error: timeout exceeded'
assert_out_contains '** connection closed by server'
assert_log_contains 'NOOP'

pass
