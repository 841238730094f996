#!/bin/bash
# SPDX-License-Identifier: MIT
# test-dns.sh: src/dns.c against real servers on loopback (NSD, a validating
# Unbound, and fake-dns.py for misbehaviour), through tests/dns/dns-probe.
# Output: TAP.
#
# Environment: DNS_PROBE, the dns-probe binary (required).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNS_PROBE:?DNS_PROBE must name the dns-probe binary}"
[[ -x $DNS_PROBE ]] || { echo "Bail out! DNS_PROBE=$DNS_PROBE is not executable"; exit 1; }
# shellcheck source-path=SCRIPTDIR
source "$HERE/dns-lib.sh"

N=0
FAILED=0
OUTN=0
OUT=''

ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}

not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
	echo "not ok $N - $1" >&2
	shift
	{
		for line in "$@"; do
			echo "#   $line"
		done
		if [[ -n $OUT && -f $OUT ]]; then
			echo "#   --- probe output ($OUT):"
			sed 's/^/#   /' "$OUT" | cut -c1-200 | head -n 60
		fi
	} | tee /dev/stderr
}

# probe ARGS...: run dns-probe, output in $OUT, status in $PRC
probe() {
	OUTN=$((OUTN + 1))
	OUT=$DNS_DIR/probe$OUTN.out
	PRC=0
	timeout 60 "$DNS_PROBE" "$@" >"$OUT" 2>&1 || PRC=$?
	# 0, or 1 for a local error: anything else is a crash, a sanitizer report, a hang
	if ((PRC > 1)) || grep -q 'Sanitizer' "$OUT"; then
		not_ok "dns-probe $* exited normally" "status $PRC"
	fi
}

# block NAME TYPE: the lines of that query's answer
block() {
	awk -v q="query $1 $2" '$0 == q { on = 1 } on { print } on && $0 == "end" { exit }' "$OUT"
}

# check DESC NAME TYPE FIXED-STRING...: every string is a line part of the answer
check() {
	local desc=$1 name=$2 type=$3 blk s
	shift 3
	blk=$(block "$name" "$type")
	if [[ -z $blk ]]; then
		not_ok "$desc" "no answer block for $name $type"
		return
	fi
	for s in "$@"; do
		if ! has_line "$s" <<<"$blk"; then
			not_ok "$desc" "no line: $s"
			return
		fi
	done
	ok "$desc"
}

# has_line LINE: stdin holds LINE. An "rr OWNER TTL ..." line matches with any TTL
# from TTL-60 to TTL: Unbound serves records that other concurrent queries of the
# same probe cached a second earlier with their TTL counted down.
has_line() {
	if [[ $1 != "rr "* ]]; then
		grep -qxF -e "$1"
		return
	fi
	# split the wanted line as "rr OWNER " TTL " REST", REST compared byte for byte
	awk -v want="$1" '
		function parts(line, out,    p, q) {
			p = index(substr(line, 4), " ") + 3
			q = index(substr(line, p + 1), " ") + p
			out["head"] = substr(line, 1, p); out["ttl"] = substr(line, p + 1, q - p - 1)
			out["rest"] = substr(line, q)
		}
		BEGIN { parts(want, w) }
		/^rr / { parts($0, g)
			if (g["head"] == w["head"] && g["rest"] == w["rest"] && g["ttl"] ~ /^[0-9]+$/ &&
			    g["ttl"] + 0 <= w["ttl"] + 0 && g["ttl"] + 0 >= w["ttl"] - 60) found = 1 }
		END { exit !found }'
}

# check_re DESC NAME TYPE REGEX...: every extended regex matches a line of the answer
check_re() {
	local desc=$1 name=$2 type=$3 blk s
	shift 3
	blk=$(block "$name" "$type")
	for s in "$@"; do
		if ! grep -qE -e "$s" <<<"$blk"; then
			not_ok "$desc" "no line matches: $s"
			return
		fi
	done
	ok "$desc"
}

check_not() {
	local desc=$1 name=$2 type=$3 s=$4 blk
	blk=$(block "$name" "$type")
	if grep -qF -e "$s" <<<"$blk"; then
		not_ok "$desc" "unexpected: $s"
		return
	fi
	ok "$desc"
}

elapsed_of() {
	block "$1" "$2" | awk '$1 == "elapsed" { print $2 }'
}

# ---------------------------------------------------------------- servers

TLSA_FILE=$(mktemp "${TMPDIR:-/tmp}/smtpsh-tlsa.XXXXXX")
H1=2c15c6213cf237fd83ba122791006df7347845f0b7bf960dcbf144263a4fe583
H2=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
H3=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
# lines without an owner: _25._tcp.mx1.example.test; with one: that name, in its zone
printf '3 1 1 %s\n%s\n%s\n%s\n%s\n' "$H1" "$H2" "_2525._tcp.mx1.example.test. 2 0 1 $H3" \
	"_2525._tcp.mx1.insecure.test $H3" "_2525._tcp.mx1.bogus.test 3 1 1 $H3" >"$TLSA_FILE"
start_dns --tlsa-file "$TLSA_FILE"
rm -f "$TLSA_FILE"
echo "# NSD on port $DNS_AUTH_PORT, Unbound on port $DNS_PORT, scratch $DNS_DIR"
U=127.0.0.1:$DNS_PORT

# ---------------------------------------------------------------- answers from Unbound

probe --server "$U" example.test A mx1.example.test AAAA example.test MX example.test TXT \
	multi.example.test TXT _25._tcp.mx1.example.test TLSA rev:127.0.0.1 PTR \
	rev:127.0.0.2 PTR rev:::1 PTR alias.example.test A alias.example.test CNAME \
	nonexist.example.test A implicit.example.test MX insecure.test MX bogus.test A \
	_2525._tcp.mx1.example.test TLSA _2525._tcp.mx1.insecure.test TLSA \
	_2525._tcp.mx1.bogus.test TLSA nullmx.test MX rev:127.0.0.2@dnsbl.test A rev:127.0.0.1@dnsbl.test A \
	sel2._domainkey.example.test TXT x.wild.example.test A
if [[ $PRC == 0 ]]; then
	ok "probe against Unbound exits 0"
else
	not_ok "probe against Unbound exits 0" "status $PRC"
fi

check "A record, secure" example.test A "rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1" \
	"addr 127.0.0.1" "rr example.test. 300 A 127.0.0.1"
check "AAAA record" mx1.example.test AAAA "addr ::1" "rr mx1.example.test. 300 AAAA ::1"
check "MX records with preference and exchange" example.test MX \
	"mx 10 mx1.example.test." "mx 20 mx2.example.test."
mx_sorted=$(block example.test MX | awk '$1 == "mx"' | sort -n -k2 | tr '\n' '|')
if [[ $mx_sorted == "mx 10 mx1.example.test.|mx 20 mx2.example.test.|" ]]; then
	ok "exactly the two MX records (in any order)"
else
	not_ok "exactly the two MX records (in any order)" "got $mx_sorted"
fi
check "TXT record" example.test TXT "txt v=spf1 ip4:127.0.0.0/8 ip6:::1 mx -all"
check "TXT strings concatenated without separator" multi.example.test TXT \
	"txt v=spf1 ip4:127.0.0.1 -all" \
	'rr multi.example.test. 300 TXT "v=spf1 " "ip4:127.0.0.1 " "-all"'
check "TLSA records from the --tlsa-file (full RDATA and hash only)" \
	_25._tcp.mx1.example.test TLSA "tlsa 3 1 1 $H1" "tlsa 3 1 1 $H2" \
	"rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1"
check "TLSA at an owner of the file's own, signed zone" _2525._tcp.mx1.example.test TLSA \
	"tlsa 2 0 1 $H3" "rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1"
check_not "... only the record for that owner" _2525._tcp.mx1.example.test TLSA "tlsa 3 1 1 "
check "TLSA in the unsigned zone: insecure" _2525._tcp.mx1.insecure.test TLSA \
	"tlsa 3 1 1 $H3" "rcode=NOERROR sec=insecure ad=0 aa=0 tc=0 tcp=0 ede=-1"
check "TLSA in the bogus zone: bogus" _2525._tcp.mx1.bogus.test TLSA \
	"rcode=SERVFAIL sec=bogus ad=0 aa=0 tc=0 tcp=0 ede=6"
check "PTR of 127.0.0.1" 1.0.0.127.in-addr.arpa. PTR "target mx1.example.test." \
	"rcode=NOERROR sec=insecure ad=0 aa=0 tc=0 tcp=0 ede=-1"
check "PTR of 127.0.0.2" 2.0.0.127.in-addr.arpa. PTR "target mx2.example.test."
check "PTR of ::1 (ip6.arpa nibbles)" \
	1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. PTR \
	"target mx1.example.test."
check "CNAME chain followed to the address" alias.example.test A \
	"cname www.example.test." "cname mx1.example.test." "rr mx1.example.test. 300 A 127.0.0.1" \
	"rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1"
check "a CNAME query is not followed" alias.example.test CNAME \
	"rr alias.example.test. 300 CNAME www.example.test." "target www.example.test."
check_not "... and lists no chain" alias.example.test CNAME "cname "
check "NXDOMAIN, secure (signed denial)" nonexist.example.test A \
	"rcode=NXDOMAIN sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1"
check "NODATA (implicit MX domain), secure" implicit.example.test MX \
	"rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1"
check_not "NODATA has no records" implicit.example.test MX "rr "
check "insecure.test is insecure" insecure.test MX \
	"rcode=NOERROR sec=insecure ad=0 aa=0 tc=0 tcp=0 ede=-1" "mx 10 mx1.insecure.test."
check "bogus.test is bogus (SERVFAIL, data with CD=1), with the EDE" bogus.test A \
	"rcode=SERVFAIL sec=bogus ad=0 aa=0 tc=0 tcp=0 ede=6"
check_re "bogus: the error says why" bogus.test A \
	'^error .*DNSSEC validation failed.*EDE 6 \(DNSSEC Bogus\).*signature crypto failed'
check_not "bogus: no records handed out" bogus.test A "rr "
check "null MX" nullmx.test MX "mx 0 ." "rr nullmx.test. 300 MX 0 ."
check "DNSBL: 127.0.0.2 listed" 2.0.0.127.dnsbl.test. A "addr 127.0.0.2"
check "DNSBL: 127.0.0.1 not listed" 1.0.0.127.dnsbl.test. A \
	"rcode=NXDOMAIN sec=insecure ad=0 aa=0 tc=0 tcp=0 ede=-1"
check_re "DKIM key through a CNAME" sel2._domainkey.example.test TXT \
	'^cname sel1\._domainkey\.example\.test\.$' '^txt v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/=]+$'
check "a wildcard answer, secure" x.wild.example.test A \
	"rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1" "rr x.wild.example.test. 300 A 127.0.0.3"
check "answers name the server" example.test A "server 127.0.0.1 port $DNS_PORT"

# ---------------------------------------------------------------- TCP fallback

probe --server "$U" big.example.test TXT
check "TCP fallback after a truncated UDP answer (Unbound)" big.example.test TXT \
	"rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=1 ede=-1"
n=$(block big.example.test TXT | grep -c '^txt big-' || true)
len=$(block big.example.test TXT | awk '$1 == "txt" { print length($2) }' | sort -u | tr '\n' ' ')
if [[ $n == 2 && $len == "738 " ]]; then
	ok "both large TXT records, 3 strings each concatenated (738 bytes)"
else
	not_ok "both large TXT records, 3 strings each concatenated" "got $n records, lengths $len"
fi
probe --server "127.0.0.1:$DNS_AUTH_PORT" big.example.test TXT
check "TCP fallback against NSD" big.example.test TXT \
	"rcode=NOERROR sec=insecure ad=0 aa=1 tc=0 tcp=1 ede=-1"

# ---------------------------------------------------------------- IPv6 server address

probe --server "[::1]:$DNS_PORT" example.test MX
check "IPv6 server [::1]:PORT" example.test MX "server ::1 port $DNS_PORT" \
	"mx 10 mx1.example.test." "rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1"
probe --server "[::1]:$DNS_PORT" big.example.test TXT
check "IPv6 server with TCP fallback" big.example.test TXT \
	"rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=1 ede=-1"

# ---------------------------------------------------------------- local validation

A=(--server "127.0.0.1:$DNS_AUTH_PORT" --anchor "$DNS_ANCHOR")
probe "${A[@]}" example.test MX alias.example.test A nonexist.example.test A \
	implicit.example.test MX bogus.test A nonexist.bogus.test A insecure.test MX \
	www.unsigned.example.test A nonexist.unsigned.example.test A _25._tcp.mx1.example.test TLSA \
	a.b.wild.example.test A wild.example.test A
check "local validation against NSD: example.test secure without AD" example.test MX \
	"rcode=NOERROR sec=secure ad=0 aa=1 tc=0 tcp=0 ede=-1" "mx 10 mx1.example.test."
check "local: CNAME chain secure" alias.example.test A \
	"rcode=NOERROR sec=secure ad=0 aa=1 tc=0 tcp=0 ede=-1" "addr 127.0.0.1"
check "local: NXDOMAIN proven by NSEC" nonexist.example.test A \
	"rcode=NXDOMAIN sec=secure ad=0 aa=1 tc=0 tcp=0 ede=-1"
check "local: NODATA proven by NSEC" implicit.example.test MX \
	"rcode=NOERROR sec=secure ad=0 aa=1 tc=0 tcp=0 ede=-1"
check "local: TLSA secure" _25._tcp.mx1.example.test TLSA \
	"rcode=NOERROR sec=secure ad=0 aa=1 tc=0 tcp=0 ede=-1" \
	"tlsa 3 1 1 $H1"
check_re "local: bogus.test bogus" bogus.test A '^rcode=NOERROR sec=bogus ' \
	'^error RRSIG of bogus\.test\. A: '
check_re "local: a bogus denial is bogus" nonexist.bogus.test A '^rcode=NXDOMAIN sec=bogus '
check "local: insecure.test (no anchor) insecure" insecure.test MX \
	"rcode=NOERROR sec=insecure ad=0 aa=1 tc=0 tcp=0 ede=-1"
check "local: below an insecure delegation: insecure" www.unsigned.example.test A \
	"rcode=NOERROR sec=insecure ad=0 aa=1 tc=0 tcp=0 ede=-1" "addr 127.0.0.1"
check "local: NXDOMAIN below an insecure delegation: insecure" nonexist.unsigned.example.test A \
	"rcode=NXDOMAIN sec=insecure ad=0 aa=1 tc=0 tcp=0 ede=-1"

check "local: a wildcard answer with its NSEC proof" a.b.wild.example.test A \
	"rcode=NOERROR sec=secure ad=0 aa=1 tc=0 tcp=0 ede=-1" "addr 127.0.0.3"
check "local: NODATA at an empty non-terminal" wild.example.test A \
	"rcode=NOERROR sec=secure ad=0 aa=1 tc=0 tcp=0 ede=-1"

# validating locally through Unbound too: queries go with CD=1, so bogus data comes back
probe --server "$U" --anchor "$DNS_ANCHOR" example.test A bogus.test A
check "local validation through Unbound: secure" example.test A "rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1"
check_re "local validation through Unbound: bogus (CD=1 gets the data)" bogus.test A \
	'^rcode=NOERROR sec=bogus '

# an anchor that does not match the zone's key: bogus
BADANCHOR=$DNS_DIR/bad-anchor.ds
sed 's/ [0-9a-f]\{64\}$/ 0000000000000000000000000000000000000000000000000000000000000000/' \
	"$DNS_ANCHOR" >"$BADANCHOR"
probe --server "127.0.0.1:$DNS_AUTH_PORT" --anchor "$BADANCHOR" example.test A
check_re "local: a wrong trust anchor gives bogus" example.test A '^rcode=NOERROR sec=bogus ' \
	'^error no DNSKEY of example\.test\. matches the trust anchor'

probe --server "127.0.0.1:$DNS_AUTH_PORT" --anchor "$DNS_DIR/no-such-file" example.test A
if [[ $PRC == 1 ]] && grep -q '^local-error example.test: trust anchor .*no-such-file' "$OUT"; then
	ok "a missing trust anchor file is a local error"
else
	not_ok "a missing trust anchor file is a local error" "status $PRC"
fi

# ---------------------------------------------------------------- no answer

DEAD=$(_dns_free_port)
probe --server "127.0.0.1:$DEAD" --timeout 1000 example.test A
check "nothing listening: rcode -1, indeterminate" example.test A \
	"rcode=-1 sec=indeterminate ad=0 aa=0 tc=0 tcp=0 ede=-1"
e=$(elapsed_of example.test A)
if [[ -n $e ]] && ((e <= 1300)); then
	ok "nothing listening: answered within the timeout (${e} ms)"
else
	not_ok "nothing listening: answered within the timeout" "elapsed ${e:-?} ms"
fi
check_re "nothing listening: the error names the server" example.test A \
	"^error .*127\\.0\\.0\\.1 port $DEAD"

start_fake_dns silent
probe --server "127.0.0.1:$FAKE_DNS_PORT" --timeout 1000 example.test A
check "silent server: rcode -1, indeterminate" example.test A \
	"rcode=-1 sec=indeterminate ad=0 aa=0 tc=0 tcp=0 ede=-1" \
	"error no answer from 127.0.0.1 port $FAKE_DNS_PORT within 1 s"
e=$(elapsed_of example.test A)
if [[ -n $e ]] && ((e >= 950 && e <= 1500)); then
	ok "silent server: gave up after the timeout (${e} ms)"
else
	not_ok "silent server: gave up after the timeout" "elapsed ${e:-?} ms"
fi
mapfile -t times < <(awk '{ print $1 }' "$FAKE_DNS_LOG")
if ((${#times[@]} == 2)) && (((times[1] - times[0]) >= 400 && (times[1] - times[0]) <= 800)); then
	ok "silent server: sent twice, the retry after half the timeout ($((times[1] - times[0])) ms)"
else
	not_ok "silent server: sent twice, the retry after half the timeout" \
		"log: $(tr '\n' ';' <"$FAKE_DNS_LOG")"
fi

start_fake_dns second
probe --server "127.0.0.1:$FAKE_DNS_PORT" --timeout 1000 example.test A
check "a server answering only the retry: answered" example.test A \
	"rcode=NOERROR sec=insecure ad=0 aa=0 tc=0 tcp=0 ede=-1" "addr 127.0.0.9"

start_fake_dns mismatch
probe --server "127.0.0.1:$FAKE_DNS_PORT" --timeout 1000 example.test A
check "answers with a wrong ID or question are ignored" example.test A \
	"rcode=NOERROR sec=insecure ad=0 aa=0 tc=0 tcp=0 ede=-1" "addr 127.0.0.9"
e=$(elapsed_of example.test A)
if [[ -n $e ]] && ((e < 400)); then
	ok "... and the right one is taken at once (${e} ms)"
else
	not_ok "... and the right one is taken at once" "elapsed ${e:-?} ms"
fi

start_fake_dns tc
probe --server "127.0.0.1:$FAKE_DNS_PORT" --timeout 1000 example.test A
check_re "truncated, and TCP refused: the truncated answer, marked" example.test A \
	'^rcode=NOERROR sec=indeterminate ad=0 aa=0 tc=1 tcp=1 ' \
	'^error truncated over UDP; TCP to 127\.0\.0\.1 port [0-9]+: '

# ---------------------------------------------------------------- concurrency

start_fake_dns delay=300
args=()
for i in $(seq 1 20); do
	args+=("q$i.example.test" A)
done
probe --server "127.0.0.1:$FAKE_DNS_PORT" --timeout 5000 "${args[@]}"
total=$(awk '$1 == "total" { print $2 }' "$OUT")
slowest=$(awk '$1 == "elapsed" && $2 > m { m = $2 } END { print m + 0 }' "$OUT")
answered=$(grep -c '^addr 127.0.0.9$' "$OUT" || true)
if [[ $answered == 20 ]]; then
	ok "20 concurrent queries all answered"
else
	not_ok "20 concurrent queries all answered" "$answered answered"
fi
if [[ -n $total ]] && ((slowest >= 300 && total < 3 * slowest)); then
	ok "20 concurrent queries take about one (${total} ms in all, slowest ${slowest} ms)"
else
	not_ok "20 concurrent queries take about one" "total ${total:-?} ms, slowest ${slowest:-?} ms"
fi
probe --server "127.0.0.1:$FAKE_DNS_PORT" --timeout 5000 --sequential q1.example.test A q2.example.test A
total=$(awk '$1 == "total" { print $2 }' "$OUT")
if [[ -n $total ]] && ((total >= 600)); then
	ok "sequential queries add up (${total} ms for 2)"
else
	not_ok "sequential queries add up" "total ${total:-?} ms"
fi

args=()
for i in $(seq 1 20); do
	args+=("q$i.example.test" A)
done
probe --server "$U" --timeout 3000 "${args[@]}"
n=$(grep -c '^rcode=NXDOMAIN sec=secure ' "$OUT" || true)
if [[ $n == 20 ]]; then
	ok "20 concurrent queries to Unbound: 20 secure NXDOMAIN"
else
	not_ok "20 concurrent queries to Unbound: 20 secure NXDOMAIN" "$n"
fi

# ---------------------------------------------------------------- resolver setup

# Queries to the servers of a resolv.conf go to port 53: only inside a network
# namespace of their own, where nothing listens and nothing leaves the machine.
RC=$DNS_DIR/resolv.conf
printf 'search example.test\nnameserver 127.0.0.1\nnameserver ::1\n' >"$RC"
if unshare --net true 2>/dev/null; then
	OUTN=$((OUTN + 1))
	OUT=$DNS_DIR/probe$OUTN.out
	PRC=0
	timeout 60 unshare --net "$DNS_PROBE" --resolv-conf "$RC" --timeout 500 mx1 A \
		>"$OUT" 2>&1 || PRC=$?
	if grep -qxF "resolver-before system resolver ($RC)" "$OUT" &&
		grep -qxF "resolver $RC (127.0.0.1 port 53, ::1 port 53)" "$OUT"; then
		ok "resolv.conf read at the first query, not before"
	else
		not_ok "resolv.conf read at the first query, not before" "status $PRC"
	fi
	check "no search list: a relative name is only made absolute" mx1 A "qname mx1." \
		"rcode=-1 sec=indeterminate ad=0 aa=0 tc=0 tcp=0 ede=-1"
else
	N=$((N + 1))
	echo "ok $N # SKIP resolv.conf servers: no network namespace here (unshare --net)"
fi
: >"$DNS_DIR/empty.conf"
probe --resolv-conf "$DNS_DIR/empty.conf" example.test A
if [[ $PRC == 1 ]] && grep -q '^local-error example.test: no nameserver in ' "$OUT"; then
	ok "a resolv.conf without nameserver is a local error"
else
	not_ok "a resolv.conf without nameserver is a local error" "status $PRC"
fi

probe --server "not-an-address" example.test A
if [[ $PRC == 1 ]] && grep -q '^local-error example.test: DNS server not-an-address: not an IP address' "$OUT"; then
	ok "a bad server address is a local error"
else
	not_ok "a bad server address is a local error" "status $PRC"
fi
probe --server "$U" 'bad..name' A
if [[ $PRC == 1 ]] && grep -q '^local-error bad..name: not a domain name' "$OUT"; then
	ok "a bad name is a local error"
else
	not_ok "a bad name is a local error" "status $PRC"
fi

echo "1..$N"
((FAILED == 0))
