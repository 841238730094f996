# shellcheck shell=bash
# lib.sh: sourced by every end-to-end test of smtpsh.
#
#   #!/bin/bash
#   source "$(dirname "$0")/lib.sh"
#   start_fake escape.scn            # or: start_postfix
#   run_smtpsh -c 'EHLO x' -c QUIT "127.0.0.1:$FAKE_PORT"
#   assert_rc 0
#   assert_out_contains '<- 221'
#   pass
#
# Environment (meson passes these; defaults are relative to this file):
#   SMTPSH          the smtpsh binary under test (required by run_smtpsh)
#   FAKE_SMTPD      the scriptable test server (default: $TESTS_DIR/server/fake-smtpd.py)
#   TESTS_DIR       the tests source directory (default: the parent of this file's directory)
#   SMTPSH_WRAPPER  optional command prefix for smtpsh, e.g. "valgrind -q --error-exitcode=99"
#   SMTPSH_TIMEOUT  hard cap on one smtpsh run in seconds (default 60)
#   KEEP_SCRATCH    when non-empty, the scratch directory is kept and its path printed
#
# Everything runs on loopback (127.0.0.1 / ::1) on ports chosen at run time.
# Exit status of a test: 0 pass, 1 fail, 77 skip (meson's convention).
#
# Functions:
#   free_port                    print a TCP port free on 127.0.0.1 and ::1
#   start_fake SCENARIO [ARGS]   start fake-smtpd (SCENARIO: a path, or a file name in
#                                e2e/scenarios/; ARGS: e.g. --listen ::1, --connections 2,
#                                --unix PATH); sets FAKE_PORT FAKE_LOG FAKE_PID FAKE_ADDR
#                                FAKE_TARGET (with --unix: FAKE_PORT is empty, FAKE_ADDR the
#                                socket path and FAKE_TARGET unix:PATH)
#   start_fake --no-accept [ARGS]  a listener that never accepts, its accept queue full
#                                (connect timeouts); sets FAKE_PORT FAKE_PID FAKE_ADDR
#                                FAKE_TARGET
#   wait_fake [PID] [SECONDS]    wait for a fake server to finish (default: the last one,
#                                10 s); fails if it does not, or exits non-zero
#   start_postfix [--tls]        start a private Postfix; sets PF_PORT PF_PID PF_RUN PF_LOG
#   stop_postfix                 stop it now (the EXIT trap does it otherwise)
#   make_cert DIR                self-signed mx1.example.test certificate: DIR/server.crt
#                                and DIR/server.key; sets CERT_FILE KEY_FILE
#   run_smtpsh ARGS...           run "$SMTPSH" ARGS (stdin /dev/null, so batch mode) under
#                                `timeout`; sets OUT ERRF (files) RC ELAPSED (s) ELAPSED_MS
#   run_smtpsh_stdin FILE ARGS...  the same with stdin from FILE
#   assert_rc N
#   assert_out_contains TEXT     fixed string in stdout (grep -F)
#   assert_out_not_contains TEXT
#   assert_out_matches REGEX     extended regex in stdout (grep -E)
#   assert_out_not_matches REGEX
#   assert_err_contains TEXT     fixed string in stderr
#   assert_err_not_contains TEXT
#   assert_any_contains TEXT     fixed string in stdout or stderr
#   assert_any_matches REGEX     extended regex in stdout or stderr
#   assert_log_contains TEXT     fixed string in the fake server's log (waits up to 5 s for it)
#   assert_log_not_contains TEXT
#   assert_no_esc                no ESC byte (0x1b) in stdout and stderr
#   assert_no_ctrl               no C0 control byte but TAB and LF, no DEL, in stdout and stderr
#   assert_elapsed_lt SECONDS    the last smtpsh run took less than SECONDS
#   assert_elapsed_ge SECONDS    ... at least SECONDS
#   fail MESSAGE                 print MESSAGE and the captured output, exit 1
#   skip MESSAGE                 exit 77
#   pass                         check the fake servers did not crash, print PASS, exit 0

# shellcheck disable=SC2034,SC2119,SC2120
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TESTS_DIR:=$(cd "$E2E_DIR/.." && pwd)}"
: "${FAKE_SMTPD:=$TESTS_DIR/server/fake-smtpd.py}"
: "${SMTPSH:=}"
: "${SMTPSH_TIMEOUT:=60}"
SCENARIOS=$TESTS_DIR/e2e/scenarios
PYTHON=/usr/bin/python3
TEST_NAME=$(basename "$0" .sh)

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/smtpsh-e2e-$TEST_NAME.XXXXXX")
# Postfix's daemons drop to the postfix user and must be able to reach their directories.
chmod 755 "$SCRATCH"
OUT=$SCRATCH/stdout
ERRF=$SCRATCH/stderr
: >"$OUT"
: >"$ERRF"
RC=
ELAPSED=
ELAPSED_MS=
LAST_CMD=

# shellcheck disable=SC2034  # set here for the tests that source this file
{
	FAKE_PORT='' FAKE_LOG='' FAKE_PID='' FAKE_ADDR='' FAKE_TARGET='' FAKE_ERR=''
	PF_PORT='' PF_PID='' PF_RUN='' PF_LOG=''
	CERT_FILE='' KEY_FILE=''
}
_FAKE_N=0
_PF_N=0
_FAKE_PIDS=()     # fake servers still to be reaped
_PF_PIDS=()       # postfix masters (each the leader of its own process group)

# ------------------------------------------------------------------ cleanup

# Is any process of process group $1 alive (zombies do not count)?
_pgroup_alive() {
	ps -e -o pgid=,stat= | awk -v pg="$1" '$1 == pg && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

_stop_pgroup() {
	local pg=$1 i
	# Only a group we created: its leader is the process we started.
	if [[ $(ps -o pgid= -p "$pg" 2>/dev/null | tr -d ' ') == "$pg" ]] || _pgroup_alive "$pg"; then
		kill -TERM -- "-$pg" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			_pgroup_alive "$pg" || break
			sleep 0.1
		done
		if _pgroup_alive "$pg"; then
			echo "# postfix (process group $pg) did not stop in 10 s: SIGKILL" >&2
			kill -KILL -- "-$pg" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				_pgroup_alive "$pg" || break
				sleep 0.1
			done
		fi
	fi
	wait "$pg" 2>/dev/null || true
}

_cleanup() {
	local rc=$? pid
	set +e
	for pid in "${_FAKE_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${_FAKE_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	_FAKE_PIDS=()
	for pid in "${_PF_PIDS[@]}"; do
		_stop_pgroup "$pid"
	done
	_PF_PIDS=()
	if [[ -n ${KEEP_SCRATCH:-} ]]; then
		echo "# scratch directory kept: $SCRATCH" >&2
	else
		rm -rf "$SCRATCH"
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ------------------------------------------------------------------ reporting

# Print a file for a human: control bytes made visible, long lines and long files cut.
_show_file() {
	local f=$1 n
	if [[ ! -s $f ]]; then
		echo "    (empty)"
		return
	fi
	n=$(wc -l <"$f")
	if ((n > 160)); then
		head -n 100 "$f" | cut -c1-300 | cat -v | sed 's/^/    /'
		echo "    ... ($((n - 150)) lines left out) ..."
		tail -n 50 "$f" | cut -c1-300 | cat -v | sed 's/^/    /'
	else
		cut -c1-300 "$f" | cat -v | sed 's/^/    /'
	fi
}

_show_output() {
	if [[ -n $LAST_CMD ]]; then
		echo "--- command: $LAST_CMD"
		echo "--- exit status $RC after ${ELAPSED}s$([[ $RC == 124 ]] && echo " (killed by timeout ${SMTPSH_TIMEOUT}s)")"
		echo "--- stdout:"
		_show_file "$OUT"
		echo "--- stderr:"
		_show_file "$ERRF"
	fi
	if [[ -n $FAKE_LOG && -e $FAKE_LOG ]]; then
		echo "--- fake server log ($FAKE_LOG):"
		_show_file "$FAKE_LOG"
	fi
}

fail() {
	{
		echo "FAIL: $TEST_NAME: $*"
		_show_output
	} >&2
	exit 1
}

skip() {
	echo "SKIP: $TEST_NAME: $*" >&2
	exit 77
}

# Setup failures (not assertions on smtpsh) also fail the test, without smtpsh's output.
_die() {
	echo "ERROR: $TEST_NAME: $*" >&2
	exit 1
}

_fakes_ok() {
	local pid st keep=()
	for pid in "${_FAKE_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			keep+=("$pid")
			continue
		fi
		st=0
		wait "$pid" 2>/dev/null || st=$?
		if ((st != 0)); then
			_FAKE_PIDS=("${keep[@]}")
			fail "fake server (pid $pid) exited with status $st; its stderr:
$(cat "$SCRATCH"/fake*.stderr 2>/dev/null)"
		fi
	done
	_FAKE_PIDS=("${keep[@]}")
}

pass() {
	_fakes_ok
	echo "PASS: $TEST_NAME"
	exit 0
}

# ------------------------------------------------------------------ servers

free_port() {
	"$PYTHON" - <<'EOF'
import errno, socket
for _ in range(100):
    s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s4.bind(("127.0.0.1", 0))
    port = s4.getsockname()[1]
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            s6.bind(("::1", port))
        finally:
            s6.close()
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            s4.close()
            continue
    s4.close()
    print(port)
    break
else:
    raise SystemExit("free_port: no free port found")
EOF
}

start_fake() {
	(($# >= 1)) || _die "start_fake: no scenario given"
	local scn=$1 portfile i a unix='' scn_arg=()
	if [[ $scn == --no-accept ]]; then
		scn=''
	else
		shift
		if [[ $scn != */* ]]; then
			scn=$SCENARIOS/$scn
		fi
		[[ -f $scn ]] || _die "start_fake: no scenario file $scn"
		scn_arg=("$scn")
	fi
	_FAKE_N=$((_FAKE_N + 1))
	portfile=$SCRATCH/fake$_FAKE_N.port
	FAKE_LOG=$SCRATCH/fake$_FAKE_N.log
	FAKE_ERR=$SCRATCH/fake$_FAKE_N.stderr
	: >"$FAKE_LOG"
	FAKE_ADDR=127.0.0.1
	for ((i = 1; i <= $#; i++)); do
		a=${!i}
		local j=$((i + 1))
		case $a in
		--listen=*) FAKE_ADDR=${a#--listen=} ;;
		--listen) FAKE_ADDR=${!j:-} ;;
		--unix=*) unix=${a#--unix=} ;;
		--unix) unix=${!j:-} ;;
		esac
	done
	"$PYTHON" "$FAKE_SMTPD" --port-file "$portfile" --log "$FAKE_LOG" "$@" "${scn_arg[@]}" \
		</dev/null >"$FAKE_ERR" 2>&1 &
	FAKE_PID=$!
	_FAKE_PIDS+=("$FAKE_PID")
	for ((i = 0; i < 1000; i++)); do
		[[ -s $portfile ]] && break
		if ! kill -0 "$FAKE_PID" 2>/dev/null; then
			_die "fake server did not start ($(basename -- "${scn:-no-accept}")):
$(cat "$FAKE_ERR")"
		fi
		sleep 0.01
	done
	[[ -s $portfile ]] || _die "fake server wrote no port file within 10 s ($(basename -- "${scn:-no-accept}")):
$(cat "$FAKE_ERR")"
	FAKE_PORT=$(<"$portfile")
	if [[ -n $unix ]]; then
		FAKE_ADDR=$FAKE_PORT
		FAKE_PORT=''
		FAKE_TARGET="unix:$FAKE_ADDR"
	elif [[ $FAKE_ADDR == *:* ]]; then
		FAKE_TARGET="[$FAKE_ADDR]:$FAKE_PORT"
	else
		FAKE_TARGET="$FAKE_ADDR:$FAKE_PORT"
	fi
}

wait_fake() {
	local pid=${1:-$FAKE_PID} secs=${2:-10} i st=0 keep=() p
	[[ -n $pid ]] || _die "wait_fake: no fake server started"
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && fail "fake server (pid $pid) still running after ${secs}s"
	wait "$pid" 2>/dev/null || st=$?
	for p in "${_FAKE_PIDS[@]}"; do
		[[ $p == "$pid" ]] || keep+=("$p")
	done
	_FAKE_PIDS=("${keep[@]}")
	((st == 0)) || fail "fake server (pid $pid) exited with status $st; its stderr:
$(cat "$SCRATCH"/fake*.stderr 2>/dev/null)"
}

make_cert() {
	local dir=$1
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 \
		-keyout "$dir/server.key" -out "$dir/server.crt" -subj "/CN=mx1.example.test" \
		-addext "subjectAltName=DNS:mx1.example.test,DNS:localhost,IP:127.0.0.1,IP:::1" \
		>"$dir/openssl.log" 2>&1 || _die "make_cert: openssl failed: $(cat "$dir/openssl.log")"
	chmod 600 "$dir/server.key"
	CERT_FILE=$dir/server.crt
	KEY_FILE=$dir/server.key
}

# Can port $1 be bound on both 127.0.0.1 and ::1 right now?
_port_free() {
	"$PYTHON" - "$1" <<'EOF'
import socket, sys
port = int(sys.argv[1])
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.bind((addr, port))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
EOF
}

# Does something accept TCP connections on $1 (address) port $2?
_port_open() {
	# shellcheck disable=SC2016  # expanded by the inner bash
	timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

_pf_fail() {
	local run=$1
	shift
	{
		echo "ERROR: $TEST_NAME: $*"
		echo "--- postfix check:"
		_show_file "$run/check.out"
		echo "--- master output:"
		_show_file "$run/master.out"
		echo "--- maillog:"
		_show_file "$run/maillog"
	} >&2
	exit 1
}

start_postfix() {
	local tls=0 postconf postfix daemon_dir run attempt i started st
	case ${1:-} in
	--tls) tls=1 ;;
	"") ;;
	*) _die "start_postfix: unknown option $1" ;;
	esac
	postconf=$(PATH=$PATH:/usr/sbin:/sbin command -v postconf) || skip "Postfix is not installed"
	postfix=$(PATH=$PATH:/usr/sbin:/sbin command -v postfix) || skip "Postfix is not installed"
	command -v script >/dev/null || skip "script(1) (util-linux) is not installed"
	command -v setsid >/dev/null || skip "setsid(1) (util-linux) is not installed"
	[[ $(id -u) == 0 ]] || skip "a private Postfix master must run as root"
	daemon_dir=$("$postconf" -dh daemon_directory)
	[[ -x $daemon_dir/master ]] || skip "no Postfix master in $daemon_dir"

	_PF_N=$((_PF_N + 1))
	run=$SCRATCH/postfix$_PF_N
	mkdir -p "$run/conf" "$run/queue" "$run/data"
	chown postfix "$run/data" || _die "start_postfix: no postfix user"
	if ((tls)); then
		make_cert "$run/tls"
	fi

	for attempt in 1 2 3; do
		PF_PORT=$(free_port)
		sed -e "s|@RUN@|$run|g" -e "s|@PORT@|$PF_PORT|g" \
			"$TESTS_DIR/postfix/main.cf.in" >"$run/conf/main.cf"
		if ((tls)); then
			sed -e "s|@RUN@|$run|g" -e "s|@PORT@|$PF_PORT|g" \
				"$TESTS_DIR/postfix/tls.cf.in" >>"$run/conf/main.cf"
		fi
		sed -e "s|@RUN@|$run|g" -e "s|@PORT@|$PF_PORT|g" \
			"$TESTS_DIR/postfix/master.cf.in" >"$run/conf/master.cf"
		# postfix(1) reports errors only to syslog or a terminal: give it a terminal.
		# "check" also creates the queue subdirectories.
		if ! script -qec "$(printf '%q ' "$postfix" -c "$run/conf" check)" /dev/null \
			</dev/null >"$run/check.out" 2>&1; then
			_pf_fail "$run" "postfix check failed"
		fi
		# The master in the foreground, leader of its own process group so that the
		# EXIT trap can stop it and all its daemons at once.
		setsid "$daemon_dir/master" -c "$run/conf" -d -s </dev/null >"$run/master.out" 2>&1 &
		PF_PID=$!
		_PF_PIDS+=("$PF_PID")
		started=0
		for ((i = 0; i < 150; i++)); do
			if ! kill -0 "$PF_PID" 2>/dev/null; then
				break
			fi
			if _port_open 127.0.0.1 "$PF_PORT" && _port_open ::1 "$PF_PORT"; then
				started=1
				break
			fi
			sleep 0.1
		done
		if ((started)); then
			PF_RUN=$run
			PF_LOG=$run/maillog
			return 0
		fi
		if kill -0 "$PF_PID" 2>/dev/null; then
			_pf_fail "$run" "postfix does not accept connections on port $PF_PORT after 15 s"
		fi
		st=0
		wait "$PF_PID" 2>/dev/null || st=$?
		_stop_pgroup "$PF_PID"
		_PF_PIDS=("${_PF_PIDS[@]:0:${#_PF_PIDS[@]}-1}")
		# The master reports start-up errors (such as a port in use) to syslog only.
		# Lost a race for the port? Try another one.
		if ! _port_free "$PF_PORT"; then
			((attempt < 3)) && continue
			_pf_fail "$run" "port $PF_PORT was taken before postfix could bind it (3 attempts)"
		fi
		_pf_fail "$run" "postfix master exited at start-up with status $st (it logs" \
			"start-up errors to syslog only; to see them, run with KEEP_SCRATCH=1, then:" \
			"$daemon_dir/master -c $run/conf -d -s)"
	done
	_pf_fail "$run" "postfix could not get a free port"
}

stop_postfix() {
	local pid
	for pid in "${_PF_PIDS[@]}"; do
		_stop_pgroup "$pid"
	done
	_PF_PIDS=()
}

# ------------------------------------------------------------------ running smtpsh

_RUN_N=0

_run_smtpsh() {
	local in=$1 t0 t1 wrap=()
	shift
	[[ -n $SMTPSH ]] || _die "SMTPSH is not set (the path of the smtpsh binary under test)"
	[[ -x $SMTPSH ]] || _die "SMTPSH=$SMTPSH is not an executable file"
	if [[ -n ${SMTPSH_WRAPPER:-} ]]; then
		read -r -a wrap <<<"$SMTPSH_WRAPPER"
	fi
	_RUN_N=$((_RUN_N + 1))
	LAST_CMD="smtpsh$(printf ' %q' "$@")"
	[[ $in == /dev/null ]] || LAST_CMD+=" < $(basename "$in")"
	mkdir -p "$SCRATCH/home" "$SCRATCH/config" "$SCRATCH/state"
	t0=${EPOCHREALTIME/[.,]/}
	set +e
	HOME=$SCRATCH/home XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/state \
		timeout --kill-after=5 "$SMTPSH_TIMEOUT" "${wrap[@]}" "$SMTPSH" "$@" \
		<"$in" >"$OUT" 2>"$ERRF"
	RC=$?
	set -e
	t1=${EPOCHREALTIME/[.,]/}
	ELAPSED_MS=$(((t1 - t0) / 1000))
	ELAPSED=$(printf '%d.%03d' $((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000)))
	# keep every run's output for KEEP_SCRATCH post-mortems
	cp "$OUT" "$SCRATCH/stdout.$_RUN_N"
	cp "$ERRF" "$SCRATCH/stderr.$_RUN_N"
	return 0
}

run_smtpsh() {
	_run_smtpsh /dev/null "$@"
}

run_smtpsh_stdin() {
	(($# >= 1)) || _die "run_smtpsh_stdin: no input file"
	_run_smtpsh "$@"
}

# ------------------------------------------------------------------ assertions

_need_run() {
	[[ -n $LAST_CMD ]] || _die "assertion before any run_smtpsh"
}

assert_rc() {
	_need_run
	[[ $RC == "$1" ]] || fail "expected exit status $1, got $RC"
}

assert_out_contains() {
	_need_run
	LC_ALL=C grep -aqF -e "$1" "$OUT" || fail "stdout does not contain: $1"
}

assert_out_not_contains() {
	_need_run
	! LC_ALL=C grep -aqF -e "$1" "$OUT" || fail "stdout contains what it must not: $1"
}

assert_out_matches() {
	_need_run
	LC_ALL=C grep -aqE -e "$1" "$OUT" || fail "stdout does not match the regex: $1"
}

assert_out_not_matches() {
	_need_run
	! LC_ALL=C grep -aqE -e "$1" "$OUT" || fail "stdout matches what it must not: $1"
}

assert_err_contains() {
	_need_run
	LC_ALL=C grep -aqF -e "$1" "$ERRF" || fail "stderr does not contain: $1"
}

assert_err_not_contains() {
	_need_run
	! LC_ALL=C grep -aqF -e "$1" "$ERRF" || fail "stderr contains what it must not: $1"
}

assert_any_contains() {
	_need_run
	LC_ALL=C grep -aqF -e "$1" "$OUT" "$ERRF" || fail "neither stdout nor stderr contains: $1"
}

assert_any_matches() {
	_need_run
	LC_ALL=C grep -aqE -e "$1" "$OUT" "$ERRF" || fail "neither stdout nor stderr matches: $1"
}

# The fake server may still be finishing the connection when smtpsh exits: wait a little.
assert_log_contains() {
	local i
	[[ -n $FAKE_LOG ]] || _die "assert_log_contains: no fake server started"
	for ((i = 0; i < 100; i++)); do
		LC_ALL=C grep -aqF -e "$1" "$FAKE_LOG" && return 0
		kill -0 "$FAKE_PID" 2>/dev/null || break
		sleep 0.05
	done
	LC_ALL=C grep -aqF -e "$1" "$FAKE_LOG" || fail "the fake server's log does not contain: $1"
}

assert_log_not_contains() {
	[[ -n $FAKE_LOG ]] || _die "assert_log_not_contains: no fake server started"
	! LC_ALL=C grep -aqF -e "$1" "$FAKE_LOG" || fail "the fake server's log contains: $1"
}

assert_no_esc() {
	_need_run
	! LC_ALL=C grep -aq $'\x1b' "$OUT" "$ERRF" || fail "raw ESC byte (0x1b) in the output"
}

assert_no_ctrl() {
	_need_run
	local f bad
	for f in "$OUT" "$ERRF"; do
		bad=$("$PYTHON" -c '
import sys
data = open(sys.argv[1], "rb").read()
bad = sorted({b for b in data if (b < 0x20 and b not in (9, 10)) or b == 0x7f})
print(" ".join("0x%02x" % b for b in bad))' "$f")
		[[ -z $bad ]] || fail "raw control bytes in $(basename "$f"): $bad"
	done
}

assert_elapsed_lt() {
	_need_run
	awk -v e="$ELAPSED" -v l="$1" 'BEGIN { exit !(e < l) }' ||
		fail "took ${ELAPSED}s, expected less than ${1}s"
}

assert_elapsed_ge() {
	_need_run
	awk -v e="$ELAPSED" -v l="$1" 'BEGIN { exit !(e >= l) }' ||
		fail "took ${ELAPSED}s, expected at least ${1}s"
}
