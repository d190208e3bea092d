#!/usr/bin/env bash
# Reproduce the resumption numbers in docs/architecture.md (not a test:
# run by hand; needs valgrind and a running test bed with the TLS ports).
#   O=build bash tests/tls/callgrind.sh
# Prints instructions of one send inside a process (first vs resumed,
# tests/tls/resume.c) and of whole postlet runs with tls_session_cache on
# (first vs second), for the X25519 port and the P-384-only port.
set -eu
cd "$(dirname "$0")/../.."
O=${O:-build}
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 77; }
eval "$(bash tests/testbed/testbed.sh env)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s O="$O" lib
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g -fno-inline
	-fno-optimize-sibling-calls -DPL_HAVE_AUTOCONF -I$O/include -Iagent -Iport -Iport/common"
if grep -q '^CONFIG_POSTLET_WOLFSSL_SOURCE=y' "$O/.config"; then
	WOLF="-DWOLFSSL_USER_SETTINGS -I$O/wolfssl/include -Ibuild/wolfssl-src/wolfssl"
	LIBS="$O/wolfssl/libwolfssl.a -lm"
else
	WOLF=$(pkg-config --cflags wolfssl 2>/dev/null || true)
	LIBS=$(pkg-config --libs wolfssl 2>/dev/null || echo -lwolfssl)
fi
# shellcheck disable=SC2086
gcc $CFLAGS $WOLF tests/tls/resume.c "$O/libpostlet.a" $LIBS -o "$tmp/resume"
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --toggle-collect=send_first \
	--toggle-collect=send_second "$tmp/resume" localhost "$TESTBED_SUBMISSION_PORT" "$TESTBED_CA" \
	"$TESTBED_USER" "$TESTBED_PASS" "cg@postlet.test" same >/dev/null 2>&1 || true
callgrind_annotate --inclusive=yes "$tmp/cg" 2>/dev/null | grep -E 'resume\.c:send_(first|second) ' |
	sed 's/^/in-process: /'
cat >"$tmp/rc" <<EOT
account t
host localhost
tls on
tls_trust_file $TESTBED_CA
tls_session_cache on
user $TESTBED_USER
password $TESTBED_PASS
from $TESTBED_USER
account default : t
EOT
chmod 600 "$tmp/rc"
printf 'Subject: callgrind\n\nx\n' >"$tmp/msg"
for port in "$TESTBED_SUBMISSION_PORT" "$TESTBED_P384_PORT"; do
	rm -rf "$tmp/cache"
	mkdir -m 700 "$tmp/cache"
	for run in first second; do
		n=$(XDG_CACHE_HOME=$tmp/cache valgrind --tool=callgrind --callgrind-out-file="$tmp/cg2" \
			"$O/postlet" -C "$tmp/rc" --port="$port" cg@postlet.test <"$tmp/msg" 2>&1 |
			sed -n 's/.*Collected : //p')
		echo "postlet run, port $port, $run: $n instructions"
	done
done
