#!/usr/bin/env bash
# DNS query benchmark: one MX query as one fresh process per run, smtpsh /dns side by side
# with drill and dig, against a private authoritative NSD on 127.0.0.1 serving a zone
# written at run time; plus smtpsh /check on the same domain, for how its concurrent
# queries compare with one. Target (DESIGN.md section 4): smtpsh /dns <= drill.
# It reports; it never fails because a target is missed.
#
# usage: bench/dns.sh [-n N]      N sequential runs per tool (default 200)
#        SMTPSH=/path/to/smtpsh bench/dns.sh
#
# Needs (Debian packages): nsd, ldnsutils (drill), bind9-dnsutils (dig), time
# (/usr/bin/time), coreutils, gawk or mawk. Installs nothing itself.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init dns.sh

N=200
INTERLEAVE=0
usage() { sed -n '8,9s/^# \{0,1\}//p' "$0"; }
while getopts 'n:h' opt; do
	case $opt in
	n) N=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ $N =~ ^[0-9]+$ ]] || ((N < 1)); then
	echo "$ME: -n wants a positive integer, not '$N'" >&2
	exit 2
fi
RSS_RUNS=$((N < 5 ? N : 5))

NSD=$(PATH=$PATH:/usr/sbin:/sbin command -v nsd || true)
[[ -n $NSD ]] || missing+=("nsd (for nsd)")
need drill ldnsutils
need dig bind9-dnsutils
need awk gawk
need sort coreutils
[[ -x /usr/bin/time ]] || missing+=("time (for /usr/bin/time)")
need_done

# ---------------------------------------------------------------- the server
# The zone: MX, addresses, reverse names, SPF, DMARC and TLS-RPT, so that /check finds a
# healthy domain. Every address in it is a loopback address. The TXT at bench-id is
# unique to this run: it proves that the server answering is ours.
mkdir -p "$TMP/dns"
BENCH_ID="bench-$$-$RANDOM"
cat >"$TMP/dns/example.test.zone" <<EOF
\$ORIGIN example.test.
\$TTL 300
@          IN SOA ns1.example.test. hostmaster.example.test. 2024010101 3600 900 604800 300
@          IN NS  ns1.example.test.
@          IN MX  10 mx1.example.test.
@          IN MX  20 mx2.example.test.
@          IN A   127.0.0.1
@          IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
_dmarc     IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
_smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.test"
bench-id   IN TXT "$BENCH_ID"
ns1        IN A   127.0.0.1
mx1        IN A   127.0.0.1
mx2        IN A   127.0.0.2
EOF
cat >"$TMP/dns/127.zone" <<'EOF'
$ORIGIN 127.in-addr.arpa.
$TTL 300
@          IN SOA ns1.example.test. hostmaster.example.test. 2024010101 3600 900 604800 300
@          IN NS  ns1.example.test.
1.0.0      IN PTR mx1.example.test.
2.0.0      IN PTR mx2.example.test.
EOF

nsd_conf() { # port
	cat <<EOF
# NSD: authoritative for the benchmark zones, 127.0.0.1 only, in the foreground.
server:
	ip-address: 127.0.0.1@$1
	port: $1
	do-ip4: yes
	do-ip6: no
	server-count: 1
	reuseport: no
	username: ""
	chroot: ""
	zonesdir: "$TMP/dns"
	database: ""
	zonelistfile: "$TMP/dns/zone.list"
	xfrdfile: "$TMP/dns/xfrd.state"
	xfrdir: "$TMP/dns"
	pidfile: "$TMP/dns/nsd.pid"
	logfile: "$TMP/dns/nsd.log"
	hide-version: yes
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: "example.test"
	zonefile: "example.test.zone"
zone:
	name: "127.in-addr.arpa"
	zonefile: "127.zone"
EOF
}

ours_answers() { # port: our NSD answers there
	drill -p "$1" @127.0.0.1 bench-id.example.test TXT 2>/dev/null | grep -q "\"$BENCH_ID\""
}

# A port picked at random below the ephemeral range, retried when NSD cannot bind it.
start_nsd() {
	local port i
	for _ in {1..20}; do
		port=$((20000 + RANDOM % 12000))
		nsd_conf "$port" >"$TMP/dns/nsd.conf"
		bg_start "$NSD" -d -c "$TMP/dns/nsd.conf" >"$TMP/dns/nsd.out" 2>&1
		for ((i = 0; i < 100; i++)); do
			kill -0 "$BG_PID" 2>/dev/null || break # could not bind: try another port
			if ours_answers "$port"; then
				DNS_PORT=$port
				NSD_PID=$BG_PID
				return 0
			fi
			sleep 0.05
		done
		bg_stop "$BG_PID"
	done
	echo "$ME: could not start nsd on 127.0.0.1; its last words:" >&2
	cat "$TMP/dns/nsd.out" "$TMP/dns/nsd.log" >&2 2>/dev/null
	return 1
}
start_nsd

# ---------------------------------------------------------------- the queries
TOOLS=(smtpsh drill dig check)
LABEL=([smtpsh]='smtpsh /dns' [drill]=drill [dig]=dig [check]='smtpsh /check')

tool_cmd() {
	IN=/dev/null
	case $1 in
	smtpsh) CMD=("$SMTPSH" --dns-server "127.0.0.1:$DNS_PORT" -c '/dns MX example.test') ;;
	drill) CMD=(drill -p "$DNS_PORT" @127.0.0.1 example.test MX) ;;
	dig) CMD=(dig -p "$DNS_PORT" @127.0.0.1 example.test MX) ;;
	check) CMD=("$SMTPSH" --dns-server "127.0.0.1:$DNS_PORT" -c '/check example.test') ;;
	esac
}

# Each must show the answer: NOERROR and both MX records.
output_ok() {
	local out=
	IFS= read -r -d '' out <"$2" || true
	[[ $out == *"10 mx1.example.test."* && $out == *"20 mx2.example.test."* ]] || [[ $1 == check ]] || return 1
	case $1 in
	smtpsh) [[ $out == *"MX: NOERROR, 2 records"* ]] ;;
	drill) [[ $out == *"rcode: NOERROR"* ]] ;;
	dig) [[ $out == *"status: NOERROR"* ]] ;;
	check) [[ $out == *"ok   MX: 2 hosts"* && $out =~ [0-9]+\ DNS\ queries && $out == *", 0 fail;"* ]] ;;
	esac
}

echo "smtpsh benchmark: DNS query; $N runs per tool, each tool in its own block after 3 warm-up runs"
print_header
echo "others:   $(drill -v 2>/dev/null | head -n 1), $(dig -v 2>&1 | head -n 1), server $("$NSD" -v 2>&1 | head -n 1)"
echo "server:   nsd on 127.0.0.1:$DNS_PORT (pid $NSD_PID); clock: $CLOCK; RSS: /usr/bin/time -f %M, max of $RSS_RUNS runs"

TARGET[drill]='<= 1'
bench "${TOOLS[@]}"
measure_rss "${TOOLS[@]}"
table "DNS query: example.test MX from a local authoritative server (target: <= 1x drill)" \
	smtpsh "${TOOLS[@]}"
show_failures "${TOOLS[@]}"

tool_cmd check
"${CMD[@]}" >"$TMP/out" 2>&1 || true
echo
echo "smtpsh /check: $(grep -o '[0-9]* DNS queries.*' "$TMP/out" || echo '(no summary line)')"
echo
echo "smtpsh/tool is the ratio of medians; below 1 means smtpsh is faster. /check asks many"
echo "questions at once (MX, addresses, PTR, TLSA, SPF, DMARC, MTA-STS, TLS-RPT); its row shows"
echo "what they cost next to one query. One run on one machine is one sample: compare the"
echo "tools within a run, not runs across machines."
exit 0
