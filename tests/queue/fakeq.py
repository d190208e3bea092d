#!/usr/bin/python3
"""Scripted SMTP server for the queue tests (no TLS, no AUTH needed).

  greet421  the greeting is "421 4.3.2 service not available", then close
  mail451   MAIL FROM is answered "451 4.3.0 try again later"
  dropdot   the whole message is read, then the connection is closed
            without a reply to the final dot (the ambiguous window)
  ok        accepts everything; each message is appended to TRANSCRIPT

usage: fakeq.py MODE PORT TRANSCRIPT READY_FILE
"""
import socket
import sys

mode, port, transcript, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def log(line):
    with open(transcript, "a", encoding="utf-8", errors="replace") as f:
        f.write(line + "\n")


def session(conn):
    f = conn.makefile("rb")
    if mode == "greet421":
        conn.sendall(b"421 4.3.2 service not available\r\n")
        return
    conn.sendall(b"220 fakeq.postlet.test ESMTP\r\n")
    while True:
        raw = f.readline(4096)
        if not raw:
            log("-- closed by client")
            return
        line = raw.decode("latin-1").rstrip("\r\n")
        log("C: " + line)
        verb = line.split(" ", 1)[0].upper()
        if verb in ("EHLO", "HELO"):
            conn.sendall(b"250-fakeq.postlet.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
        elif verb == "MAIL" and mode == "mail451":
            conn.sendall(b"451 4.3.0 try again later\r\n")
        elif verb == "DATA":
            conn.sendall(b"354 go ahead\r\n")
            while True:
                raw = f.readline(65536)
                if not raw or raw in (b".\r\n", b".\n"):
                    break
            log("-- message received")
            if mode == "dropdot":
                log("-- dropped without a reply")
                return
            conn.sendall(b"250 2.0.0 queued\r\n")
        elif verb == "QUIT":
            conn.sendall(b"221 2.0.0 Bye\r\n")
            return
        else:
            conn.sendall(b"250 2.0.0 OK\r\n")


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(8)
    open(ready, "w").close()
    while True:
        conn, _ = srv.accept()
        conn.settimeout(30)
        log("-- connection")
        try:
            session(conn)
        except OSError as e:
            log("-- error %s" % e)
        finally:
            conn.close()


main()
