#!/usr/bin/env bash
# postlet alert: a complete MIME message from a subject and a body, the
# UTF-8 subject RFC 2047 encoded, the body UTF-8, priority headers; checked
# by decoding the delivered copy with Python's email package.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | write_config postletrc)
subject="Überwachung: Festplatte auf router-1 zu 97 % voll — $T_ID"
printf 'Disk /dev/sda1 is 97%% full — prüfen.\nSecond line.\n' >"$T_TMP/body"

run_postlet "$T_TMP/body" alert -C "$cfg" --to "$rcpt" --subject "$subject" --priority high
expect_rc 0
f=$(wait_for_mail postlet.test "$lp")
strip_trace "$f" >"$T_TMP/alert.eml" # what postlet sent, without the MTA's trace lines
out=$(/usr/bin/python3 - "$T_TMP/alert.eml" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
raw = open(sys.argv[1], "rb").read()
hdr = raw.split(b"\n\n", 1)[0]
assert all(b < 0x80 for b in hdr), "8-bit byte in the header block"
for line in hdr.split(b"\n"):
    assert len(line.rstrip(b"\r")) <= 78, "header line over 78: %r" % line
print(m["Subject"])
print(m.get_content_type(), m.get_content_charset())
print(m["X-Priority"], "|", m["Importance"])
print(m["Date"] is not None, m["Message-ID"] is not None, m["From"])
# base64 text carries the canonical CRLF form (RFC 2046 4.1.1)
body = m.get_content()
assert body.count("\r\n") == 2, repr(body)
print(body.replace("\r\n", "\n"), end="")
PY
) || fail "delivered alert does not parse: $out"
exp=$(printf '%s\ntext/plain utf-8\n1 (Highest) | high\nTrue True %s\nDisk /dev/sda1 is 97%% full — prüfen.\nSecond line.' \
	"$subject" "$TESTBED_USER")
[ "$out" = "$exp" ] || fail "decoded alert differs: got [$out] expected [$exp]"

# usage errors
run_postlet "$T_TMP/body" alert -C "$cfg" --subject x
expect_rc 64
expect_stderr "needs --to" "the missing --to"
run_postlet "$T_TMP/body" alert -C "$cfg" --to "$rcpt" --subject x --priority whenever
expect_rc 64
