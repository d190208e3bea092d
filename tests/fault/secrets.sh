#!/usr/bin/env bash
# Credentials stay secret: sends through the test bed with -v and a log file
# (AUTH PLAIN, AUTH LOGIN, passwordeval, and a refused password), then
#   - the password and every base64 form it travels in (PLAIN's
#     "\0user\0password", LOGIN's password) appear in neither the -v trace,
#     stdout nor the log file;
#   - none of them is left in the process's writable memory at exit
#     (postlet-scan, tests/fault/port_fault.c PL_FAULT_SECRETS): what a core
#     dump would hold once the session is over.
# Called by tests/fault/suite.sh with the test bed running; $1 = work dir.
set -u
w=$1
bin=${O:-build}/fault/postlet-scan
hex() { od -An -tx1 | tr -d ' \n'; }
b64() { base64 -w0; }

check() { # NAME PASSWORD EXPECT-EXIT CONFIG-EXTRA ARGS...
	local name=$1 pw=$2 want=$3 extra=$4 secrets forms f rc leaks=0
	shift 4
	local rcf=$w/sec-$name.rc log=$w/sec-$name.log
	(
		umask 077
		cat >"$rcf" <<EOC
defaults
tls on
tls_trust_file $TESTBED_CA
logfile $log
queue off
account testbed
host localhost
port $TESTBED_SUBMISSION_PORT
tls_starttls on
user $TESTBED_USER
from $TESTBED_USER
$extra
account default : testbed
EOC
	)
	forms=("$pw" "$(printf '\0%s\0%s' "$TESTBED_USER" "$pw" | b64)" "$(printf '%s' "$pw" | b64)")
	secrets=$(for f in "${forms[@]}"; do printf '%s' "$f" | hex; echo; done | paste -sd, -)
	printf 'Subject: secrets\n\nbody\n' >"$w/sec-msg"
	# (the test bed exports its password: keep it out of the client's environment)
	env -u TESTBED_PASS PL_FAULT_SECRETS="$secrets" "$bin" -C "$rcf" -v "$@" "sec-$name-$$@postlet.test" \
		<"$w/sec-msg" >"$w/sec-$name.out" 2>"$w/sec-$name.err"
	rc=$?
	for f in "${forms[@]}"; do
		if grep -qF -- "$f" "$w/sec-$name.err" "$w/sec-$name.out" "$log" 2>/dev/null; then
			leaks=$((leaks + 1))
		fi
	done
	if [ "$rc" = 97 ]; then
		grep 'port_fault: secret' "$w/sec-$name.err"
		echo "FAIL credentials $name: the password is still in memory after the session"
	elif [ "$rc" != "$want" ]; then
		tail -5 "$w/sec-$name.err"
		echo "FAIL credentials $name: exit $rc, expected $want"
	elif [ "$leaks" != 0 ]; then
		echo "FAIL credentials $name: $leaks form(s) of the password in the -v trace or the log"
	elif ! grep -q 'credentials hidden' "$w/sec-$name.err" || [ ! -s "$log" ]; then
		echo "FAIL credentials $name: no AUTH line in the trace or no log line to look at"
	else
		echo "PASS credentials $name: not in the -v trace, stdout, log file or memory at exit"
	fi
}

printf '%s\n' "$TESTBED_PASS" >"$w/sec-pw"
chmod 600 "$w/sec-pw"
check plain "$TESTBED_PASS" 0 "auth plain
password $TESTBED_PASS"
check login "$TESTBED_PASS" 0 "auth login
password $TESTBED_PASS"
check passwordeval "$TESTBED_PASS" 0 "auth on
passwordeval \"cat $w/sec-pw\""
check refused "wrong-Secret-42" 77 "auth plain
password wrong-Secret-42"
