#!/usr/bin/env bash
# The server certificate, signed by the trusted test CA, is valid only from 2099.
# Must fail: exit 69, an error naming the cause, and Postfix counts no
# AUTH, MAIL, RCPT or DATA on the notyet service.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

# Precondition: OpenSSL sees the same problem (else this tests nothing).
chk=$(timeout 10 openssl s_client -connect "127.0.0.1:$TESTBED_NOTYET_PORT" -starttls smtp \
	-CAfile "$TESTBED_CA" -verify_hostname localhost </dev/null 2>&1 || true)
printf '%s\n' "$chk" | grep -q 'Verify return code: 9 ' ||
	fail "test bed precondition: port $TESTBED_NOTYET_PORT does not give verify code 9"

tls_refusal notyet "$TESTBED_NOTYET_PORT" 69 'not yet valid' "a not-yet-valid certificate"
