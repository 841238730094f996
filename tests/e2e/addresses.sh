#!/bin/bash
# A name with several addresses: each is tried in turn with a line per attempt, the first
# that answers wins; -4 and -6 restrict the family; an unknown name fails fast (exit 3).
#
# No dependence on the machine's /etc/hosts or on DNS: smtpsh runs in a private mount
# namespace where /etc/hosts maps mx.test to ::1 and 127.0.0.1, and /etc/nsswitch.conf says
# "hosts: files" only, so an unknown name is never sent to a DNS server.
source "$(dirname "$0")/lib.sh"

private_hosts $'127.0.0.1\tlocalhost' $'::1\tlocalhost ip6-localhost' $'::1\tmx.test' \
	$'127.0.0.1\tmx.test'

# The namespace must work and see the private files, or nothing below means anything.
order=$(in_private_hosts "$PYTHON" -c '
import socket
print(" ".join(a[4][0] for a in socket.getaddrinfo("mx.test", 25, 0, socket.SOCK_STREAM)))
') || _die "cannot run in a private mount namespace (unshare --mount)"
read -r first second rest <<<"$order"
[[ -z ${rest:-} && -n ${second:-} && " $first $second " == *" ::1 "* && " $first $second " == *" 127.0.0.1 "* ]] ||
	_die "mx.test resolves to \"$order\" in the private namespace, not to ::1 and 127.0.0.1"
# the machine's own resolver configuration is untouched
if grep -q 'mx\.test' /etc/hosts; then
	_die "/etc/hosts of the machine mentions mx.test: the bind mount leaked"
fi

show() { [[ $1 == *:* ]] && echo "[$1]" || echo "$1"; }

# --- every address in turn: the first (in the resolver's order) refuses, the second answers.
# A server on the second address only, on a port free on the first.
for attempt in 1 2 3; do
	start_fake simple.scn --listen "$second"
	_port_open "$first" "$FAKE_PORT" || break
	((attempt < 3)) || _die "port $FAKE_PORT is in use on $first too (3 attempts)"
	kill "$FAKE_PID"
	wait "$FAKE_PID" 2>/dev/null || true
	_FAKE_PIDS=()
done
port=$FAKE_PORT
run_smtpsh --timeout 5 -c 'EHLO x' -c '/expect 250' -c QUIT "mx.test:$port"
assert_rc 0
assert_out_contains "** trying $(show "$first") port $port ..."
assert_out_contains "!! $(show "$first") port $port: "
LC_ALL=C grep -aF -e "!! $(show "$first") port $port: " "$OUT" | grep -qi 'refused' ||
	fail "the failed attempt does not say why (connection refused)"
assert_out_contains "** trying $(show "$second") port $port ..."
assert_out_contains "** connected to $(show "$second") port $port"
assert_out_not_contains "connected to $(show "$first")"
# one line per attempt, in the resolver's order: trying, failure, trying, connected
markers=$(LC_ALL=C grep -aE '^(\*\*|!!) ' "$OUT" | cut -c1-2 | tr '\n' ' ')
[[ $markers == '** !! ** ** '* ]] || fail "not one line per attempt: trying, failed, trying, connected"
n1=$(grep -n -F -e "** trying $(show "$first") port" "$OUT" | cut -d: -f1)
n2=$(grep -n -F -e "** trying $(show "$second") port" "$OUT" | cut -d: -f1)
((n1 < n2)) || fail "the addresses were not tried in the resolver's order ($order)"
assert_out_contains '<- 221 2.0.0 bye'
assert_log_contains 'EHLO x'
wait_fake

# The checks below need the server on 127.0.0.1 only.
start_fake simple.scn --listen 127.0.0.1
port=$FAKE_PORT
if _port_open ::1 "$port"; then
	_die "port $port is in use on ::1"
fi

# --- -4: only 127.0.0.1 is tried
run_smtpsh -4 --timeout 5 -c 'EHLO x' -c QUIT "mx.test:$port"
assert_rc 0
assert_out_contains "** trying 127.0.0.1 port $port ..."
assert_out_contains "** connected to 127.0.0.1 port $port"
assert_out_not_contains '::1'
assert_out_not_matches '^!! '
[[ $(grep -c '^\*\* trying ' "$OUT") == 1 ]] || fail "-4: more than one address tried"
wait_fake

# --- -6: only [::1], which refuses: exit 3 without trying 127.0.0.1
run_smtpsh -6 --timeout 5 -c 'EHLO x' -c QUIT "mx.test:$port"
assert_rc 3
assert_out_contains "** trying [::1] port $port ..."
assert_out_matches "^!! \[::1\] port $port: .*[Rr]efused"
assert_out_contains "cannot connect to mx.test port $port"
assert_out_not_contains '127.0.0.1'
assert_out_not_contains '-> EHLO x'
[[ $(grep -c '^\*\* trying ' "$OUT") == 1 ]] || fail "-6: more than one address tried"

# --- nothing listens on either address: both are tried, then exit 3
port=$(free_port)
run_smtpsh --timeout 5 -c 'EHLO x' "mx.test:$port"
assert_rc 3
assert_out_contains "** trying [::1] port $port ..."
assert_out_contains "** trying 127.0.0.1 port $port ..."
[[ $(grep -c '^\*\* trying ' "$OUT") == 2 ]] || fail "not exactly two attempts"
assert_out_contains "cannot connect to mx.test port $port"
assert_out_contains 'all 2 addresses failed'
assert_out_not_contains '** connected'
assert_elapsed_lt 5

# --- a name that does not resolve: no hang, exit 3, "cannot resolve", nothing tried
run_smtpsh --timeout 5 -c QUIT no-such-name.invalid
assert_rc 3
assert_out_contains 'cannot resolve no-such-name.invalid'
assert_out_not_contains '** trying'
assert_elapsed_lt 5

# the same through /connect: the batch stops there with exit 3, later lines not run
run_smtpsh --timeout 5 -c '/connect no-such-name.invalid:25' -c '/echo not reached'
assert_rc 3
assert_out_contains 'cannot resolve no-such-name.invalid'
assert_out_contains '-c line 1: stopped here'
assert_out_not_contains 'not reached'

pass
