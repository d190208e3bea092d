#!/usr/bin/env bash
# The test bed's "wrongname" port serves a certificate signed by the trusted
# test CA but issued for other.postlet.invalid only.  Connecting as
# "localhost" must fail the host name check: non-zero exit, an error about
# the certificate/host name, no AUTH, no delivery.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

# Precondition: the chain itself verifies against the CA, only the name is
# wrong -- otherwise this test would not test name checking.
if command -v openssl >/dev/null 2>&1; then
	chk=$(timeout 10 openssl s_client -connect "127.0.0.1:$TESTBED_WRONGNAME_PORT" \
		-starttls smtp -CAfile "$TESTBED_CA" -verify_return_error </dev/null 2>&1 || true)
	printf '%s\n' "$chk" | grep -q 'Verify return code: 0 (ok)' ||
		fail "test bed precondition: certificate on port $TESTBED_WRONGNAME_PORT does not chain to $TESTBED_CA"
	chk=$(timeout 10 openssl s_client -connect "127.0.0.1:$TESTBED_WRONGNAME_PORT" \
		-starttls smtp -CAfile "$TESTBED_CA" -verify_hostname localhost </dev/null 2>&1 || true)
	printf '%s\n' "$chk" | grep -q 'Verify return code: 62' ||
		fail "test bed precondition: certificate on port $TESTBED_WRONGNAME_PORT unexpectedly matches localhost"
fi

lp=$(unique_localpart)
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_WRONGNAME_PORT" on on | write_config postletrc)

msg=$T_TMP/message
printf 'This must not be delivered.\n' |
	make_message "$msg" "<$rcpt>" "postlet wrong hostname $T_ID"

run_postlet "$msg" -C "$cfg" -- "$rcpt"
expect_failure
expect_stderr 'certif|verif|host ?name|mismatch|match' "the certificate/host name"
assert_no_sasl_attempt wrongname
assert_no_mail postlet.test "$lp"
