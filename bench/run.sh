#!/usr/bin/env bash
# Probe and start-up benchmark: smtpsh side by side with bash /dev/tcp, nc and swaks
# against a private smtp-sink on 127.0.0.1, plus `--version` start-up against openssl and
# swaks. Prints medians, p90s, peak RSS and smtpsh's ratio to each tool, with the targets
# of DESIGN.md section 4. It reports; it never fails because a target is missed.
#
# usage: bench/run.sh [-n N] [-i]   N sequential runs per tool and job (default 200);
#                                   -i interleaves the tools round by round instead
#        SMTPSH=/path/to/smtpsh bench/run.sh
#
# Needs (Debian packages): postfix (smtp-sink), swaks, netcat-openbsd (nc -N), time
# (/usr/bin/time), openssl, coreutils, gawk or mawk. Installs nothing itself.
# Everything stays on loopback: every client gets the IP literal 127.0.0.1, explicit HELO
# and envelope names, and the sink's port is picked at run time.

set -u -o pipefail
export LC_ALL=C
unset BASH_ENV ENV

N=200
INTERLEAVE=0
usage() { sed -n '7,9s/^# \{0,1\}//p' "$0"; }
while getopts 'n:ih' opt; do
	case $opt in
	n) N=$OPTARG ;;
	i) INTERLEAVE=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ $N =~ ^[0-9]+$ ]] || (( N < 1 )); then
	echo "run.sh: -n wants a positive integer, not '$N'" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SMTPSH=${SMTPSH:-$ROOT/build/src/smtpsh}
RSS_RUNS=$(( N < 5 ? N : 5 ))

# ---------------------------------------------------------------- prerequisites
missing=()
need() { # command package
	command -v "$1" >/dev/null 2>&1 || missing+=("$2 (for $1)")
}
need smtp-sink postfix
need swaks swaks
need nc netcat-openbsd
need openssl openssl
need awk gawk
need sort coreutils
[[ -x /usr/bin/time ]] || missing+=("time (for /usr/bin/time)")
if command -v nc >/dev/null 2>&1 && ! nc -h 2>&1 | grep -q -- '^[[:space:]]*-N'; then
	missing+=("netcat-openbsd (the nc found has no -N; the OpenBSD netcat is needed)")
fi
if command -v swaks >/dev/null 2>&1 && ! swaks --help 2>/dev/null | grep -q -- '--quit-after'; then
	missing+=("swaks (a version with --quit-after)")
fi
if ((${#missing[@]})); then
	echo "run.sh: missing prerequisites; install these Debian packages:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 2
fi
if [[ ! -x $SMTPSH ]]; then
	echo "run.sh: no smtpsh binary at $SMTPSH" >&2
	echo "  build it (meson setup build && ninja -C build) or set SMTPSH=/path/to/smtpsh" >&2
	exit 2
fi

# ---------------------------------------------------------------- clock
# Microseconds from bash's own clock ($EPOCHREALTIME, bash >= 5): no process is started to
# read the time, so each figure is fork + exec + the tool's own work, and that fork/exec
# overhead is the same for every tool. Older bash falls back to date +%s%N, which adds one
# `date` start-up to every figure (again equally for all tools).
if [[ -n ${EPOCHREALTIME:-} ]]; then
	# shellcheck disable=SC2016 # the name, not its value
	CLOCK='bash $EPOCHREALTIME'
	now_us() { NOW=${EPOCHREALTIME/[.,]/}; }
else
	CLOCK='date +%s%N (adds one date start-up per run)'
	now_us() { NOW=$(date +%s%N); NOW=$((NOW / 1000)); }
fi

# ---------------------------------------------------------------- sink
TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpsh-bench.XXXXXX") || exit 1
SINK_PID=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [[ -n $SINK_PID ]]; then
		kill "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SINK_NAME="sink-$$.bench" # unique, so we know the greeting is from our own sink
SINK_USER=()
((EUID == 0)) && SINK_USER=(-u nobody) # smtp-sink refuses to run as root without -u

sink_answers() { # port: our sink's greeting arrives on it
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		IFS= read -r -t 2 line <&3 || exit 1
		printf 'QUIT\r\n' >&3
		[[ $line == "220 $SINK_NAME "* ]]
	) 2>/dev/null
}

start_sink() {
	local port
	for _ in {1..20}; do
		# below Linux's default ephemeral range, so client source ports never collide
		port=$((20000 + RANDOM % 12000))
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue # something already listens there
		fi
		smtp-sink "${SINK_USER[@]}" -h "$SINK_NAME" "127.0.0.1:$port" 1000 \
			>"$TMP/sink.log" 2>&1 &
		SINK_PID=$!
		for _ in {1..100}; do
			kill -0 "$SINK_PID" 2>/dev/null || break # bind failed: try another port
			if sink_answers "$port"; then
				PORT=$port
				return 0
			fi
			sleep 0.02
		done
		kill "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
		SINK_PID=
	done
	echo "run.sh: could not start smtp-sink on 127.0.0.1; its last words:" >&2
	cat "$TMP/sink.log" >&2
	return 1
}
start_sink || exit 1

# ---------------------------------------------------------------- the probes
# Each probe is one fresh process, as a user would run it, and does the same exchange:
# connect, read the 220 greeting, EHLO, read the whole multi-line 250 reply, QUIT, read 221.
# Every run's exit status and output are checked ("221 " must have arrived); failures are
# counted and shown, not hidden.

# bash /dev/tcp, lock-step like smtpsh. Note that bash's `read` on a socket reads one byte
# per read(2) call, which is part of what this anchor costs.
# shellcheck disable=SC2016 # expanded by the probe's own bash
BASH_PROBE='
exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
IFS= read -r l <&3 && [[ $l == 220* ]] || exit 1
printf "EHLO bench.test\r\n" >&3
while :; do
	IFS= read -r l <&3 || exit 1
	[[ $l == "250 "* ]] && break
	[[ $l == 250-* ]] || exit 1
done
printf "QUIT\r\n" >&3
IFS= read -r l <&3 && [[ $l == 221* ]] || exit 1
printf "%s\n" "$l"
'

# nc: both commands are written at once right after connecting (nc cannot wait for a reply
# before sending), so nc saves two round trips -- on loopback that is tens of microseconds,
# far below process start-up. -N shuts down nc's sending side at the end of its input and
# nc then keeps reading until the sink closes the connection after "221", so every reply is
# still read; the output check below proves it. (The -q 1 form would instead idle for one
# second after its input ends, and plain nc without -N or -q never exits.)
printf 'EHLO bench.test\r\nQUIT\r\n' >"$TMP/nc.in"

# swaks: IP literal, explicit HELO and envelope, so it never looks up a name; stops after
# EHLO with QUIT.
SWAKS_PROBE=(swaks --server 127.0.0.1 --port "$PORT" --helo bench.test
	--from bench@bench.test --to sink@bench.test --quit-after EHLO)

PROBE_TOOLS=(smtpsh bash nc swaks)
declare -A LABEL=([smtpsh]=smtpsh [bash]='bash /dev/tcp' [nc]='nc -N' [swaks]=swaks
	[smtpsh_v]='smtpsh --version' [openssl_v]='openssl version' [swaks_v]='swaks --version'
	[true]='true (exec floor)')
TRUE_BIN=$(type -P true) # the program, not the shell builtin: the cost of any process start

tool_cmd() { # tool: sets CMD (argv) and IN (stdin) for one probe or start-up run
	IN=/dev/null
	case $1 in
	smtpsh) CMD=("$SMTPSH" -c 'EHLO bench.test' -c QUIT "127.0.0.1:$PORT") ;;
	bash) CMD=(bash --norc --noprofile -c "$BASH_PROBE" bash-probe "$PORT") ;;
	nc) CMD=(nc -N -w 5 127.0.0.1 "$PORT"); IN=$TMP/nc.in ;;
	swaks) CMD=("${SWAKS_PROBE[@]}") ;;
	smtpsh_v) CMD=("$SMTPSH" --version) ;;
	true) CMD=("$TRUE_BIN") ;;
	openssl_v) CMD=(openssl version) ;;
	swaks_v) CMD=(swaks --version) ;;
	esac
}

output_ok() { # tool file
	local out=
	IFS= read -r -d '' out <"$2"
	case $1 in
	*_v) [[ -n $out ]] ;;
	true) [[ -z $out ]] ;;
	bash) [[ $out == "221 "* ]] ;; # the probe itself checked 220, 250- and "250 "
	swaks) [[ $out == *"250 "* && $out == *"221 "* && $out != *"MAIL FROM"* ]] ;;
	*) [[ $out == *"250 "* && $out == *"221 "* ]] ;;
	esac
}

declare -A TIMES FAILS
time_one() { # tool: one timed run, recorded in TIMES/FAILS
	local t0 rc
	tool_cmd "$1"
	now_us; t0=$NOW
	"${CMD[@]}" <"$IN" >"$TMP/out" 2>&1
	rc=$?
	now_us
	TIMES[$1]+="$((NOW - t0)) "
	if ((rc != 0)) || ! output_ok "$1" "$TMP/out"; then
		FAILS[$1]=$((${FAILS[$1]:-0} + 1))
		{ echo "exit status $rc; output:"; cat "$TMP/out"; } >"$TMP/fail.$1"
	fi
}

# By default each tool gets a warm-up and then its N runs back to back (like hyperfine).
# Interleaving the tools round by round (-i) spreads any drift of the machine evenly, but
# then each tool starts with caches cold from the one before it: a small C program started
# right after swaks (perl) was measured ~0.3 ms slower than in a block of its own.
bench() { # tools...
	local t i
	for t; do
		TIMES[$t]=; FAILS[$t]=0
		tool_cmd "$t"
		for i in 1 2 3; do
			"${CMD[@]}" <"$IN" >"$TMP/out" 2>&1
		done
		if ! output_ok "$t" "$TMP/out"; then
			echo "run.sh: ${LABEL[$t]} did not complete its exchange; its output:" >&2
			sed 's/^/  | /' "$TMP/out" >&2
		fi
	done
	if ((INTERLEAVE)); then
		for ((i = 0; i < N; i++)); do
			for t; do time_one "$t"; done
		done
	else
		for t; do
			for ((i = 0; i < N; i++)); do time_one "$t"; done
		done
	fi
}

declare -A RSS
measure_rss() { # tools...: peak RSS (KiB) over RSS_RUNS runs, via GNU time
	local t i kib
	for t; do
		RSS[$t]=0
		for ((i = 0; i < RSS_RUNS; i++)); do
			tool_cmd "$t"
			/usr/bin/time -f %M -o "$TMP/rss" "${CMD[@]}" <"$IN" >/dev/null 2>&1
			kib=$(tail -n 1 "$TMP/rss")
			[[ $kib =~ ^[0-9]+$ ]] && ((kib > RSS[$t])) && RSS[$t]=$kib
		done
	done
}

# ---------------------------------------------------------------- report
declare -A MED P90
stats() { # tool: sets MED and P90 in microseconds
	local s
	# shellcheck disable=SC2086 # split the list of times into words
	s=$(printf '%s\n' ${TIMES[$1]} | sort -n | awk '
		{ v[NR] = $1 }
		END {
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			k = int(0.9 * NR); if (k < 0.9 * NR) k++; if (k < 1) k = 1   # nearest rank
			printf "%d %d\n", med, v[k]
		}')
	MED[$1]=${s% *}
	P90[$1]=${s#* }
}

# table title base tools... ; targets come from TARGET[tool] ("<= 1.5" style or empty)
declare -A TARGET
table() {
	local title=$1 base=$2 t ratio target note
	shift 2
	echo
	echo "$title"
	printf '%-18s %9s %9s %12s %12s %8s  %s\n' tool 'median ms' 'p90 ms' 'max RSS MiB' \
		"smtpsh/tool" target note
	for t; do stats "$t"; done
	for t; do
		ratio=$(awk -v a="${MED[$base]}" -v b="${MED[$t]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		target=${TARGET[$t]:-}
		note=
		if [[ -n $target ]] && ((${FAILS[$base]:-0})); then
			note='no verdict: smtpsh runs failed'
		elif [[ -n $target ]]; then
			if awk -v r="$ratio" -v m="${target#<= }" 'BEGIN { exit !(r <= m) }'; then
				note=pass
			else
				note=MISS
			fi
		fi
		((${FAILS[$t]:-0})) && note+="${note:+; }${FAILS[$t]}/$N runs failed"
		[[ $t == "$base" ]] && ratio='1.00' && target='-'
		printf '%-18s %9s %9s %12s %12s %8s  %s\n' "${LABEL[$t]}" \
			"$(awk -v u="${MED[$t]}" 'BEGIN { printf "%.2f", u / 1000 }')" \
			"$(awk -v u="${P90[$t]}" 'BEGIN { printf "%.2f", u / 1000 }')" \
			"$(awk -v k="${RSS[$t]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')" \
			"$ratio" "${target:--}" "$note"
	done
}

# ---------------------------------------------------------------- run
ver() { "$@" 2>/dev/null | head -n 1; }
echo "smtpsh benchmark: probe and start-up; $N runs per tool, $( ((INTERLEAVE)) &&
	echo 'interleaved round by round' || echo 'each tool in its own block after 3 warm-up runs')"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null), $(uname -sr)"
# meson build type, when the binary sits in a meson build directory (src/smtpsh)
BUILDTYPE=$(grep -o '"name": *"buildtype", *"value": *"[a-z]*"' \
	"$(dirname "$SMTPSH")/../meson-info/intro-buildoptions.json" 2>/dev/null | sed 's/.*"\([a-z]*\)"$/\1/')
echo "smtpsh:   $(ver "$SMTPSH" --version) ($SMTPSH${BUILDTYPE:+, meson buildtype $BUILDTYPE})"
echo "others:   $(ver swaks --version | sed 's/ version / /'), $(ver openssl version | cut -d' ' -f1-2)," \
	"netcat-openbsd $(dpkg-query -W -f '${Version}' netcat-openbsd 2>/dev/null || echo '?')," \
	"bash ${BASH_VERSION%%(*}, smtp-sink from postfix $(postconf -dh mail_version 2>/dev/null || echo '?')"
echo "sink:     smtp-sink on 127.0.0.1:$PORT (pid $SINK_PID); clock: $CLOCK; RSS: /usr/bin/time -f %M, max of $RSS_RUNS runs"

TARGET[bash]='<= 1.5'
TARGET[swaks]='<= 0.1'
bench "${PROBE_TOOLS[@]}"
measure_rss "${PROBE_TOOLS[@]}"
table "Probe: connect + greeting + EHLO + QUIT (targets: <= 1.5x bash /dev/tcp, <= 0.1x swaks)" \
	smtpsh "${PROBE_TOOLS[@]}"

START_TOOLS=(smtpsh_v openssl_v swaks_v true)
TARGET[openssl_v]='<= 2'
bench "${START_TOOLS[@]}"
measure_rss "${START_TOOLS[@]}"
table "Start-up: --version (target: <= 2x openssl version)" smtpsh_v "${START_TOOLS[@]}"

for t in "${PROBE_TOOLS[@]}" "${START_TOOLS[@]}"; do
	if [[ -e $TMP/fail.$t ]]; then
		echo
		echo "last failed run of ${LABEL[$t]}: $(head -n 1 "$TMP/fail.$t")"
		sed -n '2,13s/^/  | /p' "$TMP/fail.$t"
	fi
done

echo
echo "smtpsh/tool is the ratio of medians; below 1 means smtpsh is faster. One run on one"
echo "machine is one sample: compare the tools within a run, not runs across machines."
exit 0
