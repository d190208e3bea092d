#!/usr/bin/env bash
# AUTH SCRAM-SHA-256, asked for with "auth scram-sha-256", against the test bed's Dovecot
# (through Postfix's SASL port): the message is delivered byte for byte,
# Postfix logs the mechanism, and the -v trace hides the credentials.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

sasl_send SCRAM-SHA-256 scram-sha-256 "password $TESTBED_PASS"
# the server's SCRAM messages (salt, iterations, signature) are hidden too
printf '%s\n' "$PL_ERR" | grep -q -- '^<-- 334 \[SASL data hidden\]$' ||
	fail "the trace does not hide the server's SCRAM challenges"
if printf '%s\n' "$PL_ERR" | grep -q -- '^<-- 334 [A-Za-z0-9+/]'; then
	fail "the trace shows a SCRAM challenge"
fi
