#!/usr/bin/env bash
# No configuration file at all: everything via long options, the password via
# --passwordeval.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test

# --passwordeval runs a shell command; quote the password for it.
sq="'\\''"
pw_cmd="printf '%s\\n' '${TESTBED_PASS//\'/$sq}'"

msg=$T_TMP/message
printf 'Configured entirely on the command line.\n' |
	make_message "$msg" "<$rcpt>" "postlet long options $T_ID"

run_postlet "$msg" -C /dev/null \
	--host=localhost --port="$TESTBED_SUBMISSION_PORT" \
	--tls=on --tls-starttls=on --tls-trust-file="$TESTBED_CA" \
	--auth=on --user="$TESTBED_USER" --passwordeval="$pw_cmd" \
	--from="$TESTBED_USER" -- "$rcpt"
expect_rc 0
f=$(wait_for_mail postlet.test "$lp")
assert_same_message "$msg" "$f"
assert_return_path "$f" "$TESTBED_USER"
