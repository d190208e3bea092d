#!/usr/bin/env bash
# The server certificate, signed by the trusted test CA, expired in 2021.
# Must fail: exit 69, an error naming the cause, and Postfix counts no
# AUTH, MAIL, RCPT or DATA on the expired service.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

# Precondition: OpenSSL sees the same problem (else this tests nothing).
chk=$(timeout 10 openssl s_client -connect "127.0.0.1:$TESTBED_EXPIRED_PORT" -starttls smtp \
	-CAfile "$TESTBED_CA" -verify_hostname localhost </dev/null 2>&1 || true)
printf '%s\n' "$chk" | grep -q 'Verify return code: 10 ' ||
	fail "test bed precondition: port $TESTBED_EXPIRED_PORT does not give verify code 10"

tls_refusal expired "$TESTBED_EXPIRED_PORT" 69 'certificate has expired' "an expired certificate"
