#!/bin/sh
# Install the analysis and fuzzing tools from Debian's archive: clang (with
# libFuzzer and the sanitizer runtimes), clang-tidy, cppcheck, valgrind.
# Idempotent; needs root only when something is missing.
set -eu
pkgs="clang clang-tidy libclang-rt-14-dev cppcheck valgrind binutils"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "postlet: missing analysis packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "  APT    $missing"
export DEBIAN_FRONTEND=noninteractive
# another apt run may hold the lock for a while: retry
for try in 1 2 3 4 5 6; do
	# shellcheck disable=SC2086
	if apt-get install -y -q --no-install-recommends $missing >/tmp/postlet-apt-analysis.log 2>&1; then
		exit 0
	fi
	[ "$try" = 2 ] && apt-get update -q >>/tmp/postlet-apt-analysis.log 2>&1
	sleep 10
done
tail -20 /tmp/postlet-apt-analysis.log >&2
exit 1
