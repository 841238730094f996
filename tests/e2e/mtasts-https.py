#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""An HTTPS server for MTA-STS policy fetches, on 127.0.0.1 at a port chosen
at run time. What it answers depends on the Host header (the port in it is
ignored):

  mta-sts.example.test          200 text/plain, a valid enforce policy for
                                *.example.test (Content-Length)
  mta-sts.sts-partial.example.test
                                200 text/plain, enforce, only mx1.example.test
                                (chunked transfer encoding)
  mta-sts.sts-redirect.example.test
                                301 to another URL (which must not be followed)
  mta-sts.sts-ctype.example.test
                                200 text/html
  anything else                 404

usage: mtasts-https.py --cert PEM --key PEM --port-file FILE --log FILE
The log has one line per request: "HOST PATH". Stops on SIGTERM, or by
itself after 120 s.
"""
import argparse
import http.server
import os
import signal
import ssl
import sys
import threading

POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: *.example.test\r\nmax_age: 604800\r\n"
PARTIAL = b"version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 86400\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_file = None

    def log_message(self, fmt, *args):
        pass

    def send(self, status, ctype, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        Handler.log_file.write(f"{host} {self.path}\n")
        Handler.log_file.flush()
        self.close_connection = True
        if self.path != "/.well-known/mta-sts.txt":
            self.send(404, "text/plain", b"not found\n")
        elif host == "mta-sts.example.test":
            self.send(200, "text/plain; charset=utf-8", POLICY)
        elif host == "mta-sts.sts-partial.example.test":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            half = len(PARTIAL) // 2
            for chunk in (PARTIAL[:half], PARTIAL[half:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif host == "mta-sts.sts-redirect.example.test":
            self.send(301, "text/plain", b"moved\n",
                      [("Location", "https://elsewhere.example.test/.well-known/mta-sts.txt")])
        elif host == "mta-sts.sts-ctype.example.test":
            self.send(200, "text/html", b"<html>" + POLICY + b"</html>")
        else:
            self.send(404, "text/plain", b"no policy here\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    Handler.log_file = open(a.log, "a", buffering=1)
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    os.rename(a.port_file + ".tmp", a.port_file)
    threading.Timer(120, lambda: os._exit(0)).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
