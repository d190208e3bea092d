#!/usr/bin/env bash
# A wrong password must give EX_NOPERM (77), a message about authentication,
# and no delivery.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on "not-the-$TESTBED_PASS" | write_config postletrc)

msg=$T_TMP/message
printf 'This must not be delivered.\n' |
	make_message "$msg" "<$rcpt>" "postlet wrong password $T_ID"

run_postlet "$msg" -C "$cfg" -- "$rcpt"
expect_rc 77
expect_stderr 'auth' "authentication"
assert_no_mail postlet.test "$lp"
if ! wait_for_log 'authentication failed' 5; then
	fail "postfix logged no failed authentication: the client never tried the password"
fi
