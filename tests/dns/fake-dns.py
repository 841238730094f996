#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A misbehaving DNS server on UDP 127.0.0.1 (or ::1), for what no real server
does on purpose. Every answer is "A 127.0.0.9" for the question asked.

usage: fake-dns.py --port-file FILE --log FILE [--listen ADDR] MODE
MODE:
  silent      never answer
  second      answer only the second copy of each query (the client's retry)
  mismatch    first an answer with a wrong ID, then one for another question,
              then the right one
  tc          answer with the TC bit and no record; nothing listens on TCP
  delay=MS    answer every query MS milliseconds later (queries overlap)
The log has one line per datagram received: "TIME_MS ID QNAME".
Stops on SIGTERM, or by itself after 120 s.
"""
import argparse
import os
import select
import socket
import struct
import sys
import time


def parse_question(q):
    """(id, flags, qname_text, end offset of the question) of a query."""
    qid, flags = struct.unpack("!HH", q[:4])
    off = 12
    labels = []
    while q[off] != 0:
        n = q[off]
        labels.append(q[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    off += 1 + 4  # root label, type, class
    return qid, flags, ".".join(labels) + ".", off


def answer(q, qid=None, tc=False, qname_override=None):
    oid, flags, _, end = parse_question(q)
    question = q[12:end]
    if qname_override is not None:
        wire = b"".join(bytes([len(p)]) + p.encode() for p in qname_override.split(".") if p)
        question = wire + b"\x00" + q[end - 4:end]
    rflags = 0x8000 | 0x0080 | (flags & 0x0100)  # QR, RA, RD copied
    if tc:
        rflags |= 0x0200
        return struct.pack("!HHHHHH", oid if qid is None else qid, rflags, 1, 0, 0, 0) + question
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([127, 0, 0, 9])
    return struct.pack("!HHHHHH", oid if qid is None else qid, rflags, 1, 1, 0, 0) + question + rr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("mode")
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.listen else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a.listen, 0))
    port = s.getsockname()[1]
    log = open(a.log, "a", buffering=1)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.rename(a.port_file + ".tmp", a.port_file)
    delay = 0.0
    if a.mode.startswith("delay="):
        delay = int(a.mode[6:]) / 1000.0
    seen = {}
    pending = []  # (due, data, addr)
    t_end = time.monotonic() + 120
    while time.monotonic() < t_end:
        timeout = 0.5
        if pending:
            timeout = max(0.0, min(p[0] for p in pending) - time.monotonic())
        r, _, _ = select.select([s], [], [], timeout)
        now = time.monotonic()
        for p in [p for p in pending if p[0] <= now]:
            s.sendto(p[1], p[2])
            pending.remove(p)
        if not r:
            continue
        q, addr = s.recvfrom(65535)
        try:
            qid, _, qname, _ = parse_question(q)
        except (IndexError, struct.error):
            continue
        log.write(f"{int(time.time() * 1000)} {qid} {qname}\n")
        seen[(qid, qname)] = seen.get((qid, qname), 0) + 1
        if a.mode == "silent":
            continue
        if a.mode == "second":
            if seen[(qid, qname)] >= 2:
                s.sendto(answer(q), addr)
        elif a.mode == "mismatch":
            s.sendto(answer(q, qid=(qid + 1) & 0xffff), addr)
            s.sendto(answer(q, qname_override="other." + qname), addr)
            s.sendto(answer(q), addr)
        elif a.mode == "tc":
            s.sendto(answer(q, tc=True), addr)
        elif delay:
            pending.append((now + delay, answer(q), addr))
        else:
            sys.exit(f"unknown mode {a.mode}")


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main()
