#!/usr/bin/env bash
# One large message: smtpsh /send FILE (DATA) and /send FILE --bdat (CHUNKING) side by
# side with smtp-source, Python smtplib and swaks (a smaller message), and with what the
# sink can absorb: nc writing the same octets as a prebuilt SMTP session into the sink,
# and raw loopback TCP (nc into a discarding reader). The sink is bench/sink.py on
# 127.0.0.1, which speaks CHUNKING (smtp-sink does not) and absorbs faster than smtp-sink.
# Targets (DESIGN.md section 4): smtpsh >= 0.8x what the sink can absorb, in MB/s, and
# memory flat (streaming). It reports; it never fails because a target is missed.
#
# usage: bench/large.sh [-s MB] [-w MB] [-r RUNS]
#          -s message size in MB (10^6 octets; default 200)   -r timed runs per tool (5)
#          -w message size for swaks, which holds it in memory several times (default 20)
#        SMTPSH=/path/to/smtpsh bench/large.sh
#
# Needs (Debian packages): postfix (smtp-source), swaks, netcat-openbsd (nc -N), python3,
# time (/usr/bin/time), coreutils, gawk or mawk. Installs nothing itself. Needs free
# space in TMPDIR (or /tmp) for about twice the message, and memory for about six times
# the swaks size (swaks) and twice the message size (smtp-source, Python).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init large.sh

SIZE_MB=200
SWAKS_MB=20
R=5
usage() { sed -n '10,13s/^# \{0,1\}//p' "$0"; }
while getopts 's:w:r:h' opt; do
	case $opt in
	s) SIZE_MB=$OPTARG ;;
	w) SWAKS_MB=$OPTARG ;;
	r) R=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in SIZE_MB SWAKS_MB R; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || ((${!v} < 1)); then
		echo "$ME: $v wants a positive integer, not '${!v}'" >&2
		exit 2
	fi
done
if ((SWAKS_MB > SIZE_MB)); then
	SWAKS_MB=$SIZE_MB
fi
# "flat" memory: smtpsh's peak RSS for the large message at most this much above its peak
# RSS for a 1 kB one. Streaming keeps a few buffers of a MiB or so, whatever the size.
FLAT_MIB=16

need smtp-source postfix
need swaks swaks
need nc netcat-openbsd
need "$PYTHON" python3
need awk gawk
need sort coreutils
[[ -x /usr/bin/time ]] || missing+=("time (for /usr/bin/time)")
if command -v nc >/dev/null 2>&1 && ! nc -h 2>&1 | grep -q -- '^[[:space:]]*-N'; then
	missing+=("netcat-openbsd (the nc found has no -N; the OpenBSD netcat is needed)")
fi
need_done

# ---------------------------------------------------------------- inputs
SIZE=$((SIZE_MB * 1000000))
make_message "$TMP/msg.eml" "$SIZE"
make_message "$TMP/swaks.eml" $((SWAKS_MB * 1000000))
make_message "$TMP/small.eml" 1000
MSG_OCTETS=$(wc -c <"$TMP/msg.eml")
SWAKS_OCTETS=$(wc -c <"$TMP/swaks.eml")
# The whole client side of an SMTP session, written at once by nc: what the sink takes in
# when the client costs nothing. The same message octets as the others send.
{
	printf 'EHLO bench.test\r\nMAIL FROM:<bench@bench.test>\r\nRCPT TO:<sink@bench.test>\r\nDATA\r\n'
	cat "$TMP/msg.eml"
	printf '.\r\nQUIT\r\n'
} >"$TMP/session.smtp"
SESSION_OCTETS=$(wc -c <"$TMP/session.smtp")

start_py_sink SINK --name sink.bench
start_py_sink RAW --discard

TOOLS=(smtpsh smtpsh_bdat smtp_source python swaks nc_sink nc_raw)
LABEL=([smtpsh]='smtpsh /send' [smtpsh_bdat]='smtpsh /send --bdat'
	[smtp_source]='smtp-source -l' [python]='python smtplib' [swaks]="swaks ($SWAKS_MB MB)"
	[nc_sink]='sink absorbs (nc)' [nc_raw]='raw TCP (nc, discard)')
for t in "${TOOLS[@]}"; do
	WORK[$t]=$(awk -v o="$MSG_OCTETS" 'BEGIN { print o / 1e6 }')
done
WORK[swaks]=$(awk -v o="$SWAKS_OCTETS" 'BEGIN { print o / 1e6 }')
WORK[nc_raw]=$(awk -v o="$SESSION_OCTETS" 'BEGIN { print o / 1e6 }')

smtpsh_send() { # file [--bdat]: sets CMD
	CMD=("$SMTPSH" -c 'EHLO bench.test' -c 'MAIL FROM:<bench@bench.test>'
		-c 'RCPT TO:<sink@bench.test>' -c "/send $1${2:+ $2}" -c '/expect 250' -c QUIT
		"127.0.0.1:$SINK_PORT")
}

tool_cmd() {
	IN=/dev/null
	case $1 in
	smtpsh) smtpsh_send "$TMP/msg.eml" ;;
	smtpsh_bdat) smtpsh_send "$TMP/msg.eml" --bdat ;;
	smtpsh_small) smtpsh_send "$TMP/small.eml" ;;
	smtpsh_bdat_small) smtpsh_send "$TMP/small.eml" --bdat ;;
	# smtp-source builds the message (its own headers, then SIZE octets) in memory
	smtp_source) CMD=(smtp-source -s 1 -m 1 -l "$SIZE" -M bench.test -f bench@bench.test
		-t sink@bench.test "127.0.0.1:$SINK_PORT") ;;
	python) CMD=("$PYTHON" "$BENCH_DIR/pyclient.py" one "$SINK_PORT" "$TMP/msg.eml") ;;
	# --suppress-data: swaks prints a summary instead of every line of the message (its
	# default), as smtpsh /send does
	swaks) CMD=(swaks --server 127.0.0.1 --port "$SINK_PORT" --helo bench.test
		--from bench@bench.test --to sink@bench.test --data "@$TMP/swaks.eml" --suppress-data) ;;
	nc_sink) CMD=(nc -N 127.0.0.1 "$SINK_PORT"); IN=$TMP/session.smtp ;;
	nc_raw) CMD=(nc -N 127.0.0.1 "$RAW_PORT"); IN=$TMP/session.smtp ;;
	esac
}

output_ok() {
	case $1 in
	smtpsh*) grep -q '^<- 250 2\.0\.0 Ok: queued' "$2" && grep -q '^<- 221 ' "$2" ;;
	smtp_source) [[ ! -s $2 ]] ;; # it says nothing unless something failed
	python) grep -qx 'accepted 1; QUIT 221' "$2" ;;
	swaks) grep -q '^ *<- *250 2\.0\.0 Ok: queued' "$2" && grep -q '^ *<- *221 ' "$2" ;;
	nc_sink) grep -q '^250 2\.0\.0 Ok: queued' "$2" && grep -q '^221 ' "$2" ;;
	nc_raw) [[ ! -s $2 ]] ;;
	esac
}

# The sink's side: each run is one session in its log, which must show the message
# accepted with every octet: exactly the file for smtpsh, Python and nc; at least the
# payload for smtp-source (it adds its own headers) and the file for swaks (it adds a CRLF).
SINK_SEEN=0
RAW_SEEN=0
run_check() {
	local log seen line bytes min exact=1
	if [[ $1 == nc_raw ]]; then
		log=$RAW_LOG
		RAW_SEEN=$((RAW_SEEN + 1))
		seen=$RAW_SEEN
	else
		log=$SINK_LOG
		SINK_SEEN=$((SINK_SEEN + 1))
		seen=$SINK_SEEN
	fi
	if ! wait_log_lines "$log" "$seen"; then
		run_failed "the sink logged no session for this run"
		SINK_SEEN=$(log_lines "$SINK_LOG")
		RAW_SEEN=$(log_lines "$RAW_LOG")
		return 0
	fi
	line=$(sed -n "${seen}p" "$log")
	case $1 in
	nc_raw) min=$SESSION_OCTETS ;;
	smtp_source) min=$SIZE; exact=0 ;;
	swaks) min=$SWAKS_OCTETS; exact=0 ;;
	*small) min=$(wc -c <"$TMP/small.eml") ;;
	*) min=$MSG_OCTETS ;;
	esac
	bytes=${line#*bytes=}
	bytes=${bytes%% *}
	if [[ $1 != nc_raw && $line != *" msgs=1 "*" quit=1" ]]; then
		run_failed "the sink logged: $line (wanted one message accepted, then QUIT)"
	elif ! [[ $bytes =~ ^[0-9]+$ ]] || ((bytes < min)) || ((exact && bytes != min)); then
		run_failed "the sink logged: $line (wanted $( ((exact)) || echo 'at least ')$min octets)"
	fi
}

echo "smtpsh benchmark: one large message; $MSG_OCTETS octets (swaks: $SWAKS_OCTETS)," \
	"$R timed runs per tool after 1 warm-up, the tools taking turns"
print_header
echo "others:   smtp-source from postfix $(postconf -dh mail_version 2>/dev/null || echo '?')," \
	"$("$PYTHON" -c 'import sys; print("Python", sys.version.split()[0])') smtplib," \
	"$(ver swaks --version | sed 's/ version / /'), netcat-openbsd $(dpkg-query -W -f '${Version}' netcat-openbsd 2>/dev/null || echo '?')"
echo "sink:     bench/sink.py on 127.0.0.1:$SINK_PORT (SMTP) and :$RAW_PORT (discard); clock: $CLOCK;" \
	"RSS: /usr/bin/time -f %M, max over the runs"

TARGET[nc_sink]='>= 0.8'
TARGET[nc_raw]='>= 0.8'
tput_bench "${TOOLS[@]}"

# Memory flat: the same smtpsh batch with a 1 kB message, for the baseline RSS.
R_SAVED=$R
R=3
tput_bench smtpsh_small smtpsh_bdat_small
R=$R_SAVED
for t in smtpsh smtpsh_bdat; do
	grow=$(((RSS[$t] - RSS[${t}_small]) / 1024))
	if ((grow < 0)); then
		grow=0
	fi
	if ((grow <= FLAT_MIB)); then
		EXTRA_NOTE[$t]="memory flat: pass (+$grow MiB over a 1 kB message)"
	else
		EXTRA_NOTE[$t]="memory flat: MISS (+$grow MiB over a 1 kB message)"
	fi
done

tput_table "One large message (target: >= 0.8x what the sink absorbs, MB/s; memory flat)" \
	MB/s smtpsh "${TOOLS[@]}"
show_failures "${TOOLS[@]}" smtpsh_small smtpsh_bdat_small

echo
echo "MB/s is message octets (10^6) per second at the median run time, for the whole process"
echo "(start-up, connect, EHLO, MAIL, RCPT, the message, QUIT). smtpsh/tool is the ratio of"
echo "those rates; above 1 means smtpsh is faster. CPU s is the median user + system CPU time"
echo "of the run's processes, RSS the peak over the runs. \"sink absorbs\" is nc writing the"
echo "client side of the session, prebuilt, into the same sink; \"raw TCP\" the same octets"
echo "into a reader that discards them. swaks sends a $SWAKS_MB MB message. \"memory flat\""
echo "compares smtpsh's peak RSS with its peak RSS for a 1 kB message (at most +$FLAT_MIB MiB)."
echo "One run on one machine is one sample: compare the tools within a run, not across runs."
exit 0
