#!/usr/bin/env bash
# postlet --serverinfo: TLS version, cipher, subject, issuer, validity,
# SHA-256 fingerprint and SPKI pin (checked against OpenSSL's), and the
# capabilities announced after TLS (AUTH is offered only after STARTTLS on
# the submission port).  Sends no AUTH and no MAIL.  A bad certificate
# fails --serverinfo with the cause, like a send (exit 69), and is still
# shown, marked NOT TRUSTED, so it can be inspected or pinned.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

srv=$TESTBED_TLS_DIR/server-cert.pem
fp=$(openssl x509 -in "$srv" -noout -fingerprint -sha256 | cut -d= -f2)
spki=$(openssl x509 -in "$srv" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | write_config postletrc)
: >"$T_TMP/empty"
run_postlet "$T_TMP/empty" -C "$cfg" --serverinfo
expect_rc 0
for want in '^    220 mail\.postlet\.test ESMTP' 'TLSv1\.[23]' 'Subject: .*CN=mail\.postlet\.test' 'Issuer: .*CN=postlet test CA' \
	'Expiration time: 20[0-9][0-9]-' '^    AUTH PLAIN LOGIN' '^    PIPELINING'; do
	printf '%s\n' "$PL_OUT" | grep -Eq -- "$want" || fail "--serverinfo output lacks /$want/"
done
for want in "SHA256: $fp" "(tls_pin_spki): $spki"; do
	printf '%s\n' "$PL_OUT" | grep -Fq -- "$want" || fail "--serverinfo output lacks '$want'"
done
assert_no_auth_no_mail submission

T_LOG_OFFSET=$(stat -c %s "$TESTBED_POSTFIX_LOG")
cfg=$(testbed_config "$TESTBED_EXPIRED_PORT" on on | write_config postletrc2)
run_postlet "$T_TMP/empty" -C "$cfg" --serverinfo
expect_rc 69
expect_stderr 'expired' "the expired certificate"
# the refused certificate is still shown, so it can be inspected or pinned
exp_fp=$(openssl x509 -in "$TESTBED_TLS_DIR/expired-cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
printf '%s\n' "$PL_OUT" | grep -q 'NOT TRUSTED: .*expired' || fail "--serverinfo does not mark the expired certificate NOT TRUSTED"
printf '%s\n' "$PL_OUT" | grep -Fq "SHA256: $exp_fp" || fail "--serverinfo does not show the refused certificate's fingerprint"
printf '%s\n' "$PL_OUT" | grep -q 'Expiration time: 2021-01-01' || fail "--serverinfo does not show the expiry date"
assert_no_auth_no_mail expired
