#!/bin/bash
# unix:/path targets: the whole exchange over a Unix-domain socket; a missing socket is a
# connection failure (exit 3) naming the path.
source "$(dirname "$0")/lib.sh"

sock=$SCRATCH/smtp.sock
start_fake simple.scn --unix "$sock"
[[ -S $sock ]] || _die "the fake server made no socket at $sock"
run_smtpsh -c 'EHLO client.example' -c '/expect 250' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<b@example.test>' -c DATA -c 'Subject: over a unix socket' -c '' -c 'hello' \
	-c . -c '/expect 250' -c QUIT "unix:$sock"
assert_rc 0
assert_out_contains "** connected to unix:$sock"
assert_out_contains '<- 220 fake.example.test ESMTP'
assert_out_contains '-> EHLO client.example'
assert_out_contains '<- 250 2.0.0 queued'
assert_out_contains '<- 221 2.0.0 bye'
assert_out_not_contains 'expectation failed'
assert_log_contains 'EHLO client.example'
assert_log_contains 'Subject: over a unix socket'
assert_log_contains 'QUIT'
wait_fake
# the server removed its socket on the way out
[[ ! -e $sock ]] || fail "the fake server left its socket behind"

# the scheme is case-insensitive; /connect takes the same form
start_fake simple.scn --unix "$sock"
run_smtpsh -c "/connect UNIX:$sock" -c NOOP -c '/expect 250' -c QUIT
assert_rc 0
assert_out_contains "** connected to unix:$sock"
assert_out_contains '<- 250 ok'
wait_fake

# nothing listens at the path: exit 3, the path named, nothing sent
run_smtpsh --timeout 5 -c 'EHLO x' "unix:$SCRATCH/no-such.sock"
assert_rc 3
assert_out_contains "unix:$SCRATCH/no-such.sock"
assert_any_matches 'No such file or directory'
assert_out_not_contains '-> EHLO x'
assert_elapsed_lt 5

pass
