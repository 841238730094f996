#!/usr/bin/python3
"""fake-smtpd: a scriptable SMTP test server, for behaviour no real MTA produces on purpose.

usage: fake-smtpd.py [--listen 127.0.0.1|::1 | --unix PATH] --port-file FILE [--log FILE]
                     [--connections N] SCENARIO
       fake-smtpd.py [--listen 127.0.0.1|::1] --port-file FILE --no-accept

The server binds port 0 on a loopback address (127.0.0.1 by default), writes the port
number it got to --port-file (written to a temporary file, then renamed, so a reader never
sees a partial number) once it is listening, then serves N connections (default 1) one after
the other, runs the whole scenario on each, and exits 0.  Further clients wait in the listen
queue until the previous connection is over.

--log FILE records, one per line, every line the client sent, as received: the CRLF is
stripped, every other byte that is not printable is shown as \\xNN (so a line that ended in a
bare LF shows a trailing \\x0a and a stray CR shows \\x0d; valid printable UTF-8 is kept).
Besides client lines the log holds these markers:
    CLOSED              the client closed the connection (EOF)
    CLOSED (reset)      the connection was reset by the client / broken pipe
    TIMEOUT             no client line within the read timeout
    UNEXPECTED <line>   an `expect` did not match (the scenario goes on)
    DISCARDED <bytes>   plaintext the client had pipelined after STARTTLS, thrown away
    TLS <version> <cipher>         the TLS handshake of `starttls` succeeded
    TLS-FAILED <reason>            the TLS handshake failed (the connection ends)
    BDAT-CHUNK <n> bytes           a BDAT chunk read in `until-quit` mode
    BDAT-DATA <bytes>              its bytes, after `log-chunks`
    BATCH <n>                      `expect-batch`: the n lines came in one read
    NOT-BATCHED <n> (<k> reads)    `expect-batch`: they took k reads
    ERROR <what>        an internal error; the server then exits with status 1
Reading a line never crashes on any input; a timeout or a client close ends the connection
quietly (the server goes on with the next connection, or exits 0).

--unix PATH listens on a Unix-domain socket at PATH instead of TCP (PATH must not exist
yet; it is removed when the server exits) and writes PATH, not a port, to --port-file.

--no-accept runs no scenario: it listens with a backlog of 0, never accepts, and fills the
accept queue with filler connections of its own until a further connection no longer
completes (on Linux, SYNs to a listener whose accept queue is full are dropped), then
writes the port file and waits until it is terminated (SIGTERM: exit 0) or 60 s have
passed.  A client connecting to it sees a connect that neither succeeds nor is refused: a
connect timeout.

Exit status: 0 after serving all connections; 1 on an internal error; 2 on a usage or
scenario syntax error (the scenario is checked before the port is bound).

Scenario language
-----------------
One directive per line.  Lines whose first non-blank character is `#` are comments; blank
lines are ignored (comments are whole lines only, since `send` text may contain `#`).
STRING is a double-quoted string with Python-style escapes: \\r \\n \\t \\\\ \\" \\' \\0 \\a
\\b \\f \\v \\e (ESC) \\xHH and octal \\NNN; non-ASCII characters are sent as UTF-8.  Several
STRINGs in a row are concatenated.  TEXT is the rest of the line, verbatim (trailing
blanks included); if it starts with a double quote it is read as STRING(s) instead.

  send TEXT             send TEXT + CRLF
  raw STRING            send exactly these bytes (no CRLF added)
  split N STRING        send the bytes in N-byte TCP segments (TCP_NODELAY, ~2 ms apart)
  bigline N STRING      send STRING (a prefix), then N 'x' bytes, then CRLF
  repeat N send TEXT    the same directive N times, in one buffered write
  repeat N raw STRING   (also: repeat N bigline M STRING)
  expect TEXT           read one client line; it must start with TEXT (case-insensitive),
                        otherwise log `UNEXPECTED <line>` and go on
  recv                  read one client line, whatever it is
  drain [SECONDS]       read and log client lines without answering, until the client
                        closes (or nothing arrives for SECONDS, default: the read timeout)
  timeout SECONDS       read timeout for expect/recv/until-quit/... (default 10)
  sleep SECONDS         pause (float)
  hold SECONDS          keep the connection open without sending or reading anything
                        (a server that never answers; the client's data stays unread)
  close                 close now: shut down our sending side (the client sees an orderly
                        close at once), log what the client still sends, then close
  rst                   abortive close (TCP RST, SO_LINGER 0)
  shutdown              half-close: stop sending (FIN) but keep reading; go on
  starttls CERT KEY     wrap the connection in TLS as a server (ssl module); $VAR and
                        ${VAR} are expanded from the environment, relative paths are taken
                        from the scenario file's directory.  Client bytes already received
                        in plaintext are logged as DISCARDED and dropped (RFC 3207)
  until-quit            answer every further line: QUIT -> `221 2.0.0 bye` and close;
                        DATA -> `354 go ahead`, read the message up to a lone `.`, then
                        `250 2.0.0 queued`; BDAT N [LAST] -> read N bytes, `250 2.0.0 chunk
                        received`; anything else -> `250 ok`
  data                  read a message body up to a lone `.` line (logging every line),
                        without answering; use it after sending your own 354
  expect-batch N        read N client lines without answering (logging every line), then
                        log `BATCH N` if they all arrived in one read (one TCP segment
                        burst: the client wrote them together, as PIPELINING allows), or
                        `NOT-BATCHED N (K reads)` if they took K separate reads
  reply-delay SECONDS   from now on `until-quit` waits SECONDS (float) before each answer
                        (a slow server: a client can be interrupted between replies)
  log-chunks            from now on `until-quit` also logs the bytes of every BDAT chunk,
                        as `BDAT-DATA <bytes>` (escaped as in the log: CRLF shows as
                        \\x0d\\x0a), right after its `BDAT-CHUNK` line

When the scenario runs out, the connection is closed as with `close`.
"""

import argparse
import ipaddress
import os
import re
import select
import signal
import socket
import ssl
import sys
import time
import traceback

DEFAULT_TIMEOUT = 10.0
WRITE_TIMEOUT = 60.0
MAX_LINE = 1 << 20  # a client line longer than this is logged cut, the rest skipped
SPLIT_PAUSE = 0.002
NO_ACCEPT_LIFETIME = 60.0  # --no-accept: give up after this long


class ScenarioError(Exception):
    pass


class ConnectionOver(Exception):
    """The connection ended (client close, reset, timeout); not an error of the server."""


# ---------------------------------------------------------------- scenario parsing

_SIMPLE_ESCAPES = {
    "r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\", '"': b'"', "'": b"'",
    "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v", "e": b"\x1b",
}


def parse_strings(text, lineno):
    """Parse one or more double-quoted strings (blank-separated) into bytes."""
    out = bytearray()
    i, n = 0, len(text)
    seen = False
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        if text[i] != '"':
            raise ScenarioError(f"line {lineno}: expected a double-quoted string at {text[i:]!r}")
        i += 1
        while True:
            if i >= n:
                raise ScenarioError(f"line {lineno}: unterminated string")
            c = text[i]
            if c == '"':
                i += 1
                break
            if c != "\\":
                out += c.encode("utf-8")
                i += 1
                continue
            i += 1
            if i >= n:
                raise ScenarioError(f"line {lineno}: backslash at end of line")
            c = text[i]
            if c in _SIMPLE_ESCAPES:
                out += _SIMPLE_ESCAPES[c]
                i += 1
            elif c == "x":
                h = text[i + 1:i + 3]
                if len(h) != 2 or not all(ch in "0123456789abcdefABCDEF" for ch in h):
                    raise ScenarioError(f"line {lineno}: bad \\x escape")
                out.append(int(h, 16))
                i += 3
            elif c in "01234567":
                j = i
                while j < n and j < i + 3 and text[j] in "01234567":
                    j += 1
                v = int(text[i:j], 8)
                if v > 255:
                    raise ScenarioError(f"line {lineno}: octal escape over \\377")
                out.append(v)
                i = j
            else:
                raise ScenarioError(f"line {lineno}: unknown escape \\{c}")
        seen = True
    if not seen:
        raise ScenarioError(f"line {lineno}: a double-quoted string is required")
    return bytes(out)


def parse_text(rest, lineno):
    """TEXT argument: verbatim rest of line, or STRING(s) when it starts with a quote."""
    if rest.startswith('"'):
        return parse_strings(rest, lineno)
    return rest.encode("utf-8")


def parse_int(word, lineno, what, minimum=0):
    try:
        v = int(word)
    except ValueError:
        raise ScenarioError(f"line {lineno}: {what} must be an integer, not {word!r}") from None
    if v < minimum:
        raise ScenarioError(f"line {lineno}: {what} must be at least {minimum}")
    return v


def parse_float(word, lineno, what):
    try:
        v = float(word)
    except ValueError:
        raise ScenarioError(f"line {lineno}: {what} must be a number, not {word!r}") from None
    if not v >= 0 or v == float("inf"):
        raise ScenarioError(f"line {lineno}: {what} must be a finite number >= 0")
    return v


def split_word(s):
    s = s.lstrip(" \t")
    m = re.match(r"(\S+)[ \t]?(.*)\Z", s, re.S)
    if not m:
        return "", ""
    return m.group(1), m.group(2)


def parse_directive(body, lineno, base_dir, allow_repeat=True):
    word, rest = split_word(body)
    d = word.lower()
    if d == "send":
        return ("send", parse_text(rest, lineno) + b"\r\n")
    if d == "raw":
        return ("send", parse_strings(rest, lineno))
    if d == "bigline":
        n, rest2 = split_word(rest)
        count = parse_int(n, lineno, "bigline length")
        return ("send", parse_strings(rest2, lineno) + b"x" * count + b"\r\n")
    if d == "split":
        n, rest2 = split_word(rest)
        size = parse_int(n, lineno, "split segment size", 1)
        return ("split", size, parse_strings(rest2, lineno))
    if d == "repeat":
        if not allow_repeat:
            raise ScenarioError(f"line {lineno}: repeat cannot be nested")
        n, rest2 = split_word(rest)
        count = parse_int(n, lineno, "repeat count")
        inner = parse_directive(rest2, lineno, base_dir, allow_repeat=False)
        if inner[0] != "send":
            raise ScenarioError(f"line {lineno}: repeat works with send, raw and bigline only")
        return ("send", inner[1] * count)
    if d == "expect":
        text = parse_text(rest.strip() if not rest.startswith('"') else rest, lineno)
        if not text:
            raise ScenarioError(f"line {lineno}: expect needs a word")
        return ("expect", text)
    if d == "expect-batch":
        return ("expect-batch", parse_int(rest.strip(), lineno, "expect-batch count", 1))
    if d in ("recv", "close", "rst", "shutdown", "until-quit", "data", "log-chunks"):
        if rest.strip():
            raise ScenarioError(f"line {lineno}: {d} takes no argument")
        return (d,)
    if d == "drain":
        if rest.strip():
            return ("drain", parse_float(rest.strip(), lineno, "drain time"))
        return ("drain", None)
    if d in ("sleep", "hold", "timeout", "reply-delay"):
        if not rest.strip():
            raise ScenarioError(f"line {lineno}: {d} needs SECONDS")
        v = parse_float(rest.strip(), lineno, f"{d} time")
        if d == "timeout" and v <= 0:
            raise ScenarioError(f"line {lineno}: timeout must be > 0")
        return (d, v)
    if d == "starttls":
        args = rest.split()
        if len(args) != 2:
            raise ScenarioError(f"line {lineno}: starttls needs CERT KEY")
        paths = []
        for a in args:
            p = os.path.expandvars(a)
            if "$" in p:
                raise ScenarioError(f"line {lineno}: unset variable in {a!r}")
            if not os.path.isabs(p):
                p = os.path.join(base_dir, p)
            if not os.path.isfile(p):
                raise ScenarioError(f"line {lineno}: no such file: {p}")
            paths.append(p)
        return ("starttls", paths[0], paths[1])
    raise ScenarioError(f"line {lineno}: unknown directive {word!r}")


def parse_scenario(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{path}: not UTF-8 ({e})") from None
    base_dir = os.path.dirname(os.path.abspath(path))
    steps = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        stripped = line.strip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        try:
            steps.append(parse_directive(line.lstrip(" \t"), lineno, base_dir))
        except ScenarioError as e:
            raise ScenarioError(f"{path}: {e}") from None
    return steps


# ---------------------------------------------------------------- logging

class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8") if path else None

    def write(self, text):
        if self.f:
            self.f.write(text + "\n")
            self.f.flush()

    def line(self, raw):
        self.write(escape_line(raw))


def escape_bytes(b):
    s = b.decode("utf-8", errors="surrogateescape")
    out = []
    for ch in s:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # an undecodable byte
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.extend(f"\\x{x:02x}" for x in ch.encode("utf-8"))
    return "".join(out)


def escape_line(raw):
    if raw.endswith(b"\r\n"):
        raw = raw[:-2]
    return escape_bytes(raw)


# ---------------------------------------------------------------- one connection

class Conn:
    def __init__(self, sock, log):
        self.sock = sock
        self.log = log
        self.buf = bytearray()
        self.cut = None        # start of an over-long line whose rest is being dropped
        self.cut_extra = 0
        self.timeout = DEFAULT_TIMEOUT
        self.eof = False
        self.closed = False
        self.write_shut = False
        self.reads = 0         # recv() calls that returned data (for expect-batch)
        self.log_chunks = False
        self.reply_delay = 0.0

    # -- low level
    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            self.log.write("CLOSED (reset)")
            raise ConnectionOver() from None
        except ssl.SSLZeroReturnError:  # the client's close_notify
            return b""
        except ssl.SSLEOFError:
            self.log.write("CLOSED (no TLS close_notify)")
            raise ConnectionOver() from None
        except ssl.SSLError as e:
            self.log.write(f"CLOSED (TLS error: {e.reason or e})")
            raise ConnectionOver() from None
        except socket.timeout:
            raise
        except OSError as e:
            self.log.write(f"CLOSED (error: {e.strerror or e})")
            raise ConnectionOver() from None
        if data:
            self.reads += 1
        return data

    def readline(self, timeout=None):
        """One client line, including its line end.

        Ends the connection (ConnectionOver, logged) on timeout or client close.
        A line longer than MAX_LINE is returned cut, with a note of what was dropped."""
        if timeout is None:
            timeout = self.timeout
        deadline = time.monotonic() + timeout
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                if self.cut is not None:
                    line = self.cut + b"...[%d more bytes]\r\n" % (self.cut_extra + nl)
                    self.cut = None
                else:
                    line = bytes(self.buf[:nl + 1])
                del self.buf[:nl + 1]
                return line
            if self.cut is None and len(self.buf) > MAX_LINE:
                self.cut = bytes(self.buf[:MAX_LINE])
                self.cut_extra = len(self.buf) - MAX_LINE
                self.buf.clear()
            elif self.cut is not None:
                self.cut_extra += len(self.buf)
                self.buf.clear()
            if self.eof:
                pending = self.cut if self.cut is not None else bytes(self.buf)
                if pending:
                    self.log.write(escape_bytes(pending) + "  [no line end before close]")
                self.buf.clear()
                self.cut = None
                self.log.write("CLOSED")
                raise ConnectionOver()
            try:
                data = self._recv(deadline)
            except socket.timeout:
                self.log.write("TIMEOUT")
                raise ConnectionOver() from None
            if not data:
                self.eof = True
            else:
                self.buf += data

    def read_line_logged(self, timeout=None):
        line = self.readline(timeout)
        self.log.line(line)
        return line

    def read_exact(self, n):
        deadline = time.monotonic() + self.timeout
        while len(self.buf) < n:
            if self.eof:
                self.log.write("CLOSED")
                raise ConnectionOver()
            try:
                data = self._recv(deadline)
            except socket.timeout:
                self.log.write("TIMEOUT")
                raise ConnectionOver() from None
            if not data:
                self.eof = True
            self.buf += data
        chunk = bytes(self.buf[:n])
        del self.buf[:n]
        return chunk

    def send(self, data):
        if self.write_shut:
            return
        self.sock.settimeout(WRITE_TIMEOUT)
        try:
            self.sock.sendall(data)
        except (ConnectionResetError, BrokenPipeError):
            self.log.write("CLOSED (reset)")
            raise ConnectionOver() from None
        except socket.timeout:
            self.log.write("TIMEOUT (client does not read)")
            raise ConnectionOver() from None
        except ssl.SSLError as e:
            self.log.write(f"CLOSED (TLS error: {e.reason or e})")
            raise ConnectionOver() from None
        except OSError as e:
            self.log.write(f"CLOSED (error: {e.strerror or e})")
            raise ConnectionOver() from None

    def split_send(self, size, data):
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        for i in range(0, len(data), size):
            if i:
                time.sleep(SPLIT_PAUSE)
            self.send(data[i:i + size])

    def shutdown_write(self):
        if self.write_shut:
            return
        self.write_shut = True
        try:
            if isinstance(self.sock, ssl.SSLSocket):
                # send a close_notify alert without waiting for the client's
                try:
                    self.sock.settimeout(0)
                    self.sock.unwrap()
                except (ssl.SSLError, OSError, ValueError):
                    pass
                # then the TCP FIN, keeping the TLS layer for reading what still comes
                socket.socket.shutdown(self.sock, socket.SHUT_WR)
            else:
                self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def drain(self, timeout=None):
        """Log client lines without answering until EOF or nothing for `timeout`."""
        while True:
            self.read_line_logged(timeout)

    def graceful_close(self):
        """Orderly close that never turns into a RST over unread client data."""
        self.shutdown_write()
        try:
            self.drain(min(self.timeout, 5.0))
        except ConnectionOver:
            pass

    def rst(self):
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 (1).to_bytes(4, sys.byteorder) + (0).to_bytes(4, sys.byteorder))
        except OSError:
            pass
        self.sock.close()
        self.closed = True

    def starttls(self, cert, key):
        if self.buf:
            self.log.write("DISCARDED " + escape_bytes(bytes(self.buf)))
            self.buf.clear()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.sock.settimeout(self.timeout)
        try:
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (ssl.SSLError, OSError, socket.timeout) as e:
            reason = getattr(e, "reason", None) or str(e) or type(e).__name__
            self.log.write(f"TLS-FAILED {reason}")
            raise ConnectionOver() from None
        self.log.write(f"TLS {self.sock.version()} {self.sock.cipher()[0]}")

    # -- until-quit
    def until_quit(self):
        while True:
            line = self.read_line_logged()
            words = line.strip().split()
            verb = words[0].upper() if words else b""
            if self.reply_delay and verb not in (b"DATA", b"BDAT"):
                time.sleep(self.reply_delay)
            if verb == b"QUIT":
                self.send(b"221 2.0.0 bye\r\n")
                self.graceful_close()
                return
            if verb == b"DATA":
                self.send(b"354 go ahead\r\n")
                self.read_body()
                time.sleep(self.reply_delay)
                self.send(b"250 2.0.0 queued\r\n")
            elif verb == b"BDAT" and len(words) >= 2 and words[1].isdigit():
                n = int(words[1])
                chunk = self.read_exact(n)
                self.log.write(f"BDAT-CHUNK {n} bytes")
                if self.log_chunks:
                    self.log.write("BDAT-DATA " + escape_bytes(chunk))
                time.sleep(self.reply_delay)
                self.send(b"250 2.0.0 chunk received\r\n")
            else:
                self.send(b"250 ok\r\n")

    def read_batch(self, n):
        """Read n lines; log whether they arrived in one read (written together)."""
        started_empty = not self.buf
        reads0 = self.reads
        for _ in range(n):
            self.read_line_logged()
        reads = self.reads - reads0
        if reads == 0 or (reads == 1 and started_empty):
            self.log.write(f"BATCH {n}")
        else:
            self.log.write(f"NOT-BATCHED {n} ({reads} reads)")

    def read_body(self):
        while True:
            line = self.read_line_logged()
            if line in (b".\r\n", b".\n"):
                return

    # -- the script
    def run(self, steps):
        try:
            for step in steps:
                op = step[0]
                if op == "send":
                    self.send(step[1])
                elif op == "split":
                    self.split_send(step[1], step[2])
                elif op == "expect":
                    line = self.readline()
                    self.log.line(line)
                    if not line.lower().startswith(step[1].lower()):
                        self.log.write("UNEXPECTED " + escape_line(line))
                elif op == "recv":
                    self.read_line_logged()
                elif op == "drain":
                    self.drain(step[1])
                elif op == "timeout":
                    self.timeout = step[1]
                elif op == "sleep":
                    time.sleep(step[1])
                elif op == "hold":
                    time.sleep(step[1])
                elif op == "close":
                    self.graceful_close()
                    return
                elif op == "rst":
                    self.rst()
                    return
                elif op == "shutdown":
                    self.shutdown_write()
                elif op == "starttls":
                    self.starttls(step[1], step[2])
                elif op == "until-quit":
                    self.until_quit()
                    return
                elif op == "data":
                    self.read_body()
                elif op == "expect-batch":
                    self.read_batch(step[1])
                elif op == "log-chunks":
                    self.log_chunks = True
                elif op == "reply-delay":
                    self.reply_delay = step[1]
                else:  # pragma: no cover - the parser accepts nothing else
                    raise RuntimeError(f"unknown step {op}")
            self.graceful_close()
        except ConnectionOver:
            pass
        finally:
            if not self.closed:
                try:
                    self.sock.close()
                except OSError:
                    pass
                self.closed = True


# ---------------------------------------------------------------- main

def write_port_file(path, port):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def no_accept_server(addr, family, port_file):
    """Listen, never accept, and keep the accept queue full (see --no-accept)."""
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.bind((str(addr), 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    full = False
    for _ in range(16):
        c = socket.socket(family, socket.SOCK_STREAM)
        c.setblocking(False)
        err = c.connect_ex((str(addr), port))
        if err == 0:
            fillers.append(c)
            continue
        # EINPROGRESS: wait a little for the handshake to complete.
        _r, w, _x = select.select([], [c], [], 0.3)
        if w and c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            fillers.append(c)
            continue
        # This one hangs in SYN-SENT: the queue is full.  Drop it, keep the others.
        c.close()
        full = True
        break
    if not full:
        raise RuntimeError(f"the accept queue did not fill up after {len(fillers)} connections")
    write_port_file(port_file, port)
    deadline = time.monotonic() + NO_ACCEPT_LIFETIME
    while time.monotonic() < deadline:
        time.sleep(0.1)
    for c in fillers:
        c.close()
    srv.close()


def main(argv):
    ap = argparse.ArgumentParser(
        prog="fake-smtpd.py", description="Scriptable SMTP test server (loopback only).")
    ap.add_argument("--listen", default="127.0.0.1", help="loopback address (127.0.0.1 or ::1)")
    ap.add_argument("--unix", metavar="PATH", help="listen on a Unix-domain socket at PATH")
    ap.add_argument("--port-file", required=True,
                    help="where to write the port number (the socket path with --unix)")
    ap.add_argument("--log", help="log of the client's lines")
    ap.add_argument("--connections", type=int, default=1, help="connections to serve (default 1)")
    ap.add_argument("--no-accept", action="store_true",
                    help="never accept, with a full accept queue (connect timeouts)")
    ap.add_argument("scenario", nargs="?")
    args = ap.parse_args(argv)

    try:
        addr = ipaddress.ip_address(args.listen)
    except ValueError:
        ap.error(f"--listen: not an IP address: {args.listen}")
    if not addr.is_loopback:
        ap.error(f"--listen: {args.listen} is not a loopback address")
    if args.connections < 1:
        ap.error("--connections must be at least 1")
    family = socket.AF_INET6 if addr.version == 6 else socket.AF_INET

    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(0))

    if args.no_accept:
        if args.scenario or args.unix:
            ap.error("--no-accept takes no scenario and no --unix")
        try:
            no_accept_server(addr, family, args.port_file)
        except (OSError, RuntimeError) as e:
            print(f"fake-smtpd: --no-accept: {e}", file=sys.stderr)
            return 1
        return 0

    if not args.scenario:
        ap.error("a SCENARIO is required")
    try:
        steps = parse_scenario(args.scenario)
    except (ScenarioError, OSError) as e:
        print(f"fake-smtpd: {e}", file=sys.stderr)
        return 2

    log = Log(args.log)
    where = f"unix:{args.unix}" if args.unix else str(addr)
    bound = None
    try:
        if args.unix:
            srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            srv.bind(args.unix)
            bound = args.unix
            srv.listen(16)
            write_port_file(args.port_file, args.unix)
        else:
            srv = socket.socket(family, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((str(addr), 0))
            srv.listen(16)
            write_port_file(args.port_file, srv.getsockname()[1])
    except OSError as e:
        log.write(f"ERROR cannot listen: {e}")
        print(f"fake-smtpd: cannot listen on {where}: {e}", file=sys.stderr)
        return 1

    try:
        for _ in range(args.connections):
            sock, _peer = srv.accept()
            Conn(sock, log).run(steps)
    except Exception as e:  # an internal error: say so and fail
        log.write(f"ERROR {type(e).__name__}: {e}")
        traceback.print_exc(file=sys.stderr)
        return 1
    finally:
        srv.close()
        if bound:
            try:
                os.unlink(bound)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
