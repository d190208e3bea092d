#!/usr/bin/env bash
# An 8-bit body goes with BODY=8BITMIME and arrives unchanged; a server
# without 8BITMIME gets nothing: a clear permanent error instead.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
msg=$T_TMP/message
printf 'Gr\303\274\303\237e aus K\303\266ln, 8-bit: \351\n.\n' |
	make_message "$msg" "<$rcpt>" "postlet 8bit $T_ID"

cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on plain | write_config rc)
run_postlet "$msg" -C "$cfg" -i -v -- "$rcpt"
expect_rc 0
printf '%s\n' "$PL_ERR" | grep -Eq '^--> MAIL FROM:<[^>]*> .*BODY=8BITMIME' ||
	fail "MAIL FROM did not declare BODY=8BITMIME"
assert_same_message "$msg" "$(wait_for_mail postlet.test "$lp")"

lp7=$(tagged_localpart 7bit)
cfg7=$(testbed_config "$TESTBED_7BIT_PORT" on plain | write_config rc7)
run_postlet "$msg" -C "$cfg7" -i -v -- "$lp7@postlet.test"
expect_rc 69
expect_stderr '8BITMIME' "the missing 8BITMIME extension"
printf '%s\n' "$PL_ERR" | grep -q '^--> MAIL' && fail "MAIL was sent to a server without 8BITMIME"
assert_no_mail postlet.test "$lp7"
