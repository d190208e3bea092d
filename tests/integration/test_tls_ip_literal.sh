#!/usr/bin/env bash
# An IP literal as host is verified against the certificate's IP SAN
# (wolfSSL's name check covers DNS names only): the test bed certificate
# carries IP:127.0.0.1 and is accepted; the wrong-name certificate carries
# no IP address and is refused with exit 69, no AUTH and no mail.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

lp=$(unique_localpart)
msg=$T_TMP/message
printf 'to an IP literal\n' | make_message "$msg" "<$lp@postlet.test>" "ip literal $T_ID"
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | sed 's/^host localhost$/host 127.0.0.1/' |
	write_config rc-good)
grep -q '^host 127.0.0.1$' "$cfg" || fail "could not write a configuration with host 127.0.0.1"
run_postlet "$msg" -C "$cfg" -- "$lp@postlet.test"
expect_rc 0
wait_for_mail postlet.test "$lp" >/dev/null

T_LOG_OFFSET=$(stat -c %s "$TESTBED_POSTFIX_LOG")
cfg=$(testbed_config "$TESTBED_WRONGNAME_PORT" on on | sed 's/^host localhost$/host 127.0.0.1/' |
	write_config rc-bad)
run_postlet "$msg" -C "$cfg" -- "$lp@postlet.test"
expect_rc 69
expect_stderr 'does not name IP address 127\.0\.0\.1' "the IP address mismatch"
assert_no_auth_no_mail wrongname
