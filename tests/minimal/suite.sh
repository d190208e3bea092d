#!/usr/bin/env bash
# The minimal authentication build (configs/posix_minimal_defconfig: AUTH
# PLAIN only, no optional ESMTP extension), proven: it is configured and
# built out of tree, its autoconf.h holds no other mechanism and no
# extension, the engine's transcripts with the extensions off pass
# (test_esmtp_off, built against that autoconf.h), one real message goes
# through the test bed's SASL port (which offers SCRAM and CHUNKING too:
# "auth on" must use PLAIN, the body must go with DATA), and "auth
# scram-sha-256" fails clearly (exit 78, names the Kconfig menu) without
# connecting.  Also prints the text size of the full and the minimal
# binary.
#
# Prints one PASS/FAIL/SKIP line per test.  MIN_O (default build-minimal)
# is the build directory; O (default build) holds the full build.
set -u
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
MIN_O=${MIN_O:-build-minimal}
failed=0
TB_STARTED=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postlet-minimal.XXXXXX")

cleanup() {
	if [ "$TB_STARTED" = 1 ]; then bash tests/testbed/testbed.sh stop >/dev/null 2>&1 || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failed=1; }

mkdir -p "$MIN_O"
if ! { make --no-print-directory -s O="$MIN_O" defconfig DEFCONFIG=configs/posix_minimal_defconfig &&
	make --no-print-directory -s -j2 O="$MIN_O"; } >"$tmp/build.log" 2>&1; then
	tail -20 "$tmp/build.log"
	fail "minimal_build: make O=$MIN_O with configs/posix_minimal_defconfig failed"
	exit 1
fi
bin=$MIN_O/postlet
others=$(grep -E '^#define CONFIG_POSTLET_AUTH_(LOGIN|SCRAM|CRAM|XOAUTH2|OAUTHBEARER|EXTERNAL)' \
	"$MIN_O/include/autoconf.h")
if grep -q '^#define CONFIG_POSTLET_AUTH_PLAIN 1' "$MIN_O/include/autoconf.h" && [ -z "$others" ]; then
	pass "minimal_build: $bin built with AUTH PLAIN only"
else
	fail "minimal_build: autoconf.h has PLAIN off or other mechanisms on: $others"
fi

ext_on=$(grep -E '^#define CONFIG_POSTLET_(ESMTP_[A-Z0-9]+|HELO_FALLBACK) ' "$MIN_O/include/autoconf.h")
if [ -z "$ext_on" ]; then
	pass "minimal_esmtp_config: no optional ESMTP extension in $MIN_O/include/autoconf.h"
else
	fail "minimal_esmtp_config: extensions on: $ext_on"
fi

# the engine's transcripts with the extensions off, against this autoconf.h
if make --no-print-directory -s -j2 O="$MIN_O" "$MIN_O/tests/test_esmtp_off" >"$tmp/unit.log" 2>&1 &&
	"$MIN_O/tests/test_esmtp_off" >"$tmp/unit.out" 2>&1; then
	sed -n 's/^\[       OK \] \(.*\)/PASS esmtp_off: \1/p' "$tmp/unit.out"
else
	tail -20 "$tmp/unit.log" "$tmp/unit.out"
	fail "esmtp_off: $MIN_O/tests/test_esmtp_off did not build or a transcript failed"
fi

if ! bash tests/testbed/testbed.sh status >/dev/null 2>&1; then TB_STARTED=1; fi
if ! bash tests/testbed/testbed.sh start >"$tmp/tb.log" 2>&1; then
	tail -5 "$tmp/tb.log"
	fail "minimal_send: test bed did not start"
	exit 1
fi
eval "$(bash tests/testbed/testbed.sh env)"

conf() { # AUTH
	cat <<CONF
account sasl
host localhost
port $TESTBED_SASL_PORT
tls on
tls_trust_file $TESTBED_CA
auth $1
user $TESTBED_USER
password $TESTBED_PASS
from $TESTBED_USER
account default : sasl
CONF
}
(umask 077 && conf on >"$tmp/rc-on" && conf scram-sha-256 >"$tmp/rc-scram")

lp=minimal-$(date +%s)-$$
offset=$(stat -c %s "$TESTBED_POSTFIX_LOG")
printf 'Subject: minimal build %s\n\nAUTH PLAIN only.\n' "$lp" >"$tmp/msg"
rc=0
timeout 60 "$bin" -C "$tmp/rc-on" -v "$lp@postlet.test" <"$tmp/msg" >"$tmp/out" 2>&1 || rc=$?
box=$TESTBED_MAIL/postlet.test/$lp/new
for _ in $(seq 100); do
	[ -n "$(ls -A "$box" 2>/dev/null)" ] && break
	sleep 0.2
done
if [ "$rc" = 0 ] && [ -n "$(ls -A "$box" 2>/dev/null)" ] &&
	tail -c +"$((offset + 1))" "$TESTBED_POSTFIX_LOG" | grep -Eq '/sasl/smtpd\[[0-9]+\]: [0-9A-F]+: client=.*sasl_method=PLAIN,' &&
	grep -q -- '--> AUTH PLAIN \[credentials hidden\]' "$tmp/out" &&
	grep -q -- '--> DATA' "$tmp/out" && ! grep -Eq -- '--> (BDAT|MAIL FROM:.* (SIZE|BODY)=)' "$tmp/out"; then
	pass "minimal_send: delivered through the test bed with AUTH PLAIN and DATA (server offers SCRAM-SHA-256 and CHUNKING too)"
else
	tail -5 "$tmp/out"
	fail "minimal_send: exit $rc, or no delivery / no sasl_method=PLAIN in the log"
fi

rc=0
timeout 60 "$bin" -C "$tmp/rc-scram" "$lp-x@postlet.test" <"$tmp/msg" >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" = 78 ] && grep -q "'auth scram-sha-256': no such mechanism compiled into this postlet" "$tmp/out" &&
	! grep -q 'connected' "$tmp/out"; then
	pass "minimal_scram_refused: auth scram-sha-256 -> exit 78, $(head -1 "$tmp/out" | cut -c1-100)"
else
	cat "$tmp/out"
	fail "minimal_scram_refused: exit $rc, expected 78 and a clear message"
fi

if [ -x "$O/postlet" ]; then
	full=$(size "$O/postlet" | awk 'NR == 2 { print $1 }')
	min=$(size "$bin" | awk 'NR == 2 { print $1 }')
	pass "minimal_size: text $full bytes full ($O/postlet), $min bytes minimal ($bin), $((full - min)) bytes saved"
fi
exit "$failed"
