#!/usr/bin/env bash
# lwIP port end to end: postlet's agent core on port/lwip, Debian's liblwip as
# the TCP/IP stack on a tap device inside a private network namespace,
# STARTTLS + AUTH PLAIN to the project's test bed Postfix, and the delivered
# copy compared byte for byte with what was sent.
#
#   sudo bash tests/lwip/run.sh        (O=build by default; KEEP=1 keeps the temp dir)
#
# Path of the bytes:
#   lwIP (192.0.2.2, in lwip_send) -> tap0 -> Linux TCP on 192.0.2.1:$PORT
#   (namespace postlet-lwip-<pid>) -> tests/lwip/nsrelay.py (listening socket
#   created inside the namespace) -> 127.0.0.1:$TESTBED_SUBMISSION_PORT
#   (test bed Postfix, root namespace loopback)
# Only TEST-NET-1 (192.0.2.0/24) inside the namespace, and loopback.
#
# The lwIP build has no DNS, so the client connects to 192.0.2.1 and verifies
# the server certificate against "mail.postlet.test" (pl_account.tls_name).
#
# Prints one line "PASS lwip_tap_send", "FAIL lwip_tap_send: why" or
# "SKIP lwip_tap_send: why" last; exit 0 / 1 / 77.  Everything it starts
# (namespace, relay, and the test bed if it was not already running) is
# stopped on exit.
set -u
cd "$(dirname "$0")/../.."
REPO=$PWD
O=${O:-build}
NAME=lwip_tap_send
PY=/usr/bin/python3
LWIP_IP=192.0.2.2
HOST_IP=192.0.2.1
TLS_NAME=${TLS_NAME:-mail.postlet.test}
NS=postlet-lwip-$$
TMP=
RELAY_PID=
NS_MADE=0
TESTBED_STARTED=0

say() { printf 'lwip: %s\n' "$*" >&2; }
skip() {
	echo "SKIP $NAME: $*"
	exit 77
}
fail() {
	echo "FAIL $NAME: $*"
	exit 1
}

cleanup() {
	if [ -n "$RELAY_PID" ]; then
		kill "$RELAY_PID" 2>/dev/null || true
		wait "$RELAY_PID" 2>/dev/null || true
	fi
	if [ "$NS_MADE" = 1 ]; then
		ip netns pids "$NS" 2>/dev/null | while read -r p; do kill "$p" 2>/dev/null || true; done
		ip netns del "$NS" 2>/dev/null || say "could not delete namespace $NS"
	fi
	if [ "$TESTBED_STARTED" = 1 ]; then
		bash tests/testbed/testbed.sh stop >/dev/null 2>&1 || true
	fi
	if [ -n "$TMP" ]; then
		if [ "${KEEP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ------------------------------------------------------------ prerequisites
[ "$(id -u)" = 0 ] || skip "needs root (tap device, network namespace, test bed MTA)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing (no tun/tap support)"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
[ -x "$PY" ] || skip "$PY is not installed"

rc=0
bash tests/lwip/build.sh || rc=$?
[ "$rc" = 77 ] && skip "liblwip-dev is not available"
[ "$rc" = 0 ] || fail "building the lwIP test program failed"
BIN=$REPO/$O/lwip/lwip_send

TMP=$(mktemp -d "${TMPDIR:-/tmp}/postlet-lwip.XXXXXX")

if ! ip netns add "$NS" 2>"$TMP/netns.err"; then
	skip "cannot create a network namespace: $(head -n 1 "$TMP/netns.err")"
fi
NS_MADE=1
ip -n "$NS" link set lo up || fail "cannot bring up lo in $NS"
if ! ip -n "$NS" tuntap add dev tap0 mode tap 2>"$TMP/tap.err"; then
	skip "cannot create a tap device: $(head -n 1 "$TMP/tap.err")"
fi
ip -n "$NS" addr add "$HOST_IP/24" dev tap0 || fail "cannot address tap0"
# Debian's liblwip 2.1.3 sizes PBUF_POOL elements for 592 data bytes (memp)
# while pbuf_alloc() fills them up to PBUF_POOL_BUFSIZE (1536): tapif's input
# path overflows the heap on any frame longer than 592 bytes.  MTU 576 keeps
# every frame Linux sends to lwIP at <= 590 bytes (Linux then also announces
# MSS 536).  A correctly built lwIP needs no such limit.
ip -n "$NS" link set tap0 mtu 576 || fail "cannot set the tap0 MTU"
ip -n "$NS" link set tap0 up || fail "cannot bring up tap0"

# ----------------------------------------------------------------- test bed
if ! bash tests/testbed/testbed.sh status >/dev/null 2>&1; then
	TESTBED_STARTED=1
	bash tests/testbed/testbed.sh start >"$TMP/testbed.log" 2>&1 ||
		{ tail -n 20 "$TMP/testbed.log" >&2; fail "the test bed did not start"; }
fi
eval "$(bash tests/testbed/testbed.sh env)"
PORT=$TESTBED_SUBMISSION_PORT
LOG_OFFSET=$(stat -c %s "$TESTBED_POSTFIX_LOG" 2>/dev/null || echo 0)

# -------------------------------------------------------------------- relay
"$PY" tests/lwip/nsrelay.py "/run/netns/$NS" "$HOST_IP" "$PORT" 127.0.0.1 "$PORT" \
	"$TMP/relay.ready" 2>"$TMP/relay.log" &
RELAY_PID=$!
for _ in $(seq 50); do
	[ -s "$TMP/relay.ready" ] && break
	kill -0 "$RELAY_PID" 2>/dev/null || break
	sleep 0.1
done
[ -s "$TMP/relay.ready" ] || { cat "$TMP/relay.log" >&2; fail "relay did not start"; }

# ------------------------------------------------------------------ message
ID=lwip-$(date +%s)-$$
RCPT=$ID@postlet.test
MSG=$TMP/message
{
	printf 'From: lwIP board <%s>\n' "$TESTBED_USER"
	printf 'To: <%s>\n' "$RCPT"
	printf 'Subject: [ALERT] lwIP port test %s\n' "$ID"
	printf 'Date: %s\n' "$(LC_ALL=C date -R)"
	printf 'Message-ID: <%s@lwip.postlet.test>\n' "$ID"
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=us-ascii\n'
	printf '\n'
	printf 'Alert %s sent by postlet over lwIP (tap0, %s -> %s).\n' "$ID" "$LWIP_IP" "$HOST_IP"
	printf '.A line starting with a dot\n.\n..\nThe line above was two dots.\n'
	# ~40 KiB: several TLS records and TCP windows through lwIP
	awk 'BEGIN { for (i = 1; i <= 500; i++) {
		s = sprintf("%04d ", i); while (length(s) < 78) s = s "lwIP-sockets-0123456789-";
		print substr(s, 1, 78) } }'
	printf 'Last line.\n'
} >"$MSG"

# --------------------------------------------------------------------- send
say "sending $ID from lwIP $LWIP_IP via tap0 to $HOST_IP:$PORT (namespace $NS)"
rc=0
timeout -k 5 120 ip netns exec "$NS" env PRECONFIGURED_TAPIF=tap0 ${LWIP_WRAP:-} "$BIN" \
	--host "$HOST_IP" --port "$PORT" --tls-name "$TLS_NAME" --ca "$TESTBED_CA" \
	--user "$TESTBED_USER" --password "$TESTBED_PASS" --from "$TESTBED_USER" \
	--rcpt "$RCPT" --message "$MSG" --ip "$LWIP_IP" --gw "$HOST_IP" \
	--timeout-ms 30000 ${VERBOSE:+-v} 2>"$TMP/client.log" || rc=$?
cat "$TMP/client.log" >&2
sed 's/^/lwip: relay: /' "$TMP/relay.log" >&2
[ "$rc" = 0 ] || fail "lwip_send exited $rc: $(grep -m1 FAILED "$TMP/client.log" || tail -n 1 "$TMP/client.log")"
grep -q "^nsrelay: $LWIP_IP:" "$TMP/relay.log" ||
	fail "the relay did not see a connection from the lwIP address $LWIP_IP"

# ------------------------------------------------------------------ deliver
BOX=$TESTBED_MAIL/postlet.test/$ID
deadline=$((SECONDS + 30))
FILE=
while [ -z "$FILE" ]; do
	FILE=$(find "$BOX/new" -type f 2>/dev/null | head -n 1)
	[ -n "$FILE" ] && break
	[ "$SECONDS" -lt "$deadline" ] || fail "no message in $BOX/new within 30s"
	sleep 0.2
done

# The delivered copy minus the trace headers the MTA put on top, LF endings.
sed 's/\r$//' "$FILE" | awk '
	BEGIN { top = 1 }
	top && /^[ \t]/ && skipping { next }
	top && tolower($0) ~ /^(return-path|x-original-to|delivered-to|received):/ { skipping = 1; next }
	{ top = 0; skipping = 0; print }
' >"$TMP/actual"
sed 's/\r$//' "$MSG" >"$TMP/expected"
if ! cmp -s "$TMP/expected" "$TMP/actual"; then
	diff -u "$TMP/expected" "$TMP/actual" | head -n 30 >&2
	fail "delivered copy $FILE differs from the message sent"
fi
say "delivered: $FILE ($(wc -c <"$FILE") bytes; body identical, $(wc -c <"$TMP/expected") bytes sent)"
say "sha256 sent $(sha256sum <"$TMP/expected" | cut -c1-16), delivered (trace headers removed) $(sha256sum <"$TMP/actual" | cut -c1-16)"

newlog=$(tail -c +"$((LOG_OFFSET + 1))" "$TESTBED_POSTFIX_LOG" 2>/dev/null || true)
printf '%s\n' "$newlog" | grep -E 'submission/smtpd.*(TLS connection established|sasl_method=)' |
	sed 's/^/lwip: postfix: /' >&2 || true
printf '%s\n' "$newlog" | grep -q 'submission/smtpd.*sasl_method=PLAIN' ||
	fail "postfix did not log AUTH PLAIN on the submission service"
echo "PASS $NAME"
exit 0
