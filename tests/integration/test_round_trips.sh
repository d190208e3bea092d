#!/usr/bin/env bash
# Round trips per message, as the driver counts its waits (postlet -v):
# 8 on the 587 path with CHUNKING (MAIL + RCPT + "BDAT n LAST" + body in one
# write), 9 when the server does not offer CHUNKING (DATA, then the body),
# 6 on implicit TLS (465) with CHUNKING.  Every message must also arrive.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

# check_trips NAME PORT STARTTLS WANT_TRIPS WANT_CMD
check_trips() {
	local name=$1 port=$2 starttls=$3 want=$4 cmd=$5 lp rcpt cfg msg got
	lp=$(tagged_localpart "$name")
	rcpt=$lp@postlet.test
	cfg=$(testbed_config "$port" "$starttls" plain | write_config "rc-$name")
	msg=$T_TMP/message-$name
	printf 'Round trip count on the %s path.\n' "$name" |
		make_message "$msg" "<$rcpt>" "postlet round trips $name $T_ID"
	run_postlet "$msg" -C "$cfg" -v -- "$rcpt"
	expect_rc 0
	got=$(printf '%s\n' "$PL_ERR" | sed -n 's/^postlet: \([0-9][0-9]*\) round trips.*/\1/p')
	[ -n "$got" ] || fail "$name: postlet -v printed no round-trip count"
	printf '%s\n' "$PL_ERR" | grep -q -- "^--> $cmd" || fail "$name: client did not use $cmd"
	[ "$got" -eq "$want" ] || fail "$name: $got round trips, expected $want"
	say "$name: $got round trips"
	# the extensions the test bed is meant to offer (after TLS)
	for kw in PIPELINING SIZE 8BITMIME SMTPUTF8 DSN ENHANCEDSTATUSCODES CHUNKING; do
		if printf '%s\n' "$PL_ERR" | grep -Eq "^<-- 250[- ]$kw( |\$)"; then
			[ "$kw/$name" != CHUNKING/starttls-nochunking ] ||
				fail "$name: the server offered CHUNKING"
		elif [ "$kw/$name" != CHUNKING/starttls-nochunking ]; then
			fail "$name: the server did not offer $kw"
		fi
	done
	assert_same_message "$msg" "$(wait_for_mail postlet.test "$lp")"
}

check_trips starttls-chunking "$TESTBED_SUBMISSION_PORT" on 8 "BDAT [0-9]* LAST"
check_trips starttls-nochunking "$TESTBED_NOCHUNKING_PORT" on 9 "DATA"
check_trips implicit-chunking "$TESTBED_SUBMISSIONS_PORT" off 6 "BDAT [0-9]* LAST"
