#!/usr/bin/env bash
# Password sources besides 'password': password_file (refused when group or
# world can read it), password_env, and ~/.netrc; each authenticates for real.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

base() { # config without a password line, plus extra lines from $1
	testbed_config "$TESTBED_SUBMISSION_PORT" on on | grep -v '^password ' | grep -v '^account default'
	printf '%s\n' "$1" "account default : testbed"
}
msg=$T_TMP/message

# password_file, 0600: works
pwf=$T_TMP/pw
printf '%s\n' "$TESTBED_PASS" >"$pwf"
chmod 600 "$pwf"
lp=$(tagged_localpart file)
printf 'password_file\n' | make_message "$msg" "<$lp@postlet.test>" "password_file $T_ID"
cfg=$(base "password_file $pwf" | write_config rc-file)
run_postlet "$msg" -C "$cfg" "$lp@postlet.test"
expect_rc 0
wait_for_mail postlet.test "$lp" >/dev/null

# password_file readable by others: refused before connecting
chmod 644 "$pwf"
lp2=$(tagged_localpart open)
run_postlet "$msg" -C "$cfg" "$lp2@postlet.test"
expect_rc 78
expect_stderr "group or others" "the file's permissions"
assert_no_mail postlet.test "$lp2" 1

# password_env
lp=$(tagged_localpart env)
cfg=$(base "password_env PL_TEST_SMTP_PW" | write_config rc-env)
PL_TEST_SMTP_PW=$TESTBED_PASS run_postlet "$msg" -C "$cfg" "$lp@postlet.test"
expect_rc 0
wait_for_mail postlet.test "$lp" >/dev/null
run_postlet "$msg" -C "$cfg" "$lp@postlet.test"
expect_rc 78
expect_stderr "PL_TEST_SMTP_PW is not set" "the unset variable"

# ~/.netrc (machine, login and password; another machine first)
lp=$(tagged_localpart netrc)
home=$T_TMP/home
mkdir -p "$home"
printf 'machine other.example login x password wrong\nmachine localhost\n  login %s\n  password %s\n' \
	"$TESTBED_USER" "$TESTBED_PASS" >"$home/.netrc"
chmod 600 "$home/.netrc"
cfg=$(base "" | write_config rc-netrc)
HOME=$home run_postlet "$msg" -C "$cfg" "$lp@postlet.test"
expect_rc 0
wait_for_mail postlet.test "$lp" >/dev/null
