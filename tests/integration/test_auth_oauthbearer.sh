#!/usr/bin/env bash
# AUTH OAUTHBEARER (RFC 7628), the token from passwordeval (as msmtp users
# keep it): delivered, logged as OAUTHBEARER.  Then a token the endpoint
# does not know: Dovecot's error challenge is acknowledged, the run fails
# with exit 77 and names the JSON status, and nothing is delivered.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

printf '%s\n' "$TESTBED_OAUTH_TOKEN" >"$T_TMP/token"
sasl_send OAUTHBEARER oauthbearer "passwordeval \"cat $T_TMP/token\""

lp=$(tagged_localpart refused)
cfg=$(sasl_config oauthbearer "oauth_token not-a-valid-token" | write_config refused-rc)
printf 'never delivered\n' | make_message "$T_TMP/msg2" "<$lp@postlet.test>" "refused $T_ID"
run_postlet "$T_TMP/msg2" -C "$cfg" -v "$lp@postlet.test"
expect_rc 77
expect_stderr 'OAuth status: invalid_token' "the server's OAuth status"
printf '%s\n' "$PL_ERR" | grep -q -- '^--> .*\[credentials hidden\]' ||
	fail "the acknowledgement of the error challenge is not in the trace"
assert_no_mail postlet.test "$lp" 2
