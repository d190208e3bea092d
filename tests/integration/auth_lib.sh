# shellcheck shell=bash
# Helpers for the SASL tests (test_auth_*.sh), sourced after lib.sh: a send
# through the test bed's SASL port (base+593), where Dovecot's every
# mechanism is announced, checked against Postfix's log.

# sasl_config AUTH [LINE...] : config text for TESTBED_SASL_PORT with
# "auth AUTH"; extra lines go into the account
sasl_config() {
	local auth=$1 l
	shift
	cat <<EOF
defaults
tls on
tls_trust_file $TESTBED_CA
account sasl
host localhost
port ${SASL_PORT:-$TESTBED_SASL_PORT}
tls_starttls on
auth $auth
user $TESTBED_USER
from $TESTBED_USER
EOF
	for l in "$@"; do printf '%s\n' "$l"; done
	echo "account default : sasl"
}

# assert_trace_masked SECRET... : the -v trace names the AUTH command but
# holds none of the secrets, plain or in base64
assert_trace_masked() {
	local s b
	printf '%s\n' "$PL_ERR" | grep -q -- '--> AUTH [A-Z0-9-]*' ||
		fail "the -v trace shows no AUTH command"
	for s in "$@"; do
		b=$(printf '%s' "$s" | base64 -w0)
		if printf '%s\n' "$PL_ERR" | grep -qF -e "$s" -e "${b%%=*}"; then
			fail "the -v trace shows a credential"
		fi
	done
}

# sasl_send MECH AUTH [LINE...] : deliver one message with "auth AUTH",
# compare the delivered copy byte for byte, find "sasl_method=MECH" on the
# SASL service in Postfix's log, and check the trace hides the secrets
sasl_send() {
	local mech=$1 auth=$2 lp rcpt cfg msg f
	shift 2
	lp=$(unique_localpart)
	rcpt=$lp@postlet.test
	cfg=$(sasl_config "$auth" "$@" | write_config postletrc)
	msg=$T_TMP/message
	printf 'Sent with AUTH %s.\n\n-- \npostlet integration test %s\n' "$mech" "$T_ID" |
		make_message "$msg" "<$rcpt>" "postlet auth $mech $T_ID"
	run_postlet "$msg" -C "$cfg" -v "$rcpt"
	expect_rc 0
	f=$(wait_for_mail postlet.test "$lp")
	assert_same_message "$msg" "$f"
	assert_return_path "$f" "$TESTBED_USER"
	wait_for_log "/sasl/smtpd\[[0-9]+\]: [0-9A-F]+: client=.*, sasl_method=$mech, sasl_username=$TESTBED_USER" 5 ||
		fail "Postfix did not log an authentication with sasl_method=$mech"
	printf '%s\n' "$PL_ERR" | grep -q -- "--> AUTH $mech" ||
		fail "the trace does not show AUTH $mech"
	assert_trace_masked "$TESTBED_PASS" "$TESTBED_OAUTH_TOKEN"
	# nor PLAIN's "\0user\0password" in base64
	if printf '%s\n' "$PL_ERR" | grep -qF -- "$(printf '\0%s\0%s' "$TESTBED_USER" "$TESTBED_PASS" | base64 -w0)"; then
		fail "the -v trace shows the PLAIN credentials"
	fi
}
