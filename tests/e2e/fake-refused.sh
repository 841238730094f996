#!/bin/bash
# Nothing listens on the port: exit 3, with a message naming the address.
source "$(dirname "$0")/lib.sh"

port=$(free_port)
run_smtpsh --timeout 5 -c 'EHLO x' "127.0.0.1:$port"
assert_rc 3
assert_any_contains '127.0.0.1'
assert_any_contains "$port"
assert_any_matches '[Rr]efused'
assert_out_not_contains '-> EHLO x'
assert_elapsed_lt 10

run_smtpsh --timeout 5 -c 'EHLO x' "[::1]:$port"
assert_rc 3
assert_any_contains '::1'
assert_any_contains "$port"
assert_any_matches '[Rr]efused'
assert_elapsed_lt 10

pass
