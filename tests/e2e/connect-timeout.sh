#!/bin/bash
# A listener that never accepts and whose accept queue is full: the SYN goes unanswered, so
# the connect neither succeeds nor is refused.  --timeout bounds it: exit 3, and the message
# says how long smtpsh waited.
source "$(dirname "$0")/lib.sh"

start_fake --no-accept
port=$FAKE_PORT

run_smtpsh --timeout 1 -c 'EHLO x' -c QUIT "127.0.0.1:$port"
assert_rc 3
assert_out_contains "** trying 127.0.0.1 port $port ..."
assert_out_matches "^!! 127\.0\.0\.1 port $port: no answer within 1\.0 s"
assert_out_contains "cannot connect to 127.0.0.1 port $port"
assert_out_not_contains '** connected'
assert_out_not_contains '-> EHLO x'
assert_elapsed_ge 0.9
assert_elapsed_lt 5

# a fractional timeout is honoured and shown as such
run_smtpsh --timeout 1.5 -c 'EHLO x' "127.0.0.1:$port"
assert_rc 3
assert_out_contains 'no answer within 1.5 s'
assert_elapsed_ge 1.4
assert_elapsed_lt 5

# /set timeout bounds a later /connect the same way; the batch stops there
run_smtpsh -c '/set timeout 1' -c "/connect 127.0.0.1:$port" -c '/echo not reached'
assert_rc 3
assert_out_contains 'no answer within 1.0 s'
assert_out_contains '-c line 2: stopped here'
assert_out_not_contains 'not reached'
assert_elapsed_ge 0.9
assert_elapsed_lt 5

pass
