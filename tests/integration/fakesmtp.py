#!/usr/bin/python3
"""Scripted misbehaving SMTP server for the postlet TLS tests.

Postfix cannot be made to misbehave, so these cases are played here:
  nostarttls  EHLO does not offer STARTTLS (a stripping attacker)
  refuse454   STARTTLS is offered but answered "454 4.7.0"
  refuse554   STARTTLS is offered but answered "554 5.7.3" (permanent)
  inject      the 220 reply to STARTTLS is followed, in the same write, by
              bytes a man in the middle injected (CVE-2021-22947 class)
  external    a well-behaved server for AUTH EXTERNAL, which Postfix cannot
              offer with Dovecot (it does not pass the client certificate):
              STARTTLS with the test bed's certificate, a client certificate
              required and verified against the test CA ($TESTBED_TLS_DIR),
              AUTH EXTERNAL accepted only with the empty authorization
              identity, the message read to its final dot ("-- message
              received" and the subject are logged)
For the queue tests (tests/queue/suite.sh; no TLS or AUTH needed there):
  greet421    the greeting is "421 4.3.2 service not available", then close
  mail451     MAIL FROM is answered "451 4.3.0 try again later"
  dropdot     the whole message is read, then the connection is closed
              without a reply to the final dot (the ambiguous window)
  ok          accepts every message
In every mode a DATA is read to its final dot ("-- message received").

Every line the client sends is appended to the transcript file, so a test
can prove that no AUTH and no MAIL ever arrived.  Any later command gets a
plausible success reply, so a client that wrongly carried on would be seen
doing so.  Serves connections one at a time until killed.

usage: fakesmtp.py MODE PORT TRANSCRIPT READY_FILE
"""
import os
import socket
import ssl
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
    conn.sendall(b"220 fake.postlet.test ESMTP scripted test server\r\n")
    while True:
        raw = f.readline(4096)
        if not raw:
            log("-- closed by client")
            return
        line = raw.decode("latin-1").rstrip("\r\n")
        log("C: " + line)
        verb = line.split(" ", 1)[0].upper()
        if verb in ("EHLO", "HELO"):
            caps = ["fake.postlet.test", "PIPELINING", "AUTH PLAIN LOGIN", "8BITMIME"]
            if mode != "nostarttls":
                caps.insert(1, "STARTTLS")
            out = "".join("250-%s\r\n" % c for c in caps[:-1]) + "250 %s\r\n" % caps[-1]
            conn.sendall(out.encode())
        elif verb == "STARTTLS":
            if mode == "refuse454":
                conn.sendall(b"454 4.7.0 TLS not available due to local problem\r\n")
            elif mode == "refuse554":
                conn.sendall(b"554 5.7.3 TLS not available here\r\n")
            elif mode == "inject":
                # the injected reply travels in the same segment as the 220
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n250-injected.example\r\n250 AUTH PLAIN\r\n")
                log("-- sent 220 plus injected bytes")
            else:
                conn.sendall(b"502 5.5.1 not offered\r\n")
        elif verb == "AUTH":
            conn.sendall(b"235 2.7.0 Authentication successful\r\n")
        elif verb == "MAIL" and mode == "mail451":
            conn.sendall(b"451 4.3.0 try again later\r\n")
        elif verb == "DATA":
            conn.sendall(b"354 go ahead\r\n")
            while True:
                body = f.readline(65536)
                if not body or body in (b".\r\n", b".\n"):
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


def external_session(conn):
    """STARTTLS + client certificate + AUTH EXTERNAL, then an honest DATA."""
    f = conn.makefile("rb")
    conn.sendall(b"220 fake.postlet.test ESMTP certificate test server\r\n")
    tls = False
    authed = False
    while True:
        raw = f.readline(4096)
        if not raw:
            log("-- closed by client")
            return
        line = raw.decode("latin-1").rstrip("\r\n")
        log("C: " + line)
        verb = line.split(" ", 1)[0].upper()
        if verb == "EHLO":
            caps = ["fake.postlet.test", "PIPELINING", "8BITMIME"]
            caps.append("AUTH EXTERNAL PLAIN" if tls else "STARTTLS")
            out = "".join("250-%s\r\n" % c for c in caps[:-1]) + "250 %s\r\n" % caps[-1]
            conn.sendall(out.encode())
        elif verb == "STARTTLS" and not tls:
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            d = os.environ["TESTBED_TLS_DIR"]
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(d + "/server-cert.pem", d + "/server-key.pem")
            ctx.load_verify_locations(d + "/ca.pem")
            ctx.verify_mode = ssl.CERT_REQUIRED
            conn = ctx.wrap_socket(conn, server_side=True)
            subject = dict(x[0] for x in conn.getpeercert()["subject"])
            log("-- client certificate verified: CN=%s" % subject.get("commonName", "?"))
            f = conn.makefile("rb")
            tls = True
        elif verb == "AUTH" and tls and line.upper() == "AUTH EXTERNAL =":
            authed = True
            conn.sendall(b"235 2.7.0 Authenticated by client certificate\r\n")
        elif verb == "AUTH":
            conn.sendall(b"535 5.7.8 Only EXTERNAL with an empty authorization identity\r\n")
        elif verb in ("MAIL", "RCPT") and not authed:
            conn.sendall(b"530 5.7.0 Authentication required\r\n")
        elif verb == "DATA" and authed:
            conn.sendall(b"354 go ahead\r\n")
            while True:
                body = f.readline(65536)
                if not body or body in (b".\r\n", b".\n"):
                    break
                if body.lower().startswith(b"subject:"):
                    log("-- " + body.decode("latin-1").rstrip("\r\n"))
            log("-- message received")
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
    srv.listen(4)
    open(ready, "w").close()
    while True:
        conn, _ = srv.accept()
        conn.settimeout(30)
        log("-- connection")
        try:
            if mode == "external":
                external_session(conn)
            else:
                session(conn)
        except (OSError, ssl.SSLError, KeyError) as e:
            log("-- error: %s" % e)
        finally:
            conn.close()


main()
