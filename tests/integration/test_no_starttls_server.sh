#!/usr/bin/env bash
# A server that offers no STARTTLS but advertises AUTH in clear: with
# tls on + tls_starttls on the client must give up with EX_UNAVAILABLE (69)
# before sending any credentials.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_NOTLS_PORT" on on | write_config postletrc)

msg=$T_TMP/message
printf 'This must not be delivered.\n' |
	make_message "$msg" "<$rcpt>" "postlet no starttls $T_ID"

run_postlet "$msg" -C "$cfg" -- "$rcpt"
expect_rc 69
[ -n "$PL_ERR" ] || fail "stderr is empty, expected an explanation"

# The client must have talked to the server (else the test proves nothing)
# and the session must have ended without any AUTH command.
if ! wait_for_log '/notls/smtpd\[[0-9]+\]: disconnect from' 10; then
	fail "no finished session on the no-TLS port in the postfix log; did the client connect?"
fi
assert_no_sasl_attempt notls
assert_no_mail postlet.test "$lp"
