#!/bin/sh
# Debian's wolfssl source package, the version of the installed libwolfssl-dev
# when the archive has it: CACHEDIR/wolfssl (see scripts/debian-source.sh).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 CACHEDIR" >&2; exit 1; }
exec sh "$(dirname "$0")/debian-source.sh" wolfssl "$1" libwolfssl-dev libwolfssl35
