#!/usr/bin/env bash
# AUTH EXTERNAL against a second TLS stack: fakesmtp.py's "external" mode
# (Python/OpenSSL) requires a client certificate verified against the test
# CA and EXTERNAL with the empty authorization identity, and reads the
# message to its dot.  Then: "auth external" without a certificate is a
# configuration error (78), and against Postfix's SASL port (no EXTERNAL)
# exit 69 naming what it offers.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$(dirname "$0")/tls_lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

certs=("tls_cert_file $TESTBED_TLS_DIR/client-cert.pem" "tls_key_file $TESTBED_TLS_DIR/client-key.pem")
start_fakesmtp external 7
cfg=$(SASL_PORT=$FAKE_PORT sasl_config external "${certs[@]}" | write_config rc-external)
printf 'Sent with AUTH EXTERNAL.\n' | make_message "$T_TMP/msg" "<x@postlet.test>" "external $T_ID"
run_postlet "$T_TMP/msg" -C "$cfg" -v x@postlet.test
expect_rc 0
for _ in $(seq 20); do
	grep -q -- '-- message received' "$FAKE_LOG" && break
	sleep 0.1
done
say "fake server transcript: $(tr '\n' '|' <"$FAKE_LOG")"
grep -q -- '^-- client certificate verified: CN=alerts client$' "$FAKE_LOG" ||
	fail "the server did not verify the client certificate"
grep -q '^C: AUTH EXTERNAL =$' "$FAKE_LOG" || fail "the client did not send AUTH EXTERNAL ="
grep -q "^-- Subject: external $T_ID\$" "$FAKE_LOG" || fail "the message did not arrive"
grep -q -- '^-- message received$' "$FAKE_LOG" || fail "the message was not completed"

# no certificate: refused before connecting
cfg=$(SASL_PORT=$FAKE_PORT sasl_config external | write_config rc-nocert)
run_postlet "$T_TMP/msg" -C "$cfg" x@postlet.test
expect_rc 78
expect_stderr 'needs a client certificate' "the missing certificate"

# Postfix's SASL port does not announce EXTERNAL
cfg=$(sasl_config external "${certs[@]}" | write_config rc-postfix)
run_postlet "$T_TMP/msg" -C "$cfg" x@postlet.test
expect_rc 69
expect_stderr 'server offers AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 SCRAM-SHA-1 XOAUTH2 OAUTHBEARER; configured: EXTERNAL' \
	"the mechanisms on offer"
