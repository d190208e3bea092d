#!/usr/bin/env bash
# A server that speaks only TLS 1.0 and 1.1 must be refused (RFC 8996):
# exit 69, an error naming the protocol version, no AUTH and no MAIL.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

# Precondition: the port really completes a TLS 1.1 handshake (OpenSSL
# at security level 0), so the refusal is the client's decision.
chk=$(timeout 10 openssl s_client -connect "127.0.0.1:$TESTBED_OLDTLS_PORT" -starttls smtp \
	-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1 || true)
printf '%s\n' "$chk" | grep -q 'Protocol *: TLSv1.1' ||
	fail "test bed precondition: port $TESTBED_OLDTLS_PORT does not speak TLS 1.1"

tls_refusal oldtls "$TESTBED_OLDTLS_PORT" 69 'TLS 1\.2|protocol.version' "the TLS protocol version"
