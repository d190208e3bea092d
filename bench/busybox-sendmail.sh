#!/bin/sh
# Build BusyBox's sendmail applet from Debian's busybox source package.
#
#   bench/busybox-sendmail.sh CACHEDIR      -> CACHEDIR/busybox (binary)
#
# Debian's busybox and busybox-static packages do not include the sendmail
# applet, so the bench builds it from the same Debian source (apt-get source,
# through scripts/debian-source.sh: a private apt configuration, the
# system's apt state is not changed).
# Configuration: allnoconfig + sendmail (+ AUTH, the -H helper) only, linked
# dynamically against glibc like the Debian package.
set -eu
die() { echo "busybox-sendmail: error: $*" >&2; exit 1; }
say() { echo "busybox-sendmail: $*" >&2; }
[ $# -eq 1 ] || die "usage: $0 CACHEDIR"
cache=$1
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
if [ -x "$cache/busybox" ] && [ -s "$cache/VERSION" ]; then
	exit 0
fi
sh "$(dirname "$0")/../scripts/debian-source.sh" busybox "$cache/src" busybox busybox-static >&2 ||
	die "fetching the busybox source failed"
tree=$cache/src/busybox
cp "$cache/src/VERSION" "$cache/VERSION"

b=$cache/obj
rm -rf "$b"; mkdir -p "$b"
say "configuring (allnoconfig + sendmail)"
make -s -C "$tree" O="$b" allnoconfig >/dev/null
for o in SENDMAIL FEATURE_SENDMAIL_MAILX FEATURE_SENDMAIL_MAILXX LONG_OPTS \
	FEATURE_MIME_CHARSET; do
	sed -i "s/^# CONFIG_$o is not set\$/CONFIG_$o=y/" "$b/.config"
done
yes '' | make -s -C "$tree" O="$b" oldconfig >/dev/null 2>&1 || true
grep -q '^CONFIG_SENDMAIL=y' "$b/.config" || die "CONFIG_SENDMAIL not enabled"
say "building"
make -s -C "$b" -j"$(nproc)" busybox >&2 || die "build failed"
cp "$b/busybox" "$cache/busybox.new"
mv "$cache/busybox.new" "$cache/busybox"
rc=0; "$cache/busybox" sendmail -V </dev/null >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 127 ] || die "built busybox has no sendmail applet"
say "busybox $(cat "$cache/VERSION") with sendmail: $cache/busybox"
