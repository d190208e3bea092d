#!/usr/bin/env bash
# DSN: -N success,failure -R hdrs -V envid reach Postfix, which then sends a
# success notification to the envelope sender carrying the envelope id and
# only the headers of the message.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
sender=$(tagged_localpart sender)@postlet.test
envid="env-$T_ID"
msg=$T_TMP/message
printf 'Body line that RET=HDRS keeps out of the notification.\n' |
	make_message "$msg" "<$rcpt>" "postlet dsn $T_ID"

cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on plain | write_config rc)
run_postlet "$msg" -C "$cfg" -v -f "$sender" -N success,failure -R hdrs -V "$envid" -- "$rcpt"
expect_rc 0
printf '%s\n' "$PL_ERR" | grep -Fq -- "RET=HDRS ENVID=$envid" || fail "MAIL FROM lacks RET/ENVID"
printf '%s\n' "$PL_ERR" | grep -Fq -- "--> RCPT TO:<$rcpt> NOTIFY=SUCCESS,FAILURE" ||
	fail "RCPT TO lacks NOTIFY"
assert_same_message "$msg" "$(wait_for_mail postlet.test "$lp")"

# the success notification for the sender
dsn=$(wait_for_mail postlet.test "${sender%@*}")
grep -Fq "Original-Envelope-Id: $envid" "$dsn" || fail "notification lacks the envelope id"
# delivery through pipe(8) is reported as "relayed"
grep -Eq '^Action: (delivered|relayed)' "$dsn" && grep -Eq '^Status: 2\.' "$dsn" ||
	fail "notification does not report a successful delivery"
grep -Fq "Subject: postlet dsn $T_ID" "$dsn" || fail "notification lacks the returned headers"
grep -Fq 'Body line that RET=HDRS' "$dsn" && fail "RET=HDRS, but the notification returned the body"
if ! wait_for_log "sender delivery status notification" 10; then
	fail "postfix did not log a delivery status notification"
fi

# dsn_notify / dsn_return from the configuration file (msmtp keys)
lp2=$(tagged_localpart cfg)
cfg2=$({ testbed_config "$TESTBED_SUBMISSION_PORT" on plain; printf 'dsn_notify never\ndsn_return full\n'; } |
	write_config rc2)
run_postlet "$msg" -C "$cfg2" -v -- "$lp2@postlet.test"
expect_rc 0
printf '%s\n' "$PL_ERR" | grep -Eq -- '^--> MAIL FROM:.* RET=FULL' || fail "dsn_return full not sent"
printf '%s\n' "$PL_ERR" | grep -Fq -- "NOTIFY=NEVER" || fail "dsn_notify never not sent"
wait_for_mail postlet.test "$lp2" >/dev/null

run_postlet "$msg" -C "$cfg" -N sometimes -- "$rcpt"
expect_rc 64
