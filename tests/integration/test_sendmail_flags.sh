#!/usr/bin/env bash
# The sendmail flag table: every flag callers pass is accepted (the ones
# without meaning for a relay client ignored), -r sets the envelope sender,
# -F names the generated From, unknown flags stop with EX_USAGE before
# anything is sent, the newaliases personality is a no-op, and --pretend
# shows the configuration with the password masked.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
sender=$(tagged_localpart envelope)@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | write_config postletrc)

# no From: -F must name the one postlet adds; a lone dot must survive (-oi)
msg=$T_TMP/message
printf 'To: <%s>\nSubject: flags %s\n\nbefore\n.\nafter the lone dot\n' "$rcpt" "$T_ID" >"$msg"
run_postlet "$msg" -C "$cfg" -oem -oee -odi -odb -om -oXanything -O DeliveryMode=b \
	-L tag -A m -G -h 5 -n -U -m -bm -B8BITMIME -B 7BIT -v \
	-oi -F "Flag Tester" -r "$sender" -- "$rcpt"
expect_rc 0
f=$(wait_for_mail postlet.test "$lp")
assert_return_path "$f" "$sender"
from=$(headers_of "$f" | sed -n 's/^From: //p')
[ "$from" = "\"Flag Tester\" <$sender>" ] || [ "$from" = "Flag Tester <$sender>" ] ||
	fail "generated From is '$from', expected Flag Tester <$sender>"
grep -q '^after the lone dot' "$f" || fail "-oi did not keep the text after a lone dot"
printf '%s\n' "$PL_ERR" | grep -q -- '--> MAIL FROM:<'"$sender"'>' || fail "-v printed no protocol trace"

# unknown flags: EX_USAGE (64), a message naming the flag, nothing sent
for bad in -X -bz -tx -B9BIT --no-such-key=1; do
	run_postlet "$msg" -C "$cfg" "$bad" "$rcpt"
	expect_rc 64
	expect_stderr "unknown|$bad" "the unknown option $bad"
done
# a flag that needs a value, without one
run_postlet "$msg" -C "$cfg" -F
expect_rc 64
expect_stderr "needs a value" "the missing value"

# personalities: newaliases succeeds doing nothing
ln -s "$POSTLET" "$T_TMP/newaliases"
PL_RC=0
"$T_TMP/newaliases" >"$T_TMP/na.out" 2>&1 </dev/null || PL_RC=$?
[ "$PL_RC" = 0 ] || fail "newaliases exited $PL_RC"
grep -q 'nothing to do' "$T_TMP/na.out" || fail "newaliases said: $(cat "$T_TMP/na.out")"

# --pretend / -P: resolved settings, no secret
for p in -P --pretend; do
	run_postlet /dev/null -C "$cfg" "$p" --port=2525
	expect_rc 0
	printf '%s\n' "$PL_OUT" | grep -Eq '^port +(= )?2525$' || fail "$p does not show the overridden port: $PL_OUT"
	printf '%s\n' "$PL_OUT" | grep -Eq '^password +(= )?\*+$' || fail "$p does not show a masked password"
	if printf '%s\n' "$PL_OUT" | grep -qF -- "$TESTBED_PASS"; then
		fail "$p printed the password"
	fi
done
