#!/bin/bash
# /send FILE: the message text as the server receives it - CRLF line endings (bare LF, bare
# CR, a missing final newline), dot-stuffing - through DATA and through BDAT chunks
# (--bdat --chunk N), checked line by line in the fake server's log and for real against
# Postfix; /send without a file (the generated test message); a missing file; /send
# before RCPT.
source "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- the exact wire lines (fake)

# LF endings, lines starting with ".", a lone "." in the middle, a bare CR, one CRLF
# line, and no newline at the end.
printf '%s' 'Subject: dot test' $'\n' $'\n' 'first line' $'\n' '.hidden' $'\n' \
	'..two dots' $'\n' '.' $'\n' 'after a lone dot' $'\n' 'bare CR' $'\r' 'then the rest' \
	$'\n' 'CRLF line' $'\r\n' 'last line without newline' >"$SCRATCH/dots.txt"
# ... and what must arrive, one CRLF-terminated line each (then the "." that ends DATA)
wire=('Subject: dot test' '' 'first line' '..hidden' '...two dots' '..' 'after a lone dot'
	'bare CR' 'then the rest' 'CRLF line' 'last line without newline')
octets=0
for l in "${wire[@]}"; do
	octets=$((octets + ${#l} + 2))
done
# BDAT carries the same lines without the dot-stuffing: 3 octets fewer
bdat_octets=$((octets - 3))

start_fake esmtp.scn
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/dots.txt" -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_sequence '^-> DATA$' '^<- 354 ' \
	"^\*\* sent .*/dots\.txt: 11 lines, $octets octets on the wire \(line endings made CRLF\)\$" \
	'^\*\* 3 lines starting with "\." dot-stuffed$' '^-> \.$' '^<- 250 2\.0\.0 queued$' '^-> QUIT$'
# the message text is not echoed line by line, only summed up
assert_out_not_contains '-> ..hidden'
assert_out_not_contains 'warning'
wait_fake
# The log between DATA and the "." that ends it, line for line: dot-stuffed, every bare
# line end made CRLF (a leftover LF or CR would show as \x0a or \x0d).
got=$(sed -n '/^DATA$/,/^\.$/p' "$FAKE_LOG" | sed '1d;$d')
want=$(printf '%s\n' "${wire[@]}")
[[ $got == "$want" ]] || fail "the message text arrived as:
$got
--- expected:
$want"
assert_log_not_contains '\x0d'
assert_log_not_contains '\x0a'

# --- the same file in BDAT chunks of 40 octets: no dot-stuffing, the last chunk LAST
start_fake esmtp.scn
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/dots.txt --bdat --chunk 40" -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
nfull=$((bdat_octets / 40))
[[ $(grep -cx -- '-> BDAT 40' "$OUT") == "$nfull" ]] || fail "expected $nfull full chunks of 40 octets"
assert_out_contains "-> BDAT $((bdat_octets % 40)) LAST"
assert_out_matches "^\*\* sent .*/dots\.txt: 11 lines, $bdat_octets octets on the wire"
assert_out_not_contains 'dot-stuffed'
assert_out_not_contains '-> DATA'
assert_out_not_contains 'warning'
wait_fake
# the chunks put together are the lines with CRLF, not dot-stuffed
"$PYTHON" - "$FAKE_LOG" "${wire[@]}" <<'PY' || fail "the BDAT chunks do not add up to the message"
import re, sys
log = open(sys.argv[1], encoding="utf-8").read().split("\n")
want = "".join((l[1:] if l.startswith(".") else l) + "\r\n" for l in sys.argv[2:]).encode()
data = b"".join(re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), l[10:]).encode()
                for l in log if l.startswith("BDAT-DATA "))
sizes = [l for l in log if l.startswith("BDAT ")]
assert sizes[-1].endswith(" LAST") and not any(s.endswith(" LAST") for s in sizes[:-1]), sizes
assert data == want, (data, want)
PY

# --- a file already in CRLF with a final CRLF: nothing to convert, so no note about it
printf 'Subject: clean\r\n\r\nbody\r\n' >"$SCRATCH/clean.txt"
start_fake esmtp.scn
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/clean.txt" -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_matches '^\*\* sent .*/clean\.txt: 3 lines, 24 octets on the wire$'
assert_out_not_contains 'line endings made CRLF'
assert_out_not_contains 'dot-stuffed'
wait_fake
assert_log_line 'Subject: clean'
assert_log_line 'body'

# --- no file: the generated test message, its headers from the envelope
start_fake esmtp.scn
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<sender@example.test>' \
	-c 'RCPT TO:<first@example.test>' -c 'RCPT TO:<second@example.test>' \
	-c '/send' -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_sequence '^-> DATA$' '^<- 354 ' '^\*\* sent the test message: [0-9]+ lines' '^-> \.$' \
	'^<- 250 '
wait_fake
body=$(sed -n '/^DATA$/,/^\.$/p' "$FAKE_LOG")
for re in '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [+-][0-9]{4}$' \
	'^From: <sender@example\.test>$' '^To: <first@example\.test>$' '^Subject: .*smtpsh' \
	'^Message-ID: <[^<>@ ]+@[^<>@ ]+>$'; do
	grep -qE -e "$re" <<<"$body" || fail "the test message has no header matching /$re/:
$body"
done
# a header block, an empty line, then a body
grep -qx '' <<<"$body" || fail "the test message has no empty line after its headers"

# --- 8-bit text: fine where 8BITMIME is advertised, warned about (and sent) where not
printf 'Subject: caf\xc3\xa9\n\nna\xc3\xafve\n' >"$SCRATCH/8bit.txt"
start_fake esmtp.scn
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/8bit.txt" -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_not_contains 'did not advertise 8BITMIME'
wait_fake
start_fake no-pipelining.scn
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/8bit.txt" -c '/expect 250' -c QUIT "$FAKE_TARGET"
assert_rc 0
assert_out_sequence '^\*\* sent .*/8bit\.txt: 3 lines' \
	'^!! warning: the message has 8-bit bytes and the server did not advertise 8BITMIME$' \
	'^-> \.$' '^<- 250 '
wait_fake
assert_log_line 'Subject: café'
assert_log_line 'naïve'

# --- a missing file: exit 2 (usage), nothing sent, the run stops there
start_fake esmtp.scn
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/no-such-file.eml" -c '/echo not reached' "$FAKE_TARGET"
assert_rc 2
assert_out_matches "^!! cannot open .*/no-such-file\.eml: No such file or directory\$"
assert_out_contains '-c line 4: stopped here (exit code 2)'
assert_out_not_contains '-> DATA'
assert_out_not_contains 'not reached'
wait_fake
assert_log_not_contains 'DATA'

# --- /send before MAIL and RCPT: warned about, then sent all the same
start_fake esmtp.scn
run_smtpsh -c 'EHLO client.example' -c "/send $SCRATCH/clean.txt" -c '/expect 250' -c QUIT \
	"$FAKE_TARGET"
assert_rc 0
assert_out_sequence '^!! warning: no recipient accepted yet' '^-> DATA$' '^<- 354 ' \
	'^\*\* sent .*/clean\.txt: 3 lines' '^-> \.$' '^<- 250 '
wait_fake
assert_log_contains 'DATA'
assert_log_line 'Subject: clean'

# ---------------------------------------------------------------- Postfix

start_postfix
# ~1.3 kB with LF endings, lines starting with "." and a lone "."
{
	printf 'Subject: smtpsh /send test\nMessage-ID: <send-test@example.test>\n\n'
	for ((i = 1; i <= 40; i++)); do
		case $((i % 10)) in
		3) printf '.line %02d starts with a dot\n' "$i" ;;
		6) printf '.\n' ;;
		*) printf 'line %02d of the message body\n' "$i" ;;
		esac
	done
} >"$SCRATCH/pf.txt"
nlines=$(wc -l <"$SCRATCH/pf.txt")
size=$(wc -c <"$SCRATCH/pf.txt")
ndots=$(grep -c '^\.' "$SCRATCH/pf.txt")
data_octets=$((size + nlines + ndots))
bdat_octets=$((size + nlines))

# DATA: a lone "." in the text would end the message early if it was not stuffed, and
# the lines after it would go to Postfix as commands
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/pf.txt" -c '/expect 250' -c '/expect 2.0.0' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_sequence '^-> DATA$' '^<- 354 ' \
	"^\*\* sent .*/pf\.txt: $nlines lines, $data_octets octets on the wire \(line endings made CRLF\)\$" \
	"^\*\* $ndots lines starting with \"\.\" dot-stuffed\$" '^-> \.$' '^<- 250 2\.0\.0 Ok: queued as ' \
	'^-> QUIT$' '^<- 221 '
assert_out_not_matches '^<- 5'
qid_data=$(postfix_queue_ids)
[[ $qid_data =~ ^[0-9A-Za-z]+$ ]] || fail "no single queue id in the output: $qid_data"

# BDAT in chunks of 100 octets: each answered 250 with its size, the last LAST, and
# Postfix's total is the file with CRLF line endings, not dot-stuffed
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/pf.txt --bdat --chunk 100" -c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
nfull=$((bdat_octets / 100))
((nfull >= 5)) || fail "the test file is too small for several chunks"
[[ $(grep -cx -- '-> BDAT 100' "$OUT") == "$nfull" ]] ||
	fail "expected $nfull chunks of 100 octets"
[[ $(grep -cx -- '<- 250 2.0.0 Ok: 100 bytes' "$OUT") == "$nfull" ]] ||
	fail "not every chunk of 100 octets was answered 250"
assert_out_sequence '^-> BDAT 100$' '^<- 250 2\.0\.0 Ok: 100 bytes$' \
	"^-> BDAT $((bdat_octets % 100)) LAST\$" \
	"^<- 250 2\.0\.0 Ok: $bdat_octets bytes queued as [0-9A-Za-z]+\$" \
	"^\*\* sent .*/pf\.txt: $nlines lines, $bdat_octets octets on the wire"
[[ $(grep -c -- 'LAST$' "$OUT") == 1 ]] || fail "more than one chunk marked LAST"
assert_out_not_contains '-> DATA'
assert_out_not_matches '^<- [45]'
qid_bdat=$(postfix_queue_ids)

# Both delivered (to the discard transport) ...
wait_maillog "$qid_data: to=<b@example.test>.* status=sent "
wait_maillog "$qid_bdat: to=<b@example.test>.* status=sent "
grep -q "$qid_data: message-id=<send-test@example.test>" "$PF_LOG" ||
	fail "Postfix logged no message-id for $qid_data"
# ... and stored the same text: the sizes differ only by the queue ids in Received:
s1=$(maillog_size "$qid_data")
s2=$(maillog_size "$qid_bdat")
[[ -n $s1 && -n $s2 ]] || fail "no size= in the maillog for $qid_data / $qid_bdat"
((s1 - ${#qid_data} == s2 - ${#qid_bdat})) ||
	fail "DATA stored $s1 octets (queue id $qid_data), BDAT $s2 (queue id $qid_bdat): the texts differ"
((s1 > size)) || fail "Postfix stored only $s1 octets of a $size-octet file"

# A message that fills its chunks exactly: the last chunk is an empty "BDAT 0 LAST"
printf 'abcdefgh\n' >"$SCRATCH/eight.txt"
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c "/send $SCRATCH/eight.txt --chunk 5" -c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
assert_out_sequence '^-> BDAT 5$' '^<- 250 2\.0\.0 Ok: 5 bytes$' '^-> BDAT 5$' \
	'^<- 250 2\.0\.0 Ok: 5 bytes$' '^-> BDAT 0 LAST$' '^<- 250 2\.0\.0 Ok: 10 bytes queued as ' \
	'^-> QUIT$'
qid=$(postfix_queue_ids)
wait_maillog "$qid: to=<b@example.test>.* status=sent "

# The test message (no file) through Postfix
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' -c 'RCPT TO:<b@example.test>' \
	-c '/send' -c '/expect 250' -c QUIT "127.0.0.1:$PF_PORT"
assert_rc 0
qid=$(postfix_queue_ids)
wait_maillog "$qid: message-id=<[^>]*\.smtpsh@"
wait_maillog "$qid: to=<b@example.test>.* status=sent "

# /send after MAIL without an accepted recipient: warned; Postfix refuses DATA, so the
# text is not sent, and /expect 250 fails in the DATA phase (exit 10)
run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<a@example.test>' \
	-c 'RCPT TO:<reject@example.test>' -c "/send $SCRATCH/pf.txt" -c '/expect 250' \
	"127.0.0.1:$PF_PORT"
assert_rc 10
assert_out_sequence '^<- 550 5\.7\.1 ' '^!! warning: no recipient accepted yet' '^-> DATA$' \
	'^<- 554 5\.5\.1 ' '^!! DATA was not accepted: the message was not sent$' \
	'^!! expectation failed: wanted 250, got 554'
assert_out_not_contains 'octets on the wire'
assert_out_not_matches '^-> \.$'

# /send of something that is not a readable file (a directory): refused like a missing
# file - exit 2, before DATA or BDAT - never an empty message delivered in its place
mkdir -p "$SCRATCH/a-directory"
for how in '' ' --bdat'; do
	run_smtpsh -c 'EHLO client.example' -c 'MAIL FROM:<directory@example.test>' \
		-c 'RCPT TO:<b@example.test>' -c "/send $SCRATCH/a-directory$how" -c '/expect 250' \
		"127.0.0.1:$PF_PORT"
	assert_rc 2
	assert_out_matches '^!! .*a-directory'
	assert_out_not_matches '^-> (DATA|BDAT)'
	assert_out_not_contains 'queued as'
done
wait_maillog 'disconnect from .* ehlo=1 mail=1 rcpt=1 commands=3$'
! grep -q 'from=<directory@example.test>' "$PF_LOG" || fail "Postfix queued a message for /send DIRECTORY"

pass
