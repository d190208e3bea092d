#!/bin/sh
# Debian's lwip source package, for the compile-only check of port/lwip
# against project-owned lwipopts: CACHEDIR/lwip (see scripts/debian-source.sh).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 CACHEDIR" >&2; exit 1; }
exec sh "$(dirname "$0")/../../scripts/debian-source.sh" lwip "$1" liblwip-dev
