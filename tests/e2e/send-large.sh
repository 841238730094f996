#!/bin/bash
# A 100 MiB message through a real Postfix with /send (DATA) and /send --bdat (1 MiB chunks):
# accepted (250, /expect 250 passes), every octet accounted for, in seconds, and with
# smtpsh's memory flat: its peak RSS, measured by GNU time, stays under 64 MiB (streaming;
# a client that loaded the message would need more than 100 MiB).
source "$(dirname "$0")/lib.sh"

RSS_LIMIT_KB=$((64 * 1024))
TIME_LIMIT=60   # seconds for one message; it takes a few on loopback
SMTPSH_TIMEOUT=$((SMTPSH_TIMEOUT > 120 ? SMTPSH_TIMEOUT : 120))   # the hard cap of one run
# Peak RSS is smtpsh's own only when nothing else wraps it (valgrind would be measured).
rss_own=1
[[ -z ${SMTPSH_WRAPPER:-} ]] || rss_own=0
# Under AddressSanitizer freed blocks wait in a quarantine (256 MiB by default) before
# they are reused: 100 chunks of 1 MiB would fill it and count as RSS. A small quarantine
# keeps the check about smtpsh's own memory (it is ignored by a build without ASan).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16

start_postfix
# The harness must not limit the message size (Postfix's default is 10 MB).
limit=$(PATH=$PATH:/usr/sbin:/sbin postconf -c "$PF_RUN/conf" -h message_size_limit)
[[ $limit == 0 ]] || _die "the test Postfix has message_size_limit = $limit, not 0"

# 100 MiB (and a little more) of 78-character lines with LF endings; one line in ten
# starts with "." (dot-stuffed by DATA); the last one has no newline.
msg=$SCRATCH/large.eml
read -r size nlines ndots < <("$PYTHON" - "$msg" <<'PY'
import sys
lines = [b"Subject: smtpsh 100 MiB test\n", b"Message-ID: <send-large@example.test>\n", b"\n"]
head = b"".join(lines)
block = []
for i in range(1000):
    text = b"%04d %s" % (i, b"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36:] * 3)
    text = (b"." if i % 10 == 3 else b"") + text
    block.append(text[:78].ljust(78, b"-") + b"\n")
block = b"".join(block)
reps = 1328
with open(sys.argv[1], "wb") as f:
    f.write(head)
    for _ in range(reps):
        f.write(block)
    f.write(b".the end, without a newline")
size = len(head) + len(block) * reps + 27
nlines = 3 + 1000 * reps + 1
ndots = 100 * reps + 1
print(size, nlines, ndots)
PY
)
[[ $(stat -c %s "$msg") == "$size" ]] || _die "the test message is $(stat -c %s "$msg") octets, not $size"
((size > 100 * 1024 * 1024)) || _die "the test message is smaller than 100 MiB"
# on the wire: a CR more per line (CRLF for the missing final newline), a dot per dot-line
bdat_octets=$((size + nlines + 1))
data_octets=$((bdat_octets + ndots))

envelope=(-c 'EHLO client.example' -c '/expect 250' -c 'MAIL FROM:<a@example.test>' -c '/expect 250'
	-c 'RCPT TO:<b@example.test>' -c '/expect 250')

check_rss() {
	echo "# $1: ${ELAPSED}s, peak RSS ${PEAK_RSS_KB} KiB" >&2
	if ((rss_own)); then
		((PEAK_RSS_KB < RSS_LIMIT_KB)) ||
			fail "$1: smtpsh's peak RSS was ${PEAK_RSS_KB} KiB, over ${RSS_LIMIT_KB} KiB: not streaming"
	fi
	assert_elapsed_lt "$TIME_LIMIT"
}

# --- DATA
run_smtpsh_rss "${envelope[@]}" -c "/send $msg" -c '/expect 250' -c '/expect 2.0.0' -c QUIT \
	"127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_sequence '^-> DATA$' '^<- 354 ' \
	"^\*\* sent .*/large\.eml: $nlines lines, $data_octets octets on the wire \(line endings made CRLF\)\$" \
	"^\*\* $ndots lines starting with \"\.\" dot-stuffed\$" '^-> \.$' \
	'^<- 250 2\.0\.0 Ok: queued as [0-9A-Za-z]+$' '^-> QUIT$' '^<- 221 '
assert_out_not_contains 'expectation failed'
assert_out_not_matches '^<- [45]'
check_rss "DATA"
qid_data=$(postfix_queue_ids)

# --- BDAT, default chunk size (1 MiB)
run_smtpsh_rss "${envelope[@]}" -c "/send $msg --bdat" -c '/expect 250' -c '/expect 2.0.0' -c QUIT \
	"127.0.0.1:$PF_PORT"
assert_rc 0
chunk=$((1024 * 1024))
[[ $(grep -cx -- "-> BDAT $chunk" "$OUT") == $((bdat_octets / chunk)) ]] ||
	fail "expected $((bdat_octets / chunk)) chunks of $chunk octets"
[[ $(grep -cx -- "<- 250 2.0.0 Ok: $chunk bytes" "$OUT") == $((bdat_octets / chunk)) ]] ||
	fail "not every chunk was answered 250"
assert_out_sequence "^-> BDAT $((bdat_octets % chunk)) LAST\$" \
	"^<- 250 2\.0\.0 Ok: $bdat_octets bytes queued as [0-9A-Za-z]+\$" \
	"^\*\* sent .*/large\.eml: $nlines lines, $bdat_octets octets on the wire" '^-> QUIT$' '^<- 221 '
assert_out_not_contains '-> DATA'
assert_out_not_contains 'expectation failed'
assert_out_not_matches '^<- [45]'
check_rss "BDAT"
qid_bdat=$(postfix_queue_ids)

# Postfix stored both whole (the sizes differ only by the queue ids in Received:) and
# delivered them to the discard transport.
wait_maillog "$qid_data: to=<b@example.test>.* status=sent " 30
wait_maillog "$qid_bdat: to=<b@example.test>.* status=sent " 30
s1=$(maillog_size "$qid_data")
s2=$(maillog_size "$qid_bdat")
[[ -n $s1 && -n $s2 ]] || fail "no size= in the maillog for $qid_data / $qid_bdat"
((s1 > size)) || fail "Postfix stored $s1 octets of a $size-octet message"
((s1 - ${#qid_data} == s2 - ${#qid_bdat})) ||
	fail "DATA stored $s1 octets (queue id $qid_data), BDAT $s2 (queue id $qid_bdat): the texts differ"

pass
