#!/usr/bin/env bash
# Build the lwIP host test programs against Debian's liblwip, postlet's agent
# core (CORE_SRCS) and port/lwip/port_lwip.c (not port/posix).
#
#   tests/lwip/build.sh            -> $O/lwip/lwip_send, $O/lwip/lwip_loop
#
# Uses pl_config.h's built-in defaults (no PL_HAVE_AUTOCONF), so it does not
# depend on a configured build directory, and the system wolfSSL.
# Exit 77 when liblwip-dev is not installed (and cannot be installed).
set -eu
cd "$(dirname "$0")/../.."
O=${O:-build}
CC=${CC:-gcc}
OUT=$O/lwip
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

if ! $PKG_CONFIG --exists lwip 2>/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		echo "  APT     liblwip-dev" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			liblwip-dev >/tmp/postlet-apt-lwip.log 2>&1 ||
			{ apt-get update -q >>/tmp/postlet-apt-lwip.log 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
					--no-install-recommends liblwip-dev >>/tmp/postlet-apt-lwip.log 2>&1; } ||
			true
	fi
	if ! $PKG_CONFIG --exists lwip 2>/dev/null; then
		echo "SKIP lwip build: liblwip-dev is not installed (apt-get install liblwip-dev)" >&2
		exit 77
	fi
fi

# Same as the Makefile's CORE_SRCS.
CORE_SRCS="agent/engine/reply.c agent/engine/body.c agent/engine/sasl.c agent/engine/smtp.c
	agent/pl_error.c agent/link.c agent/session.c agent/tls/tls_wolfssl.c"
WARN="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror"
CFLAGS=${CFLAGS:--O2 -g}
LWIP_CFLAGS=$($PKG_CONFIG --cflags lwip)
LWIP_LIBS=$($PKG_CONFIG --libs lwip)
WOLFSSL_CFLAGS=$($PKG_CONFIG --cflags wolfssl 2>/dev/null || true)
WOLFSSL_LIBS=$($PKG_CONFIG --libs wolfssl 2>/dev/null || echo -lwolfssl)

mkdir -p "$OUT/obj"
objs=()
# agent core: no lwIP headers needed
for s in $CORE_SRCS; do
	o=$OUT/obj/$(echo "${s%.c}" | tr / _).o
	# shellcheck disable=SC2086
	$CC $WARN $CFLAGS $WOLFSSL_CFLAGS -Iagent -Iport -c "$s" -o "$o"
	objs+=("$o")
done
# the port and the host test code see lwIP's headers
for s in port/lwip/port_lwip.c port/common/log_line.c tests/lwip/board_host.c; do
	o=$OUT/obj/$(echo "${s%.c}" | tr / _).o
	# shellcheck disable=SC2086
	$CC $WARN $CFLAGS $LWIP_CFLAGS -Iagent -Iport -Iport/common -Iport/lwip -c "$s" -o "$o"
	objs+=("$o")
done
for p in lwip_send lwip_loop; do
	[ -f "tests/lwip/$p.c" ] || continue
	# shellcheck disable=SC2086
	$CC $WARN $CFLAGS $LWIP_CFLAGS $WOLFSSL_CFLAGS -Iagent -Iport -Iport/lwip \
		-c "tests/lwip/$p.c" -o "$OUT/obj/$p.o"
	# shellcheck disable=SC2086
	$CC $CFLAGS "$OUT/obj/$p.o" "${objs[@]}" $LWIP_LIBS $WOLFSSL_LIBS -lpthread -o "$OUT/$p"
	echo "  LD      $OUT/$p" >&2
done
