#!/usr/bin/env bash
# lwIP port without privileges: builds tests/lwip/lwip_loop (agent core +
# port/lwip + Debian's liblwip) and runs it.  Client and a fake SMTP server
# both live inside lwIP (loopback on the netif's own address), so no root,
# no tap, no network.  Prints one PASS/FAIL line per case; exit 0 / 1, or 77
# with "SKIP lwip_loop: why" when liblwip-dev is missing.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
rc=0
bash tests/lwip/build.sh || rc=$?
[ "$rc" = 77 ] && { echo "SKIP lwip_loop: liblwip-dev is not available"; exit 77; }
[ "$rc" = 0 ] || { echo "FAIL lwip_loop: build failed"; exit 1; }
rc=0
timeout -k 5 60 "$O/lwip/lwip_loop" "$@" || rc=$?
[ "$rc" = 124 ] || [ "$rc" = 137 ] && { echo "FAIL lwip_loop: timed out"; exit 1; }
exit "$rc"
