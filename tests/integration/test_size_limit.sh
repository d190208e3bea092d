#!/usr/bin/env bash
# The server advertises SIZE 20000: a larger message is refused by the
# client before MAIL, with a clear permanent error; a small one goes with
# SIZE= and arrives.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

cfg=$(testbed_config "$TESTBED_SMALL_PORT" on plain | write_config rc)

lp=$(tagged_localpart big)
msg=$T_TMP/big
awk 'BEGIN { for (i = 0; i < 400; i++) printf "%070d\n", i }' |
	make_message "$msg" "<$lp@postlet.test>" "postlet size $T_ID"
run_postlet "$msg" -C "$cfg" -v -- "$lp@postlet.test"
expect_rc 69
expect_stderr 'SIZE limit' "the server's SIZE limit"
printf '%s\n' "$PL_ERR" | grep -q '^--> MAIL' && fail "MAIL was sent for a message over the SIZE limit"
assert_no_mail postlet.test "$lp"

lp=$(tagged_localpart small)
msg=$T_TMP/small
printf 'small\n' | make_message "$msg" "<$lp@postlet.test>" "postlet size $T_ID"
run_postlet "$msg" -C "$cfg" -v -- "$lp@postlet.test"
expect_rc 0
size=$(($(wc -c <"$msg") + $(wc -l <"$msg")))
printf '%s\n' "$PL_ERR" | grep -Eq -- "^--> MAIL FROM:<[^>]*> SIZE=$size( |\$)" ||
	fail "MAIL FROM lacks SIZE=$size (the message's size with CRLF line ends)"
assert_same_message "$msg" "$(wait_for_mail postlet.test "$lp")"
