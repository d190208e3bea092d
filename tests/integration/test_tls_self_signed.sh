#!/usr/bin/env bash
# The server presents a self-signed certificate for localhost.
# Must fail: exit 69, an error naming the cause, and Postfix counts no
# AUTH, MAIL, RCPT or DATA on the selfsigned service.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

# Precondition: OpenSSL sees the same problem (else this tests nothing).
chk=$(timeout 10 openssl s_client -connect "127.0.0.1:$TESTBED_SELFSIGNED_PORT" -starttls smtp \
	-CAfile "$TESTBED_CA" -verify_hostname localhost </dev/null 2>&1 || true)
printf '%s\n' "$chk" | grep -q 'Verify return code: 18 ' ||
	fail "test bed precondition: port $TESTBED_SELFSIGNED_PORT does not give verify code 18"

tls_refusal selfsigned "$TESTBED_SELFSIGNED_PORT" 69 'self-signed' "a self-signed certificate"
