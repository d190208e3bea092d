#!/usr/bin/env bash
# "tls_certcheck off" works only when set explicitly, and warns every time.
# Without it the self-signed server is refused (test_tls_self_signed).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
cfg=$(testbed_config "$TESTBED_SELFSIGNED_PORT" on on | write_config postletrc)
printf 'tls_certcheck off\n' >>"$cfg"
msg=$T_TMP/message
printf 'unverified\n' | make_message "$msg" "<$lp@postlet.test>" "certcheck off $T_ID"
run_postlet "$msg" -C "$cfg" -- "$lp@postlet.test"
expect_rc 0
expect_stderr 'warning: tls_certcheck is off' "the certcheck warning"
wait_for_mail postlet.test "$lp" >/dev/null

# a second run warns again (no "only once" state)
lp2=$(tagged_localpart again)
printf 'again\n' | make_message "$msg" "<$lp2@postlet.test>" "certcheck off again $T_ID"
run_postlet "$msg" -C "$cfg" -- "$lp2@postlet.test"
expect_rc 0
expect_stderr 'warning: tls_certcheck is off' "the certcheck warning on the second run"
