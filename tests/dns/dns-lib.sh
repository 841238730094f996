# shellcheck shell=bash
# dns-lib.sh: the DNS test harness, sourced by every test that needs DNS.
#
#   #!/bin/bash
#   source "$TESTS_DIR/e2e/lib.sh"     # optional; if used, source it first
#   source "$TESTS_DIR/dns/dns-lib.sh"
#   start_dns [--tlsa-file FILE] [--tlsa-owner NAME]
#   smtpsh --dns-server "127.0.0.1:$DNS_PORT" ...
#
# start_dns generates the test zones (zones/*.zone) in a scratch folder, signs
# example.test and bogus.test with fresh keys (ldns-keygen, ldns-signzone), breaks
# the data signatures of bogus.test, and starts on loopback, on ports chosen now:
#   - NSD, authoritative for every test zone         -> DNS_AUTH_PORT
#   - Unbound, a validating resolver for the same zones (stub zones to NSD, the
#     trust anchors of example.test and bogus.test, insecure.test declared
#     insecure); it refuses every other name and so never sends a query
#     anywhere but to NSD                             -> DNS_PORT
# Both listen on 127.0.0.1 and ::1. It also sets
#   DNS_ANCHOR   the DS records of example.test and bogus.test (zone file syntax),
#                for validating locally against NSD (which sets no AD bit)
#   DNS_DIR      the scratch folder: zones, keys, configurations, logs
#                (nsd.log, unbound.log)
#   DNS_ZONES    the zones served, space-separated
# and an EXIT trap that stops both servers; a trap set before it is kept and
# run after it (lib.sh's trap, for one). stop_dns stops them at once.
#
# start_fake_dns MODE [--listen ADDR]: a misbehaving DNS server (fake-dns.py:
# silent, second, mismatch, tc, delay=MS) on UDP 127.0.0.1 or ADDR; sets
# FAKE_DNS_PORT and FAKE_DNS_LOG (a line per query received: "TIME_MS ID QNAME").
#
# --tlsa-file FILE: TLSA records, one a line: [OWNER] RDATA, where RDATA is
# either the whole RDATA ("3 1 1 HEX") or only the hex of a SHA-256 (3 1 1 is
# implied), and OWNER, when present, a fully qualified name (it has a dot; the
# final dot is optional) in one of the test zones, e.g. _2525._tcp.mx1.insecure.test:
# the record goes into the zone that holds that name (signed, unsigned or bogus).
# A line without OWNER is for the default owner, _25._tcp.mx1.example.test, or
# the name given with --tlsa-owner NAME. "; comments" are ignored.
# Default (no file): one 3 1 1 record with a placeholder hash at
# _25._tcp.mx1.example.test (or the --tlsa-owner). insecure.test and bogus.test
# always hold their own _25._tcp.mx1 record (3 1 1 of zeros) besides what the
# file adds.
#
# Zones (zones/): example.test (signed: MX 10 mx1, MX 20 mx2, A/AAAA, SPF,
# multi-string and large TXT, a CNAME chain alias -> www -> mx1, TLSA, DMARC,
# MTA-STS, TLS-RPT, DKIM sel1 + CNAME sel2, implicit MX, CNAME MX, SPF with 11
# includes, an SPF include loop, an unsigned delegation unsigned.example.test),
# unsigned.example.test, insecure.test, bogus.test, nullmx.test (MX 0 .),
# dnsbl.test (127.0.0.2 listed), 127.in-addr.arpa and the reverse zone of ::1.
#
# Needs nsd, unbound and ldnsutils (drill, ldns-keygen, ldns-signzone) and
# python3; when one is missing, the test is skipped (exit 77).
# Set KEEP_SCRATCH=1 to keep the scratch folder for a post-mortem.

DNS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # set here for the tests that source this file
{
	DNS_AUTH_PORT='' DNS_PORT='' DNS_ANCHOR='' DNS_DIR='' DNS_ZONES=''
	FAKE_DNS_PORT='' FAKE_DNS_LOG=''
}
_DNS_PIDS=()
_DNS_OWN_DIR=''
_DNS_FAKE_N=0
_DNS_PREV_TRAP=''
_DNS_TRAPPED=0
_DNS_PYTHON=/usr/bin/python3
[[ -x $_DNS_PYTHON ]] || _DNS_PYTHON=python3

# zone name, file under zones/, how: signed | bogus | plain
_DNS_ZONE_TABLE=(
	"example.test example.test.zone signed"
	"unsigned.example.test unsigned.example.test.zone plain"
	"insecure.test insecure.test.zone plain"
	"bogus.test bogus.test.zone bogus"
	"nullmx.test nullmx.test.zone plain"
	"dnsbl.test dnsbl.test.zone plain"
	"127.in-addr.arpa 127.in-addr.arpa.zone plain"
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa ip6-loopback.zone plain"
)
# a TLSA placeholder: SHA-256 of "smtpsh test placeholder"
_DNS_TLSA_PLACEHOLDER=4d3b87a6f5b24ce94a9b3a5a1a3e5a48e8a36bd25e1a2d0bb4b0fd6d7f2a7c11

_dns_skip() {
	if declare -F skip >/dev/null; then
		skip "$*"
	fi
	echo "SKIP: $*" >&2
	exit 77
}

_dns_die() {
	local f
	{
		echo "ERROR: dns-lib: $*"
		for f in "$DNS_DIR"/nsd.log "$DNS_DIR"/nsd.out "$DNS_DIR"/unbound.log \
			"$DNS_DIR"/unbound.out; do
			if [[ -s $f ]]; then
				echo "--- $(basename "$f"):"
				tail -n 40 "$f" | sed 's/^/    /'
			fi
		done
	} >&2
	exit 1
}

_dns_need() {
	local t
	for t in "$@"; do
		PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null ||
			_dns_skip "$t is not installed (Debian packages: nsd unbound ldnsutils)"
	done
}

# A port free for UDP and TCP on both 127.0.0.1 and ::1.
_dns_free_port() {
	"$_DNS_PYTHON" - <<'EOF'
import socket
for _ in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    socks = [s]
    try:
        for fam, kind, addr in ((socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1"),
                                (socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                                (socket.AF_INET6, socket.SOCK_STREAM, "::1")):
            t = socket.socket(fam, kind)
            socks.append(t)
            t.bind((addr, port))
    except OSError:
        continue
    finally:
        for t in socks:
            t.close()
    print(port)
    break
else:
    raise SystemExit("no free port")
EOF
}

# Does the server at $1 port $2 answer the SOA query for $3 with NOERROR?
_dns_answers() {
	local out
	out=$(timeout 3 drill -p "$2" "@$1" "$3" SOA 2>/dev/null) || return 1
	grep -q 'rcode: NOERROR' <<<"$out"
}

_dns_stop_one() {
	local pid=$1 i
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

stop_dns() {
	local pid
	for pid in "${_DNS_PIDS[@]}"; do
		_dns_stop_one "$pid"
	done
	_DNS_PIDS=()
}

_dns_set_status() {
	return "$1"
}

_dns_exit_trap() {
	local rc=$?
	set +e
	stop_dns
	if [[ -n $_DNS_OWN_DIR ]]; then
		if [[ -n ${KEEP_SCRATCH:-} ]]; then
			echo "# DNS scratch folder kept: $_DNS_OWN_DIR" >&2
		else
			rm -rf "$_DNS_OWN_DIR"
		fi
	fi
	if [[ -n $_DNS_PREV_TRAP ]]; then
		_dns_set_status "$rc"
		eval "$_DNS_PREV_TRAP"
	fi
	exit "$rc"
}

_dns_install_trap() {
	local prev parts
	((_DNS_TRAPPED)) && return 0
	prev=$(trap -p EXIT)
	if [[ -n $prev ]]; then
		# "trap -- 'COMMAND' EXIT" -> COMMAND (trap -p quotes it for eval)
		eval "parts=($prev)"
		_DNS_PREV_TRAP=${parts[2]}
	fi
	trap _dns_exit_trap EXIT
	_DNS_TRAPPED=1
}

# The served zone that holds name $1 (the longest matching zone), or nothing.
_dns_zone_of() {
	local name=${1,,} entry zone file how best=''
	name=${name%.}
	for entry in "${_DNS_ZONE_TABLE[@]}"; do
		read -r zone file how <<<"$entry"
		if [[ $name == "$zone" || $name == *".$zone" ]] && ((${#zone} > ${#best})); then
			best=$zone
		fi
	done
	echo "$best"
}

# The TLSA records, from --tlsa-file or the placeholder: one line per record,
# "ZONE<TAB>OWNER. IN TLSA RDATA" with OWNER absolute; $2 is the default owner.
_dns_tlsa_lines() {
	local file=$1 owner=${2:-} line f n=0 zone own
	if [[ -z $file && -z $owner ]]; then
		printf 'example.test\t_25._tcp.mx1    IN TLSA  3 1 1 %s\n' "$_DNS_TLSA_PLACEHOLDER"
		return 0
	fi
	owner=${owner:-_25._tcp.mx1.example.test}
	owner=${owner%.}
	if [[ -z $file ]]; then
		printf '%s\t%s.    IN TLSA  3 1 1 %s\n' "$(_dns_zone_of "$owner")" "$owner" \
			"$_DNS_TLSA_PLACEHOLDER"
		return 0
	fi
	[[ -r $file ]] || _dns_die "start_dns: cannot read the TLSA file $file"
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%%;*}
		read -r -a f <<<"$line"
		((${#f[@]} > 0)) || continue
		own=$owner
		if [[ ${f[0]} == *.* ]]; then
			own=${f[0]%.}
			f=("${f[@]:1}")
		fi
		zone=$(_dns_zone_of "$own")
		[[ -n $zone ]] || _dns_die "start_dns: $file: $own is in none of the test zones"
		case ${#f[@]} in
		0) _dns_die "start_dns: $file: no RDATA for $own" ;;
		1) [[ ${f[0]} =~ ^[0-9A-Fa-f]+$ ]] || _dns_die "start_dns: $file: not hex: ${f[0]}"
			printf '%s\t%s.    IN TLSA  3 1 1 %s\n' "$zone" "$own" "${f[0]}" ;;
		*) printf '%s\t%s.    IN TLSA  %s\n' "$zone" "$own" "${f[*]}" ;;
		esac
		n=$((n + 1))
	done <"$file"
	((n > 0)) || _dns_die "start_dns: no TLSA record in $file"
}

# Sign zone $1 (file $2, in $DNS_DIR/zones) with a fresh key; DS appended to the anchors.
_dns_sign() {
	local zone=$1 file=$2 base inception
	base=$(cd "$DNS_DIR/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$zone" 2>>"$DNS_DIR/sign.log") ||
		_dns_die "ldns-keygen failed for $zone: $(cat "$DNS_DIR/sign.log")"
	# an inception an hour ago: no clock-skew doubt for the validators
	inception=$(date -u -d '-1 hour' +%Y%m%d%H%M%S)
	ldns-signzone -i "$inception" -o "$zone" -f "$file.signed" "$file" "$DNS_DIR/keys/$base" \
		>>"$DNS_DIR/sign.log" 2>&1 || _dns_die "ldns-signzone failed for $zone: $(cat "$DNS_DIR/sign.log")"
	cat "$DNS_DIR/keys/$base.ds" >>"$DNS_ANCHOR"
}

# Corrupt every RRSIG but those over the DNSKEY RRset: the keys validate, the data does not.
_dns_break_signatures() {
	local file=$1
	awk 'BEGIN { OFS = "\t" }
		$4 == "RRSIG" && $5 != "DNSKEY" {
			c = substr($NF, 11, 1)
			$NF = substr($NF, 1, 10) (c == "A" ? "B" : "A") substr($NF, 12)
		}
		{ print }' "$file" >"$file.tmp" && mv "$file.tmp" "$file"
}

_dns_make_zones() {
	local tlsa_file=$1 tlsa_owner=$2 entry zone file how
	mkdir -p "$DNS_DIR/zones" "$DNS_DIR/keys"
	: >"$DNS_ANCHOR"
	# a subshell's _dns_die would not stop the caller: go through a file
	_dns_tlsa_lines "$tlsa_file" "$tlsa_owner" >"$DNS_DIR/tlsa.lines" || exit 1
	DNS_ZONES=''
	for entry in "${_DNS_ZONE_TABLE[@]}"; do
		read -r zone file how <<<"$entry"
		# @TLSA@: the records of this zone (a record in a zone without the marker
		# is an error: it would be lost)
		awk -F '\t' -v zone="$zone" -v lines="$DNS_DIR/tlsa.lines" '
			BEGIN { while ((getline l < lines) > 0) { split(l, p, "\t"); if (p[1] == zone) t = t p[2] "\n" } }
			$0 == "@TLSA@" { printf "%s", t; seen = 1; next }
			{ print }
			END { if (t != "" && !seen) { print "no @TLSA@ in the zone " zone > "/dev/stderr"; exit 1 } }' \
			"$DNS_LIB_DIR/zones/$file" >"$DNS_DIR/zones/$zone.zone" ||
			_dns_die "start_dns: cannot place TLSA records in $zone"
		case $how in
		signed) _dns_sign "$zone" "$DNS_DIR/zones/$zone.zone" ;;
		bogus)
			_dns_sign "$zone" "$DNS_DIR/zones/$zone.zone"
			_dns_break_signatures "$DNS_DIR/zones/$zone.zone.signed"
			;;
		esac
		DNS_ZONES+="${DNS_ZONES:+ }$zone"
	done
}

_dns_zone_file() {
	local zone=$1
	if [[ -f $DNS_DIR/zones/$zone.zone.signed ]]; then
		echo "$DNS_DIR/zones/$zone.zone.signed"
	else
		echo "$DNS_DIR/zones/$zone.zone"
	fi
}

_dns_nsd_conf() {
	local port=$1 zone
	cat <<EOF
# NSD: authoritative for the test zones, loopback only, in the foreground.
server:
	ip-address: 127.0.0.1@$port
	ip-address: ::1@$port
	port: $port
	do-ip4: yes
	do-ip6: yes
	server-count: 1
	tcp-count: 256
	reuseport: no
	username: ""
	chroot: ""
	zonesdir: "$DNS_DIR/zones"
	database: ""
	zonelistfile: "$DNS_DIR/nsd.zone.list"
	xfrdfile: "$DNS_DIR/nsd.xfrd.state"
	xfrdir: "$DNS_DIR"
	pidfile: "$DNS_DIR/nsd.pid"
	logfile: "$DNS_DIR/nsd.log"
	hide-version: yes
	verbosity: 1
remote-control:
	control-enable: no
EOF
	for zone in $DNS_ZONES; do
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$zone" "$(_dns_zone_file "$zone")"
	done
}

_dns_unbound_conf() {
	local port=$1 auth=$2 zone
	cat <<EOF
# Unbound: a validating resolver for the test zones only, loopback only, in the
# foreground. "." refuse: it never recurses; every test zone is a stub zone
# served by NSD on 127.0.0.1 port $auth.
server:
	interface: 127.0.0.1@$port
	interface: ::1@$port
	port: $port
	do-ip4: yes
	do-ip6: yes
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$DNS_DIR"
	pidfile: "$DNS_DIR/unbound.pid"
	use-syslog: no
	logfile: "$DNS_DIR/unbound.log"
	verbosity: 1
	val-log-level: 2
	log-servfail: yes
	ede: yes
	trust-anchor-signaling: no
	num-threads: 1
	outgoing-range: 64
	so-reuseport: no
	module-config: "validator iterator"
	trust-anchor-file: "$DNS_ANCHOR"
	domain-insecure: "insecure.test"
	access-control: 127.0.0.0/8 allow
	access-control: ::1/128 allow
	do-not-query-localhost: no
	outgoing-interface: 127.0.0.1
	outgoing-interface: ::1
	edns-buffer-size: 1232
	max-udp-size: 1232
	prefetch: no
	target-fetch-policy: "0 0 0 0 0"
	local-zone: "." refuse
	local-zone: "test." nodefault
	local-zone: "127.in-addr.arpa." nodefault
	local-zone: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa." nodefault
EOF
	for zone in $DNS_ZONES; do
		printf '\tlocal-zone: "%s." transparent\n' "$zone"
	done
	printf 'remote-control:\n\tcontrol-enable: no\n'
	for zone in $DNS_ZONES; do
		printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.1@%s\n' "$zone" "$auth"
	done
}

# Start "$@" in its own process group; wait until it answers for example.test on
# 127.0.0.1 and ::1 port $port. Returns 1 when it exited (a port taken, say).
_dns_start_server() {
	local name=$1 port=$2 pid i
	shift 2
	setsid "$@" </dev/null >"$DNS_DIR/$name.out" 2>&1 &
	pid=$!
	_DNS_PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null || true
			_DNS_PIDS=("${_DNS_PIDS[@]:0:${#_DNS_PIDS[@]}-1}")
			return 1
		fi
		if _dns_answers 127.0.0.1 "$port" example.test &&
			_dns_answers ::1 "$port" example.test; then
			return 0
		fi
		sleep 0.1
	done
	_dns_die "$name does not answer on port $port after 10 s"
}

_dns_scratch() {
	[[ -n $DNS_DIR ]] && return 0
	if [[ -n ${SCRATCH:-} && -d ${SCRATCH:-} ]]; then
		DNS_DIR=$(mktemp -d "$SCRATCH/dns.XXXXXX")
	else
		DNS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/smtpsh-dns.XXXXXX")
		_DNS_OWN_DIR=$DNS_DIR
	fi
	chmod 755 "$DNS_DIR"
}

start_fake_dns() {
	local mode=${1:-} listen=127.0.0.1 portfile pid i
	[[ -n $mode ]] || _dns_die "start_fake_dns: no mode"
	shift
	while (($#)); do
		case $1 in
		--listen) listen=${2:-}; shift ;;
		*) _dns_die "start_fake_dns: unknown option $1" ;;
		esac
		shift
	done
	_dns_install_trap
	_dns_scratch
	_DNS_FAKE_N=$((_DNS_FAKE_N + 1))
	portfile=$DNS_DIR/fake-dns$_DNS_FAKE_N.port
	FAKE_DNS_LOG=$DNS_DIR/fake-dns$_DNS_FAKE_N.log
	: >"$FAKE_DNS_LOG"
	setsid "$_DNS_PYTHON" "$DNS_LIB_DIR/fake-dns.py" --port-file "$portfile" \
		--log "$FAKE_DNS_LOG" --listen "$listen" "$mode" </dev/null \
		>"$DNS_DIR/fake-dns$_DNS_FAKE_N.out" 2>&1 &
	pid=$!
	_DNS_PIDS+=("$pid")
	for ((i = 0; i < 500; i++)); do
		[[ -s $portfile ]] && break
		kill -0 "$pid" 2>/dev/null ||
			_dns_die "fake-dns.py did not start: $(cat "$DNS_DIR/fake-dns$_DNS_FAKE_N.out")"
		sleep 0.02
	done
	[[ -s $portfile ]] || _dns_die "fake-dns.py wrote no port file in 10 s"
	# shellcheck disable=SC2034  # for the caller
	FAKE_DNS_PORT=$(<"$portfile")
}

start_dns() {
	local tlsa_file='' tlsa_owner='' attempt nsd unbound
	while (($#)); do
		case $1 in
		--tlsa-file) tlsa_file=${2:-}; shift ;;
		--tlsa-file=*) tlsa_file=${1#--tlsa-file=} ;;
		--tlsa-owner) tlsa_owner=${2:-}; shift ;;
		--tlsa-owner=*) tlsa_owner=${1#--tlsa-owner=} ;;
		*) _dns_die "start_dns: unknown option $1" ;;
		esac
		shift
	done
	_dns_need nsd unbound drill ldns-keygen ldns-signzone setsid
	nsd=$(PATH=$PATH:/usr/sbin:/sbin command -v nsd)
	unbound=$(PATH=$PATH:/usr/sbin:/sbin command -v unbound)
	_dns_install_trap
	_dns_scratch
	DNS_ANCHOR=$DNS_DIR/anchors.ds
	if [[ -n $tlsa_owner && -z $(_dns_zone_of "$tlsa_owner") ]]; then
		_dns_die "start_dns: --tlsa-owner $tlsa_owner is in none of the test zones"
	fi
	_dns_make_zones "$tlsa_file" "$tlsa_owner"

	for attempt in 1 2 3; do
		DNS_AUTH_PORT=$(_dns_free_port) || _dns_die "no free port"
		_dns_nsd_conf "$DNS_AUTH_PORT" >"$DNS_DIR/nsd.conf"
		if _dns_start_server nsd "$DNS_AUTH_PORT" "$nsd" -d -c "$DNS_DIR/nsd.conf"; then
			break
		fi
		((attempt < 3)) || _dns_die "nsd did not start (3 attempts)"
	done
	for attempt in 1 2 3; do
		DNS_PORT=$(_dns_free_port) || _dns_die "no free port"
		_dns_unbound_conf "$DNS_PORT" "$DNS_AUTH_PORT" >"$DNS_DIR/unbound.conf"
		if _dns_start_server unbound "$DNS_PORT" "$unbound" -d -c "$DNS_DIR/unbound.conf"; then
			break
		fi
		((attempt < 3)) || _dns_die "unbound did not start (3 attempts)"
	done
	export DNS_AUTH_PORT DNS_PORT DNS_ANCHOR DNS_DIR DNS_ZONES
}
