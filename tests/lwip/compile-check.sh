#!/usr/bin/env bash
# Compile-only check of port/lwip/port_lwip.c against lwIP's own headers
# (Debian's lwip *source* package, fetched by tests/lwip/lwip-source.sh into
# $O/lwip-src) with tests/lwip/lwipopts_min.h in several variants, and proof
# that each required-option #error fires with a message naming the option.
# Prints "PASS lwip_compile_<variant>" / "FAIL ..." lines; exit 0/1, 77 when
# the source cannot be fetched.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
CC=${CC:-gcc}
SRC=$O/lwip-src/lwip
if ! sh tests/lwip/lwip-source.sh "$O/lwip-src" >"$O/lwip-src.log" 2>&1; then
	tail -n 5 "$O/lwip-src.log" >&2
	echo "SKIP lwip_compile: lwIP source package not available"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "%s"\n' "$PWD/tests/lwip/lwipopts_min.h" >"$tmp/lwipopts.h"
INC="-I$tmp -I$SRC/src/include -I$SRC/port/include -Iagent -Iport -Iport/common -Iport/lwip"
FLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O2"
failed=0

ok() { # name defines...
	local name=$1
	shift
	# shellcheck disable=SC2086
	if $CC $FLAGS $INC "$@" -c port/lwip/port_lwip.c -o "$tmp/o.o" 2>"$tmp/err"; then
		echo "PASS lwip_compile_$name"
	else
		head -n 8 "$tmp/err" >&2
		echo "FAIL lwip_compile_$name: does not compile ($*)"
		failed=1
	fi
}
must_error() { # name regex defines...
	local name=$1 re=$2
	shift 2
	# shellcheck disable=SC2086
	if $CC $FLAGS $INC "$@" -c port/lwip/port_lwip.c -o "$tmp/o.o" 2>"$tmp/err"; then
		echo "FAIL lwip_compile_$name: compiled although $* should stop it"
		failed=1
	elif grep -q "#error.*$re" "$tmp/err" || grep -q "error: .*$re" "$tmp/err"; then
		echo "PASS lwip_compile_$name"
	else
		head -n 5 "$tmp/err" >&2
		echo "FAIL lwip_compile_$name: failed without naming $re"
		failed=1
	fi
}

ok poll_dns_dual
ok select_nonstd_ipv4 -DPLT_WAIT=2 -DPLT_NONSTD=1 -DPLT_DNS=0 -DPLT_IPV6=0
ok blocking_ipv6_only -DPLT_WAIT=0 -DPLT_IPV4=0 -DPLT_DNS=0
ok poll_ipv4_dns -DPLT_IPV6=0
must_error no_rcvtimeo LWIP_SO_RCVTIMEO -DPLT_RCVTIMEO=0
must_error no_sndtimeo LWIP_SO_SNDTIMEO -DPLT_SNDTIMEO=0
must_error no_socket LWIP_SOCKET -DPLT_SOCKET=0
must_error no_tcp LWIP_TCP -DPLT_TCP=0
must_error no_sys NO_SYS -DPLT_NO_SYS=1 -DPLT_SOCKET=0
exit "$failed"
