#!/usr/bin/env bash
# STARTTLS on the submission port with AUTH LOGIN.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on login | write_config postletrc)

msg=$T_TMP/message
printf 'Hello via STARTTLS and AUTH LOGIN.\n\n-- \npostlet integration test %s\n' "$T_ID" |
	make_message "$msg" "<$rcpt>" "postlet starttls login $T_ID"

run_postlet "$msg" -C "$cfg" "$rcpt"
expect_rc 0
f=$(wait_for_mail postlet.test "$lp")
assert_same_message "$msg" "$f"
assert_return_path "$f" "$TESTBED_USER"
if ! wait_for_log 'sasl_method=LOGIN' 5; then
	fail "postfix did not log a successful AUTH LOGIN"
fi
