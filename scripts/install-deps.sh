#!/bin/sh
# Install what building and testing postlet needs, from Debian's archive.
# Idempotent: installs only what is missing; needs root only when it must.
set -eu
pkgs="gcc make pkg-config libwolfssl-dev libcmocka-dev openssl ca-certificates
      postfix dovecot-core python3-kconfiglib valgrind iproute2 liblwip-dev dpkg-dev"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "postlet: missing packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "  APT    $missing"
export DEBIAN_FRONTEND=noninteractive
# postfix asks for a site type; the test bed runs its own private instance
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# shellcheck disable=SC2086
if ! apt-get install -y -q --no-install-recommends $missing >/tmp/postlet-apt.log 2>&1; then
	apt-get update -q >>/tmp/postlet-apt.log 2>&1
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >>/tmp/postlet-apt.log 2>&1 || {
		tail -20 /tmp/postlet-apt.log >&2
		exit 1
	}
fi
