#!/usr/bin/env bash
# Three recipients, the server refuses one: the other two get the message,
# the client names the refused one and exits EX_NOUSER (67).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

cfg=$(testbed_config "$TESTBED_SMALL_PORT" on plain | write_config rc)
ok1=$(tagged_localpart one)
ok2=$(tagged_localpart two)
bad=refused-$(unique_localpart)
msg=$T_TMP/message
printf 'To three, one refused.\n' |
	make_message "$msg" "<$ok1@postlet.test>, <$bad@postlet.test>, <$ok2@postlet.test>" "postlet refused $T_ID"
run_postlet "$msg" -C "$cfg" -v -- "$ok1@postlet.test" "$bad@postlet.test" "$ok2@postlet.test"
expect_rc 67
expect_stderr "recipient $bad@postlet.test refused \\(554\\)" "the refused recipient"
printf '%s\n' "$PL_ERR" | grep -q "refused (.*$ok1" && fail "an accepted recipient was reported refused"
assert_same_message "$msg" "$(wait_for_mail postlet.test "$ok1")"
assert_same_message "$msg" "$(wait_for_mail postlet.test "$ok2")"
sleep 1
[ ! -d "$(maildir_of postlet.test "$bad")" ] || fail "the refused recipient got the message"

# every recipient refused: nothing is sent, exit 67
run_postlet "$msg" -C "$cfg" -- "$bad@postlet.test"
expect_rc 67
