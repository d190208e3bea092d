#!/bin/sh
# Fetch and unpack Debian's wolfssl source package into a cache directory.
#
#   scripts/wolfssl-source.sh CACHEDIR
#
# Result: CACHEDIR/wolfssl -> the unpacked tree (Debian patches applied),
# CACHEDIR/VERSION holds the Debian version.  When that tree already exists
# nothing is downloaded again (remove CACHEDIR to refetch).
#
# apt runs with a private configuration under CACHEDIR/apt: its own sources
# list (deb-src lines derived at run time from the system's deb entries in
# /etc/apt/sources.list and /etc/apt/sources.list.d/*.{list,sources}), its
# own lists and cache directories.  The system's apt state is not changed.
#
# Environment:
#   WOLFSSL_SRC_VERSION  Debian version to fetch (default: the installed
#                        libwolfssl-dev/libwolfssl35 version when the archive
#                        has it, else the newest one)
#   APT_SRC_SUITES       override the suites (space separated), e.g. "bookworm"
set -eu

die() { echo "wolfssl-source: error: $*" >&2; exit 1; }
say() { echo "wolfssl-source: $*" >&2; }

[ $# -eq 1 ] || die "usage: $0 CACHEDIR"
cache=$1
mkdir -p "$cache" || die "cannot create $cache"
cache=$(cd "$cache" && pwd)

have_tree() { [ -f "$cache/wolfssl/wolfssl/ssl.h" ] && [ -f "$cache/wolfssl/src/tls13.c" ]; }

if have_tree; then
	exit 0
fi

# Several build directories may ask at once (parallel make): one fetch.
if [ -z "${WOLFSSL_SRC_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	WOLFSSL_SRC_LOCKED=1 exec flock "$cache/.lock" "$0" "$@"
fi
have_tree && exit 0

command -v apt-get >/dev/null 2>&1 || die "apt-get not found (Debian/Ubuntu build host needed)"

if ! command -v dpkg-source >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || die "dpkg-source missing: install dpkg-dev (apt-get install dpkg-dev) or run as root"
	say "installing dpkg-dev (for dpkg-source)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg-dev >&2 ||
		die "apt-get install dpkg-dev failed"
fi

apt=$cache/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" "$apt/work"
srclist=$apt/sources.list

# --- derive deb-src lines from the system's deb entries ------------------
{
	# one-line format
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n -e 's/#.*//' -e 's/^[[:space:]]*deb[[:space:]]\{1,\}/deb-src /p' "$f"
	done
	# deb822 format (one stanza per paragraph)
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
		/^[ \t]/ { next }            # continuation lines (inline keys): ignored
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
} | grep -v -e ' cdrom:' -e '^deb-src *$' | sort -u > "$srclist.all"

if [ -n "${APT_SRC_SUITES:-}" ]; then
	: > "$srclist.tmp"
	for s in $APT_SRC_SUITES; do
		awk -v s="$s" '{ for (i = 1; i <= NF; i++) if ($i == s) { print; break } }' "$srclist.all" >> "$srclist.tmp"
	done
	mv "$srclist.tmp" "$srclist.all"
fi
[ -s "$srclist.all" ] || die "no deb entries found in /etc/apt/sources.list{,.d/*} to derive deb-src lines from"
mv "$srclist.all" "$srclist"
say "private apt sources ($srclist):"
sed 's/^/  /' "$srclist" >&2

# _apt (the download sandbox user) must be able to write the private dirs
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

want=${WOLFSSL_SRC_VERSION:-}
if [ -z "$want" ]; then
	for p in libwolfssl-dev libwolfssl35; do
		v=$(dpkg-query -W -f '${Status} ${Version}\n' "$p" 2>/dev/null |
			awk '$3 == "installed" { print $4 }') || true
		[ -n "$v" ] && { want=$v; break; }
	done
	# shellcheck disable=SC2086
	if [ -n "$want" ] && ! apt-get $APT_OPTS -q -s source "wolfssl=$want" >/dev/null 2>&1; then
		say "installed version $want not in the archive; taking the newest"
		want=
	fi
fi
spec=wolfssl${want:+=$want}

work=$apt/work
rm -rf "$work"/wolfssl-* "$work"/wolfssl_*
say "apt-get source $spec"
# shellcheck disable=SC2086
(cd "$work" && apt-get $APT_OPTS -q source "$spec") >&2 ||
	die "apt-get source $spec failed"

tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'wolfssl-*' | head -n 1)
if [ -z "$tree" ] || [ ! -f "$tree/wolfssl/ssl.h" ]; then die "unpacked tree not found under $work"; fi
dsc=$(find "$work" -maxdepth 1 -name 'wolfssl_*.dsc' | head -n 1)
ver=$(sed -n 's/^Version: *//p' "$dsc")

rm -rf "$cache/wolfssl.new"
mv "$tree" "$cache/wolfssl.new"
rm -rf "$cache/wolfssl"
mv "$cache/wolfssl.new" "$cache/wolfssl"
echo "$ver" > "$cache/VERSION"
mkdir -p "$cache/dist"
mv "$work"/wolfssl_* "$cache/dist/" 2>/dev/null || true
say "wolfssl $ver unpacked in $cache/wolfssl"
