#!/usr/bin/env bash
# RFC 5322's 998-octet limit: a plain-text body with longer lines (cron job
# output, logs) is re-encoded quoted-printable and arrives whole; a header
# of many words over the limit is folded.  Checked by decoding the
# delivered copy with Python's email package.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | write_config postletrc)
long=$(for i in $(seq 1 300); do printf 'w%03d ' "$i"; done)
{
	printf 'To: <%s>\nSubject: long lines %s\nX-Words: %s\n\n' "$rcpt" "$T_ID" "$long"
	printf 'short line\n%s= trailing space \nlast\n' "$(head -c 3000 /dev/zero | tr '\0' y)"
} >"$T_TMP/msg"
run_postlet "$T_TMP/msg" -C "$cfg" "$rcpt"
expect_rc 0
f=$(wait_for_mail postlet.test "$lp")
awk '{ sub(/\r$/, ""); if (length($0) > 998) exit 1 }' "$f" || fail "a delivered line is over 998 octets"
out=$(/usr/bin/python3 - "$f" "$T_TMP/msg" <<'PY'
import email, email.policy, sys
sent = open(sys.argv[2], "rb").read().split(b"\n\n", 1)
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert m["Content-Transfer-Encoding"] == "quoted-printable", m["Content-Transfer-Encoding"]
body = m.get_payload(decode=True).replace(b"\r\n", b"\n")
assert body == sent[1], (body[:80], sent[1][:80])
words = sent[0].split(b"X-Words: ", 1)[1].split(b"\n")[0].decode()
assert " ".join(m["X-Words"].split()) == " ".join(words.split()), "X-Words changed"
print("ok")
PY
) || fail "delivered copy does not decode to what was sent: $out"
