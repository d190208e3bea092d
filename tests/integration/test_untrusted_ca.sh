#!/usr/bin/env bash
# Trusting a different CA than the one that signed the server certificate
# must make the client fail certificate verification: non-zero exit, an error
# about the certificate, no AUTH, no delivery.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

other_ca=$T_TMP/other-ca.pem
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_TMP/other-ca-key.pem" \
	-subj "/O=postlet tests/CN=some other CA" -days 2 \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out "$other_ca" 2>/dev/null || fail "could not generate a second CA with openssl"

lp=$(unique_localpart)
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on "$TESTBED_PASS" "$other_ca" | write_config postletrc)

msg=$T_TMP/message
printf 'This must not be delivered.\n' |
	make_message "$msg" "<$rcpt>" "postlet untrusted ca $T_ID"

run_postlet "$msg" -C "$cfg" -- "$rcpt"
expect_failure
expect_stderr 'certif|verif|trust|issuer' "the certificate"
assert_no_sasl_attempt submission
assert_no_mail postlet.test "$lp"
