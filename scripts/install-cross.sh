#!/bin/sh
# Toolchains for the cross and size builds, from Debian's archive:
#   scripts/install-cross.sh [mips] [arm64] [qemu] [musl] [cm4]   (default: all)
# mips  -> gcc-mipsel-linux-gnu + libc6-dev-mipsel-cross
# arm64 -> gcc-aarch64-linux-gnu + libc6-dev-arm64-cross
# (the libc headers are only a Recommends of the compilers, and we install
# without recommends: check for them separately)
# qemu  -> qemu-user (qemu-mipsel, qemu-aarch64)
# musl  -> musl-tools (musl-gcc, x86_64 hosts)
# cm4   -> gcc-arm-none-eabi + libnewlib-arm-none-eabi (newlib-nano)
# Installs only what is missing; needs root for that.  Exit 0 when every
# requested tool is present afterwards, 1 otherwise (the reason on stderr).
set -u
[ $# -gt 0 ] || set -- mips arm64 qemu musl cm4
want=
for t in "$@"; do
	case $t in
	mips)  command -v mipsel-linux-gnu-gcc >/dev/null 2>&1 || want="$want gcc-mipsel-linux-gnu"
	       [ -f /usr/mipsel-linux-gnu/include/sys/time.h ] || want="$want libc6-dev-mipsel-cross" ;;
	arm64) command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || want="$want gcc-aarch64-linux-gnu"
	       [ -f /usr/aarch64-linux-gnu/include/sys/time.h ] || want="$want libc6-dev-arm64-cross" ;;
	qemu)  command -v qemu-mipsel >/dev/null 2>&1 || want="$want qemu-user" ;;
	musl)  command -v musl-gcc >/dev/null 2>&1 || want="$want musl-tools" ;;
	cm4)   { command -v arm-none-eabi-gcc >/dev/null 2>&1 &&
		 [ -n "$(arm-none-eabi-gcc -print-file-name=libc_nano.a | grep /)" ]; } ||
		want="$want gcc-arm-none-eabi libnewlib-arm-none-eabi" ;;
	*) echo "install-cross: unknown tool set '$t'" >&2; exit 2 ;;
	esac
done
[ -n "$want" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-cross: missing:$want (run as root to install)" >&2
	exit 1
fi
log=${TMPDIR:-/tmp}/postlet-apt-cross.log
echo "  APT    $want" >&2
# apt may be locked by another build: retry a few times
i=0
until DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $want >"$log" 2>&1; do
	i=$((i + 1))
	if [ "$i" = 2 ]; then apt-get update -q >>"$log" 2>&1 || true; fi
	if [ "$i" -ge 6 ]; then
		tail -n 5 "$log" >&2
		echo "install-cross: apt-get install$want failed (see $log)" >&2
		exit 1
	fi
	sleep 5
done
exit 0
