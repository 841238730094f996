#!/bin/bash
# Checks the test harness itself, without smtpsh: fake-smtpd's directives, its log and its
# STARTTLS, and the private Postfix (start, 250 and 550 5.7.1 replies, clean stop).
source "$(dirname "$0")/lib.sh"

# ---- fake-smtpd
make_cert "$SCRATCH/tls"
SELFTEST_CERT=$CERT_FILE SELFTEST_KEY=$KEY_FILE start_fake selftest.scn
"$PYTHON" - "$FAKE_PORT" >"$SCRATCH/client.out" 2>&1 <<'PY' || fail "fake-smtpd client check: $(cat "$SCRATCH/client.out")"
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
def lines(n):
    return [f.readline() for _ in range(n)]
assert lines(1) == [b"220 fake.example.test ESMTP\r\n"]
s.sendall(b"EHLO x\r\n")
got = lines(10)
want = [b"250-one\r\n", b"250-\x1b[2J\r\n", b"250-SPLIT\r\n"] + [b"250-R\r\n"] * 3 + \
       [b"250-RAW\r\n"] * 2 + [b"250-BIG xxxxxxxxxx\r\n", b"250 STARTTLS\r\n"]
assert got == want, got
s.sendall(b"RCPT TO:<wrong@example.test>\r\n")
assert lines(1) == [b"250 ok\r\n"]
s.sendall(b"STARTTLS\r\n")
assert lines(1) == [b"220 2.0.0 go ahead\r\n"]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="mx1.example.test")
g = t.makefile("rb")
t.sendall(b"EHLO y\r\n")
assert g.readline() == b"250 tls.example.test\r\n"
t.sendall(b"DATA\r\n")
assert g.readline() == b"354 go ahead\r\n"
t.sendall(b"Subject: \xff\x01 caf\xc3\xa9\r\nbare\n.\r\n")
assert g.readline() == b"250 2.0.0 queued\r\n"
t.sendall(b"BDAT 5 LAST\r\nabcde")
assert g.readline() == b"250 2.0.0 chunk received\r\n"
t.sendall(b"QUIT\r\n")
assert g.readline() == b"221 2.0.0 bye\r\n"
assert g.readline() == b""
t.close()
PY
wait_fake
expected="EHLO x
RCPT TO:<wrong@example.test>
UNEXPECTED RCPT TO:<wrong@example.test>
STARTTLS
TLS <version> <cipher>
EHLO y
DATA
Subject: \\xff\\x01 café
bare\\x0a
.
BDAT 5 LAST
BDAT-CHUNK 5 bytes
QUIT
CLOSED"
[[ $(sed 's/^TLS TLSv1\.[23] [A-Z0-9_-]*$/TLS <version> <cipher>/' "$FAKE_LOG") == "$expected" ]] ||
	fail "fake-smtpd log differs; expected:
$expected"

# a scenario error is reported with its line number, exit 2, before listening
printf 'send ok\nraw "unterminated\n' >"$SCRATCH/bad.scn"
st=0
"$PYTHON" "$FAKE_SMTPD" --port-file "$SCRATCH/bad.port" "$SCRATCH/bad.scn" 2>"$SCRATCH/bad.err" || st=$?
((st == 2)) || fail "bad scenario: exit status $st, expected 2"
grep -q 'line 2: unterminated string' "$SCRATCH/bad.err" || fail "bad scenario: $(cat "$SCRATCH/bad.err")"
[[ ! -e $SCRATCH/bad.port ]] || fail "bad scenario: a port file was written"

# expect-batch: three lines written together are one batch; two lines written apart are not
start_fake batch-selftest.scn
"$PYTHON" - "$FAKE_PORT" >"$SCRATCH/batch.out" 2>&1 <<'PY' || fail "expect-batch client check: $(cat "$SCRATCH/batch.out")"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
assert f.readline() == b"220 fake.example.test ESMTP\r\n"
s.sendall(b"MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n")
assert f.readline() == b"250 ok\r\n"
s.sendall(b"NOOP\r\n")
time.sleep(0.3)
s.sendall(b"RSET\r\n")
assert f.readline() == b"250 ok\r\n"
s.close()
PY
wait_fake
expected="MAIL FROM:<a@example.test>
RCPT TO:<b@example.test>
DATA
BATCH 3
NOOP
RSET
NOT-BATCHED 2 (2 reads)"
[[ $(sed '/^CLOSED/d' "$FAKE_LOG") == "$expected" ]] || fail "expect-batch log differs; expected:
$expected"

# log-chunks: until-quit logs the bytes of each BDAT chunk
start_fake esmtp.scn
"$PYTHON" - "$FAKE_PORT" >"$SCRATCH/chunks.out" 2>&1 <<'PY' || fail "log-chunks client check: $(cat "$SCRATCH/chunks.out")"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
assert f.readline() == b"220 fake.example.test ESMTP\r\n"
s.sendall(b"EHLO x\r\n")
while f.readline().startswith(b"250-"):
    pass
s.sendall(b"BDAT 9\r\nab\r\n.cd\r\n")
assert f.readline() == b"250 2.0.0 chunk received\r\n"
s.sendall(b"BDAT 0 LAST\r\nQUIT\r\n")
assert f.readline() == b"250 2.0.0 chunk received\r\n"
assert f.readline() == b"221 2.0.0 bye\r\n"
s.close()
PY
wait_fake
expected="EHLO x
BDAT 9
BDAT-CHUNK 9 bytes
BDAT-DATA ab\\x0d\\x0a.cd\\x0d\\x0a
BDAT 0 LAST
BDAT-CHUNK 0 bytes
BDAT-DATA 
QUIT"
[[ $(sed '/^CLOSED/d' "$FAKE_LOG") == "$expected" ]] || fail "log-chunks log differs; expected:
$expected"

# ---- Postfix
start_postfix
"$PYTHON" - "$PF_PORT" >"$SCRATCH/smtplib.out" 2>&1 <<'PY' || fail "postfix check: $(cat "$SCRATCH/smtplib.out")"
import smtplib, sys
for host in ("127.0.0.1", "::1"):
    s = smtplib.SMTP(host, int(sys.argv[1]), local_hostname="x.test", timeout=10)
    code, msg = s.ehlo()
    assert code == 250 and msg.startswith(b"mx1.example.test"), (code, msg)
    assert s.mail("a@example.test")[0] == 250
    assert s.rcpt("b@elsewhere.test")[0] == 250
    code, msg = s.rcpt("reject@example.test")
    assert code == 550 and msg.startswith(b"5.7.1 "), (code, msg)
    code, msg = s.rcpt("tempfail@example.test")
    assert code == 450 and msg.startswith(b"4.7.1 "), (code, msg)
    s.quit()
PY
grep -q 'reject: RCPT from unknown\[::1\]: 550 5.7.1 <reject@example.test>' "$PF_LOG" ||
	fail "Postfix's log shows no 550 5.7.1 reject: $(cat "$PF_LOG")"
pg=$PF_PID
stop_postfix
if ps -e -o pgid=,stat= | awk -v pg="$pg" '$1 == pg && $2 !~ /^Z/ { f = 1 } END { exit !f }'; then
	fail "Postfix processes left after stop_postfix: $(ps -e -o pid,pgid,stat,cmd | awk -v pg="$pg" '$2 == pg')"
fi

pass
