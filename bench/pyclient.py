#!/usr/bin/python3
"""Python smtplib as a benchmark client: what a short script with the standard library does.

usage: pyclient.py many PORT COUNT FILE   one session: EHLO, COUNT times the message in FILE
                                          (MAIL, RCPT, DATA, each awaited), QUIT
       pyclient.py one PORT FILE          one session, one message: FILE read whole into
                                          memory, as smtplib needs it

FILE holds the message as it goes on the wire (CRLF line ends); smtplib dot-stuffs it.
Connects to 127.0.0.1:PORT with an explicit HELO name (smtplib would otherwise call
socket.getfqdn(), which may send a DNS query). Prints "accepted N" when the server accepted
N messages; any refusal raises and exits non-zero.
"""

import smtplib
import sys

FROM = "bench@bench.test"
TO = ["sink@bench.test"]


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "many":
        count, path = int(sys.argv[3]), sys.argv[4]
    elif mode == "one":
        count, path = 1, sys.argv[3]
    else:
        raise SystemExit(__doc__)
    with open(path, "rb") as f:
        msg = f.read()
    accepted = 0
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="bench.test")
    s.ehlo()
    for _ in range(count):
        refused = s.sendmail(FROM, TO, msg)  # raises unless the message is accepted
        if not refused:
            accepted += 1
    code, _ = s.quit()
    print(f"accepted {accepted}; QUIT {code}")
    return 0 if accepted == count and code == 221 else 1


if __name__ == "__main__":
    sys.exit(main())
