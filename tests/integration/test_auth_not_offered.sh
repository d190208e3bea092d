#!/usr/bin/env bash
# A configured mechanism the server does not offer: the submission port
# announces only PLAIN and LOGIN, "auth scram-sha-256" fails with exit 69
# and a message naming what the server offers; no AUTH is attempted.
# "auth on" against the same port still authenticates (PLAIN), and against
# the SASL port picks SCRAM-SHA-256.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

lp=$(tagged_localpart none)
cfg=$(SASL_PORT=$TESTBED_SUBMISSION_PORT sasl_config scram-sha-256 "password $TESTBED_PASS" |
	write_config rc1)
printf 'never delivered\n' | make_message "$T_TMP/msg" "<$lp@postlet.test>" "not offered $T_ID"
run_postlet "$T_TMP/msg" -C "$cfg" "$lp@postlet.test"
expect_rc 69
expect_stderr 'server offers AUTH PLAIN LOGIN; configured: SCRAM-SHA-256' "the mechanisms on offer"
assert_no_sasl_attempt submission
assert_no_mail postlet.test "$lp" 1

# auth on: the strongest offered after TLS
sasl_send SCRAM-SHA-256 on "password $TESTBED_PASS"
