#!/usr/bin/python3
"""OAuth 2.0 token introspection (RFC 7662) for the postlet test bed.

Dovecot's oauth2 passdb POSTs "token=..." here (introspection_mode = post);
the given token and a long one (TOKEN + "." + 1000 - len(TOKEN) - 1 "x",
1000 bytes, for the long-credential tests) are active and belong to one
user, every other token is inactive.
Loopback only, no outside network.  Each request is logged (the token is
not: only whether it was the active one).

usage: oauth_introspect.py PORT TOKEN USER PIDFILE
"""
import json
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

port, token, user, pidfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
long_token = token + "." + "x" * (1000 - len(token) - 1)


class Handler(BaseHTTPRequestHandler):
    def _answer(self, fields):
        got = fields.get("token", [""])[0]
        if not got:
            # GET/header mode: "Authorization: Bearer <token>"
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("bearer "):
                got = auth[7:].strip()
        active = got in (token, long_token)
        body = {"active": True, "username": user, "scope": "mail"} if active else {"active": False}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        sys.stderr.write("introspect: %s token\n" % ("active" if active else "unknown"))
        sys.stderr.flush()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(min(n, 65536)).decode("latin-1")
        self._answer(urllib.parse.parse_qs(raw))

    def do_GET(self):
        self._answer(urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query))

    def log_message(self, fmt, *args):
        pass


def main():
    srv = HTTPServer(("127.0.0.1", port), Handler)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    try:
        srv.serve_forever()
    finally:
        try:
            os.unlink(pidfile)
        except OSError:
            pass


if __name__ == "__main__":
    main()
