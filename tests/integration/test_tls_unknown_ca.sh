#!/usr/bin/env bash
# The server certificate names localhost but was signed by a CA the client does not trust.
# Must fail: exit 69, an error naming the cause, and Postfix counts no
# AUTH, MAIL, RCPT or DATA on the unknownca service.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

# Precondition: OpenSSL sees the same problem (else this tests nothing).
chk=$(timeout 10 openssl s_client -connect "127.0.0.1:$TESTBED_UNKNOWNCA_PORT" -starttls smtp \
	-CAfile "$TESTBED_CA" -verify_hostname localhost </dev/null 2>&1 || true)
printf '%s\n' "$chk" | grep -Eq 'Verify return code: (20|21) ' ||
	fail "test bed precondition: port $TESTBED_UNKNOWNCA_PORT does not give verify code 20/21 (unknown issuer)"

tls_refusal unknownca "$TESTBED_UNKNOWNCA_PORT" 69 'unknown CA' "an unknown issuer"
