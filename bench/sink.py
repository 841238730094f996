#!/usr/bin/python3
"""SMTP sink for the benchmarks: accepts everything, keeps nothing, logs one line per session.

usage: sink.py --port-file FILE --log FILE [--cert CERT --key KEY] [--name NAME] [--discard]

Listens on 127.0.0.1, port 0 (the kernel picks a free one), and writes the port to
--port-file once it is listening (written to a temporary file, then renamed). Runs until
SIGTERM or SIGINT (exit 0). One thread per connection.

SMTP mode (the default) speaks just enough ESMTP for the benchmarks: EHLO/HELO, MAIL,
RCPT, DATA, BDAT (CHUNKING), RSET, NOOP, QUIT, and STARTTLS when --cert and --key are
given. It advertises PIPELINING, SIZE, 8BITMIME, CHUNKING, ENHANCEDSTATUSCODES (and
STARTTLS before TLS). DATA and BDAT are read in large blocks and thrown away: the end of
DATA is found with one search per block, so the sink spends little CPU per byte.

--discard: no SMTP at all; read and throw away everything until the client shuts down its
sending side, then close. This is the ceiling of raw loopback TCP into a Python reader.

The log gets one line per connection when it ends, so a benchmark can check from the
server's side what each client really did:
    session tls=0|1 ehlo=N ehlo_tls=N msgs=N bytes=N quit=0|1 error=TEXT
    discard bytes=N
msgs counts messages accepted (250 after the final dot or after BDAT LAST), bytes the
message octets received (DATA: before the final dot, dot-stuffing included; BDAT: the
chunk octets). Python's standard library only.
"""

import argparse
import os
import signal
import socket
import ssl
import sys
import threading

BLOCK = 1 << 20  # one recv() may take this much: few syscalls per megabyte
END = b"\r\n.\r\n"


class Conn:
    def __init__(self, sock, ctx, name, log):
        self.sock = sock
        self.ctx = ctx
        self.name = name
        self.log = log
        self.buf = bytearray()  # received, not yet consumed (command lines)
        self.rbuf = bytearray(BLOCK + 4)
        self.tls = False
        self.ehlo = 0
        self.ehlo_tls = 0
        self.msgs = 0
        self.bytes = 0
        self.quit = False
        self.mail = False
        self.rcpts = 0

    def send(self, text):
        self.sock.sendall(text.encode())

    def fill(self):
        n = self.sock.recv_into(self.rbuf, BLOCK)
        if n == 0:
            raise EOFError
        self.buf += memoryview(self.rbuf)[:n]

    def line(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                ln = bytes(self.buf[:i]).rstrip(b"\r")
                del self.buf[: i + 1]
                return ln.decode("latin-1")
            if len(self.buf) > 65536:
                raise ValueError("command line too long")
            self.fill()

    def read_data(self):
        """Read message text up to CRLF.CRLF; return its length in octets as sent (dot-
        stuffing and the CRLF of the last line included, the final ".CRLF" not)."""
        # P is the CRLF that ended the DATA line followed by the text: the end marker is
        # the first CRLF.CRLF in P, and an empty message (a lone ".") ends at once. The
        # last 4 octets are kept across reads so that a marker split between reads is
        # still found; no read is copied more than once.
        p = b"\r\n" + bytes(self.buf)
        self.buf = bytearray()
        i = p.find(END)
        if i >= 0:
            self.buf += p[i + len(END):]
            return i
        consumed = len(p)  # octets of P before the next read
        tail = p[-4:]
        rb = self.rbuf
        view = memoryview(rb)
        while True:
            t = len(tail)
            rb[:t] = tail
            n = self.sock.recv_into(view[t:], BLOCK)
            if n == 0:
                raise EOFError
            end = t + n
            j = rb.find(END, 0, end)
            if j >= 0:
                self.buf += view[j + len(END): end]
                return consumed - t + j
            consumed += n
            tail = bytes(rb[max(0, end - 4): end])

    def read_exact(self, n):
        take = min(n, len(self.buf))
        del self.buf[:take]
        n -= take
        view = memoryview(self.rbuf)
        while n > 0:
            got = self.sock.recv_into(view, min(n, BLOCK))
            if got == 0:
                raise EOFError
            n -= got

    def ehlo_reply(self):
        caps = [self.name, "PIPELINING", "SIZE 0", "8BITMIME", "CHUNKING"]
        if self.ctx and not self.tls:
            caps.append("STARTTLS")
        caps.append("ENHANCEDSTATUSCODES")
        return "".join(f"250{'-' if i < len(caps) - 1 else ' '}{c}\r\n" for i, c in enumerate(caps))

    def serve(self):
        self.send(f"220 {self.name} ESMTP bench sink\r\n")
        while True:
            ln = self.line()
            verb = ln.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO", "LHLO"):
                self.ehlo += 1
                self.ehlo_tls += self.tls
                self.mail, self.rcpts = False, 0
                self.send(self.ehlo_reply() if verb != "HELO" else f"250 {self.name}\r\n")
            elif verb == "MAIL":
                self.mail, self.rcpts = True, 0
                self.send("250 2.1.0 Ok\r\n")
            elif verb == "RCPT":
                if self.mail:
                    self.rcpts += 1
                    self.send("250 2.1.5 Ok\r\n")
                else:
                    self.send("503 5.5.1 Error: need MAIL command\r\n")
            elif verb == "DATA":
                if not self.rcpts:
                    self.send("503 5.5.1 Error: need RCPT command\r\n")
                    continue
                self.send("354 End data with <CR><LF>.<CR><LF>\r\n")
                self.bytes += self.read_data()
                self.msgs += 1
                self.mail, self.rcpts = False, 0
                self.send("250 2.0.0 Ok: queued\r\n")
            elif verb == "BDAT":
                args = ln.split()
                try:
                    size = int(args[1])
                except (IndexError, ValueError):
                    self.send("501 5.5.4 Syntax: BDAT count [LAST]\r\n")
                    continue
                last = len(args) > 2 and args[2].upper() == "LAST"
                self.read_exact(size)
                self.bytes += size
                if not self.rcpts:
                    self.send("503 5.5.1 Error: need RCPT command\r\n")
                elif last:
                    self.msgs += 1
                    self.mail, self.rcpts = False, 0
                    self.send("250 2.0.0 Ok: queued\r\n")
                else:
                    self.send(f"250 2.0.0 Ok: {size} octets\r\n")
            elif verb == "STARTTLS" and self.ctx and not self.tls:
                self.send("220 2.0.0 Ready to start TLS\r\n")
                self.buf = bytearray()  # plaintext pipelined after STARTTLS is discarded
                self.sock = self.ctx.wrap_socket(self.sock, server_side=True)
                self.tls = True
                self.mail, self.rcpts = False, 0
            elif verb == "RSET":
                self.mail, self.rcpts = False, 0
                self.send("250 2.0.0 Ok\r\n")
            elif verb == "NOOP":
                self.send("250 2.0.0 Ok\r\n")
            elif verb == "QUIT":
                self.quit = True
                self.send("221 2.0.0 Bye\r\n")
                return
            else:
                self.send("502 5.5.2 Error: command not recognized\r\n")

    def run(self):
        err = ""
        try:
            self.serve()
        except EOFError:
            pass
        except (OSError, ValueError, ssl.SSLError) as e:
            err = type(e).__name__
        finally:
            try:
                if self.tls:
                    # Send close_notify, as an MTA does, without waiting for the client's:
                    # on a non-blocking socket unwrap() sends it and gives up at once.
                    # A close without it is an "unexpected eof" error to OpenSSL 3 clients.
                    self.sock.setblocking(False)
                    try:
                        self.sock.unwrap()
                    except (OSError, ValueError):
                        pass
                self.sock.close()
            except OSError:
                pass
        self.log(f"session tls={int(self.tls)} ehlo={self.ehlo} ehlo_tls={self.ehlo_tls} "
                 f"msgs={self.msgs} bytes={self.bytes} quit={int(self.quit)}"
                 + (f" error={err}" if err else ""))


def discard(sock, log):
    buf = bytearray(BLOCK)
    total = 0
    try:
        while True:
            n = sock.recv_into(buf)
            if n == 0:
                break
            total += n
    except OSError:
        pass
    sock.close()
    log(f"discard bytes={total}")


def main():
    ap = argparse.ArgumentParser(description="SMTP sink for the benchmarks")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--name", default="sink.bench")
    ap.add_argument("--discard", action="store_true")
    a = ap.parse_args()

    ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)

    lock = threading.Lock()
    logf = open(a.log, "a", buffering=1)

    def log(text):
        with lock:
            logf.write(text + "\n")

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1000)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{srv.getsockname()[1]}\n")
    os.rename(tmp, a.port_file)

    def stop(*_):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    while True:
        sock, _ = srv.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if a.discard:
            target = discard
            args = (sock, log)
        else:
            target = Conn(sock, ctx, a.name, log).run
            args = ()
        threading.Thread(target=target, args=args, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
