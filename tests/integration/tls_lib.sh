# shellcheck shell=bash
# Helpers shared by the tests/integration/test_tls_*.sh refusal tests;
# sourced after lib.sh.

# postfix_commands SERVICE : the command statistics of the last finished
# session on that test bed service ("ehlo=2 starttls=1 quit=1 commands=4")
postfix_commands() {
	log_new | grep -E "/$1/smtpd\[[0-9]+\]: disconnect from" | tail -n 1 | sed 's/.*disconnect from [^ ]* //'
}

# assert_no_auth_no_mail SERVICE : the client reached the service and the
# session ended without AUTH, MAIL, RCPT or DATA (Postfix's own counters)
assert_no_auth_no_mail() {
	local cmds
	wait_for_log "/$1/smtpd\[[0-9]+\]: disconnect from" 10 ||
		fail "no finished session on the $1 service in the postfix log; did the client connect?"
	cmds=$(postfix_commands "$1")
	say "postfix counted: $cmds"
	if printf '%s\n' "$cmds" | grep -Eq '(^| )(auth|mail|rcpt|data|bdat)='; then
		fail "the $1 service received AUTH/MAIL/RCPT/DATA: $cmds"
	fi
	assert_no_sasl_attempt "$1"
}

# tls_refusal SERVICE PORT RC REGEX WHAT [postlet args...] : send through the
# service and require exit RC, an error matching REGEX, no AUTH, no mail.
tls_refusal() {
	local service=$1 port=$2 rc=$3 re=$4 what=$5 lp rcpt cfg msg
	shift 5
	lp=$(unique_localpart)
	rcpt=$lp@postlet.test
	cfg=$(testbed_config "$port" on on | write_config postletrc)
	msg=$T_TMP/message
	printf 'This must not be delivered.\n' | make_message "$msg" "<$rcpt>" "postlet $service $T_ID"
	run_postlet "$msg" -C "$cfg" "$@" -- "$rcpt"
	expect_rc "$rc"
	expect_stderr "$re" "$what"
	assert_no_auth_no_mail "$service"
	assert_no_mail postlet.test "$lp"
}

# start_fakesmtp MODE OFFSET : run fakesmtp.py on TESTBED_FAKE_PORT_BASE+OFFSET;
# sets FAKE_PORT and FAKE_LOG (transcript), stops it when the test exits.
start_fakesmtp() {
	local ready=$T_TMP/fake.ready _
	FAKE_PORT=$((TESTBED_FAKE_PORT_BASE + $2))
	FAKE_LOG=$T_TMP/fake.transcript
	: >"$FAKE_LOG"
	/usr/bin/python3 "$IT_DIR/fakesmtp.py" "$1" "$FAKE_PORT" "$FAKE_LOG" "$ready" \
		>"$T_TMP/fake.out" 2>&1 &
	FAKE_PID=$!
	trap 'kill "$FAKE_PID" 2>/dev/null; rm -rf "$T_TMP"' EXIT
	for _ in $(seq 50); do
		[ -e "$ready" ] && return 0
		kill -0 "$FAKE_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "fakesmtp.py did not start on port $FAKE_PORT: $(cat "$T_TMP/fake.out")"
}

# assert_fake_no_auth_no_mail : the transcript shows the client connected,
# said EHLO, and sent neither AUTH nor any envelope command
assert_fake_no_auth_no_mail() {
	local _
	# the server logs the client's close after the client exits
	for _ in $(seq 20); do
		grep -q -- '-- closed by client\|C: QUIT' "$FAKE_LOG" && break
		sleep 0.1
	done
	say "fake server transcript: $(tr '\n' '|' <"$FAKE_LOG")"
	grep -q '^C: EHLO ' "$FAKE_LOG" || fail "the client never said EHLO to the fake server"
	if grep -Eiq '^C: (AUTH|MAIL|RCPT|DATA|BDAT)' "$FAKE_LOG"; then
		fail "the client sent AUTH or an envelope command: $(grep -Ei '^C: (AUTH|MAIL|RCPT|DATA|BDAT)' "$FAKE_LOG" | head -n 3 | tr '\n' '|')"
	fi
}
