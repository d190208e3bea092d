#!/usr/bin/env bash
# AUTH XOAUTH2 with the token from "oauth_token": Dovecot's oauth2 passdb
# asks the test bed's introspection endpoint, the message is delivered and
# Postfix logs the mechanism.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

sasl_send XOAUTH2 xoauth2 "oauth_token $TESTBED_OAUTH_TOKEN"
