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
#   start_postfix [OPTIONS]      start a private Postfix; sets PF_PORT PF_PID PF_RUN PF_LOG
#                                (and PF_SMTPS_PORT, PF_LISTENER_PORT[NAME]). OPTIONS:
#     --tls                      offer STARTTLS with a self-signed mx1.example.test
#                                certificate (make_cert)
#     --cert FILE --key FILE     offer STARTTLS with this certificate and key (e.g. from
#                                make_certs: $CERTS/valid.pem $CERTS/valid.key)
#     --chain FILE               certificates sent after the leaf (intermediates)
#     --smtps                    also implicit TLS (wrapper mode) on PF_SMTPS_PORT
#     --listener NAME CERT KEY   one more STARTTLS port, PF_LISTENER_PORT[NAME] (127.0.0.1
#                                only), with its own certificate; CERT may be a comma-
#                                separated list, leaf first (repeatable)
#     --ask-ccert CAFILE         ask for client certificates, verify them against CAFILE
#     --main 'NAME = VALUE'      one more main.cf line (repeatable; later settings win)
#     --auth                     SMTP AUTH through a private Dovecot (auth service only, on
#                                a Unix socket in the queue directory): mechanisms PLAIN
#                                LOGIN CRAM-MD5 SCRAM-SHA-256 for one user, $AUTH_USER
#                                (default alice@example.test) with password $AUTH_PASS
#                                (default: random, set here); with --tls, AUTH is offered
#                                only after STARTTLS (smtpd_tls_auth_only). Sets DC_PID
#                                DC_RUN DC_LOG
#                                Every option but --main and --auth implies --tls.
#   stop_postfix                 stop it now, and its Dovecot (the EXIT trap does it otherwise)
#   start_postfix_auth PREFIX [OPTIONS]  start_postfix --auth OPTIONS for AUTH_USER
#                                alice@example.test with a fresh password PREFIX.NNNN in
#                                AUTH_PASS; unsets SMTPSH_SECRET; sets PASS_B64 and USER_B64
#                                (their base64) and PLAIN_B64 (the PLAIN blob's)
#   has_secret FILE...           does any FILE hold $AUTH_PASS, $PASS_B64 or $PLAIN_B64?
#                                Prints what it found
#   assert_no_secret [FILE...]   none of them in the last run's stdout, stderr nor FILEs
#   private_hosts LINE...        smtpsh runs from now on (SMTPSH_WRAPPER) in a private mount
#                                namespace whose /etc/hosts is the LINEs, /etc/nsswitch.conf
#                                "hosts: files" (no name goes to DNS), /etc/host.conf "multi
#                                on", /etc/gai.conf empty (glibc's default address sorting,
#                                RFC 6724, whatever the machine has); nscd's socket hidden
#   in_private_hosts CMD...      run CMD in that namespace
#   make_cert DIR                self-signed mx1.example.test certificate: DIR/server.crt
#                                and DIR/server.key; sets CERT_FILE KEY_FILE
#   make_certs                   the test PKI of tests/tls/mkcerts.sh in $SCRATCH/certs
#                                (root.pem, valid.pem, expired.pem, ... see there); sets CERTS
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
#   assert_pflog_contains TEXT   fixed string in what Postfix logged since the last smtpsh
#                                run started (waits up to 5 s for it)
#   assert_pflog_matches REGEX   extended regex, the same way
#   assert_pflog_not_contains TEXT  ... once Postfix has logged the end of the session
#   pflog_wait_disconnect        wait (5 s) until Postfix has logged the end of the session
#   assert_no_esc                no ESC byte (0x1b) in stdout and stderr
#   assert_no_ctrl               no C0 control byte but TAB and LF, no DEL, in stdout and stderr
#   assert_elapsed_lt SECONDS    the last smtpsh run took less than SECONDS
#   assert_elapsed_ge SECONDS    ... at least SECONDS
#   assert_log_line TEXT         a line of the fake server's log is exactly TEXT (waits up to 5 s)
#   out_line_exact TEXT          print the number of the first stdout line that is exactly
#                                TEXT, 0 if none
#   out_line_match REGEX [N]     ... of the first stdout line matching REGEX after line N
#                                (default 0), 0 if none
#   assert_out_sequence REGEX... stdout has lines matching each REGEX, in this order (each
#                                after the line the previous one matched)
#                                (these two take awk EREs: Debian's mawk has no {n,m})
#   lineno FILE REGEX            print the number of FILE's first line matching REGEX (grep -E),
#                                fail if none does
#   re_quote TEXT                print TEXT as an ERE that matches itself
#   assert_difference FILE LINE WHAT RECORDED GOT  a replay reported "difference at FILE:LINE:
#                                WHAT: recorded RECORDED, got GOT" (RECORDED, GOT: EREs)
#   run_smtpsh_rss ARGS...       run_smtpsh under GNU time (/usr/bin/time, package "time");
#                                also sets PEAK_RSS_KB, smtpsh's peak resident set in KiB
#   postfix_queue_ids            print the Postfix queue ids of the last run's "queued as" replies
#   wait_maillog REGEX [SECONDS] wait until a line of Postfix's maillog matches REGEX (grep -E;
#                                default 10 s), fail if none does
#   maillog_size QUEUEID         print the size= Postfix logged for the message QUEUEID
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
	PF_PORT='' PF_PID='' PF_RUN='' PF_LOG='' PF_SMTPS_PORT=''
	CERT_FILE='' KEY_FILE='' CERTS=''
	AUTH_USER='' AUTH_PASS='' DC_PID='' DC_RUN='' DC_LOG=''
	PASS_B64='' USER_B64='' PLAIN_B64=''
}
declare -A PF_LISTENER_PORT=()
_PF_LOG_MARK=0    # size of the maillog when the last smtpsh run started
_FAKE_N=0
_PF_N=0
_FAKE_PIDS=()     # fake servers still to be reaped
_PF_PIDS=()       # postfix masters (each the leader of its own process group)
_DC_PIDS=()       # dovecot masters (each the leader of its own process group)

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
			echo "# server (process group $pg) did not stop in 10 s: SIGKILL" >&2
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
	for pid in "${_DC_PIDS[@]}"; do
		_stop_pgroup "$pid"
	done
	_DC_PIDS=()
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
	if [[ -n $PF_LOG && -e $PF_LOG ]]; then
		echo "--- postfix maillog since the last run ($PF_LOG):"
		tail -c +$((_PF_LOG_MARK + 1)) "$PF_LOG" | grep -v 'overriding earlier entry' >"$SCRATCH/maillog.part" || true
		_show_file "$SCRATCH/maillog.part"
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

make_certs() {
	CERTS=$SCRATCH/certs
	[[ -s $CERTS/root.pem ]] && return 0
	sh "$TESTS_DIR/tls/mkcerts.sh" "$CERTS" || _die "make_certs: tests/tls/mkcerts.sh failed"
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

# _pf_subst FILE NAME=VALUE...: FILE with every @NAME@ replaced by VALUE, on stdout.
_pf_subst() {
	local file=$1 kv name val args=()
	shift
	for kv in "$@"; do
		name=${kv%%=*}
		val=${kv#*=}
		# escape what sed's replacement text would interpret
		val=${val//\\/\\\\}
		val=${val//|/\\|}
		val=${val//&/\\&}
		args+=(-e "s|@$name@|$val|g")
	done
	sed "${args[@]}" "$file"
}

# Print N distinct free ports, one a line.
_free_ports() {
	local n=$1 p seen=' ' k=0 tries=0
	while ((k < n)); do
		((tries++ < 50)) || _die "could not find $n distinct free ports"
		p=$(free_port)
		[[ $seen == *" $p "* ]] && continue
		seen+="$p "
		echo "$p"
		k=$((k + 1))
	done
}

# Wait (3 s at most) until Postfix has logged the end of the harness's own probe
# connections (at least $1 of them), so that they do not mix with the first run's lines.
_pf_settle() {
	local i c d
	for ((i = 0; i < 60; i++)); do
		if [[ -e $PF_LOG ]]; then
			c=$(LC_ALL=C grep -ac ': connect from ' "$PF_LOG" || true)
			d=$(LC_ALL=C grep -ac ': disconnect from ' "$PF_LOG" || true)
			((c >= $1 && c == d)) && return 0
		fi
		sleep 0.05
	done
}

# ------------------------------------------------------------------ dovecot (SASL for postfix)

_dc_fail() {
	local dc=$1
	shift
	{
		echo "ERROR: $TEST_NAME: $*"
		echo "--- dovecot output:"
		_show_file "$dc/dovecot.out"
		echo "--- dovecot log:"
		_show_file "$dc/dovecot.log"
	} >&2
	exit 1
}

# Fail unless every listening socket of process group $1 is a Unix socket inside directory
# $2 (Dovecot's own base_dir) or the socket $3: no TCP or UDP port, no other socket.
_dc_check_listeners() {
	"$PYTHON" - "$@" <<'PY'
import os, sys
pgid, base, allowed = int(sys.argv[1]), sys.argv[2].rstrip("/") + "/", sys.argv[3]
inodes = set()
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        if os.getpgid(int(pid)) != pgid:
            continue
        for fd in os.listdir(f"/proc/{pid}/fd"):
            t = os.readlink(f"/proc/{pid}/fd/{fd}")
            if t.startswith("socket:["):
                inodes.add(t[8:-1])
    except OSError:
        continue
bad = []
seen_allowed = False
for name in ("tcp", "tcp6", "udp", "udp6"):
    try:
        lines = open(f"/proc/net/{name}").read().splitlines()[1:]
    except OSError:
        continue
    for ln in lines:
        f = ln.split()
        if f[9] in inodes and (name.startswith("udp") or f[3] == "0A"):
            bad.append(f"{name} {f[1]}")
for ln in open("/proc/net/unix").read().splitlines()[1:]:
    f = ln.split()
    # Flags 00010000: a listening socket
    if len(f) >= 8 and f[6] in inodes and int(f[3], 16) & 0x10000:
        path = f[7]
        if path == allowed:
            seen_allowed = True
        elif not path.startswith(base):
            bad.append(f"unix {path}")
if not seen_allowed:
    bad.append(f"(its auth socket {allowed} is not among them: not the process group of dovecot?)")
if bad:
    print("dovecot listens where it must not: " + ", ".join(sorted(set(bad))))
    sys.exit(1)
PY
}

# _start_dovecot POSTFIX_RUN: a private Dovecot whose only job is SASL for that Postfix:
# protocols = none, its base_dir, state, log and passwd-file under POSTFIX_RUN/dovecot, its
# auth socket at POSTFIX_RUN/queue/private/auth (the queue subdirectories must exist).
# One user, $AUTH_USER with password $AUTH_PASS ({PLAIN} scheme).
_start_dovecot() {
	local pf=$1 dc dovecot i out sock
	dovecot=$(PATH=$PATH:/usr/sbin:/sbin command -v dovecot) ||
		skip "Dovecot is not installed (Debian package dovecot-core)"
	getent passwd dovecot >/dev/null || _die "start_postfix --auth: no dovecot user"
	[[ -d $pf/queue/private ]] || _die "start_postfix --auth: no $pf/queue/private"
	[[ -n $AUTH_USER ]] || AUTH_USER=alice@example.test
	[[ -n $AUTH_PASS ]] || AUTH_PASS=Pw-$(head -c 12 /dev/urandom | base64 | tr '+/' '._')
	[[ $AUTH_USER != *:* && $AUTH_PASS != *:* && -n $AUTH_USER && -n $AUTH_PASS ]] ||
		_die "start_postfix --auth: AUTH_USER and AUTH_PASS must be non-empty, without ':'"
	dc=$pf/dovecot
	mkdir -p "$dc/home"
	# the auth process (user dovecot) reads the passwd-file in here
	chmod 755 "$dc"
	_pf_subst "$TESTS_DIR/dovecot/dovecot.conf.in" RUN="$dc" PFQUEUE="$pf/queue" N="$$-$_PF_N" \
		>"$dc/dovecot.conf"
	# passwd-file: user:password; readable by the auth process (user dovecot) only
	(umask 077 && printf '%s:{PLAIN}%s\n' "$AUTH_USER" "$AUTH_PASS" >"$dc/users")
	chgrp dovecot "$dc/users" && chmod 640 "$dc/users"
	# The master in the foreground (-F), leader of its own process group; -c: this
	# configuration only, the system's is never read.  DOVECOT_HOSTDOMAIN: no lookup of
	# the machine's own name (see the configuration).
	(cd / && exec env DOVECOT_HOSTDOMAIN=mx1.example.test setsid "$dovecot" -F -c "$dc/dovecot.conf" \
		</dev/null >"$dc/dovecot.out" 2>&1) &
	DC_PID=$!
	_DC_PIDS+=("$DC_PID")
	# Ready: the master writes its pid file after it has made all its listeners.
	sock=$pf/queue/private/auth
	for ((i = 0; i < 100; i++)); do
		kill -0 "$DC_PID" 2>/dev/null || _dc_fail "$dc" "dovecot exited at start-up"
		if [[ -s $dc/run/master.pid && -S $sock ]] &&
			[[ $(stat -c '%U:%G %a' "$sock") == "postfix:postfix 660" ]]; then
			break
		fi
		sleep 0.1
	done
	[[ -S $sock ]] || _dc_fail "$dc" "dovecot made no auth socket in 10 s"
	[[ $(stat -c '%U:%G %a' "$sock") == "postfix:postfix 660" ]] ||
		_dc_fail "$dc" "auth socket is $(stat -c '%U:%G %a' "$sock"), not postfix:postfix 660"
	[[ -s $dc/run/master.pid ]] || _dc_fail "$dc" "dovecot wrote no pid file in 10 s"
	out=$(_dc_check_listeners "$DC_PID" "$dc/run" "$sock") || _dc_fail "$dc" "$out"
	DC_RUN=$dc
	DC_LOG=$dc/dovecot.log
}

stop_dovecot() {
	local pid
	for pid in "${_DC_PIDS[@]}"; do
		_stop_pgroup "$pid"
	done
	_DC_PIDS=()
}

start_postfix() {
	local tls=0 smtps=0 cert='' key='' chain='' client_ca='' postconf postfix daemon_dir run
	local auth=0 dc_started=0
	local attempt i started st chain_files ports=() all_open p
	local -a l=()
	local -a extra_main=() l_names=() l_files=()
	while (($# > 0)); do
		case $1 in
		--tls) tls=1 ;;
		--cert | --key | --chain | --ask-ccert | --main)
			(($# >= 2)) || _die "start_postfix: $1 needs an argument"
			case $1 in
			--cert) cert=$2 ;;
			--key) key=$2 ;;
			--chain) chain=$2 ;;
			--ask-ccert) client_ca=$2 ;;
			--main) extra_main+=("$2") ;;
			esac
			shift
			;;
		--smtps) smtps=1 ;;
		--auth) auth=1 ;;
		--listener)
			(($# >= 4)) || _die "start_postfix: --listener needs NAME CERT KEY"
			[[ $2 =~ ^[A-Za-z0-9_-]+$ ]] || _die "start_postfix: --listener: bad name $2"
			IFS=, read -r -a l <<<"$3,$4"
			for p in "${l[@]}"; do
				[[ -f $p ]] || _die "start_postfix: --listener $2: no such file: $p"
			done
			l_names+=("$2")
			# the key, then the certificates (CERT may be a comma-separated list)
			l_files+=("$4,$3")
			shift 3
			;;
		*) _die "start_postfix: unknown option $1" ;;
		esac
		shift
	done
	if [[ -n $cert || -n $key || -n $chain ]]; then
		[[ -n $cert && -n $key ]] || _die "start_postfix: --cert and --key go together"
		for p in "$cert" "$key" ${chain:+"$chain"}; do
			[[ -f $p ]] || _die "start_postfix: no such file: $p"
		done
		tls=1
	fi
	if ((smtps)) || [[ -n $client_ca ]]; then
		tls=1
	fi
	[[ -z $client_ca || -f $client_ca ]] || _die "start_postfix: no such file: $client_ca"
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
	if ((tls)) && [[ -z $cert ]]; then
		make_cert "$run/tls"
		cert=$CERT_FILE
		key=$KEY_FILE
	fi
	chain_files="$key, $cert${chain:+, $chain}"

	PF_SMTPS_PORT=''
	PF_LISTENER_PORT=()
	for attempt in 1 2 3; do
		mapfile -t ports < <(_free_ports $((1 + smtps + ${#l_names[@]})))
		((${#ports[@]} == 1 + smtps + ${#l_names[@]})) || _die "start_postfix: no free ports"
		PF_PORT=${ports[0]}
		((smtps)) && PF_SMTPS_PORT=${ports[1]}
		_pf_subst "$TESTS_DIR/postfix/main.cf.in" RUN="$run" PORT="$PF_PORT" >"$run/conf/main.cf"
		if ((tls)); then
			_pf_subst "$TESTS_DIR/postfix/tls.cf.in" RUN="$run" TLS_CHAIN_FILES="$chain_files" \
				>>"$run/conf/main.cf"
		fi
		if [[ -n $client_ca ]]; then
			_pf_subst "$TESTS_DIR/postfix/ccert.cf.in" CLIENT_CA="$client_ca" >>"$run/conf/main.cf"
		fi
		if ((auth)); then
			_pf_subst "$TESTS_DIR/postfix/auth.cf.in" RUN="$run" >>"$run/conf/main.cf"
			if ((tls)); then
				_pf_subst "$TESTS_DIR/postfix/auth-tls.cf.in" RUN="$run" >>"$run/conf/main.cf"
			fi
		fi
		if ((${#extra_main[@]})); then
			printf '%s\n' "# Added by the test (start_postfix --main)" "${extra_main[@]}" \
				>>"$run/conf/main.cf"
		fi
		_pf_subst "$TESTS_DIR/postfix/master.cf.in" RUN="$run" PORT="$PF_PORT" >"$run/conf/master.cf"
		if ((smtps)); then
			_pf_subst "$TESTS_DIR/postfix/smtps.cf.in" SMTPS_PORT="$PF_SMTPS_PORT" |
				grep -v '^#' >>"$run/conf/master.cf"
		fi
		for ((i = 0; i < ${#l_names[@]}; i++)); do
			PF_LISTENER_PORT[${l_names[i]}]=${ports[1 + smtps + i]}
			_pf_subst "$TESTS_DIR/postfix/listener.cf.in" \
				LISTENER_PORT="${ports[1 + smtps + i]}" LISTENER_CHAIN_FILES="${l_files[i]}" |
				grep -v '^#' >>"$run/conf/master.cf"
		done
		# postfix(1) reports errors only to syslog or a terminal: give it a terminal.
		# "check" also creates the queue subdirectories.
		if ! script -qec "$(printf '%q ' "$postfix" -c "$run/conf" check)" /dev/null \
			</dev/null >"$run/check.out" 2>&1; then
			_pf_fail "$run" "postfix check failed"
		fi
		# Dovecot's auth socket goes into the queue directory that "check" made, and must
		# be there before smtpd first looks for it.
		if ((auth && !dc_started)); then
			_start_dovecot "$run"
			dc_started=1
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
			all_open=1
			_port_open 127.0.0.1 "$PF_PORT" && _port_open ::1 "$PF_PORT" || all_open=0
			for p in "${ports[@]:1}"; do
				((all_open)) || break
				_port_open 127.0.0.1 "$p" || all_open=0
			done
			if ((all_open)); then
				started=1
				break
			fi
			sleep 0.1
		done
		if ((started)); then
			PF_RUN=$run
			PF_LOG=$run/maillog
			_pf_settle $((${#ports[@]} + 1))
			return 0
		fi
		if kill -0 "$PF_PID" 2>/dev/null; then
			_pf_fail "$run" "postfix does not accept connections on ports ${ports[*]} after 15 s"
		fi
		st=0
		wait "$PF_PID" 2>/dev/null || st=$?
		_stop_pgroup "$PF_PID"
		_PF_PIDS=("${_PF_PIDS[@]:0:${#_PF_PIDS[@]}-1}")
		# The master reports start-up errors (such as a port in use) to syslog only.
		# Lost a race for a port? Try other ones.
		for p in "${ports[@]}"; do
			if ! _port_free "$p"; then
				((attempt < 3)) && continue 2
				_pf_fail "$run" "port $p was taken before postfix could bind it (3 attempts)"
			fi
		done
		_pf_fail "$run" "postfix master exited at start-up with status $st (it logs" \
			"start-up errors to syslog only; to see them, run with KEEP_SCRATCH=1, then:" \
			"$daemon_dir/master -c $run/conf -d -s)"
	done
	_pf_fail "$run" "postfix could not get free ports"
}

stop_postfix() {
	local pid
	for pid in "${_PF_PIDS[@]}"; do
		_stop_pgroup "$pid"
	done
	_PF_PIDS=()
	stop_dovecot
}

# ------------------------------------------------------------------ AUTH (Postfix + Dovecot)

start_postfix_auth() {
	(($# >= 1)) || _die "start_postfix_auth: no password prefix"
	local prefix=$1
	shift
	unset SMTPSH_SECRET
	AUTH_USER=alice@example.test
	AUTH_PASS=$prefix.$RANDOM$RANDOM
	PASS_B64=$(printf '%s' "$AUTH_PASS" | base64 -w0)
	USER_B64=$(printf '%s' "$AUTH_USER" | base64 -w0)
	PLAIN_B64=$(printf '\0%s\0%s' "$AUTH_USER" "$AUTH_PASS" | base64 -w0)
	[[ -n $PASS_B64 && -n $USER_B64 && -n $PLAIN_B64 ]] || _die "base64 failed"
	start_postfix --auth "$@"
}

has_secret() {
	local f found=1
	for f in "$@"; do
		[[ -e $f ]] || continue
		if LC_ALL=C grep -aqF -e "$AUTH_PASS" "$f"; then
			echo "the password in $(basename "$f")"
			found=0
		fi
		if LC_ALL=C grep -aqF -e "$PASS_B64" "$f"; then
			echo "the base64 of the password in $(basename "$f")"
			found=0
		fi
		if LC_ALL=C grep -aqF -e "$PLAIN_B64" "$f"; then
			echo "the base64 of the PLAIN blob (NUL user NUL password) in $(basename "$f")"
			found=0
		fi
	done
	return $found
}

assert_no_secret() {
	local what
	if what=$(has_secret "$OUT" "$ERRF" "$@"); then
		fail "a secret leaked: $what"
	fi
}

# ------------------------------------------------------------------ a private /etc/hosts

_PRIVATE_ETC=$SCRATCH/etc
_PRIVATE_ETC_WRAP=$SCRATCH/in-private-etc

private_hosts() {
	local etc=$_PRIVATE_ETC
	command -v unshare >/dev/null || _die "unshare(1) (util-linux) is needed"
	mkdir -p "$etc"
	printf '%s\n' "$@" >"$etc/hosts"
	printf 'hosts: files\n' >"$etc/nsswitch.conf"
	printf 'multi on\n' >"$etc/host.conf"
	: >"$etc/gai.conf"
	# in-private-etc DIR CMD...: CMD in a private mount namespace with DIR's files over the
	# machine's
	cat >"$_PRIVATE_ETC_WRAP" <<'WRAP'
#!/bin/bash
etc=$1
shift
mounts='mount --bind "$0/hosts" /etc/hosts && mount --bind "$0/nsswitch.conf" /etc/nsswitch.conf'
[[ -e /etc/host.conf ]] && mounts+=' && mount --bind "$0/host.conf" /etc/host.conf'
[[ -e /etc/gai.conf ]] && mounts+=' && mount --bind "$0/gai.conf" /etc/gai.conf'
# nscd would answer from its own cache and configuration: hide its socket
[[ -d /run/nscd ]] && mounts+=' && mount -t tmpfs none /run/nscd'
if [[ $(id -u) == 0 ]]; then
	exec unshare --mount bash -c "$mounts"' && exec "$@"' "$etc" "$@"
fi
exec unshare --user --map-root-user --mount bash -c "$mounts"' && exec "$@"' "$etc" "$@"
WRAP
	chmod +x "$_PRIVATE_ETC_WRAP"
	SMTPSH_WRAPPER="$_PRIVATE_ETC_WRAP $etc${SMTPSH_WRAPPER:+ $SMTPSH_WRAPPER}"
}

in_private_hosts() {
	[[ -x $_PRIVATE_ETC_WRAP ]] || _die "in_private_hosts before private_hosts"
	"$_PRIVATE_ETC_WRAP" "$_PRIVATE_ETC" "$@"
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
	_PF_LOG_MARK=0
	if [[ -n $PF_LOG && -e $PF_LOG ]]; then
		_PF_LOG_MARK=$(stat -c %s "$PF_LOG")
	fi
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

# What Postfix logged since the last smtpsh run started.
_pflog_since() {
	[[ -n $PF_LOG ]] || _die "no Postfix started"
	[[ -e $PF_LOG ]] || return 0
	tail -c +$((_PF_LOG_MARK + 1)) "$PF_LOG"
}

# _pflog_wait GREP-ARGS...: wait up to 5 s until the lines since the mark match.
_pflog_wait() {
	local i
	for ((i = 0; i < 100; i++)); do
		_pflog_since | LC_ALL=C grep -aq "$@" && return 0
		sleep 0.05
	done
	return 1
}

assert_pflog_contains() {
	_need_run
	_pflog_wait -F -e "$1" || fail "the Postfix maillog does not contain: $1"
}

assert_pflog_matches() {
	_need_run
	_pflog_wait -E -e "$1" || fail "the Postfix maillog does not match the regex: $1"
}

pflog_wait_disconnect() {
	_need_run
	_pflog_wait -F -e ': disconnect from ' ||
		fail "Postfix logged no end of the session within 5 s"
}

assert_pflog_not_contains() {
	pflog_wait_disconnect
	! _pflog_since | LC_ALL=C grep -aqF -e "$1" || fail "the Postfix maillog contains: $1"
}

assert_log_line() {
	local i
	[[ -n $FAKE_LOG ]] || _die "assert_log_line: no fake server started"
	for ((i = 0; i < 100; i++)); do
		LC_ALL=C grep -aqxF -e "$1" "$FAKE_LOG" && return 0
		kill -0 "$FAKE_PID" 2>/dev/null || break
		sleep 0.05
	done
	LC_ALL=C grep -aqxF -e "$1" "$FAKE_LOG" || fail "no line of the fake server's log is exactly: $1"
}

# ------------------------------------------------------------------ output structure

# lineno FILE REGEX: the number of the first line of FILE matching REGEX (grep -E), or fail
lineno() {
	local n
	n=$(LC_ALL=C grep -anE -e "$2" "$1" | head -n 1 | cut -d: -f1)
	[[ -n $n ]] || fail "$(basename "$1") has no line matching /$2/"
	echo "$n"
}

# re_quote TEXT: TEXT as an ERE matching itself
re_quote() {
	printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'
}

# assert_difference FILE LINE WHAT RECORDED GOT: the replay reported this difference
assert_difference() {
	local re
	re="^!! difference at $(re_quote "$1"):$2: $(re_quote "$3"): recorded $4, got $5\$"
	assert_out_matches "$re"
}

# _out_find MODE PATTERN FROM: the number of the first stdout line after line FROM that is
# exactly PATTERN (MODE x) or matches the ERE PATTERN (MODE e); 0 if none.
_out_find() {
	# the pattern through the environment: awk -v would interpret its backslashes
	_OUT_PAT=$2 LC_ALL=C awk -v mode="$1" -v from="$3" '
		BEGIN { pat = ENVIRON["_OUT_PAT"] }
		NR > from && ((mode == "x" && $0 == pat) || (mode == "e" && $0 ~ pat)) { print NR; found = 1; exit }
		END { if (!found) print 0 }' "$OUT"
}

out_line_exact() {
	_out_find x "$1" 0
}

out_line_match() {
	_out_find e "$1" "${2:-0}"
}

assert_out_sequence() {
	_need_run
	local re at=0 n
	for re in "$@"; do
		n=$(_out_find e "$re" "$at")
		((n > 0)) || fail "stdout has no line matching /$re/ after line $at"
		at=$n
	done
}

# ------------------------------------------------------------------ resources

run_smtpsh_rss() {
	local time_bin=/usr/bin/time saved=${SMTPSH_WRAPPER:-} rssf=$SCRATCH/rss.$((_RUN_N + 1))
	[[ -x $time_bin ]] || skip "GNU time (/usr/bin/time, Debian package \"time\") is not installed"
	# time(1) outermost: it reports the peak of the process it starts (smtpsh, or the
	# wrapper when SMTPSH_WRAPPER is set).
	SMTPSH_WRAPPER="$time_bin -f %M -o $rssf${saved:+ $saved}"
	run_smtpsh "$@"
	SMTPSH_WRAPPER=$saved
	PEAK_RSS_KB=$(tail -n 1 "$rssf" 2>/dev/null)
	[[ $PEAK_RSS_KB =~ ^[0-9]+$ ]] || fail "no peak RSS measured by $time_bin: $(cat "$rssf" 2>/dev/null)"
}

# ------------------------------------------------------------------ Postfix's log

postfix_queue_ids() {
	_need_run
	LC_ALL=C grep -aoE 'queued as [0-9A-Za-z]+' "$OUT" | awk '{ print $3 }'
}

wait_maillog() {
	local re=$1 secs=${2:-10} i
	[[ -n $PF_LOG ]] || _die "wait_maillog: no Postfix started"
	for ((i = 0; i < secs * 10; i++)); do
		LC_ALL=C grep -aqE -e "$re" "$PF_LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "Postfix's maillog has no line matching /$re/ after ${secs}s:
$(tail -n 40 "$PF_LOG" 2>/dev/null)"
}

maillog_size() {
	[[ -n $PF_LOG ]] || _die "maillog_size: no Postfix started"
	LC_ALL=C sed -n -E "s/.* $1: from=<[^>]*>, size=([0-9]+),.*/\1/p" "$PF_LOG" | head -n 1
}
