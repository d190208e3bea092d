#!/bin/sh
# Fetch and unpack Debian's lwip source package (for the compile-only check
# of port/lwip against project-owned lwipopts, tests/lwip/compile-check.sh).
#
#   tests/lwip/lwip-source.sh CACHEDIR      -> CACHEDIR/lwip (unpacked tree)
#
# Same method as scripts/wolfssl-source.sh: apt runs with a private
# configuration under CACHEDIR/apt (deb-src lines derived from the system's
# deb entries, private lists and cache); the system's apt state is untouched.
# Nothing is fetched when CACHEDIR/lwip already exists.
set -eu

die() { echo "lwip-source: error: $*" >&2; exit 1; }
say() { echo "lwip-source: $*" >&2; }

[ $# -eq 1 ] || die "usage: $0 CACHEDIR"
cache=$1
mkdir -p "$cache" || die "cannot create $cache"
cache=$(cd "$cache" && pwd)
have_tree() { [ -f "$cache/lwip/src/api/sockets.c" ] && [ -f "$cache/lwip/src/include/lwip/opt.h" ]; }
have_tree && exit 0

command -v apt-get >/dev/null 2>&1 || die "apt-get not found"
command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source missing (apt-get install dpkg-dev)"

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
[ -s "$srclist" ] || die "no deb entries in /etc/apt/sources.list{,.d/*} to derive deb-src lines from"

if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
	chown -R _apt "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/work" 2>/dev/null || true
fi
APT_OPTS="-o Dir::Etc::SourceList=$srclist -o Dir::Etc::SourceParts=$apt/sources.list.d \
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache \
 -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
 -o Acquire::Languages=none -o APT::Get::List-Cleanup=false"
say "apt-get update (private lists in $apt/lists)"
# shellcheck disable=SC2086
apt-get $APT_OPTS -q update >&2 || die "apt-get update with the private source list failed"

want=$(dpkg-query -W -f '${Status} ${Version}\n' liblwip-dev 2>/dev/null |
	awk '$3 == "installed" { print $4 }') || true
# shellcheck disable=SC2086
if [ -n "$want" ] && ! apt-get $APT_OPTS -q -s source "lwip=$want" >/dev/null 2>&1; then
	want=
fi
work=$apt/work
rm -rf "$work"/lwip-* "$work"/lwip_*
say "apt-get source lwip${want:+=$want}"
# shellcheck disable=SC2086
(cd "$work" && apt-get $APT_OPTS -q source "lwip${want:+=$want}") >&2 || die "apt-get source lwip failed"
tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'lwip-*' | head -n 1)
[ -n "$tree" ] && [ -f "$tree/src/api/sockets.c" ] || die "unpacked tree not found under $work"
rm -rf "$cache/lwip"
mv "$tree" "$cache/lwip"
sed -n 's/^Version: *//p' "$work"/lwip_*.dsc >"$cache/VERSION"
say "lwip $(cat "$cache/VERSION") unpacked in $cache/lwip"
