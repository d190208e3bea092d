#!/usr/bin/env bash
# sendmail -bs against a scripted upstream (what Postfix will not do on
# demand): the reply to each final "." is the upstream's own for that
# message (250 with its queue id, 451 and 554 with its text, a RCPT refusal
# for the only recipient), a message taken for one of two recipients gets
# 250 naming the refused one, and a connection the server dropped while
# idle (silently, or with 421) is replaced without losing the message.
# The server counts connections: the messages between drops share one.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

PORT=$((TESTBED_FAKE_PORT_BASE + 7))
LOG=$T_TMP/upstream.log
cat >"$T_TMP/upstream.py" <<'PY'
# Plain SMTP (no TLS, no AUTH) with PIPELINING; behaviour by recipient:
#   tempfail@  451 after the data      permfail@  554 after the data
#   refused@   550 to RCPT             drop@      250, then close at once
#   drop421@   250, then 421 and close (an idle timeout)
import socket
import sys

port, log, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def note(s):
    with open(log, "a") as f:
        f.write(s + "\n")


def session(conn, cid):
    f = conn.makefile("rb")
    conn.sendall(b"220 upstream.test ESMTP\r\n")
    rcpts, n = [], 0
    while True:
        raw = f.readline(4096)
        if not raw:
            note("%d closed by client" % cid)
            return
        line = raw.decode("latin-1").rstrip("\r\n")
        verb = line.split(" ", 1)[0].upper()
        if verb == "EHLO":
            conn.sendall(b"250-upstream.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
        elif verb == "MAIL":
            rcpts = []
            conn.sendall(b"250 2.1.0 Ok\r\n")
        elif verb == "RCPT":
            addr = line.split("<", 1)[1].split(">", 1)[0]
            if addr.startswith("refused@"):
                conn.sendall(b"550 5.1.1 <%s>: no such user here\r\n" % addr.encode())
            else:
                rcpts.append(addr)
                conn.sendall(b"250 2.1.5 Ok\r\n")
        elif verb == "DATA":
            if not rcpts:
                conn.sendall(b"554 5.5.1 No valid recipients\r\n")
                continue
            conn.sendall(b"354 go ahead\r\n")
            while f.readline(65536).rstrip(b"\r\n") != b".":
                pass
            n += 1
            qid = "C%dM%d" % (cid, n)
            note("%d message %s to %s" % (cid, qid, ",".join(rcpts)))
            if "tempfail@" in rcpts[0]:
                conn.sendall(b"451 4.3.0 Mailbox busy, try again (%s)\r\n" % qid.encode())
            elif "permfail@" in rcpts[0]:
                conn.sendall(b"554 5.6.0 Content refused (%s)\r\n" % qid.encode())
            else:
                conn.sendall(b"250 2.0.0 Ok: queued as %s\r\n" % qid.encode())
            if rcpts[0].startswith("drop@"):
                return
            if rcpts[0].startswith("drop421@"):
                conn.sendall(b"421 4.4.2 upstream.test Error: timeout exceeded\r\n")
                return
        elif verb == "RSET" or verb == "NOOP":
            conn.sendall(b"250 2.0.0 Ok\r\n")
        elif verb == "QUIT":
            conn.sendall(b"221 2.0.0 Bye\r\n")
            note("%d quit" % cid)
            return
        else:
            conn.sendall(b"502 5.5.2 What\r\n")


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(4)
open(ready, "w").close()
cid = 0
while True:
    conn, _ = srv.accept()
    cid += 1
    note("%d connect" % cid)
    conn.settimeout(30)
    try:
        session(conn, cid)
    except OSError as e:
        note("%d error %s" % (cid, e))
    finally:
        conn.close()
PY
: >"$LOG"
/usr/bin/python3 "$T_TMP/upstream.py" "$PORT" "$LOG" "$T_TMP/ready" >"$T_TMP/upstream.out" 2>&1 &
UP=$!
trap 'kill "$UP" 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 50); do
	[ -e "$T_TMP/ready" ] && break
	sleep 0.1
done
[ -e "$T_TMP/ready" ] || fail "scripted upstream did not start on port $PORT: $(cat "$T_TMP/upstream.out")"

cfg=$(write_config rc <<EOF
account upstream
host 127.0.0.1
port $PORT
tls off
auth off
from sender@postlet.test
account default : upstream
EOF
)

msg() { # RCPT... : one transaction
	local r
	printf 'MAIL FROM:<sender@postlet.test>\r\n'
	for r in "$@"; do printf 'RCPT TO:<%s>\r\n' "$r"; done
	printf 'DATA\r\nSubject: to %s\r\n\r\nbody\r\n.\r\n' "$1"
}
{
	printf 'EHLO caller.test\r\n'
	msg ok1@upstream.test                         # conn 1
	msg tempfail@upstream.test                    # conn 1: 451, stays
	msg permfail@upstream.test                    # conn 1: 554, stays
	msg refused@upstream.test                     # conn 1: 550 at RCPT
	msg ok2@upstream.test refused@upstream.test   # conn 1: partly
	msg drop@upstream.test                        # conn 1, then dropped
	msg ok3@upstream.test                         # conn 2 (retried once)
	msg drop421@upstream.test                     # conn 2, then 421
	msg ok4@upstream.test                         # conn 3 (retried once)
	printf 'QUIT\r\n'
} >"$T_TMP/session"
run_postlet "$T_TMP/session" -C "$cfg" -bs
expect_rc 0
finals=$(printf '%s\n' "$PL_OUT" | tr -d '\r' | grep -Ev '^(220|250-|250 2\.1\.[05] |354 |221 )' |
	grep -v '^250 SIZE')
say "final replies: $(printf '%s' "$finals" | tr '\n' '|')"
want='250 2.0.0 Ok: queued as C1M1
451 4.3.0 Mailbox busy, try again (C1M2)
554 5.6.0 Content refused (C1M3)
550 5.1.1 <refused@upstream.test>: no such user here
250 2.0.0 Relayed to 1 of 2 recipients; refused: refused@upstream.test (550)
250 2.0.0 Ok: queued as C1M5
250 2.0.0 Ok: queued as C2M1
250 2.0.0 Ok: queued as C2M2
250 2.0.0 Ok: queued as C3M1'
[ "$finals" = "$want" ] || fail "replies to the final dots: [$(printf '%s' "$finals" | tr '\n' '|')], expected [$(printf '%s' "$want" | tr '\n' '|')]"
printf '%s\n' "$PL_ERR" | grep -Fq 'recipient refused@upstream.test refused (550)' ||
	fail "the partly refused recipient is not named on stderr"
for _ in $(seq 20); do grep -q '^3 quit' "$LOG" && break; sleep 0.1; done
say "upstream log: $(tr '\n' '|' <"$LOG")"
[ "$(grep -c ' connect$' "$LOG")" = 3 ] || fail "expected 3 upstream connections (two drops), got $(grep -c ' connect$' "$LOG")"
grep -q '^3 quit' "$LOG" || fail "the last connection did not end with QUIT"
[ "$(grep -c ' message ' "$LOG")" = 8 ] || fail "expected 8 messages at the upstream, got $(grep -c ' message ' "$LOG")"
