#!/usr/bin/env bash
# Client certificate (tls_cert_file / tls_key_file): the test bed port that
# asks for one logs a "Trusted TLS connection" when it verified against the
# test CA, and an "Anonymous" one without it (so the check can fail).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
cfg=$(testbed_config "$TESTBED_CLIENTCERT_PORT" on on | write_config postletrc)
msg=$T_TMP/message

printf 'no client cert\n' | make_message "$msg" "<$lp@postlet.test>" "no cert $T_ID"
run_postlet "$msg" -C "$cfg" -- "$lp@postlet.test"
expect_rc 0
wait_for_log '/clientcert/smtpd\[[0-9]+\]: Anonymous TLS connection established' 10 ||
	fail "without a client certificate the server did not log an anonymous TLS connection"

T_LOG_OFFSET=$(stat -c %s "$TESTBED_POSTFIX_LOG")
printf 'with client cert\n' | make_message "$msg" "<$lp@postlet.test>" "cert $T_ID"
run_postlet "$msg" -C "$cfg" "--tls-cert-file=$TESTBED_TLS_DIR/client-cert.pem" \
	"--tls-key-file=$TESTBED_TLS_DIR/client-key.pem" -- "$lp@postlet.test"
expect_rc 0
wait_for_log '/clientcert/smtpd\[[0-9]+\]: Trusted TLS connection established' 10 ||
	fail "the server did not log a trusted (client-certificate verified) TLS connection"
wait_for_mail postlet.test "$lp" 2 >/dev/null

# a key that does not match the certificate is a configuration error
run_postlet "$msg" -C "$cfg" "--tls-cert-file=$TESTBED_TLS_DIR/client-cert.pem" \
	"--tls-key-file=$TESTBED_TLS_DIR/server-key.pem" -- "$lp@postlet.test"
expect_rc 78
expect_stderr 'key' "the mismatched key"
