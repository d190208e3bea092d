#!/usr/bin/env bash
# Several messages over one connection (pl_session_open, transact..., close)
# against the real server: the second message's recipient is refused, the
# session stays usable, the third message goes after an RSET, and the
# connection costs 7 round trips of setup plus one per message.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

prog=$(dirname "$POSTLET")/tests/session_multi
[ -x "$prog" ] || skip "$prog not built (make unit)"

r1=$(tagged_localpart one)@postlet.test
r2=refused-$(unique_localpart)@postlet.test
r3=$(tagged_localpart three)@postlet.test
out=$(timeout -k 5 "$POSTLET_TIMEOUT" "$prog" localhost "$TESTBED_SMALL_PORT" "$TESTBED_CA" \
	"$TESTBED_USER" "$TESTBED_PASS" "$TESTBED_USER" "$r1" "$r2" "$r3" 2>&1) ||
	fail "session_multi failed: $(printf '%s' "$out" | tr '\n' ' ')"
say "$(printf '%s' "$out" | tr '\n' ';')"
printf '%s\n' "$out" | grep -qx 'message 1: accepted; usable 1' || fail "message 1 not accepted"
printf '%s\n' "$out" | grep -Eqx 'message 2: .* code 554 5\.1\.1; usable 1' ||
	fail "message 2 was not refused with the session still usable"
printf '%s\n' "$out" | grep -qx 'message 3: accepted; usable 1' || fail "message 3 not accepted"
printf '%s\n' "$out" | grep -qx 'round trips 10' || fail "expected 10 round trips (7 setup + 3 messages)"
for r in "$r1" "$r3"; do
	f=$(wait_for_mail postlet.test "${r%@*}")
	grep -q "^Subject: session message" "$f" || fail "message for $r lacks its subject"
done
# one connection: both queued messages come from the same smtpd process
pids=$(log_new | sed -n 's/.*\/small\/smtpd\[\([0-9]*\)\]: [0-9A-F]*: client=.*/\1/p' | sort -u)
[ "$(printf '%s\n' "$pids" | grep -c .)" -eq 1 ] || fail "messages did not share one connection: smtpd pids $pids"
