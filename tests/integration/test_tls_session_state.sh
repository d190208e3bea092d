#!/usr/bin/env bash
# "tls_session_cache on": postlet keeps one record per server (session
# ticket and key-exchange group) in $XDG_CACHE_HOME/postlet between runs.
# Against the test bed port that only accepts P-384 (HelloRetryRequest for
# a client offering X25519 first):
#   - the first send is a full handshake with the extra round trip, the
#     second resumes and needs one round trip less (the group is remembered);
#   - a tampered, truncated, group/world-readable or foreign-owned state
#     file is ignored with a warning (full handshake, mail still sent);
#   - a changed pin or a changed CA file forces a full handshake;
#   - without the option no state is written.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

export XDG_CACHE_HOME=$T_TMP/cache
mkdir -m 700 "$XDG_CACHE_HOME"
state=$XDG_CACHE_HOME/postlet/tls-localhost-$TESTBED_P384_PORT-starttls
ca=$T_TMP/ca.pem
cp "$TESTBED_CA" "$ca"
lp=$(unique_localpart)
cfg=$(testbed_config "$TESTBED_P384_PORT" on on "$TESTBED_PASS" "$ca" | write_config postletrc)
printf 'tls_session_cache on\n' >>"$cfg"
msg=$T_TMP/message
printf 'state test\n' | make_message "$msg" "<$lp@postlet.test>" "session state $T_ID"
sent=0

# send WANT(full|resumed) [args...] : one verbose send; sets TRIPS
send() {
	local want=$1
	shift
	run_postlet "$msg" -C "$cfg" -v "$@" -- "$lp@postlet.test"
	expect_rc 0
	sent=$((sent + 1))
	TRIPS=$(printf '%s\n' "$PL_ERR" | sed -n 's/^postlet: \([0-9]*\) round trips.*/\1/p')
	[ -n "$TRIPS" ] || fail "no round-trip count in the -v output"
	if printf '%s\n' "$PL_ERR" | grep -q 'round trips.*(resumed)'; then
		[ "$want" = resumed ] || fail "the session was resumed, expected a full handshake ($*)"
	else
		[ "$want" = full ] || fail "full handshake, expected a resumed session ($*)"
	fi
}

send full
[ -f "$state" ] || fail "no state file $state after the first send"
[ "$(stat -c %a "$state")" = 600 ] || fail "state file mode is $(stat -c %a "$state"), not 600"
first=$TRIPS
send resumed
[ "$TRIPS" -lt "$first" ] || fail "second send took $TRIPS round trips, first $first: no HelloRetryRequest saved"
say "round trips: first $first, resumed $TRIPS"

good=$T_TMP/good-state
cp -p "$state" "$good"
size=$(stat -c %s "$good")

# tampered: one byte in the middle flipped
cp -p "$good" "$state"
printf '\377' | dd of="$state" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
send full
expect_stderr 'ignoring TLS state file.*damaged' "the tampered state file"

# truncated
cp -p "$good" "$state"
truncate -s $((size / 2)) "$state"
send full
expect_stderr 'ignoring TLS state file.*damaged' "the truncated state file"

# readable by others
cp -p "$good" "$state"
chmod 644 "$state"
send full
expect_stderr 'ignoring TLS state file.*group or others' "the world-readable state file"

# owned by another user (needs root to give it away)
if [ "$(id -u)" -eq 0 ]; then
	cp -p "$good" "$state"
	chown nobody "$state"
	send full
	expect_stderr 'ignoring TLS state file.*another user' "the foreign-owned state file"
fi

# the record is good again after a full handshake
send resumed

# a pin now: the old session was verified without it
fp=$(openssl x509 -in "$TESTBED_TLS_DIR/server-cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
send full "--tls-fingerprint=$fp"
send resumed "--tls-fingerprint=$fp"

# dropping the pin changes the settings again: full, then resumed
send full
send resumed
# the CA file changes in place (another CA added): full handshake
cat "$TESTBED_TLS_DIR/rogueca.pem" >>"$ca"
touch -d '+1 minute' "$ca"
send full

# option off: nothing read, nothing written
rm -f "$state"
sed -i 's/^tls_session_cache on$/tls_session_cache off/' "$cfg"
send full
[ ! -e "$state" ] || fail "tls_session_cache off still wrote $state"

wait_for_mail postlet.test "$lp" "$sent" >/dev/null
