#!/usr/bin/env bash
# AUTH EXTERNAL with a client certificate, for real: Postfix cannot offer
# EXTERNAL through Dovecot (it does not hand over the certificate), so the
# server is Dovecot's own submission service (TESTBED_EXTERNAL_PORT).  It
# verifies the certificate against the test CA, logs the login as the
# certificate's CN with method=EXTERNAL, and relays to Postfix, which
# delivers the message (compared byte for byte).  The fakesmtp.py variant
# and the error cases are in test_auth_external_fake.sh.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=auth_lib.sh
. "$(dirname "$0")/auth_lib.sh"
require_postlet

certs=("tls_cert_file $TESTBED_TLS_DIR/client-cert.pem" "tls_key_file $TESTBED_TLS_DIR/client-key.pem")

if [ ! -x /usr/lib/dovecot/submission ]; then
	skip "dovecot-submissiond is not installed (tests/testbed/testbed.sh installs it as root)"
fi
dc_offset=$(stat -c %s "$TESTBED_DOVECOT_LOG")
lp=$(unique_localpart)
cfg=$(SASL_PORT=$TESTBED_EXTERNAL_PORT sasl_config external "${certs[@]}" | write_config rc-dovecot)
printf 'Sent with AUTH EXTERNAL through Dovecot.\n' |
	make_message "$T_TMP/msg1" "<$lp@postlet.test>" "external dovecot $T_ID"
run_postlet "$T_TMP/msg1" -C "$cfg" -v "$lp@postlet.test"
expect_rc 0
f=$(wait_for_mail postlet.test "$lp")
assert_same_message "$T_TMP/msg1" "$f"
tail -c +"$((dc_offset + 1))" "$TESTBED_DOVECOT_LOG" |
	grep -q 'submission-login: Info: Login: user=<alerts client>, method=EXTERNAL' ||
	fail "Dovecot did not log an EXTERNAL login as the certificate's CN"
printf '%s\n' "$PL_ERR" | grep -q -- '--> AUTH EXTERNAL =' || fail "the trace shows no AUTH EXTERNAL"
