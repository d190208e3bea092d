#!/bin/sh
# Fetch and unpack one of Debian's source packages into a cache directory.
#
#   scripts/debian-source.sh PACKAGE CACHEDIR [PREFERRED-BINARY...]
#
# Result: CACHEDIR/PACKAGE -> the unpacked tree (Debian patches applied),
# CACHEDIR/VERSION holds the Debian version.  When that tree is complete
# nothing is downloaded again (remove CACHEDIR to refetch).  The version
# fetched is that of the first PREFERRED-BINARY package installed here (so a
# source build matches the system's -dev package), else the newest.
#
# apt runs with a private configuration under CACHEDIR/apt: its own sources
# list (deb-src lines derived at run time from the system's deb entries in
# /etc/apt/sources.list and /etc/apt/sources.list.d/*.{list,sources}), its
# own lists and cache directories.  The system's apt state is not changed.
#
# Environment:
#   SRC_VERSION     Debian version to fetch (overrides the preference)
#   APT_SRC_SUITES  override the suites (space separated), e.g. "bookworm"
set -eu

die() { echo "debian-source: error: $*" >&2; exit 1; }
say() { echo "debian-source: $*" >&2; }

[ $# -ge 2 ] || die "usage: $0 PACKAGE CACHEDIR [PREFERRED-BINARY...]"
pkg=$1 cache=$2
shift 2
mkdir -p "$cache" || die "cannot create $cache"
cache=$(cd "$cache" && pwd)

have_tree() { [ -f "$cache/$pkg/.complete" ]; }

if have_tree; then
	exit 0
fi

# Several build directories may ask at once (parallel make): one fetch.
if [ -z "${DEBIAN_SRC_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	DEBIAN_SRC_LOCKED=1 exec flock "$cache/.lock" sh "$0" "$pkg" "$cache" "$@"
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

want=${SRC_VERSION:-}
if [ -z "$want" ]; then
	for p in "$@"; do
		v=$(dpkg-query -W -f '${Status} ${Version}\n' "$p" 2>/dev/null |
			awk '$3 == "installed" { print $4 }') || true
		[ -n "$v" ] && { want=$v; break; }
	done
	# shellcheck disable=SC2086
	if [ -n "$want" ] && ! apt-get $APT_OPTS -q -s source "$pkg=$want" >/dev/null 2>&1; then
		say "installed version $want not in the archive; taking the newest"
		want=
	fi
fi
spec=$pkg${want:+=$want}

work=$apt/work
rm -rf "$work"/"$pkg"-* "$work"/"$pkg"_*
say "apt-get source $spec"
# shellcheck disable=SC2086
(cd "$work" && apt-get $APT_OPTS -q source "$spec") >&2 ||
	die "apt-get source $spec failed"

tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -n 1)
[ -n "$tree" ] || die "unpacked tree not found under $work"
dsc=$(find "$work" -maxdepth 1 -name "${pkg}_*.dsc" | head -n 1)
ver=$(sed -n 's/^Version: *//p' "$dsc")

touch "$tree/.complete"
rm -rf "$cache/$pkg.new"
mv "$tree" "$cache/$pkg.new"
rm -rf "$cache/$pkg"
mv "$cache/$pkg.new" "$cache/$pkg"
echo "$ver" > "$cache/VERSION"
mkdir -p "$cache/dist"
mv "$work"/"$pkg"_* "$cache/dist/" 2>/dev/null || true
say "$pkg $ver unpacked in $cache/$pkg"
