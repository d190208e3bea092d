# shellcheck shell=bash
# Helpers for the postlet integration tests; sourced by tests/integration/test_*.sh.
#
# Exit protocol of a test: 0 = pass, 77 = skip, anything else = fail.  fail()
# and skip() record a one-line reason in $T_REASON_FILE (set by run.sh) and on
# stderr.
set -eu

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$IT_DIR/../.." && pwd)
T_NAME=$(basename "$0" .sh)

POSTLET=${POSTLET:-build/postlet}
case $POSTLET in
/*) ;;
*) POSTLET=$REPO_ROOT/$POSTLET ;;
esac
POSTLET_TIMEOUT=${POSTLET_TIMEOUT:-60}
MAIL_WAIT=${MAIL_WAIT:-20}

eval "$(bash "$REPO_ROOT/tests/testbed/testbed.sh" env)"

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/postlet-it.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT

# Unique per test run: lower case (Postfix folds local parts), only
# characters the test bed's maildir writer accepts.
T_ID=$(printf '%s-%s-%s' "${T_NAME#test_}" "$(date +%s)" "$$" | tr '_A-Z' '-a-z')

# Byte offset of the test bed's Postfix log when the test started.
T_LOG_OFFSET=$(stat -c %s "$TESTBED_POSTFIX_LOG" 2>/dev/null || echo 0)

say() { printf '%s: %s\n' "$T_NAME" "$*" >&2; }

_reason() {
	if [ -n "${T_REASON_FILE:-}" ]; then
		printf '%s\n' "$*" >"$T_REASON_FILE"
	fi
}

fail() {
	_reason "$*"
	printf '%s: FAIL: %s\n' "$T_NAME" "$*" >&2
	exit 1
}

skip() {
	_reason "$*"
	printf '%s: SKIP: %s\n' "$T_NAME" "$*" >&2
	exit 77
}

require_postlet() {
	[ -x "$POSTLET" ] || fail "client binary $POSTLET not found or not executable (build it, or set POSTLET)"
}

# unique_localpart -> a local part nobody else uses
unique_localpart() {
	printf '%s\n' "$T_ID"
}

# tagged_localpart TAG -> unique local part with a suffix
tagged_localpart() {
	printf '%s-%s\n' "$T_ID" "$1"
}

# write_config NAME <<EOF ... EOF  -> prints the path of a new 0600 file
write_config() {
	local f=$T_TMP/$1
	(
		umask 077
		cat >"$f"
	)
	chmod 600 "$f"
	printf '%s\n' "$f"
}

# testbed_config PORT STARTTLS(on|off) AUTH(on|plain|login|...) [PASSWORD [TRUST_FILE]]
# prints the config text for the test bed account (default account "testbed")
testbed_config() {
	# queue off: these tests check the direct outcome (exit 75 and the
	# like); tests/queue covers the queue
	cat <<EOF
defaults
tls on
tls_trust_file ${5:-$TESTBED_CA}
queue off
account testbed
host localhost
port $1
tls_starttls $2
auth $3
user $TESTBED_USER
password ${4:-$TESTBED_PASS}
from $TESTBED_USER
account default : testbed
EOF
}

# make_message FILE TO SUBJECT [EXTRA-HEADER...] ; body read from stdin.
# Writes an RFC 5322 message with LF line endings (as a sendmail user would).
make_message() {
	local f=$1 to=$2 subject=$3 h
	shift 3
	{
		printf 'From: Postlet Tests <%s>\n' "$TESTBED_USER"
		printf 'To: %s\n' "$to"
		for h in "$@"; do printf '%s\n' "$h"; done
		printf 'Subject: %s\n' "$subject"
		printf 'Date: %s\n' "$(LC_ALL=C date -R)"
		printf 'Message-ID: <%s@postlet.test>\n' "$T_ID"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=us-ascii\n'
		printf '\n'
		cat
	} >"$f"
}

# run_postlet MSGFILE ARGS... : runs the client with MSGFILE on stdin, bounded.
# Sets PL_RC (exit status), PL_OUT, PL_ERR.  Never fails by itself.
run_postlet() {
	local msg=$1
	shift
	PL_RC=0
	# POSTLET_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") runs the
	# client under a checker; word splitting is intended.
	# shellcheck disable=SC2086
	timeout -k 5 "$POSTLET_TIMEOUT" ${POSTLET_WRAPPER:-} "$POSTLET" "$@" <"$msg" \
		>"$T_TMP/postlet.out" 2>"$T_TMP/postlet.err" || PL_RC=$?
	PL_OUT=$(cat "$T_TMP/postlet.out")
	PL_ERR=$(cat "$T_TMP/postlet.err")
	# one-line version for failure reasons
	PL_ERR1=$(tr '\n' ' ' <"$T_TMP/postlet.err" | cut -c 1-300)
	if [ "$PL_RC" -eq 124 ] || [ "$PL_RC" -eq 137 ]; then
		say "client timed out after ${POSTLET_TIMEOUT}s"
	fi
	say "postlet $* -> exit $PL_RC"
	if [ -n "$PL_OUT" ]; then say "stdout: $PL_OUT"; fi
	if [ -n "$PL_ERR" ]; then say "stderr: $PL_ERR"; fi
}

# expect_rc WANT : fail unless the last run_postlet exited with WANT
expect_rc() {
	[ "$PL_RC" -eq "$1" ] || fail "expected exit status $1, got $PL_RC (stderr: ${PL_ERR1:-<empty>})"
}

# expect_failure : fail unless the last run_postlet exited non-zero (and not by timeout)
expect_failure() {
	[ "$PL_RC" -ne 0 ] || fail "client exited 0 but should have failed"
	if [ "$PL_RC" -eq 124 ] || [ "$PL_RC" -eq 137 ]; then
		fail "client timed out instead of failing"
	fi
}

# expect_stderr REGEX WHAT : stderr must be non-empty and match REGEX (ERE, case-insensitive)
expect_stderr() {
	[ -n "$PL_ERR" ] || fail "stderr is empty, expected a message about $2"
	printf '%s\n' "$PL_ERR" | grep -Eiq -- "$1" || fail "stderr does not mention $2: $PL_ERR1"
}

maildir_of() { # DOMAIN LOCALPART
	printf '%s/%s/%s\n' "$TESTBED_MAIL" "$1" "$2"
}

_count_new() {
	local d=$1/new n=0 f
	if [ -d "$d" ]; then
		for f in "$d"/*; do
			[ -f "$f" ] && n=$((n + 1))
		done
	fi
	echo "$n"
}

# wait_for_mail DOMAIN LOCALPART [COUNT [SECONDS]] -> prints the oldest delivered file
wait_for_mail() {
	local box want=${3:-1} secs=${4:-$MAIL_WAIT} deadline n
	box=$(maildir_of "$1" "$2")
	deadline=$((SECONDS + secs))
	while :; do
		n=$(_count_new "$box")
		if [ "$n" -ge "$want" ]; then
			if [ "$n" -gt "$want" ]; then
				fail "$2@$1 received $n messages, expected $want"
			fi
			# shellcheck disable=SC2012 # names are maildir-safe
			printf '%s/new/%s\n' "$box" "$(ls -1tr "$box/new" | head -n 1)"
			return 0
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			fail "no message for $2@$1 in $box within ${secs}s"
		fi
		sleep 0.2
	done
}

# log_new : Postfix log lines written since this test started
log_new() {
	tail -c +"$((T_LOG_OFFSET + 1))" "$TESTBED_POSTFIX_LOG" 2>/dev/null || true
}

# assert_no_mail DOMAIN LOCALPART [SECONDS] : nothing delivered nor queued for it
assert_no_mail() {
	local box secs=${3:-2} n
	box=$(maildir_of "$1" "$2")
	# Give a (wrongly) accepted message time to arrive.
	sleep "$secs"
	n=$(_count_new "$box")
	[ "$n" -eq 0 ] || fail "$n message(s) delivered to $2@$1 although sending should have failed"
	if log_new | grep -Fiq "to=<$2@$1>"; then
		fail "the MTA logged a delivery attempt to $2@$1 although sending should have failed"
	fi
}

# strip_trace FILE : the delivered file minus the trace headers the MTA put on
# top (Return-Path, X-Original-To, Delivered-To, Received, incl. continuation
# lines), CRLF normalised to LF.
strip_trace() {
	sed 's/\r$//' "$1" | awk '
		BEGIN { top = 1 }
		top && /^[ \t]/ && skipping { next }
		top && tolower($0) ~ /^(return-path|x-original-to|delivered-to|received):/ { skipping = 1; next }
		{ top = 0; skipping = 0; print }
	'
}

# headers_of FILE : header block (up to the first empty line), LF endings
headers_of() {
	sed 's/\r$//' "$1" | awk '/^$/ { exit } { print }'
}

# assert_same_message SENT DELIVERED : byte-identical after LF normalisation
# and removal of the MTA trace headers.
assert_same_message() {
	sed 's/\r$//' "$1" >"$T_TMP/expected"
	strip_trace "$2" >"$T_TMP/actual"
	if ! cmp -s "$T_TMP/expected" "$T_TMP/actual"; then
		say "delivered copy $2 differs from what was sent:"
		diff -u "$T_TMP/expected" "$T_TMP/actual" 2>&1 | head -n 40 >&2 || true
		fail "delivered copy differs from the sent message ($(cmp "$T_TMP/expected" "$T_TMP/actual" 2>&1 | head -n 1))"
	fi
}

# assert_return_path DELIVERED ADDRESS : the envelope sender as recorded by the MTA
assert_return_path() {
	local rp
	rp=$(headers_of "$1" | sed -n 's/^Return-Path: *//Ip' | head -n 1)
	[ "$rp" = "<$2>" ] || fail "envelope sender is '$rp', expected <$2>"
}

# wait_for_log REGEX [SECONDS] : wait until a new Postfix log line matches
wait_for_log() {
	local deadline=$((SECONDS + ${2:-10}))
	while ! log_new | grep -Eq -- "$1"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# assert_no_sasl_attempt SERVICE : no AUTH command reached the given Postfix
# service (syslog_name suffix, e.g. "notls") since the test started.
assert_no_sasl_attempt() {
	local lines
	lines=$(log_new | grep -F "/$1/smtpd[" || true)
	if printf '%s\n' "$lines" | grep -Eiq 'sasl_method=|authentication failed|sasl_username=|[ ]auth=[0-9]'; then
		say "postfix log:"
		printf '%s\n' "$lines" >&2
		fail "the client sent AUTH (credentials) to the $1 service"
	fi
}
