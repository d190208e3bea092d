#!/usr/bin/env bash
# The firmware alert API (agent/queue/alert.c) on the host against the real
# test bed (STARTTLS + AUTH PLAIN), through tests/alert/alert_send.c:
#   - server down (a closed port): alerts are kept, each attempt reported;
#     server up: every alert delivered exactly once (RAM store);
#   - the same across "reboots" with the block store over a file-backed
#     flash image: queued by one process, delivered by the next;
#   - a storm of 1000 identical alerts: the configured number of mails
#     plus one digest when the window closes.
# Prints "PASS|FAIL|SKIP alert_<case>"; exit 0 when nothing failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
TESTBED=tests/testbed/testbed.sh
tmp=$(mktemp -d)
started=0
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ "$started" -eq 1 ] && [ "${KEEP_TESTBED:-0}" != 1 ]; then bash "$TESTBED" stop >/dev/null 2>&1; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! make -s O="$O" "$O/tests/alert_send" >"$tmp/make.log" 2>&1; then
	tail -n 5 "$tmp/make.log"
	echo "FAIL alert_build: tests/alert/alert_send.c does not build"
	exit 1
fi
if ! grep -q '^CONFIG_POSTLET_ALERT=y' "$O/.config"; then
	echo "SKIP alert_api: CONFIG_POSTLET_ALERT is off in $O/.config"
	exit 0
fi
bash "$TESTBED" status >/dev/null 2>&1 || started=1
if ! bash "$TESTBED" start >"$tmp/tb.log" 2>&1; then
	tail -n 5 "$tmp/tb.log"
	echo "FAIL alert_testbed: test bed did not start"
	exit 1
fi
eval "$(bash "$TESTBED" env)"

run_id="$(date +%s)-$$"
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
failed=0

# alert_send OUT RCPT-LOCALPART ARGS... (common account options added)
alert() {
	local out=$1 lp=$2
	shift 2
	timeout 300 "$O/tests/alert_send" --ca "$TESTBED_CA" --user "$TESTBED_USER" --pass "$TESTBED_PASS" \
		--from "$TESTBED_USER" --to "$lp@postlet.test" "$@" >"$out" 2>&1
}

# mails LOCALPART COUNT: wait until COUNT arrived (no more), print the count
mails() {
	local box=$TESTBED_MAIL/postlet.test/$1/new n=0
	for _ in $(seq 100); do
		n=$(find "$box" -type f 2>/dev/null | wc -l)
		[ "$n" -ge "$2" ] && break
		sleep 0.2
	done
	sleep 1 # anything extra would be there by now
	find "$box" -type f 2>/dev/null | wc -l
}

pass() { echo "PASS alert_$1${2:+: $2}"; }
fail() {
	echo "FAIL alert_$1: $2"
	[ -n "${3:-}" ] && sed 's/^/    | /' "$3" | tail -n 20
	failed=1
}

# 1. server down, then up: RAM store; the 5 go over one connection
lp="alert-ram-$run_id"
log_off=$(stat -c %s "$TESTBED_POSTFIX_LOG")
if alert "$tmp/ram.out" "$lp" --store ram --port "$closed" sendn 5 "ram down-up" poll count \
	port "$TESTBED_SUBMISSION_PORT" poll flush count; then
	kept=$(grep -c 'err=cannot connect.*retries_left=19 final=0' "$tmp/ram.out")
	n=$(mails "$lp" 5)
	conns=$(tail -c +"$((log_off + 1))" "$TESTBED_POSTFIX_LOG" | grep -c '/submission/smtpd\[[0-9]*\]: connect from')
	if [ "$kept" = 5 ] && grep -q '^store: 5 records' "$tmp/ram.out" &&
		grep -q '^flush: delivered 5' "$tmp/ram.out" && grep -q '^store: 0 records' "$tmp/ram.out" &&
		[ "$n" = 5 ] && [ "$conns" = 1 ]; then
		pass ram_down_up "5 kept while down (attempt reported, 19 retries left), 5 delivered once over 1 connection"
	else
		fail ram_down_up "kept $kept, mails $n, connections $conns (want 5, 5, 1)" "$tmp/ram.out"
	fi
else
	fail ram_down_up "alert_send failed" "$tmp/ram.out"
fi

# 2. block store across restarts: queued while down by one process,
#    delivered by the next, nothing left for the third
lp="alert-block-$run_id"
img=$tmp/flash.img
if alert "$tmp/b1.out" "$lp" --store "block:$img" --port "$closed" sendn 5 "block down-up" poll count &&
	alert "$tmp/b2.out" "$lp" --store "block:$img" --port "$TESTBED_SUBMISSION_PORT" flush count &&
	alert "$tmp/b3.out" "$lp" --store "block:$img" --port "$TESTBED_SUBMISSION_PORT" flush count; then
	n=$(mails "$lp" 5)
	if grep -q '^store: 5 records' "$tmp/b1.out" && grep -q '^recovered 5 records' "$tmp/b2.out" &&
		grep -q '^flush: delivered 5' "$tmp/b2.out" && grep -q '^recovered 0 records' "$tmp/b3.out" &&
		grep -q '^flush: delivered 0' "$tmp/b3.out" && [ "$n" = 5 ]; then
		pass block_restart "5 kept in flash over a restart, 5 delivered once"
	else
		fail block_restart "mails $n (want 5)" "$tmp/b2.out"
	fi
else
	fail block_restart "alert_send failed" "$tmp/b1.out"
fi

# 3. storm: 1000 identical alerts, 3 per key per window, then the digest
lp="alert-storm-$run_id"
if alert "$tmp/storm.out" "$lp" --store ram --port "$TESTBED_SUBMISSION_PORT" --per-key 3 --global 20 \
	--window 600 --dedupe 0 send 1000 "disk full on /var" flush advance 601 poll count; then
	n=$(mails "$lp" 4)
	digest=$(grep -l '^Subject: \[digest\] disk full on /var: 1000 times between' \
		"$TESTBED_MAIL/postlet.test/$lp/new/"* 2>/dev/null | wc -l)
	if grep -q '^queued 3 suppressed 997' "$tmp/storm.out" && grep -q '^flush: delivered 3' "$tmp/storm.out" &&
		grep -q '^poll: delivered 1' "$tmp/storm.out" && [ "$n" = 4 ] && [ "$digest" = 1 ]; then
		pass storm "1000 identical alerts: 3 mails + 1 digest ($(grep -h '^Subject: \[digest\]' "$TESTBED_MAIL/postlet.test/$lp/new/"* | sed 's/^Subject: //'))"
	else
		fail storm "mails $n (want 4), digests $digest (want 1)" "$tmp/storm.out"
	fi
else
	fail storm "alert_send failed" "$tmp/storm.out"
fi

exit "$failed"
