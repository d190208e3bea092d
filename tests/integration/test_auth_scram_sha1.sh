#!/usr/bin/env bash
# AUTH SCRAM-SHA-1, asked for with "auth scram-sha-1", against the test bed's Dovecot
# (through Postfix's SASL port): the message is delivered byte for byte,
# Postfix logs the mechanism, and the -v trace hides the credentials.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

sasl_send SCRAM-SHA-1 scram-sha-1 "password $TESTBED_PASS"
