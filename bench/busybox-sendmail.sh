#!/bin/sh
# Build BusyBox's sendmail applet from Debian's busybox source package.
#
#   bench/busybox-sendmail.sh CACHEDIR      -> CACHEDIR/busybox (binary)
#
# Debian's busybox and busybox-static packages do not include the sendmail
# applet, so the bench builds it from the same Debian source (apt-get source,
# with a private apt configuration under CACHEDIR/apt: deb-src lines derived
# at run time from the system's deb entries, the same way as
# scripts/wolfssl-source.sh; the system's apt state is not changed).
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
command -v dpkg-source >/dev/null 2>&1 ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dpkg-dev >&2

apt=$cache/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" "$apt/work"
srclist=$apt/sources.list
{
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n -e 's/#.*//' -e 's/^[[:space:]]*deb[[:space:]]\{1,\}/deb-src /p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush() {
			if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "" && suites != "") {
				opt = signed != "" ? "[signed-by=" signed "] " : ""
				nu = split(uris, u, " "); ns = split(suites, s, " ")
				for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
					print "deb-src " opt u[i] " " s[j] " " comps
			}
			types = uris = suites = comps = signed = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }
		{
			key = tolower($1); sub(/:$/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val); gsub(/[ \t]+/, " ", val)
			if (key == "types") types = val
			else if (key == "uris") uris = val
			else if (key == "suites") suites = val
			else if (key == "components") comps = val
			else if (key == "signed-by") signed = (val ~ /^\// ? val : "")
			else if (key == "enabled") enabled = tolower(val)
		}
		END { flush() }' "$f"
	done
} | grep -v -e ' cdrom:' -e '^deb-src *$' | sort -u >"$srclist"
[ -s "$srclist" ] || die "no deb entries to derive deb-src lines from"
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
	chown -R _apt "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/work" 2>/dev/null || true
fi
APT_OPTS="-o Dir::Etc::SourceList=$srclist -o Dir::Etc::SourceParts=$apt/sources.list.d \
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache \
 -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
 -o Acquire::Languages=none -o APT::Get::List-Cleanup=false"
# shellcheck disable=SC2086
apt-get $APT_OPTS -q update >&2 || die "apt-get update (private lists) failed"
want=$(dpkg-query -W -f '${Version}' busybox 2>/dev/null || true)
spec=busybox${want:+=$want}
# shellcheck disable=SC2086
if [ -n "$want" ] && ! apt-get $APT_OPTS -q -s source "$spec" >/dev/null 2>&1; then spec=busybox; fi
work=$apt/work
rm -rf "$work"/busybox-* "$work"/busybox_*
say "apt-get source $spec"
# shellcheck disable=SC2086
(cd "$work" && apt-get $APT_OPTS -q source "$spec") >&2 || die "apt-get source $spec failed"
tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -n 1)
[ -n "$tree" ] && [ -f "$tree/Makefile" ] || die "unpacked tree not found"
dsc=$(find "$work" -maxdepth 1 -name 'busybox_*.dsc' | head -n 1)
sed -n 's/^Version: *//p' "$dsc" >"$cache/VERSION"

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
