#!/usr/bin/env bash
# sendmail -bs: one SMTP session on stdin/stdout carrying two messages, each
# relayed through the test bed before its final reply, which is the server's
# own (dot-unstuffed on the way); a message whose every recipient the server
# refuses gets the server's 5xx reply, commands out of order get 503, and
# the session ends with 221.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

a=$(tagged_localpart one)@postlet.test
b=$(tagged_localpart two)@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | write_config postletrc)

{
	printf 'EHLO caller.test\r\n'
	printf 'RCPT TO:<%s>\r\n' "$a"
	printf 'MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n' "$TESTBED_USER" "$a"
	printf 'Subject: bs one %s\r\n\r\n..starts with a dot\r\n.\r\n' "$T_ID"
	printf 'MAIL FROM:<%s>\r\nRSET\r\n' "$TESTBED_USER"
	printf 'MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n' "$TESTBED_USER" "$b"
	printf 'Subject: bs two %s\r\n\r\nsecond\r\n.\r\n' "$T_ID"
	printf 'MAIL FROM:<%s>\r\nRCPT TO:<nobody@elsewhere.example>\r\nDATA\r\n' "$TESTBED_USER"
	printf 'Subject: refused\r\n\r\nx\r\n.\r\n'
	printf 'NOOP\r\nQUIT\r\n'
} >"$T_TMP/session"
run_postlet "$T_TMP/session" -C "$cfg" -bs
expect_rc 0
replies=$(printf '%s\n' "$PL_OUT" | tr -d '\r' | cut -c 1-3 | tr '\n' ' ')
# 220, EHLO (5 lines), 503 (RCPT before MAIL), 250 250 354 250, 250 250 (MAIL, RSET),
# 250 250 354 250, 250 250 354 550 (the server's refusal), 250 (NOOP), 221
want='220 250 250 250 250 250 503 250 250 354 250 250 250 250 250 354 250 250 250 354 550 250 221 '
[ "$replies" = "$want" ] || fail "reply codes [$replies], expected [$want]"
n=$(printf '%s\n' "$PL_OUT" | grep -c '^250 2\.0\.0 Ok: .*queued as ') || true
[ "$n" = 2 ] || fail "expected the server's 'queued as' reply for both messages, got $n"
printf '%s\n' "$PL_OUT" | grep -q '^550 5\.7\.1 <nobody@elsewhere\.example>: Recipient address rejected' ||
	fail "the server's refusal did not reach the caller"
f=$(wait_for_mail postlet.test "${a%@*}")
grep -q '^\.starts with a dot' "$f" || fail "dot-stuffed line not restored: $(tail -n 2 "$f")"
assert_return_path "$f" "$TESTBED_USER"
f=$(wait_for_mail postlet.test "${b%@*}")
grep -q '^second' "$f" || fail "second message body missing"
