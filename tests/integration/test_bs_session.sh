#!/usr/bin/env bash
# sendmail -bs driven by a real SMTP client (Python's smtplib over a socket
# pair on postlet's stdin/stdout):
#  - three messages in one -bs session travel over ONE upstream connection
#    (Postfix logs one smtpd process with three transactions and mail=3),
#    each final "." answered with the server's own "queued as" reply;
#  - DSN parameters from the caller (RET, ENVID in xtext, NOTIFY, ORCPT)
#    reach the server, which sends the success notification with the
#    envelope id; EHLO advertises DSN;
#  - recipients with another NOTIFY than the first get 452 (send them in
#    another transaction), unknown parameters 555.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet
command -v python3 >/dev/null || skip "python3 not installed"

cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | write_config postletrc)

cat >"$T_TMP/bs.py" <<'PY'
# bs.py POSTLET CFG MODE ARGS...: speak SMTP to "postlet -bs" with smtplib;
# print each reply as "CODE TEXT" lines.
import os
import shlex
import smtplib
import socket
import subprocess
import sys

postlet, cfg, mode = sys.argv[1:4]
args = sys.argv[4:]
ours, theirs = socket.socketpair()
err = open(sys.argv[0] + ".err", "w")
# POSTLET_WRAPPER (valgrind ...) as in run_postlet
cmd = shlex.split(os.environ.get("POSTLET_WRAPPER", "")) + [postlet, "-C", cfg, "-v", "-bs"]
proc = subprocess.Popen(cmd, stdin=theirs, stdout=theirs, stderr=err)
theirs.close()
s = smtplib.SMTP()
s.sock = ours
code, text = s.getreply()
print("GREETING", code)
code, text = s.ehlo("caller.test")
print("EHLO", code, "DSN" if s.has_extn("dsn") else "no-DSN")


def show(what, reply):
    print(what, reply[0], reply[1].decode())


def message(sender, rcpts, subject, mail_opts=(), rcpt_opts=()):
    show("MAIL", s.mail(sender, list(mail_opts)))
    for r in rcpts:
        show("RCPT", s.rcpt(r, list(rcpt_opts)))
    body = "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nbody of %s\r\n" % (
        sender, rcpts[0], subject, subject)
    show("DATA", s.data(body.encode()))


if mode == "three":
    sender, tag = args[0], args[1]
    for i, r in enumerate(args[2:], 1):
        message(sender, [r], "bs session %s %d" % (tag, i))
elif mode == "dsn":
    sender, rcpt, envid, tag = args
    message(sender, [rcpt], "bs dsn " + tag,
            ["RET=HDRS", "ENVID=" + envid],
            ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;" + rcpt])
elif mode == "params":
    sender, r1, r2 = args
    show("MAIL", s.mail(sender, ["FROBNICATE=1"]))
    show("MAIL", s.mail(sender))
    show("RCPT", s.rcpt(r1, ["NOTIFY=NEVER"]))
    show("RCPT", s.rcpt(r2, ["NOTIFY=SUCCESS"]))
    show("RCPT", s.rcpt(r2, ["NOTIFY=NEVER,SUCCESS"]))
    show("RSET", s.rset())
show("QUIT", s.docmd("QUIT"))
ours.close()
sys.exit(proc.wait(60))
PY

# --- three messages, one upstream connection ------------------------------
r1=$(tagged_localpart one)@postlet.test
r2=$(tagged_localpart two)@postlet.test
r3=$(tagged_localpart three)@postlet.test
out=$(timeout -k 5 "$POSTLET_TIMEOUT" python3 "$T_TMP/bs.py" "$POSTLET" "$cfg" three \
	"$TESTBED_USER" "$T_ID" "$r1" "$r2" "$r3" 2>&1) ||
	fail "smtplib session failed: $(printf '%s' "$out" | tr '\n' ' ' | cut -c 1-300); $(head -c 300 "$T_TMP/bs.py.err")"
say "$(printf '%s' "$out" | tr '\n' ';')"
printf '%s\n' "$out" | grep -qx 'EHLO 250 DSN' || fail "EHLO does not advertise DSN"
ids=$(printf '%s\n' "$out" | sed -n 's/^DATA 250 2\.0\.0 Ok: .*queued as \([0-9A-F]*\)$/\1/p')
[ "$(printf '%s\n' "$ids" | grep -c .)" = 3 ] ||
	fail "expected the server's 'queued as' reply to each of the 3 messages: $(printf '%s' "$out" | tr '\n' ';')"
for r in "$r1" "$r2" "$r3"; do
	f=$(wait_for_mail postlet.test "${r%@*}")
	grep -q "^Subject: bs session $T_ID" "$f" || fail "message for $r lacks its subject"
done
# the postlet side: one connection, its round trips counted once
n=$(grep -c '^postlet: connection closed: ' "$T_TMP/bs.py.err") || true
[ "$n" = 1 ] || fail "postlet reported $n upstream connections, expected 1"
# the Postfix side: the three queue ids come from one smtpd process, which
# logged one connection with three transactions
pids=$(for id in $ids; do
	log_new | sed -n "s/.*\/submission\/smtpd\[\([0-9]*\)\]: $id: client=.*/\1/p"
done | sort -u)
[ "$(printf '%s\n' "$pids" | grep -c .)" = 1 ] ||
	fail "the 3 messages did not share one connection: smtpd pids [$(printf '%s' "$pids" | tr '\n' ' ')]"
wait_for_log "/submission/smtpd\[$pids\]: disconnect from .* mail=3 " 10 ||
	fail "smtpd[$pids] did not log one connection with mail=3: $(log_new | grep "smtpd\[$pids\]: disconnect" | cut -c 1-300)"
# Postfix reuses smtpd processes and its log writer may flush a previous
# test's lines late: count the connections that carried our queue ids,
# not every connection the process logged
conns=$(log_new | grep "/submission/smtpd\[$pids\]: " | awk -v ids="$ids" '
	BEGIN { n = split(ids, a, "\n"); for (i = 1; i <= n; i++) want[a[i] ": client="] = 1 }
	/: connect from / { c++ }
	{ for (k in want) if (index($0, k)) held[c] = 1 }
	END { for (x in held) m++; print m + 0 }')
[ "$conns" = 1 ] || fail "smtpd[$pids] carried the 3 messages over $conns connections"

# --- DSN parameters from the caller -----------------------------------------
lp=$(tagged_localpart dsn)
rcpt=$lp@postlet.test
sender=$(tagged_localpart sender)@postlet.test
envid="env+$T_ID"          # '+' travels as xtext "+2B"
out=$(timeout -k 5 "$POSTLET_TIMEOUT" python3 "$T_TMP/bs.py" "$POSTLET" "$cfg" dsn \
	"$sender" "$rcpt" "env+2B$T_ID" "$T_ID" 2>&1) ||
	fail "smtplib DSN session failed: $(printf '%s' "$out" | tr '\n' ' ' | cut -c 1-300)"
say "$(printf '%s' "$out" | tr '\n' ';')"
printf '%s\n' "$out" | grep -q '^DATA 250 ' || fail "DSN message not relayed: $(printf '%s' "$out" | tr '\n' ';')"
trace=$(cat "$T_TMP/bs.py.err")
printf '%s\n' "$trace" | grep -Eq -- "^--> MAIL FROM:<$sender>.* RET=HDRS ENVID=env\+2B$T_ID" ||
	fail "upstream MAIL FROM lacks RET=HDRS ENVID: $(printf '%s\n' "$trace" | grep -- '--> MAIL' | head -1)"
printf '%s\n' "$trace" | grep -Fq -- "--> RCPT TO:<$rcpt> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;$rcpt" ||
	fail "upstream RCPT TO lacks NOTIFY/ORCPT: $(printf '%s\n' "$trace" | grep -- '--> RCPT' | head -1)"
wait_for_mail postlet.test "$lp" >/dev/null
dsn=$(wait_for_mail postlet.test "${sender%@*}")
grep -Fq "Original-Envelope-Id: $envid" "$dsn" || fail "notification lacks the envelope id $envid"
grep -Fq "Original-Recipient: rfc822;$rcpt" "$dsn" || fail "notification lacks the original recipient"
grep -Eq '^Status: 2\.' "$dsn" || fail "notification does not report a successful delivery"
grep -Fq "body of bs dsn" "$dsn" && fail "RET=HDRS, but the notification returned the body"

# --- parameters postlet cannot pass on ----------------------------------------
out=$(timeout -k 5 "$POSTLET_TIMEOUT" python3 "$T_TMP/bs.py" "$POSTLET" "$cfg" params \
	"$TESTBED_USER" "$r1" "$r2" 2>&1) || fail "smtplib params session failed: $(printf '%s' "$out" | tr '\n' ' ')"
got=$(printf '%s\n' "$out" | awk '$1 != "EHLO" { print $1, $2 }' | tr '\n' ' ')
want='GREETING 220 MAIL 555 MAIL 250 RCPT 250 RCPT 452 RCPT 501 RSET 250 QUIT 221 '
[ "$got" = "$want" ] || fail "replies [$got], expected [$want]"
