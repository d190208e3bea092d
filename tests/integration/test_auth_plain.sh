#!/usr/bin/env bash
# AUTH PLAIN, asked for with "auth plain", against the test bed's Dovecot
# (through Postfix's SASL port): the message is delivered byte for byte,
# Postfix logs the mechanism, and the -v trace hides the credentials.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

sasl_send PLAIN plain "password $TESTBED_PASS"
