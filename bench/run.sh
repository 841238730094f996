#!/usr/bin/env bash
# Probe and start-up benchmark: smtpsh side by side with bash /dev/tcp, nc and swaks
# against a private smtp-sink on 127.0.0.1, plus `--version` start-up against openssl and
# swaks. Prints medians, p90s, peak RSS and smtpsh's ratio to each tool, with the targets
# of DESIGN.md section 4. It reports; it never fails because a target is missed.
#
# usage: bench/run.sh [-n N] [-i] [-a]  N sequential runs per tool and job (default 200);
#                                       -i interleaves the tools round by round instead;
#                                       -a then runs every other job with its defaults
#        SMTPSH=/path/to/smtpsh bench/run.sh
#
# The other jobs have scripts of their own: starttls.sh, messages.sh, large.sh, dns.sh.
# Needs (Debian packages): postfix (smtp-sink), swaks, netcat-openbsd (nc -N), time
# (/usr/bin/time), openssl, coreutils, gawk or mawk. Installs nothing itself.
# Everything stays on loopback: every client gets the IP literal 127.0.0.1, explicit HELO
# and envelope names, and the sink's port is picked at run time.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init run.sh

N=200
INTERLEAVE=0
ALL=0
usage() { sed -n '7,10s/^# \{0,1\}//p' "$0"; }
while getopts 'n:iah' opt; do
	case $opt in
	n) N=$OPTARG ;;
	i) INTERLEAVE=1 ;;
	a) ALL=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ $N =~ ^[0-9]+$ ]] || ((N < 1)); then
	echo "run.sh: -n wants a positive integer, not '$N'" >&2
	exit 2
fi
RSS_RUNS=$((N < 5 ? N : 5))

# ---------------------------------------------------------------- prerequisites
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
need_done

start_smtp_sink

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
LABEL=([smtpsh]=smtpsh [bash]='bash /dev/tcp' [nc]='nc -N' [swaks]=swaks
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
	IFS= read -r -d '' out <"$2" || true
	case $1 in
	*_v) [[ -n $out ]] ;;
	true) [[ -z $out ]] ;;
	bash) [[ $out == "221 "* ]] ;; # the probe itself checked 220, 250- and "250 "
	swaks) [[ $out == *"250 "* && $out == *"221 "* && $out != *"MAIL FROM"* ]] ;;
	*) [[ $out == *"250 "* && $out == *"221 "* ]] ;;
	esac
}

# ---------------------------------------------------------------- run
echo "smtpsh benchmark: probe and start-up; $N runs per tool, $( ((INTERLEAVE)) &&
	echo 'interleaved round by round' || echo 'each tool in its own block after 3 warm-up runs')"
print_header
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

show_failures "${PROBE_TOOLS[@]}" "${START_TOOLS[@]}"

echo
echo "smtpsh/tool is the ratio of medians; below 1 means smtpsh is faster. One run on one"
echo "machine is one sample: compare the tools within a run, not runs across machines."

if ((ALL)); then
	# the other jobs, one after the other, each with its own sink and scratch folder
	for job in starttls messages large dns; do
		echo
		echo "================================================================ $job.sh"
		"$BENCH_DIR/$job.sh" || echo "run.sh: $job.sh ended with status $?" >&2
	done
fi
exit 0
