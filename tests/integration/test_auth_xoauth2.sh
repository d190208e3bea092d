#!/usr/bin/env bash
# AUTH XOAUTH2 with the token from "oauth_token": Dovecot's oauth2 passdb
# asks the test bed's introspection endpoint, the message is delivered and
# Postfix logs the mechanism; then the same with a 1000-byte token.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

sasl_send XOAUTH2 xoauth2 "oauth_token $TESTBED_OAUTH_TOKEN"

# a 1000-byte token: one AUTH line of about 1.4 KB, neither cut nor refused
T_LOG_OFFSET=$(stat -c %s "$TESTBED_POSTFIX_LOG")
[ ${#TESTBED_OAUTH_LONG_TOKEN} = 1000 ] || fail "the test bed's long token is ${#TESTBED_OAUTH_LONG_TOKEN} bytes"
T_ID=$T_ID-long
sasl_send XOAUTH2 xoauth2 "oauth_token $TESTBED_OAUTH_LONG_TOKEN"
