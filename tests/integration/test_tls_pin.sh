#!/usr/bin/env bash
# Pins: tls_fingerprint (msmtp: SHA-256 of the certificate) and tls_pin_spki
# (SHA-256 of the public key, base64).  A pin replaces CA verification, as
# msmtp's fingerprint replaces its trust file:
#   - a wrong pin fails even against a CA-trusted server (exit 69, "pin"),
#     with no AUTH and no MAIL;
#   - the right fingerprint, or the right SPKI pin, is enough for the
#     self-signed server; a list with a stale pin first and the current one
#     as backup still works.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

self=$TESTBED_TLS_DIR/selfsigned-cert.pem
fp=$(openssl x509 -in "$self" -noout -fingerprint -sha256 | cut -d= -f2)
spki=$(openssl x509 -in "$self" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
stale=$(openssl x509 -in "$TESTBED_TLS_DIR/unknownca-cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
if [ ${#fp} -ne 95 ] || [ ${#spki} -ne 44 ]; then fail "could not compute the pins with openssl"; fi

# 1. mismatch on the trusted submission port: the pin overrides the CA
tls_refusal submission "$TESTBED_SUBMISSION_PORT" 69 'pin' "the pin mismatch" "--tls-fingerprint=$stale"

send_pinned() { # tag args...
	local tag=$1 lp cfg msg
	shift
	lp=$(tagged_localpart "$tag")
	cfg=$(testbed_config "$TESTBED_SELFSIGNED_PORT" on on | write_config "rc-$tag")
	msg=$T_TMP/msg-$tag
	printf 'pinned %s\n' "$tag" | make_message "$msg" "<$lp@postlet.test>" "pin $tag $T_ID"
	run_postlet "$msg" -C "$cfg" "$@" -- "$lp@postlet.test"
	expect_rc 0
	wait_for_mail postlet.test "$lp" >/dev/null
}

# 2. certificate fingerprint, 3. SPKI pin, 4. stale pin plus backup
send_pinned fp "--tls-fingerprint=$fp"
send_pinned spki "--tls-pin-spki=$spki"
send_pinned backup "--tls-fingerprint=$stale, $fp"
send_pinned mixed "--tls-fingerprint=$stale" "--tls-pin-spki=sha256//$spki"
