#!/usr/bin/env bash
# AUTH CRAM-MD5, asked for with "auth cram-md5", against the test bed's Dovecot
# (through Postfix's SASL port): the message is delivered byte for byte,
# Postfix logs the mechanism, and the -v trace hides the credentials.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

sasl_send CRAM-MD5 cram-md5 "password $TESTBED_PASS"
