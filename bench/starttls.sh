#!/usr/bin/env bash
# STARTTLS probe benchmark: connect, EHLO, STARTTLS, TLS handshake, EHLO, QUIT, as one
# fresh process per run, smtpsh side by side with openssl s_client and swaks against a
# private STARTTLS sink (bench/sink.py) on 127.0.0.1 with a certificate made for the run.
# Target (DESIGN.md section 4): smtpsh <= openssl s_client -starttls smtp.
# It reports; it never fails because a target is missed.
#
# usage: bench/starttls.sh [-n N] [-k rsa|ec]   N sequential runs per tool (default 100);
#                                              -k the server's key: RSA 2048 (default)
#                                              or ECDSA P-256
#        SMTPSH=/path/to/smtpsh bench/starttls.sh
#
# Needs (Debian packages): openssl, swaks, python3, time (/usr/bin/time), coreutils, gawk
# or mawk. Installs nothing itself.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init starttls.sh

N=100
KEY=rsa
INTERLEAVE=0
usage() { sed -n '8,11s/^# \{0,1\}//p' "$0"; }
while getopts 'n:k:h' opt; do
	case $opt in
	n) N=$OPTARG ;;
	k) KEY=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ $N =~ ^[0-9]+$ ]] || ((N < 1)); then
	echo "$ME: -n wants a positive integer, not '$N'" >&2
	exit 2
fi
case $KEY in
rsa) KEYGEN=(-newkey rsa:2048) ;;
ec) KEYGEN=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
*) echo "$ME: -k wants rsa or ec, not '$KEY'" >&2; exit 2 ;;
esac
RSS_RUNS=$((N < 5 ? N : 5))

need openssl openssl
need swaks swaks
need "$PYTHON" python3
need awk gawk
need sort coreutils
[[ -x /usr/bin/time ]] || missing+=("time (for /usr/bin/time)")
need_done

# A self-signed certificate, new for each run of the script. No tool is asked to verify
# it, as none is by default: each one does what it does when run plainly.
if ! openssl req -x509 "${KEYGEN[@]}" -nodes -sha256 -days 2 -subj /CN=sink.bench \
	-addext 'subjectAltName=DNS:sink.bench,IP:127.0.0.1' \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >"$TMP/req.log" 2>&1; then
	echo "$ME: openssl could not make a certificate:" >&2
	cat "$TMP/req.log" >&2
	exit 1
fi
start_py_sink SINK --cert "$TMP/cert.pem" --key "$TMP/key.pem" --name sink.bench

# s_client sends its own EHLO (-name) and STARTTLS, then after the handshake what it reads
# from stdin: the second EHLO and QUIT, written at once (it cannot wait for a reply, like
# nc in run.sh). -crlf ends them with CRLF. -ign_eof keeps it reading after its input
# ends until the sink closes the connection after 221, so every reply is read.
printf 'EHLO bench.test\nQUIT\n' >"$TMP/s_client.in"
S_CLIENT=(openssl s_client -starttls smtp -name bench.test -connect "127.0.0.1:$SINK_PORT"
	-crlf -ign_eof)

# OpenSSL's hashed CA directory: with it smtpsh looks up only the issuer it needs instead of
# parsing the whole default bundle. Shown for comparison when the directory is there.
CA_DIR=$(openssl version -d | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')/certs
TOOLS=(smtpsh)
if compgen -G "$CA_DIR/*.0" >/dev/null; then
	TOOLS+=(smtpsh_capath)
fi
TOOLS+=(s_client s_client_noca swaks)
LABEL=([smtpsh]=smtpsh [smtpsh_capath]='smtpsh --ca-path' [s_client]='openssl s_client'
	[s_client_noca]='s_client, no CAs' [swaks]='swaks --tls')

tool_cmd() {
	IN=/dev/null
	case $1 in
	smtpsh) CMD=("$SMTPSH" -c 'EHLO bench.test' -c STARTTLS -c 'EHLO bench.test' -c QUIT
		"127.0.0.1:$SINK_PORT") ;;
	smtpsh_capath) tool_cmd smtpsh; CMD+=(--ca-path "$CA_DIR") ;;
	s_client) CMD=("${S_CLIENT[@]}"); IN=$TMP/s_client.in ;;
	# what s_client costs without loading the default trust store
	s_client_noca) CMD=("${S_CLIENT[@]}" -no-CAfile -no-CApath -no-CAstore); IN=$TMP/s_client.in ;;
	swaks) CMD=(swaks --server 127.0.0.1 --port "$SINK_PORT" --helo bench.test
		--from bench@bench.test --to sink@bench.test --tls --quit-after EHLO) ;;
	esac
}

# The client's own output must show the handshake and the exchange inside TLS; the
# sink's log (block_end) must show the same from the server's side.
output_ok() {
	local out=
	IFS= read -r -d '' out <"$2" || true
	case $1 in
	smtpsh*) [[ $out == *"** TLS TLSv1."* || $out == *"!! TLS TLSv1."* ]] &&
		[[ $out == *"~> EHLO bench.test"* && $out == *"<~ 221 "* ]] ;;
	s_client*) [[ $out == *"New, TLSv1."* && $out == *$'\n'"250 "* && $out == *$'\n'"221 "* ]] ;;
	swaks) [[ $out == *"TLS started"* && $out == *"~> EHLO bench.test"* &&
		$out == *"<~  221 "* && $out != *"MAIL FROM"* ]] ;;
	esac
}

# Every connection of a block must appear in the sink's log as a session that did
# STARTTLS, sent EHLO inside TLS, and ended with QUIT. Connections are sequential, so the
# last N sessions of the block are the timed runs (after the 3 warm-ups).
GOOD_SESSION='^session tls=1 ehlo=2 ehlo_tls=1 msgs=0 bytes=0 quit=1$'
block_start() { BLOCK_L0=$(log_lines "$SINK_LOG"); }
block_end() {
	local want=$((BLOCK_L0 + 3 + N)) got bad
	wait_log_lines "$SINK_LOG" "$want" || true
	got=$(log_lines "$SINK_LOG")
	bad=$(sed -n "$((BLOCK_L0 + 4)),${want}p" "$SINK_LOG" | grep -v -c -E "$GOOD_SESSION" || true)
	bad=$((bad + (got < want ? want - got : 0)))
	if ((bad > N)); then
		bad=$N
	fi
	if ((bad > 0)); then
		FAILS[$1]=$((${FAILS[$1]:-0} + bad))
		if ((FAILS[$1] > N)); then
			FAILS[$1]=$N # a run may have failed on both counts
		fi
		{
			echo "the sink logged $bad timed sessions without STARTTLS, EHLO inside TLS and QUIT, or none; the last:"
			sed -n "$((BLOCK_L0 + 4)),${want}p" "$SINK_LOG" | grep -v -E "$GOOD_SESSION" | tail -n 3
		} >"$TMP/fail.$1"
	fi
}

echo "smtpsh benchmark: STARTTLS probe; $N runs per tool, each tool in its own block after 3 warm-up runs"
print_header
echo "others:   $(ver openssl version | cut -d' ' -f1-2), $(ver swaks --version | sed 's/ version / /'), sink $("$PYTHON" -c 'import ssl, sys; print("Python", sys.version.split()[0], "with", ssl.OPENSSL_VERSION)')"
echo "sink:     bench/sink.py on 127.0.0.1:$SINK_PORT, certificate $(openssl x509 -in "$TMP/cert.pem" -noout -text |
	awk '/Public Key Algorithm/ { a = $NF } /Public-Key:/ { gsub(/[()]/, ""); b = $(NF - 1) " " $NF } END { print a ", " b }') self-signed;" \
	"clock: $CLOCK; RSS: /usr/bin/time -f %M, max of $RSS_RUNS runs"

TARGET[s_client]='<= 1'
bench "${TOOLS[@]}"
measure_rss "${TOOLS[@]}"
table "STARTTLS probe: connect + EHLO + STARTTLS + handshake + EHLO + QUIT (target: <= 1x s_client)" \
	smtpsh "${TOOLS[@]}"
show_failures "${TOOLS[@]}"

echo
echo "smtpsh/tool is the ratio of medians; below 1 means smtpsh is faster. s_client writes its"
echo "second EHLO and QUIT at once after the handshake (it cannot wait for a reply); the others"
echo "wait for each reply. \"s_client, no CAs\" skips loading the default trust store;"
echo "\"smtpsh --ca-path\" trusts OpenSSL's hashed CA directory ($CA_DIR) instead of the"
echo "default bundle. One run on one machine is one sample: compare the tools within a run,"
echo "not runs across machines."
exit 0
