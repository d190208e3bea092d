#!/usr/bin/env bash
# A UTF-8 envelope sender goes with the SMTPUTF8 parameter when the server
# offers it (the MTA records it as the Return-Path); without SMTPUTF8 the
# client refuses before MAIL.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
sender="j$(printf '\303\266')rg-$lp@postlet.test"
msg=$T_TMP/message
printf 'From a UTF-8 envelope sender.\n' | make_message "$msg" "<$rcpt>" "postlet smtputf8 $T_ID"

cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on plain | write_config rc)
run_postlet "$msg" -C "$cfg" -v -f "$sender" -- "$rcpt"
expect_rc 0
printf '%s\n' "$PL_ERR" | grep -Fq -- "--> MAIL FROM:<$sender>" || fail "MAIL FROM did not carry the UTF-8 sender"
printf '%s\n' "$PL_ERR" | grep -Eq '^--> MAIL FROM:.* SMTPUTF8' || fail "MAIL FROM lacks SMTPUTF8"
f=$(wait_for_mail postlet.test "$lp")
assert_return_path "$f" "$sender"

lp7=$(tagged_localpart 7bit)
cfg7=$(testbed_config "$TESTBED_7BIT_PORT" on plain | write_config rc7)
run_postlet "$msg" -C "$cfg7" -v -f "$sender" -- "$lp7@postlet.test"
expect_rc 69
expect_stderr 'SMTPUTF8' "the missing SMTPUTF8 extension"
printf '%s\n' "$PL_ERR" | grep -q '^--> MAIL' && fail "MAIL was sent to a server without SMTPUTF8"
assert_no_mail postlet.test "$lp7"
