# shellcheck shell=bash
# shellcheck disable=SC2034 # sets variables for the scripts that source it
# lib.sh: what the benchmark scripts share. Sourced, never run.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_init NAME            strict mode, scratch folder $TMP, EXIT trap, $SMTPSH
#   need CMD PACKAGE ...; need_done
#   start_smtp_sink            Postfix's smtp-sink on 127.0.0.1:$PORT
#   start_py_sink VAR ARGS...  bench/sink.py; VAR_PORT, VAR_LOG, VAR_PID are set
#   bg_start CMD...            a server in its own process group, stopped on exit
#
# Two harnesses, both driven by functions the script defines:
#   tool_cmd TOOL   sets CMD (argv) and IN (stdin file) for one run of TOOL
#   output_ok TOOL FILE   true when FILE (stdout + stderr of a run) shows the job done
# - latency (bench, measure_rss, table): N short runs per tool, times in milliseconds;
#   optional hooks block_start TOOL / block_end TOOL around each tool's block.
# - throughput (tput_bench, tput_table): R long runs per tool, each under
#   /usr/bin/time; WORK[TOOL] is the work of one run (messages, MB) and the table shows
#   work per second; optional hook run_check TOOL, after each run, may call run_failed.
# Both count failed runs (non-zero exit, output_ok false, a hook's verdict) and keep the
# last failure's output for show_failures.

bench_init() { # name
	set -euo pipefail
	export LC_ALL=C
	unset BASH_ENV ENV
	ME=$1
	BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	ROOT=$(cd "$BENCH_DIR/.." && pwd)
	SMTPSH=${SMTPSH:-$ROOT/build/src/smtpsh}
	# Debian's python3: a python3 earlier on PATH (pyenv, venv) may lack modules or be
	# built differently; PYTHON overrides it.
	PYTHON=${PYTHON:-/usr/bin/python3}
	[[ -x $PYTHON ]] || PYTHON=$(command -v python3 || echo python3)
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpsh-bench.XXXXXX")
	BG_PIDS=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	missing=()
}

# shellcheck disable=SC2317 # called by the EXIT trap
bench_cleanup() {
	local pid
	set +e
	for pid in "${BG_PIDS[@]}"; do
		# a server started by bg_start leads its own process group: stop the group
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
		# and the group's other processes (NSD's children), for up to 2 s
		for _ in {1..40}; do
			kill -0 -- "-$pid" 2>/dev/null || break
			sleep 0.05
		done
	done
	rm -rf "$TMP"
}

bg_start() { # command...: start a server in the background, in its own process group
	# setsid keeps the server and its children in one group that cleanup can stop;
	# started from a script without job control, setsid does not fork, so $! is it.
	setsid "$@" </dev/null &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

bg_stop() { # pid
	local pid=$1 p keep=()
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for p in "${BG_PIDS[@]}"; do
		[[ $p == "$pid" ]] || keep+=("$p")
	done
	BG_PIDS=("${keep[@]}")
}

# ---------------------------------------------------------------- prerequisites
need() { # command package-and-note
	command -v "$1" >/dev/null 2>&1 || missing+=("$2 (for $1)")
}

need_done() { # after the need calls: stop when anything is missing
	if ((${#missing[@]})); then
		echo "$ME: missing prerequisites; install these Debian packages:" >&2
		printf '  %s\n' "${missing[@]}" >&2
		exit 2
	fi
	if [[ ! -x $SMTPSH ]]; then
		echo "$ME: no smtpsh binary at $SMTPSH" >&2
		echo "  build it (meson setup build && ninja -C build) or set SMTPSH=/path/to/smtpsh" >&2
		exit 2
	fi
}

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

# ---------------------------------------------------------------- servers
# Postfix's smtp-sink on a port picked at random below the ephemeral range (so client
# source ports never collide), skipped when something already answers there, retried when
# smtp-sink cannot bind it. Its unique greeting name proves the listener is ours.
SINK_PID=
start_smtp_sink() {
	local port
	SINK_NAME="sink-$$.bench"
	SINK_USER=()
	if ((EUID == 0)); then
		SINK_USER=(-u nobody) # smtp-sink refuses to run as root without -u
	fi
	for _ in {1..20}; do
		port=$((20000 + RANDOM % 12000))
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue # something already listens there
		fi
		smtp-sink "${SINK_USER[@]}" -h "$SINK_NAME" "127.0.0.1:$port" 1000 \
			>"$TMP/sink.log" 2>&1 &
		SINK_PID=$!
		BG_PIDS+=("$SINK_PID")
		for _ in {1..100}; do
			kill -0 "$SINK_PID" 2>/dev/null || break # bind failed: try another port
			if sink_answers "$port"; then
				PORT=$port
				return 0
			fi
			sleep 0.02
		done
		bg_stop "$SINK_PID"
		SINK_PID=
	done
	echo "$ME: could not start smtp-sink on 127.0.0.1; its last words:" >&2
	cat "$TMP/sink.log" >&2
	return 1
}

sink_answers() { # port: our sink's greeting arrives on it
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		IFS= read -r -t 2 line <&3 || exit 1
		printf 'QUIT\r\n' >&3
		[[ $line == "220 $SINK_NAME "* ]]
	) 2>/dev/null
}

# bench/sink.py binds port 0 itself (no port can be taken from under it) and writes the
# port it got to a file once it listens.
start_py_sink() { # VAR sink.py-args...: sets VAR_PORT, VAR_LOG, VAR_PID
	local var=$1 portfile i
	shift
	portfile=$TMP/$var.port
	: >"$TMP/$var.log"
	bg_start "$PYTHON" "$BENCH_DIR/sink.py" --port-file "$portfile" --log "$TMP/$var.log" \
		"$@" 2>"$TMP/$var.err"
	for ((i = 0; i < 250; i++)); do
		[[ -s $portfile ]] && break
		if ! kill -0 "$BG_PID" 2>/dev/null; then
			echo "$ME: sink.py did not start:" >&2
			cat "$TMP/$var.err" >&2
			return 1
		fi
		sleep 0.02
	done
	if [[ ! -s $portfile ]]; then
		echo "$ME: sink.py wrote no port file in 5 s" >&2
		return 1
	fi
	printf -v "${var}_PORT" '%s' "$(<"$portfile")"
	printf -v "${var}_LOG" '%s' "$TMP/$var.log"
	printf -v "${var}_PID" '%s' "$BG_PID"
}

log_lines() { # file: its number of lines
	local n
	n=$(wc -l <"$1")
	echo $((n))
}

wait_log_lines() { # file count: wait (up to 5 s) until file has count lines
	local i
	for ((i = 0; i < 250; i++)); do
		(($(log_lines "$1") >= $2)) && return 0
		sleep 0.02
	done
	return 1
}

# ---------------------------------------------------------------- header
ver() { "$@" 2>/dev/null | head -n 1 || true; }
print_header() { # date, machine, smtpsh version and build type
	local buildtype
	echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine:  $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null), $(uname -sr)"
	# meson build type, when the binary sits in a meson build directory (src/smtpsh)
	buildtype=$(grep -o '"name": *"buildtype", *"value": *"[a-z]*"' \
		"$(dirname "$SMTPSH")/../meson-info/intro-buildoptions.json" 2>/dev/null |
		sed 's/.*"\([a-z]*\)"$/\1/' || true)
	echo "smtpsh:   $(ver "$SMTPSH" --version) ($SMTPSH${buildtype:+, meson buildtype $buildtype})"
}

# ---------------------------------------------------------------- latency harness
# N, RSS_RUNS and INTERLEAVE are set by the script. LABEL[tool] names each tool in the
# tables; TARGET[tool] is "<= 1.5" style or empty.
declare -A TIMES CPUS FAILS RSS MED P90 TARGET LABEL WORK EXTRA_NOTE

record_failure() { # tool rc file: count one failed run and keep its output
	FAILS[$1]=$((${FAILS[$1]:-0} + 1))
	{
		echo "exit status $2; output:"
		cat "$3"
	} >"$TMP/fail.$1"
}

time_one() { # tool: one timed run, recorded in TIMES/FAILS
	local t0 rc=0
	tool_cmd "$1"
	now_us
	t0=$NOW
	"${CMD[@]}" <"$IN" >"$TMP/out" 2>&1 || rc=$?
	now_us
	TIMES[$1]+="$((NOW - t0)) "
	if ((rc != 0)) || ! output_ok "$1" "$TMP/out"; then
		record_failure "$1" "$rc" "$TMP/out"
	fi
}

# By default each tool gets a warm-up and then its N runs back to back (like hyperfine).
# Interleaving the tools round by round (-i) spreads any drift of the machine evenly, but
# then each tool starts with caches cold from the one before it: a small C program started
# right after swaks (perl) was measured ~0.3 ms slower than in a block of its own.
bench() { # tools...
	local t i
	for t; do
		TIMES[$t]=
		FAILS[$t]=0
	done
	if ((INTERLEAVE)); then
		for t; do warm_up "$t"; done
		for ((i = 0; i < N; i++)); do
			for t; do time_one "$t"; done
		done
	else
		for t; do
			if declare -F block_start >/dev/null; then block_start "$t"; fi
			warm_up "$t"
			for ((i = 0; i < N; i++)); do time_one "$t"; done
			if declare -F block_end >/dev/null; then block_end "$t"; fi
		done
	fi
}

warm_up() { # tool: 3 untimed runs; say so when the last one did not do the job
	local i
	tool_cmd "$1"
	for i in 1 2 3; do
		"${CMD[@]}" <"$IN" >"$TMP/out" 2>&1 || true
	done
	if ! output_ok "$1" "$TMP/out"; then
		echo "$ME: ${LABEL[$1]} did not complete its exchange; its output:" >&2
		sed 's/^/  | /' "$TMP/out" >&2
	fi
}

measure_rss() { # tools...: peak RSS (KiB) over RSS_RUNS runs, via GNU time
	local t i kib
	for t; do
		RSS[$t]=0
		for ((i = 0; i < RSS_RUNS; i++)); do
			tool_cmd "$t"
			/usr/bin/time -f %M -o "$TMP/rss" "${CMD[@]}" <"$IN" >/dev/null 2>&1 || true
			kib=$(tail -n 1 "$TMP/rss")
			if [[ $kib =~ ^[0-9]+$ ]] && ((kib > RSS[$t])); then
				RSS[$t]=$kib
			fi
		done
	done
}

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

verdict() { # ratio target base: sets NOTE to pass, MISS or no verdict
	local ratio=$1 target=$2 base=$3 op m
	NOTE=
	[[ -n $target ]] || return 0
	if ((${FAILS[$base]:-0})); then
		NOTE='no verdict: smtpsh runs failed'
		return 0
	fi
	op=${target%% *}
	m=${target#* }
	if awk -v r="$ratio" -v m="$m" -v op="$op" \
		'BEGIN { exit !(op == "<=" ? r <= m : r >= m) }'; then
		NOTE=pass
	else
		NOTE=MISS
	fi
}

# table title base tools...: medians and p90 in ms, smtpsh/tool = ratio of median times
table() {
	local title=$1 base=$2 t ratio target
	shift 2
	echo
	echo "$title"
	printf '%-18s %9s %9s %12s %12s %8s  %s\n' tool 'median ms' 'p90 ms' 'max RSS MiB' \
		"smtpsh/tool" target note
	for t; do stats "$t"; done
	for t; do
		ratio=$(awk -v a="${MED[$base]}" -v b="${MED[$t]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		target=${TARGET[$t]:-}
		verdict "$ratio" "$target" "$base"
		if ((${FAILS[$t]:-0})); then
			NOTE+="${NOTE:+; }${FAILS[$t]}/$N runs failed"
		fi
		if [[ $t == "$base" ]]; then
			ratio='1.00'
			target='-'
		fi
		printf '%-18s %9s %9s %12s %12s %8s  %s\n' "${LABEL[$t]}" \
			"$(awk -v u="${MED[$t]}" 'BEGIN { printf "%.2f", u / 1000 }')" \
			"$(awk -v u="${P90[$t]}" 'BEGIN { printf "%.2f", u / 1000 }')" \
			"$(awk -v k="${RSS[$t]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')" \
			"$ratio" "${target:--}" "$NOTE"
	done
}

show_failures() { # tools...: the last failed run of each tool that had one
	local t
	for t; do
		if [[ -e $TMP/fail.$t ]]; then
			echo
			echo "last failed run of ${LABEL[$t]}: $(head -n 1 "$TMP/fail.$t")"
			sed -n '2,13s/^/  | /p' "$TMP/fail.$t"
		fi
	done
}

# ---------------------------------------------------------------- throughput harness
# R runs per tool after one untimed warm-up, each under /usr/bin/time -f %M (the peak RSS
# of the run, which for a script is its largest process). The clock is read around the
# whole run, /usr/bin/time included: one more exec per run, nothing against runs of a
# tenth of a second or more.
RUN_FAILED=0
run_failed() { # why: a run_check hook marks the current run failed
	RUN_FAILED=1
	echo "$*" >>"$TMP/out"
}

tput_one() { # tool timed(0|1)
	local t0 rc=0 kib cpu TIMEFORMAT='%3U %3S'
	tool_cmd "$1"
	now_us
	t0=$NOW
	# bash's time keyword: user and system CPU of the run in ms (GNU time's are in 10 ms)
	{ time /usr/bin/time -f %M -o "$TMP/rss" "${CMD[@]}" <"$IN" >"$TMP/out" 2>&1 || rc=$?; } \
		2>"$TMP/cpu"
	now_us
	RUN_FAILED=0
	if ((rc == 0)) && ! output_ok "$1" "$TMP/out"; then
		RUN_FAILED=1
	fi
	if declare -F run_check >/dev/null; then run_check "$1"; fi
	(($2)) || return 0
	TIMES[$1]+="$((NOW - t0)) "
	cpu=$(awk '{ printf "%d", ($1 + $2) * 1e6 }' "$TMP/cpu")
	CPUS[$1]+="$cpu "
	kib=$(tail -n 1 "$TMP/rss")
	if [[ $kib =~ ^[0-9]+$ ]] && ((kib > ${RSS[$1]:-0})); then
		RSS[$1]=$kib
	fi
	if ((rc != 0 || RUN_FAILED)); then
		record_failure "$1" "$rc" "$TMP/out"
	fi
}

# The tools take turns, round by round: runs this long are not helped by warm caches, and
# a change in the machine's load (other work on it) then hits every tool alike.
tput_bench() { # tools...
	local t i
	for t; do
		TIMES[$t]=
		CPUS[$t]=
		FAILS[$t]=0
		RSS[$t]=0
		tput_one "$t" 0
	done
	for ((i = 0; i < R; i++)); do
		for t; do tput_one "$t" 1; done
	done
}

# tput_table title unit base tools...: median and p90 of the run time in seconds, the rate
# (WORK per second at the median), the median CPU time (user + system) of the run's
# processes, peak RSS, and smtpsh/tool = ratio of the rates
tput_table() {
	local title=$1 unit=$2 base=$3 t ratio target rate cpu
	declare -A RATE
	shift 3
	echo
	echo "$title"
	printf '%-24s %8s %8s %10s %8s %8s %11s %8s  %s\n' tool 'median s' 'p90 s' "$unit" \
		'CPU s' 'RSS MiB' 'smtpsh/tool' target note
	for t; do
		stats "$t"
		RATE[$t]=$(awk -v w="${WORK[$t]}" -v u="${MED[$t]}" 'BEGIN { printf "%.6g", (u > 0 ? w * 1e6 / u : 0) }')
	done
	for t; do
		ratio=$(awk -v a="${RATE[$base]}" -v b="${RATE[$t]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		target=${TARGET[$t]:-}
		verdict "$ratio" "$target" "$base"
		if ((${FAILS[$t]:-0})); then
			NOTE+="${NOTE:+; }${FAILS[$t]}/$R runs failed"
		fi
		if [[ $t == "$base" ]]; then
			ratio='1.00'
			target='-'
		fi
		if [[ -n ${EXTRA_NOTE[$t]:-} ]]; then
			NOTE+="${NOTE:+; }${EXTRA_NOTE[$t]}"
		fi
		rate=$(awk -v r="${RATE[$t]}" 'BEGIN { printf (r >= 100 ? "%.0f" : "%.1f"), r }')
		# shellcheck disable=SC2086 # split the list of CPU times into words
		cpu=$(printf '%s\n' ${CPUS[$t]} | sort -n | awk '{ v[NR] = $1 }
			END { printf "%.3f", ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1e6 }')
		printf '%-24s %8s %8s %10s %8s %8s %11s %8s  %s\n' "${LABEL[$t]}" \
			"$(awk -v u="${MED[$t]}" 'BEGIN { printf "%.3f", u / 1e6 }')" \
			"$(awk -v u="${P90[$t]}" 'BEGIN { printf "%.3f", u / 1e6 }')" \
			"$rate" "$cpu" \
			"$(awk -v k="${RSS[$t]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')" \
			"$ratio" "${target:--}" "$NOTE"
	done
}

# ---------------------------------------------------------------- test messages
# make_message FILE OCTETS: a message as it goes on the wire (CRLF line ends): From, To,
# Date, Message-ID and Subject, a blank line, then OCTETS octets of 80-octet lines (78 "X"
# and CRLF; the last one shorter), the shape smtp-source -l sends. No line starts with a
# dot, so dot-stuffing changes nothing and every tool puts the same octets on the wire.
make_message() {
	"$PYTHON" - "$1" "$2" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
head = (b"From: <bench@bench.test>\r\nTo: <sink@bench.test>\r\n"
        b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <bench@bench.test>\r\n"
        b"Subject: bench\r\n\r\n")
full, rest = divmod(size, 80)
block = (b"X" * 78 + b"\r\n") * 1000
with open(path, "wb") as f:
    f.write(head)
    for _ in range(full // 1000):
        f.write(block)
    f.write(block[: (full % 1000) * 80])
    if rest >= 3:
        f.write(b"X" * (rest - 2) + b"\r\n")
PY
}
