#!/bin/bash
# /check asks its DNS questions concurrently: against a resolver that answers every
# query 300 ms late (tests/dns/fake-dns.py delay=300, on loopback), a check of some 15
# queries must take about as long as its longest chain of dependent queries (here two:
# the domain's addresses, then their PTR), well below the sum of all the delays.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

DELAY=300
start_fake_dns "delay=$DELAY"

q() {
	run_smtpsh --dns-server "127.0.0.1:$FAKE_DNS_PORT" --timeout 5 "$@"
}

# One query: the baseline (start-up and one delayed answer).
: >"$FAKE_DNS_LOG"
q -c '/tls-rpt b.mail.example.test'
one_ms=$ELAPSED_MS
one_queries=$(wc -l <"$FAKE_DNS_LOG")
[[ $one_queries == 1 ]] || fail "/tls-rpt asked $one_queries queries, not 1"
((one_ms >= DELAY)) || fail "one query took ${one_ms} ms, less than the server's delay of ${DELAY} ms"

: >"$FAKE_DNS_LOG"
q -c '/check b.mail.example.test'
check_ms=$ELAPSED_MS
queries=$(wc -l <"$FAKE_DNS_LOG")
assert_out_matches '^check b\.mail\.example\.test: [0-9]+ ok, [0-9]+ warn, [0-9]+ fail; [0-9]+ DNS queries in [0-9]+ ms'
sum_ms=$((queries * DELAY))
# start-up costs the same in both runs: take it out of the check's time
overhead=$((one_ms - DELAY))
((overhead > 0)) || overhead=0
echo "# one query: ${one_ms} ms; /check: ${check_ms} ms for ${queries} queries" \
	"(their delays add up to ${sum_ms} ms; the bound is 3 x ${DELAY} ms + ${overhead} ms of start-up)"
sed -n 's/^check b\.mail/# check b.mail/p' "$OUT"
((queries >= 12)) || fail "/check asked only $queries queries: $(cat "$FAKE_DNS_LOG")"
((check_ms < 3 * DELAY + overhead)) ||
	fail "/check took ${check_ms} ms: not concurrent (one query ${one_ms} ms, ${queries} queries)"
((check_ms >= 2 * DELAY)) || fail "/check took ${check_ms} ms: less than its two dependent waves"
# the first wave went out together: the log's first lines share a time stamp (+-100 ms)
first=$(head -n 1 "$FAKE_DNS_LOG" | cut -d' ' -f1)
together=$(awk -v t="$first" '$1 - t < 100' "$FAKE_DNS_LOG" | wc -l)
((together >= 10)) || fail "only $together queries were sent at once: $(cat "$FAKE_DNS_LOG")"

pass
