#!/usr/bin/env bash
# Small messages in one session: COUNT small messages over one SMTP connection, smtpsh side
# by side with Postfix's smtp-source and Python smtplib, plus swaks (one process per
# message, so fewer messages, reported per second), into a private smtp-sink on 127.0.0.1.
# Target (DESIGN.md section 4): smtpsh with PIPELINING >= smtp-source, in messages per
# second. It reports; it never fails because a target is missed.
#
# usage: bench/messages.sh [-m COUNT] [-s OCTETS] [-r RUNS] [-w COUNT]
#          -m messages per session (default 1000)   -s payload octets per message (1000)
#          -r timed runs per tool (default 10)      -w swaks messages per run (default 30)
#        SMTPSH=/path/to/smtpsh bench/messages.sh
#
# Needs (Debian packages): postfix (smtp-sink, smtp-source), swaks, python3, time
# (/usr/bin/time), coreutils, gawk or mawk. Installs nothing itself.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init messages.sh

COUNT=1000
SIZE=1000
R=10
SWAKS_COUNT=30
usage() { sed -n '8,11s/^# \{0,1\}//p' "$0"; }
while getopts 'm:s:r:w:h' opt; do
	case $opt in
	m) COUNT=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	r) R=$OPTARG ;;
	w) SWAKS_COUNT=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in COUNT SIZE R SWAKS_COUNT; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || ((${!v} < 1)); then
		echo "$ME: $v wants a positive integer, not '${!v}'" >&2
		exit 2
	fi
done

need smtp-sink postfix
need smtp-source postfix
need swaks swaks
need "$PYTHON" python3
need awk gawk
need sort coreutils
[[ -x /usr/bin/time ]] || missing+=("time (for /usr/bin/time)")
need_done

start_smtp_sink

# ---------------------------------------------------------------- inputs
# The message every tool sends (smtp-source builds its own of the same shape: the same
# headers but Subject, and SIZE octets of 80-octet lines).
make_message "$TMP/msg.eml" "$SIZE"
MSG_OCTETS=$(wc -c <"$TMP/msg.eml")

# smtpsh batch files. Batch lines end in LF; smtpsh sends each with CRLF.
# (The message's last line is not empty, so $(...) drops nothing but the final LF.)
MSG_TXT=$(tr -d '\r' <"$TMP/msg.eml")
# 1. The fastest way the man page offers: one /pipeline group per message. MAIL, RCPT
#    and DATA go in one write; after the 354 the text and the final dot go in one write.
#    Two round trips per message.
{
	echo 'EHLO bench.test'
	for ((i = 0; i < COUNT; i++)); do
		printf '/pipeline\nMAIL FROM:<bench@bench.test>\nRCPT TO:<sink@bench.test>\nDATA\n'
		printf '%s\n' "$MSG_TXT"
		printf '.\n/pipeline end\n'
	done
	echo QUIT
} >"$TMP/pipeline.smtpsh"
# 2. Every message queued in one /pipeline: the same groups on the wire, one /pipeline end.
{
	printf 'EHLO bench.test\n/pipeline\n'
	for ((i = 0; i < COUNT; i++)); do
		printf 'MAIL FROM:<bench@bench.test>\nRCPT TO:<sink@bench.test>\nDATA\n'
		printf '%s\n' "$MSG_TXT"
		echo .
	done
	printf '/pipeline end\nQUIT\n'
} >"$TMP/onequeue.smtpsh"
# 3. Lock-step: MAIL, RCPT, then /send FILE (DATA, text, dot), each reply awaited, as
#    smtplib does. Four round trips per message.
{
	echo 'EHLO bench.test'
	for ((i = 0; i < COUNT; i++)); do
		printf 'MAIL FROM:<bench@bench.test>\nRCPT TO:<sink@bench.test>\n/send %s\n' "$TMP/msg.eml"
	done
	echo QUIT
} >"$TMP/send.smtpsh"

# swaks: one process per message, run SWAKS_COUNT times in a row by a small loop.
# shellcheck disable=SC2016 # expanded by the loop's own bash
SWAKS_LOOP='for ((i = 0; i < $1; i++)); do
	swaks --server 127.0.0.1 --port "$2" --helo bench.test --from bench@bench.test \
		--to sink@bench.test --data "@$3" --suppress-data || exit 1
done'

TOOLS=(smtpsh smtpsh_onequeue smtpsh_send smtp_source python swaks)
LABEL=([smtpsh]='smtpsh /pipeline' [smtpsh_onequeue]='smtpsh, one /pipeline'
	[smtpsh_send]='smtpsh MAIL,RCPT,/send' [smtp_source]='smtp-source -d'
	[python]='python smtplib' [swaks]="swaks (process each)")
for t in "${TOOLS[@]}"; do WORK[$t]=$COUNT; done
WORK[swaks]=$SWAKS_COUNT

tool_cmd() {
	IN=/dev/null
	case $1 in
	smtpsh) CMD=("$SMTPSH" -f "$TMP/pipeline.smtpsh" "127.0.0.1:$PORT") ;;
	smtpsh_onequeue) CMD=("$SMTPSH" -f "$TMP/onequeue.smtpsh" "127.0.0.1:$PORT") ;;
	smtpsh_send) CMD=("$SMTPSH" -f "$TMP/send.smtpsh" "127.0.0.1:$PORT") ;;
	# -d: all messages over one connection; -c: a counter of completed DATA commands,
	# checked below. smtp-source speaks HELO and has no PIPELINING: four round trips.
	smtp_source) CMD=(smtp-source -c -d -s 1 -m "$COUNT" -l "$SIZE" -M bench.test
		-f bench@bench.test -t sink@bench.test "127.0.0.1:$PORT") ;;
	python) CMD=("$PYTHON" "$BENCH_DIR/pyclient.py" many "$PORT" "$COUNT" "$TMP/msg.eml") ;;
	swaks) CMD=(bash --norc --noprofile -c "$SWAKS_LOOP" swaks-loop "$SWAKS_COUNT" "$PORT" \
		"$TMP/msg.eml") ;;
	esac
}

# Every message must have been accepted: smtp-sink answers the final dot with
# "250 2.0.0 Ok" (MAIL gets 2.1.0, RCPT 2.1.5), so each tool's count of that reply, or
# its own count of accepted messages, must be the number sent.
output_ok() {
	local n
	case $1 in
	smtpsh*) n=$(grep -c '^<- 250 2\.0\.0 ' "$2" || true)
		[[ $n == "$COUNT" ]] && grep -q '^<- 221 ' "$2" ;;
	smtp_source) n=$(tr '\r' '\n' <"$2" | awk 'NF { last = $0 } END { print last }')
		[[ $n == "$COUNT" ]] ;;
	python) grep -qx "accepted $COUNT; QUIT 221" "$2" ;;
	swaks) n=$(grep -c '^ *<- *250 2\.0\.0 ' "$2" || true)
		[[ $n == "$SWAKS_COUNT" ]] && (($(grep -c '^ *<- *221 ' "$2") == SWAKS_COUNT)) ;;
	esac
}

echo "smtpsh benchmark: small messages in one session; $COUNT messages of $MSG_OCTETS octets" \
	"per session, $R timed runs per tool after 1 warm-up, the tools taking turns"
print_header
echo "others:   smtp-source and smtp-sink from postfix $(postconf -dh mail_version 2>/dev/null || echo '?')," \
	"$("$PYTHON" -c 'import sys; print("Python", sys.version.split()[0])') smtplib," \
	"$(ver swaks --version | sed 's/ version / /') ($SWAKS_COUNT processes per run)"
echo "sink:     smtp-sink on 127.0.0.1:$PORT (pid $SINK_PID); clock: $CLOCK; RSS: /usr/bin/time -f %M, max over the runs"

TARGET[smtp_source]='>= 1'
tput_bench "${TOOLS[@]}"
tput_table "Small messages, one session (target: >= 1x smtp-source, messages per second)" \
	msg/s smtpsh "${TOOLS[@]}"
show_failures "${TOOLS[@]}"

echo
echo "msg/s is messages per second at the median run time (the whole process: start-up,"
echo "connect, EHLO, the messages, QUIT). smtpsh/tool is the ratio of those rates; above 1"
echo "means smtpsh is faster. CPU s is the median user + system CPU time of the run's"
echo "processes, RSS the peak over the runs. swaks sends $SWAKS_COUNT messages per run, one"
echo "process each. Round-trip-bound rows swing with other load on the machine (see p90)."
echo "One run on one machine is one sample: compare the tools within a run, not across runs."
exit 0
