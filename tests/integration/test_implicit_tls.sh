#!/usr/bin/env bash
# Implicit TLS (submissions, port 465 style) with tls_starttls off.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSIONS_PORT" off on | write_config postletrc)

msg=$T_TMP/message
printf 'Hello via implicit TLS.\n.\n..\nbye\n' |
	make_message "$msg" "<$rcpt>" "postlet implicit tls $T_ID"

# -i: a lone "." line is data, not end of input (sendmail semantics)
run_postlet "$msg" -C "$cfg" -a testbed -f "$TESTBED_USER" -i -- "$rcpt"
expect_rc 0
f=$(wait_for_mail postlet.test "$lp")
assert_same_message "$msg" "$f"
assert_return_path "$f" "$TESTBED_USER"
if ! wait_for_log '/submissions/smtpd\[[0-9]+\]: [0-9A-F]+: client=.*sasl_method=' 5; then
	fail "postfix did not log an authenticated submission on the implicit TLS port"
fi
