#!/usr/bin/env bash
# Install what the test suite needs (Debian 12), build smtpsh twice - with
# -Dwerror=true, and with AddressSanitizer + UndefinedBehaviorSanitizer - and
# run the whole suite on each build. Prints "N passed, N failed" at the end
# and exits non-zero on any failure. Needs root (apt-get, and the private
# Postfix instance the end-to-end tests start on loopback).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2

packages=(
	# build
	gcc meson ninja-build pkg-config libreadline-dev libssl-dev libldns-dev scdoc
	# test servers and tools
	postfix python3 openssl tmux bash-completion zsh fish procps util-linux swaks netcat-openbsd time nsd unbound ldnsutils dovecot-core
)

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: run as root (it installs packages and starts a private Postfix)" >&2
	exit 2
fi

if [ "${SMTPSH_SKIP_INSTALL:-}" != 1 ]; then
	export DEBIAN_FRONTEND=noninteractive
	# A private Postfix instance is started by the tests: the system one stays unconfigured.
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	# The tests start private instances of Postfix, NSD, Unbound and Dovecot on
	# loopback: keep the packages from starting their system services while
	# installing (a service already holding a port could also fail the install).
	added_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && added_policy=1
	fi
	apt-get update -q >/dev/null || { echo "apt-get update failed" >&2; exit 2; }
	apt-get install -y -q "${packages[@]}" >/tmp/smtpsh-apt.log 2>&1 ||
		{ tail -n 30 /tmp/smtpsh-apt.log; echo "apt-get install failed" >&2; exit 2; }
	if [ "$added_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

total_pass=0
total_fail=0
total_skip=0

# run_suite DIR NAME [meson setup options...]
run_suite() {
	local dir=$1 name=$2
	shift 2
	echo "== $name build ($dir)"
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"; echo "meson setup failed ($name)"; total_fail=$((total_fail + 1)); return; }
	fi
	if ! ninja -C "$dir" >"$dir.ninja.log" 2>&1; then
		cat "$dir.ninja.log"
		echo "build failed ($name)"
		total_fail=$((total_fail + 1))
		return
	fi
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 2 2>&1 |
		tail -n 400
	# meson's own summary is not what CI reads: count from its JSON log.
	local counts
	counts=$(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
try:
    with open(sys.argv[1]) as fh:
        for line in fh:
            r = json.loads(line).get("result")
            if r in ("OK", "EXPECTEDFAIL"):
                p += 1
            elif r == "SKIP":
                s += 1
            else:
                f += 1
except OSError:
    f += 1
print(p, f, s)
PY
)
	read -r p f s <<<"$counts"
	# A TAP subtest that skipped proves nothing either: count it with the skips.
	local tap_skips
	tap_skips=$(grep -ciE '^(not )?ok [0-9]+.*# skip' "$dir/meson-logs/testlog.txt" 2>/dev/null || true)
	if [ "${tap_skips:-0}" -gt 0 ]; then
		grep -iE '^(not )?ok [0-9]+.*# skip' "$dir/meson-logs/testlog.txt" | head -n 20
		s=$((s + tap_skips))
	fi
	echo "== $name: $p passed, $f failed, $s skipped"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
}

run_suite build-werror "werror" -Dwerror=true -Dbuildtype=debugoptimized
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite build-asan "asan+ubsan" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

# A skipped test proves nothing: count it against the run.
if [ "$total_skip" -gt 0 ]; then
	echo "$total_skip tests were skipped: a skip is a failure here"
	total_fail=$((total_fail + total_skip))
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
