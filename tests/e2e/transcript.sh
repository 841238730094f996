#!/bin/bash
# --transcript FILE and /transcript against a real Postfix (STARTTLS, AUTH through Dovecot):
# the file is created mode 0600 (an older file is truncated and made 0600); its header names
# the version, the date, the target, both addresses with their ports (the local port as
# Postfix logged it) and the options; every line smtpsh printed is in it, in order, with a
# UTC timestamp (non-decreasing, within the run) and with the marker it had on the screen
# (shell output and explanations as "..", events "**", TLS lines "~>" "<~"); the final line of
# every reply carries "[N ms]" and no other line does; the password, its base64 and the
# PLAIN blob are never written (and --no-redact proves the check can see them). The JSONL
# format: every line a JSON object; replies with code, esc where the server gave one, last,
# and latency_ms on the final line. /transcript FILE in the middle of a session and
# /transcript off; an unwritable path is a usage error (exit 2) before anything is sent.
# The transcript of a connection that was refused still names its target.
# A session killed with SIGKILL while it waits for a reply leaves a transcript of whole lines
# holding everything it had printed, up to the command it was waiting on.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/dns/dns-lib.sh"

VERSION=$("$SMTPSH" --version | awk 'NR == 1 { print $2 }')
[[ -n $VERSION ]] || _die "smtpsh --version printed no version"

# A DNS server for a /dns query inside the session (its answer is a "**" event).
start_fake_dns delay=1
# STARTTLS with a self-signed certificate (trusted with --ca-file below, so the TLS verdict
# is an event), AUTH only inside TLS; Postfix logs the client's port, for the header check.
start_postfix_auth Tr4nscr1pt-pw --tls --main 'smtpd_client_port_logging = yes'
T=127.0.0.1:$PF_PORT
PF_CERT=$CERT_FILE

assert_mode_600() {
	local m
	[[ -f $1 ]] || fail "no transcript file $1"
	m=$(stat -c %a "$1")
	[[ $m == 600 ]] || fail "transcript $1 has mode $m, not 600"
}

# check_transcript FORMAT FILE STDOUT T0 T1 [FROM TO]
# The transcript FILE (text or jsonl) is well formed: a header first (text: "# " lines,
# the first "# smtpsh VERSION transcript"; jsonl: an object of type header with the
# version), then events with a UTC timestamp each, non-decreasing and between T0 and T1
# (epoch seconds); "[N ms]" (jsonl: latency_ms) on the final line of every reply and on no
# other line; jsonl: t, dir, tls, line on every event, code/last on replies, esc exactly
# where the reply line has an enhanced status code, "redacted" on lines with [redacted].
# Every line of STDOUT (or only its lines FROM..TO, 1-based, inclusive) is in the transcript,
# in order, with the same marker; when the whole of STDOUT is compared, the transcript has
# no sent or received line that STDOUT lacks. Prints what is wrong, exits 1.
check_transcript() {
	"$PYTHON" - "$VERSION" "$@" <<'PY'
import datetime, json, re, sys

version, fmt, path, stdout_path, t0, t1 = sys.argv[1:7]
t0, t1 = float(t0), float(t1)
rng = (int(sys.argv[7]), int(sys.argv[8])) if len(sys.argv) > 8 else None
errors = []

def err(msg):
    errors.append(msg)
    if len(errors) >= 12:
        done()

def done():
    if errors:
        print("\n".join(errors))
        sys.exit(1)
    sys.exit(0)

TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
REPLY_RE = re.compile(r"(\d{3})([ -]|$)")
ESC_RE = re.compile(r"\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?= |$)")

def epoch(ts, fmt="%Y-%m-%dT%H:%M:%S.%fZ"):
    return datetime.datetime.strptime(ts, fmt).replace(tzinfo=datetime.timezone.utc).timestamp()

def check_time(lineno, ts, last):
    try:
        e = epoch(ts)
    except ValueError:
        err(f"line {lineno}: not a UTC timestamp: {ts!r}")
        return last
    if not (t0 - 1.0 <= e <= t1 + 1.0):
        err(f"line {lineno}: timestamp {ts} is outside the run "
            f"({datetime.datetime.fromtimestamp(t0, datetime.timezone.utc).isoformat()} .. "
            f"{datetime.datetime.fromtimestamp(t1, datetime.timezone.utc).isoformat()})")
    if last is not None and ts < last:
        err(f"line {lineno}: timestamp {ts} goes back (previous line {last})")
    return ts

data = open(path, "rb").read()
if not data:
    err(f"{path} is empty")
    done()
if not data.endswith(b"\n"):
    err(f"{path} does not end with a newline (a line cut short)")
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    err(f"{path} is not UTF-8: {e}")
    done()
lines = text.split("\n")
if lines[-1] == "":
    lines.pop()

# events: (transcript line number, marker, text)
events = []
last_ts = None
if fmt == "text":
    i = 0
    while i < len(lines) and lines[i].startswith("# "):
        i += 1
    if i == 0:
        err("no header ('# ' lines) at the top")
    elif lines[0] != f"# smtpsh {version} transcript":
        err(f"line 1 is {lines[0]!r}, not '# smtpsh {version} transcript'")
    dates = [l for l in lines[:i] if l.startswith("# date ")]
    if len(dates) != 1:
        err(f"not one '# date' header line: {dates}")
    else:
        d = dates[0][7:]
        try:
            e = epoch(d, "%Y-%m-%dT%H:%M:%SZ")
            if not (t0 - 1.0 <= e <= t1 + 1.0):
                err(f"header date {d} is outside the run")
        except ValueError:
            err(f"header date {d!r} is not UTC YYYY-MM-DDTHH:MM:SSZ")
    ev_re = re.compile(r"(\S+) (->|<-|~>|<~|\*\*|!!|\.\.)(?: ([^\t]*))?(\t\[(\d+) ms\])?")
    for n in range(i, len(lines)):
        l = lines[n]
        lineno = n + 1
        m = ev_re.fullmatch(l)
        if not m:
            err(f"line {lineno} is not 'TIMESTAMP MARKER TEXT': {l!r}")
            continue
        ts, marker, body, lat = m.group(1), m.group(2), m.group(3) or "", m.group(4)
        if not TS_RE.fullmatch(ts):
            err(f"line {lineno}: bad timestamp {ts!r}")
        last_ts = check_time(lineno, ts, last_ts)
        if any(ord(c) < 0x20 or ord(c) == 0x7f for c in body):
            err(f"line {lineno}: a control byte in the text: {l!r}")
        if marker in ("<-", "<~"):
            r = REPLY_RE.match(body)
            final = r is not None and r.group(2) != "-"
            if r is None:
                err(f"line {lineno}: a received line without a reply code: {l!r}")
            elif final and not lat:
                err(f"line {lineno}: the final line of a reply has no latency [N ms]: {l!r}")
            elif not final and lat:
                err(f"line {lineno}: a continuation line has a latency: {l!r}")
        elif lat:
            err(f"line {lineno}: a latency on a line that is no reply: {l!r}")
        events.append((lineno, marker, body))
elif fmt == "jsonl":
    markers = {("sent", False): "->", ("sent", True): "~>", ("recv", False): "<-",
               ("recv", True): "<~", ("event", False): "**", ("event", True): "**",
               ("error", False): "!!", ("error", True): "!!", ("warn", False): "!!",
               ("warn", True): "!!", ("info", False): "..", ("info", True): "..",
               ("note", False): "..", ("note", True): ".."}
    for n, l in enumerate(lines):
        lineno = n + 1
        try:
            o = json.loads(l)
        except ValueError as e:
            err(f"line {lineno} is not JSON ({e}): {l!r}")
            continue
        if not isinstance(o, dict):
            err(f"line {lineno} is not a JSON object: {l!r}")
            continue
        if n == 0:
            if o.get("type") != "header":
                err(f"line 1 is not the header object: {l!r}")
            if o.get("version") != version:
                err(f"header version {o.get('version')!r}, not {version!r}")
            if not isinstance(o.get("t"), str) or not TS_RE.fullmatch(o["t"]):
                err(f"header without a UTC timestamp t: {l!r}")
            else:
                check_time(lineno, o["t"], None)
            continue
        for k, typ in (("t", str), ("dir", str), ("tls", bool), ("line", str)):
            if not isinstance(o.get(k), typ):
                err(f"line {lineno}: no {k} ({typ.__name__}): {l!r}")
                break
        else:
            if not TS_RE.fullmatch(o["t"]):
                err(f"line {lineno}: bad timestamp {o['t']!r}")
            last_ts = check_time(lineno, o["t"], last_ts)
            key = (o["dir"], o["tls"])
            if key not in markers:
                err(f"line {lineno}: unknown dir {o['dir']!r}")
                continue
            body = o["line"]
            if o["dir"] == "recv":
                r = REPLY_RE.match(body)
                final = r is not None and r.group(2) != "-"
                if r is None:
                    err(f"line {lineno}: a received line without a reply code: {l!r}")
                elif type(o.get("code")) is not int or o["code"] != int(r.group(1)):
                    err(f"line {lineno}: code {o.get('code')!r}, the line says {r.group(1)}: {l!r}")
                if type(o.get("last")) is not bool or o["last"] != final:
                    err(f"line {lineno}: last is {o.get('last')!r}, the line is "
                        f"{'final' if final else 'a continuation'}: {l!r}")
                if final and (type(o.get("latency_ms")) is not int or o["latency_ms"] < 0):
                    err(f"line {lineno}: the final line of a reply has no latency_ms: {l!r}")
                if not final and "latency_ms" in o:
                    err(f"line {lineno}: a continuation line has latency_ms: {l!r}")
                e = ESC_RE.match(body)
                if e and o.get("esc") != e.group(1):
                    err(f"line {lineno}: esc {o.get('esc')!r}, the line has {e.group(1)}: {l!r}")
                if not e and "esc" in o:
                    err(f"line {lineno}: esc {o['esc']!r} where the line has none: {l!r}")
            else:
                for k in ("code", "esc", "last", "latency_ms"):
                    if k in o:
                        err(f"line {lineno}: {k} on a {o['dir']} line: {l!r}")
            if o["dir"] == "sent" and "[redacted]" in body and o.get("redacted") is not True:
                err(f"line {lineno}: a [redacted] line without \"redacted\":true: {l!r}")
            events.append((lineno, markers[key], body))
else:
    err(f"unknown format {fmt}")
    done()

# Every line of smtpsh's stdout, in order, with the same marker.
out = open(stdout_path, "rb").read().decode("utf-8", "replace").split("\n")
if out and out[-1] == "":
    out.pop()
whole = rng is None
if rng:
    out = out[rng[0] - 1:rng[1]]
    first_out = rng[0]
else:
    first_out = 1

def matches(o, marker, body):
    if marker == "..":
        # shell output as printed; explanations are printed indented by three blanks
        return o == body or o == "   " + body
    if body == "":
        return o in (marker, marker + " ")
    return o == marker + " " + body

k = 0
for j, o in enumerate(out):
    start = k
    while k < len(events) and not matches(o, events[k][1], events[k][2]):
        k += 1
    if k == len(events):
        after = events[start - 1][0] if start > 0 else 0
        err(f"stdout line {first_out + j} is not in the transcript (in order, after its line "
            f"{after}): {o!r}")
        k = start
        continue
    k += 1

if whole:
    def count(lst):
        return sum(1 for x in lst if x in ("->", "~>", "<-", "<~"))
    n_tr = count([e[1] for e in events])
    n_out = sum(1 for o in out if o[:2] in ("->", "~>", "<-", "<~") and o[2:3] in ("", " "))
    if n_tr != n_out:
        err(f"the transcript has {n_tr} sent and received lines, stdout {n_out}")
done()
PY
}

# assert_transcript FORMAT FILE [FROM TO]: check_transcript against the last run
assert_transcript() {
	local msg
	msg=$(check_transcript "$1" "$2" "$OUT" "$T0" "$T1" "${@:3}") ||
		fail "transcript $(basename "$2") ($1):
$msg
--- the transcript:
$(cut -c1-200 "$2" | cat -A | head -n 120)"
}

# run_timed ARGS...: run_smtpsh, with T0 and T1 the epoch seconds around it
run_timed() {
	T0=$EPOCHREALTIME
	run_smtpsh "$@"
	T1=$EPOCHREALTIME
}

# pf_client_port: the client port of the last run's connection, as Postfix logged it
pf_client_port() {
	pflog_wait_disconnect
	_pflog_since | sed -n -E 's/.*: connect from [^ ]*\[127\.0\.0\.1\]:([0-9]+)$/\1/p' | tail -n 1
}

SESSION=(-c 'EHLO client.example' -c '/expect 250' -c STARTTLS -c '/expect 220'
	-c 'EHLO client.example' -c '/expect 250' -c '/dns A mx1.example.test' -c /ehlo
	-c "/auth PLAIN $AUTH_USER" -c '/expect 235' -c 'MAIL FROM:<a@example.test>'
	-c 'RCPT TO:<reject@example.test>' -c '/expect 550' -c 'RCPT TO:<b@example.test>'
	-c /send -c '/expect 250' -c QUIT)
OPTS=(--timeout 20 --ca-file "$PF_CERT" --dns-server "127.0.0.1:$FAKE_DNS_PORT")

# ------------------------------------------------------------------ the text format
TR=$SCRATCH/session.txt
SMTPSH_SECRET=$AUTH_PASS run_timed "${OPTS[@]}" --transcript "$TR" "${SESSION[@]}" "$T"
assert_rc 0
# the session did what the transcript is to record
assert_out_sequence '^<- 220 ' '^-> EHLO client\.example$' '^-> STARTTLS$' '^<- 220 ' \
	'^\*\* TLS TLSv1\.[23] .* verified' '^~> EHLO client\.example$' '^<~ 250 ' \
	'^\*\* mx1\.example\.test\. A: NOERROR' '^  mx1\.example\.test\. [0-9]+ A 127\.0\.0\.9$' \
	'^~> AUTH PLAIN \[redacted\]$' '^<~ 235 2\.7\.0 ' '^~> MAIL FROM:' '^<~ 550 5\.7\.1 ' \
	'^   550 ' '^~> RCPT TO:<b@example\.test>$' '^~> DATA$' '^<~ 354 ' '^~> \.$' \
	'^<~ 250 2\.0\.0 Ok: queued' '^~> QUIT$' '^<~ 221 '
assert_mode_600 "$TR"
assert_transcript text "$TR"
assert_no_secret "$TR"
LC_ALL=C grep -aqF -e '[redacted]' "$TR" || fail "the transcript has no [redacted] AUTH line"

# the header
hdr() {
	sed -n -E "s/^# $1 (.*)$/\\1/p" "$TR"
}
[[ $(head -n 1 "$TR") == "# smtpsh $VERSION transcript" ]] || fail "first line: $(head -n 1 "$TR")"
[[ $(hdr target) == "127.0.0.1:$PF_PORT" ]] || fail "header target: '$(hdr target)'"
[[ $(hdr remote) == "127.0.0.1 port $PF_PORT" ]] || fail "header remote: '$(hdr remote)'"
LPORT=$(pf_client_port)
[[ -n $LPORT ]] || fail "Postfix logged no client port"
[[ $(hdr local) == "127.0.0.1 port $LPORT" ]] ||
	fail "header local: '$(hdr local)', Postfix saw the client at port $LPORT"
[[ $(hdr date) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
	fail "header date: '$(hdr date)'"
opts=$(hdr options)
for o in timeout=20.0s "--ca-file=$PF_CERT" "--dns-server=127.0.0.1:$FAKE_DNS_PORT"; do
	[[ " $opts " == *" $o "* ]] || fail "header options '$opts' lack $o"
done
# the header comes first: no "# " line after the first event
awk '/^# / { if (ev) exit 1; next } { ev = 1 }' "$TR" || fail "a header line after the events"

# markers: TLS lines ~> <~, events, shell output and explanations as ".."
trline() {
	LC_ALL=C grep -aqE -e "^[0-9T:.Z-]{24} $1" "$TR" || fail "the transcript has no line matching /$1/"
}
trline '-> STARTTLS$'
trline '<- 220 2\.0\.0 [^	]*	\[[0-9]+ ms\]$'
trline '\*\* TLS TLSv1\.[23] .*certificate CN=mx1\.example\.test verified'
trline '\*\* capabilities learned before TLS are stale'
trline '~> EHLO client\.example$'
trline '<~ 250-AUTH PLAIN'
trline '<~ 250 CHUNKING	\[[0-9]+ ms\]$'
trline '\*\* mx1\.example\.test\. A: NOERROR, 1 record'
trline '\.\.   mx1\.example\.test\. [0-9]+ A 127\.0\.0\.9$'
trline '\.\. EHLO capabilities of mx1\.example\.test:$'
trline '~> AUTH PLAIN \[redacted\]$'
trline '<~ 235 2\.7\.0 Authentication successful	\[[0-9]+ ms\]$'
trline '\*\* authenticated as alice@example\.test with PLAIN$'
trline '<~ 550 5\.7\.1 .*	\[[0-9]+ ms\]$'
trline '\.\. 550 Requested action not taken'
trline '<~ 221 2\.0\.0 Bye	\[[0-9]+ ms\]$'
# no plaintext marker after the handshake, no TLS marker before it
awk '/^# / { next } $2 == "**" && $3 == "TLS" { tls = 1 }
	$2 == "->" || $2 == "<-" { if (tls) exit 1 } $2 == "~>" || $2 == "<~" { if (!tls) exit 1 }' "$TR" ||
	fail "plaintext and TLS markers mixed up around the handshake"
# every latency is plausible: not more than the whole run took
max_lat=$(sed -n -E 's/.*	\[([0-9]+) ms\]$/\1/p' "$TR" | sort -n | tail -n 1)
((max_lat <= ELAPSED_MS)) || fail "a latency of $max_lat ms in a run of $ELAPSED_MS ms"

# ------------------------------------------------------------------ the JSONL format
TJ=$SCRATCH/session.jsonl
SMTPSH_SECRET=$AUTH_PASS run_timed "${OPTS[@]}" --transcript "$TJ" --transcript-format jsonl \
	"${SESSION[@]}" "$T"
assert_rc 0
assert_mode_600 "$TJ"
assert_transcript jsonl "$TJ"
assert_no_secret "$TJ"
LPORT=$(pf_client_port)
"$PYTHON" - "$TJ" "$PF_PORT" "$LPORT" "$PF_CERT" <<'PY' || fail "JSONL header or events: see above"
import json, sys
path, port, lport, cert = sys.argv[1:]
lines = open(path).read().splitlines()
h = json.loads(lines[0])
want = {"type": "header", "target": f"127.0.0.1:{port}", "local_addr": "127.0.0.1",
        "local_port": lport, "remote_addr": "127.0.0.1", "remote_port": port}
bad = [f"{k}={h.get(k)!r} (want {v!r})" for k, v in want.items() if str(h.get(k)) != v]
if f"--ca-file={cert}" not in h.get("options", "") or "timeout=20.0s" not in h.get("options", ""):
    bad.append(f"options={h.get('options')!r}")
ev = [json.loads(l) for l in lines[1:]]
def find(pred, what):
    for e in ev:
        if pred(e):
            return e
    bad.append(f"no event: {what}")
    return {}
find(lambda e: e["dir"] == "sent" and not e["tls"] and e["line"] == "STARTTLS", "STARTTLS in plaintext")
find(lambda e: e["dir"] == "event" and e["line"].startswith("TLS TLSv"), "the TLS verdict event")
find(lambda e: e["dir"] == "event" and e["line"].startswith("mx1.example.test. A: NOERROR"), "the DNS event")
find(lambda e: e["dir"] == "info" and "EHLO capabilities" in e["line"], "/ehlo output as info")
a = find(lambda e: e["dir"] == "sent" and e["tls"] and e["line"] == "AUTH PLAIN [redacted]",
         "AUTH PLAIN [redacted] inside TLS")
if a and a.get("redacted") is not True:
    bad.append(f"the AUTH line lacks redacted:true: {a}")
g = find(lambda e: e["dir"] == "recv" and e["line"].startswith("220 mx1"), "the greeting")
if g and "esc" in g:
    bad.append(f"the greeting has no enhanced code, yet esc: {g}")
r = find(lambda e: e["dir"] == "recv" and e["tls"] and e["line"].startswith("550 "), "the 550 inside TLS")
if r and (r.get("code") != 550 or r.get("esc") != "5.7.1" or r.get("last") is not True
          or not isinstance(r.get("latency_ms"), int)):
    bad.append(f"the 550 reply: {r}")
q = find(lambda e: e["dir"] == "recv" and e["line"].startswith("250 2.0.0 Ok: queued"), "the queued reply")
if q and (q.get("code") != 250 or q.get("esc") != "2.0.0"):
    bad.append(f"the queued reply: {q}")
c = find(lambda e: e["dir"] == "recv" and e["tls"] and e["line"] == "250-PIPELINING", "a continuation line")
if c and (c.get("last") is not False or "latency_ms" in c):
    bad.append(f"a continuation line: {c}")
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY

# The secret checks above can see a leak: --no-redact writes the PLAIN blob.
TN=$SCRATCH/noredact.txt
SMTPSH_SECRET=$AUTH_PASS run_timed --no-redact --ca-file "$PF_CERT" --transcript "$TN" \
	-c 'EHLO x' -c STARTTLS -c 'EHLO x' -c "/auth PLAIN $AUTH_USER" -c '/expect 235' -c QUIT "$T"
assert_rc 0
has_secret "$TN" >/dev/null || fail "has_secret does not see the PLAIN blob in a --no-redact transcript"
assert_transcript text "$TN"

# ------------------------------------------------------------------ /transcript mid-session
MID=$SCRATCH/mid.txt
MIDJ=$SCRATCH/mid.jsonl
# an older file, readable by others: truncated, and made 0600
echo 'old content of the file' >"$MID"
chmod 644 "$MID"
run_timed -c '/transcript off' -c 'EHLO client.example' -c "/transcript $MID" -c NOOP \
	-c '/transcript off' -c RSET -c "/transcript $MIDJ jsonl" -c 'MAIL FROM:<a@example.test>' \
	-c '/transcript off' -c QUIT "$T"
assert_rc 0
assert_out_contains '** no transcript is being written'
assert_out_sequence '^-> EHLO client\.example$' \
	"^\\*\\* recording the session to $MID \\(text\\)\$" '^-> NOOP$' '^<- 250 ' \
	"^\\*\\* transcript $MID closed\$" '^-> RSET$' \
	"^\\*\\* recording the session to $MIDJ \\(jsonl\\)\$" '^-> MAIL FROM:' '^<- 250 ' \
	"^\\*\\* transcript $MIDJ closed\$" '^-> QUIT$'
assert_mode_600 "$MID"
assert_mode_600 "$MIDJ"
! grep -qF 'old content' "$MID" || fail "/transcript did not truncate the older file"
# what was printed while each was open is in it, in order
a=$(out_line_match "^\\*\\* recording the session to $MID ")
b=$(out_line_match "^\\*\\* transcript $MID closed")
assert_transcript text "$MID" $((a + 1)) $((b - 1))
a=$(out_line_match "^\\*\\* recording the session to $MIDJ ")
b=$(out_line_match "^\\*\\* transcript $MIDJ closed")
assert_transcript jsonl "$MIDJ" $((a + 1)) $((b - 1))
# ... and nothing from before or after
grep -qE '^[0-9T:.Z-]{24} -> NOOP$' "$MID" || fail "the mid-session transcript lacks NOOP"
grep -qE '^[0-9T:.Z-]{24} <- 250 2\.0\.0 Ok	\[[0-9]+ ms\]$' "$MID" ||
	fail "the mid-session transcript lacks NOOP's reply with its latency"
for s in EHLO RSET MAIL QUIT; do
	! grep -qE "^[0-9T:.Z-]{24} -> $s" "$MID" || fail "$s is in the transcript of NOOP only"
done
grep -qF '"line":"MAIL FROM:<a@example.test>"' "$MIDJ" || fail "the JSONL transcript lacks MAIL"
for s in EHLO NOOP RSET QUIT; do
	! grep -qF "\"line\":\"$s" "$MIDJ" || fail "$s is in the transcript of MAIL only"
done
# both headers, written at once, name this connection
LPORT=$(pf_client_port)
[[ $(sed -n 's/^# target //p' "$MID") == "127.0.0.1:$PF_PORT" ]] || fail "mid-session header: no target"
[[ $(sed -n 's/^# local //p' "$MID") == "127.0.0.1 port $LPORT" ]] ||
	fail "mid-session header: local '$(sed -n 's/^# local //p' "$MID")', Postfix saw port $LPORT"
[[ $(sed -n 's/^# remote //p' "$MID") == "127.0.0.1 port $PF_PORT" ]] || fail "mid-session header: no remote"
head -n 1 "$MIDJ" | grep -qF "\"local_port\":\"$LPORT\"" || fail "JSONL mid-session header: $(head -n 1 "$MIDJ")"

# ------------------------------------------------------------------ an unwritable path
mkdir -p "$SCRATCH/a-directory"
run_smtpsh --transcript "$SCRATCH/a-directory" -c 'EHLO x' -c QUIT "$T"
assert_rc 2
assert_err_contains "--transcript: $SCRATCH/a-directory: Is a directory"
# nothing was sent: the error comes before the connection
assert_out_not_contains '-> EHLO'
assert_out_not_contains 'connected'
run_smtpsh --transcript "$SCRATCH/no-such-dir/t.txt" -c 'EHLO x' -c QUIT "$T"
assert_rc 2
assert_err_contains "--transcript: $SCRATCH/no-such-dir/t.txt: No such file or directory"
assert_out_not_contains '-> EHLO'
[[ ! -e $SCRATCH/no-such-dir ]] || fail "--transcript created the missing directory"
run_smtpsh --transcript "$SCRATCH/x.txt" --transcript-format xml -c 'EHLO x' "$T"
assert_rc 2
assert_err_contains 'xml'
[[ ! -e $SCRATCH/x.txt ]] || fail "a transcript was written despite the usage error"
# in a session: an error, the batch stops there (a failed command: exit 1)
run_smtpsh -c 'EHLO x' -c "/transcript $SCRATCH/a-directory" -c NOOP -c QUIT "$T"
assert_rc 1
assert_out_contains "!! /transcript: $SCRATCH/a-directory: Is a directory"
assert_out_not_contains '-> NOOP'

# ------------------------------------------------------------------ killed while waiting
# killed_session FORMAT: the fake server answers EHLO, NOOP, NOOP, then never answers VRFY;
# smtpsh (--timeout 30) is killed with SIGKILL once the transcript shows the VRFY line.
killed_session() {
	local fmt=$1 kt ko ke kpid st i last_re wrap=()
	kt=$SCRATCH/killed.$fmt
	ko=$SCRATCH/killed-$fmt.stdout
	ke=$SCRATCH/killed-$fmt.stderr
	if [[ $fmt == text ]]; then
		last_re='^[0-9T:.Z-]{24} -> VRFY postmaster$'
	else
		last_re='^\{"t":"[0-9T:.Z-]{24}","dir":"sent","tls":false,"line":"VRFY postmaster"\}$'
	fi
	start_fake transcript-hold.scn
	[[ -z ${SMTPSH_WRAPPER:-} ]] || read -r -a wrap <<<"$SMTPSH_WRAPPER"
	T0=$EPOCHREALTIME
	HOME=$SCRATCH/home XDG_CONFIG_HOME=$SCRATCH/config XDG_STATE_HOME=$SCRATCH/state \
		"${wrap[@]}" "$SMTPSH" --timeout 30 --transcript "$kt" --transcript-format "$fmt" \
		-c 'EHLO client.example' -c NOOP -c NOOP -c 'VRFY postmaster' -c QUIT "$FAKE_TARGET" \
		</dev/null >"$ko" 2>"$ke" &
	kpid=$!
	LAST_CMD="smtpsh --timeout 30 --transcript $kt --transcript-format $fmt ... (in the background)"
	for ((i = 0; i < 200; i++)); do
		grep -qE "$last_re" "$kt" 2>/dev/null && break
		kill -0 "$kpid" 2>/dev/null || break
		sleep 0.05
	done
	if ! kill -0 "$kpid" 2>/dev/null; then
		RC=0
		wait "$kpid" || RC=$?
		cp "$ko" "$OUT"
		cp "$ke" "$ERRF"
		fail "smtpsh exited before it was killed (waiting for the VRFY reply with --timeout 30)"
	fi
	st=0
	# (bash reports a job killed by a signal on its stderr: not a failure here)
	{
		kill -KILL "$kpid"
		wait "$kpid" || st=$?
	} 2>/dev/null
	T1=$EPOCHREALTIME
	cp "$ko" "$OUT"
	cp "$ke" "$ERRF"
	RC=$st
	ELAPSED=killed
	((st == 137)) || fail "smtpsh was not killed by SIGKILL (status $st)"
	grep -qE "$last_re" "$kt" || fail "the $fmt transcript never showed the VRFY line: $(cat -A "$kt")"
	assert_log_contains 'VRFY postmaster'
	# whole lines only, and everything smtpsh had printed, in order
	[[ $(tail -c 1 "$kt" | od -An -c | tr -d ' ') == '\n' ]] || fail "the $fmt transcript ends mid-line"
	assert_transcript "$fmt" "$kt"
	# the last line is the command it was waiting on
	tail -n 1 "$kt" | grep -qE "$last_re" ||
		fail "the $fmt transcript does not end with the VRFY line: $(tail -n 3 "$kt" | cat -A)"
	[[ $(tail -n 1 "$OUT") == '-> VRFY postmaster' ]] || fail "stdout does not end with the VRFY line"
	assert_out_sequence '^-> EHLO client\.example$' '^<- 250 ENHANCEDSTATUSCODES$' '^-> NOOP$' \
		'^<- 250 2\.0\.0 first noop$' '^-> NOOP$' '^<- 250 2\.0\.0 second noop$' \
		'^-> VRFY postmaster$'
	if [[ $fmt == text ]]; then
		grep -qE '^[0-9T:.Z-]{24} <- 250 2\.0\.0 second noop	\[[0-9]+ ms\]$' "$kt" ||
			fail "the transcript lacks the second NOOP's reply"
		[[ $(sed -n 's/^# target //p' "$kt") == "127.0.0.1:$FAKE_PORT" ]] ||
			fail "killed: no target in the header"
	else
		grep -qF '"line":"250 2.0.0 second noop","code":250,"esc":"2.0.0","last":true,"latency_ms":' "$kt" ||
			fail "the JSONL transcript lacks the second NOOP's reply"
		head -n 1 "$kt" | grep -qF "\"remote_port\":\"$FAKE_PORT\"" || fail "killed: no remote port in the header"
	fi
}
killed_session text
killed_session jsonl

# ------------------------------------------------------------------ a refused connection
# The transcript of a session that never connected still says where it tried to go.
RP=$(free_port)
TF=$SCRATCH/refused.txt
run_timed --transcript "$TF" -c 'EHLO x' "127.0.0.1:$RP"
assert_rc 3
assert_out_contains "!! cannot connect to 127.0.0.1 port $RP"
assert_mode_600 "$TF"
assert_transcript text "$TF"
[[ $(sed -n 's/^# target //p' "$TF") == "127.0.0.1:$RP" ]] ||
	fail "the transcript of a refused connection does not name its target:
$(cat "$TF")"

pass
