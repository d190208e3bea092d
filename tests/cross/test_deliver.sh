#!/usr/bin/env bash
# One message through the test bed (STARTTLS, AUTH PLAIN) with a postlet
# binary built for another target, run under qemu-user (or natively),
# compared byte for byte with what arrived.
#   test_deliver.sh BINARY [QEMU]      (exit 0 pass / 77 skip / 1 fail)
# The wrapper makes the integration helpers (tests/integration/lib.sh) run
# "$QEMU $BINARY" wherever they run postlet.
BIN=$1 QEMU=${2:-}
WRAP=$(mktemp "${TMPDIR:-/tmp}/postlet-cross.XXXXXX")
printf '#!/bin/sh\nexec %s %s "$@"\n' "$QEMU" "$BIN" >"$WRAP"
chmod 755 "$WRAP"
POSTLET=$WRAP
T_NAME_SUFFIX=$(basename "$(dirname "$BIN")")
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
trap 'rm -rf "$T_TMP" "$WRAP"' EXIT
[ -x "$BIN" ] || fail "$BIN was not built"

lp=$(tagged_localpart "$T_NAME_SUFFIX")
rcpt=$lp@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on plain | write_config postletrc)
msg=$T_TMP/message
{
	echo "Alert from a router build ($T_NAME_SUFFIX${QEMU:+, under $QEMU})."
	echo ".A line starting with a dot"
	echo "."
	# a few TLS records
	awk 'BEGIN { for (i = 1; i <= 400; i++) printf "%04d router line, padded to be long enough to matter ............\n", i }'
	echo "Last line."
} | make_message "$msg" "<$rcpt>" "postlet cross $T_NAME_SUFFIX $T_ID"

POSTLET_TIMEOUT=${POSTLET_TIMEOUT:-120}
run_postlet "$msg" -C "$cfg" -i -v -- "$rcpt"
expect_rc 0
printf '%s\n' "$PL_ERR" | grep -q 'TLSv1\.[23]' || fail "no TLS session reported in -v output"
f=$(wait_for_mail postlet.test "$lp")
assert_same_message "$msg" "$f"
wait_for_log 'sasl_method=PLAIN' 5 || fail "postfix did not log AUTH PLAIN"
say "delivered $(wc -c <"$f") bytes via ${QEMU:-native} $BIN"
