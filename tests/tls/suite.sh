#!/usr/bin/env bash
# TLS resumption inside one process against the real test bed
# (tests/tls/resume.c): a second send with the same settings resumes; a
# changed pin, trust file or expected host name never does.
# Prints "PASS|FAIL|SKIP tls_resume_<case>"; exit 0 when nothing failed.
# Instruction counts first vs resumed: see docs/architecture.md (callgrind).
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

if ! make -s O="$O" lib >"$tmp/make.log" 2>&1; then
	tail -n 5 "$tmp/make.log"
	echo "FAIL tls_resume_build: make lib failed"
	exit 1
fi
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O1 -g
	-fno-inline -fno-optimize-sibling-calls -DPL_HAVE_AUTOCONF -I$O/include -Iagent -Iport -Iport/common"
if grep -q '^CONFIG_POSTLET_WOLFSSL_SOURCE=y' "$O/.config" 2>/dev/null; then
	WOLF="-DWOLFSSL_USER_SETTINGS -I$O/wolfssl/include -Ibuild/wolfssl-src/wolfssl"
	LIBS="$O/wolfssl/libwolfssl.a -lm"
else
	WOLF=$(pkg-config --cflags wolfssl 2>/dev/null)
	LIBS=$(pkg-config --libs wolfssl 2>/dev/null || echo -lwolfssl)
fi
# shellcheck disable=SC2086
if ! gcc $CFLAGS $WOLF tests/tls/resume.c "$O/libpostlet.a" $LIBS -o "$tmp/resume" 2>"$tmp/cc.log"; then
	cat "$tmp/cc.log"
	echo "FAIL tls_resume_build: harness does not compile"
	exit 1
fi

bash "$TESTBED" status >/dev/null 2>&1 || started=1
if ! bash "$TESTBED" start >"$tmp/tb.log" 2>&1; then
	tail -n 5 "$tmp/tb.log"
	echo "FAIL tls_resume: test bed did not start"
	exit 1
fi
eval "$(bash "$TESTBED" env)"
cp "$TESTBED_CA" "$tmp/other-ca.pem"

failed=0
for c in same pin trust badname; do
	if OTHER_TRUST=$tmp/other-ca.pem timeout 60 "$tmp/resume" localhost "$TESTBED_SUBMISSION_PORT" \
		"$TESTBED_CA" "$TESTBED_USER" "$TESTBED_PASS" "resume-$c@postlet.test" "$c" >"$tmp/out" 2>&1; then
		echo "PASS tls_resume_$c"
	else
		sed 's/^/    | /' "$tmp/out"
		echo "FAIL tls_resume_$c"
		failed=1
	fi
done
# client certificate from memory: the port that asks for one logs whether
# it verified against the test CA
log_off=$(stat -c %s "$TESTBED_POSTFIX_LOG")
if CLIENT_CERT=$TESTBED_TLS_DIR/client-cert.pem CLIENT_KEY=$TESTBED_TLS_DIR/client-key.pem \
	timeout 60 "$tmp/resume" localhost "$TESTBED_CLIENTCERT_PORT" "$TESTBED_CA" "$TESTBED_USER" \
	"$TESTBED_PASS" "resume-pem@postlet.test" clientpem >"$tmp/out" 2>&1; then
	for _ in $(seq 50); do
		tail -c +"$((log_off + 1))" "$TESTBED_POSTFIX_LOG" |
			grep -q '/clientcert/smtpd\[[0-9]*\]: Trusted TLS connection' && break
		sleep 0.2
	done
	if tail -c +"$((log_off + 1))" "$TESTBED_POSTFIX_LOG" |
		grep -q '/clientcert/smtpd\[[0-9]*\]: Trusted TLS connection'; then
		echo "PASS tls_client_cert_pem"
	else
		echo "FAIL tls_client_cert_pem: the server did not log a verified client certificate"
		failed=1
	fi
else
	sed 's/^/    | /' "$tmp/out"
	echo "FAIL tls_client_cert_pem"
	failed=1
fi
exit "$failed"
