#!/usr/bin/env bash
# Debian packages the real-caller suite drives: mailx, git send-email (with
# Mail::Address, which git-email only recommends), mutt,
# PHP's mail(), swaks (for -bs) and cron.  Installed as root through apt-get;
# retried while another apt/dpkg run holds the lock.
set -u
pkgs=(bsd-mailx git git-email libmailtools-perl mutt php-cli swaks cron)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "callers: need root to install ${missing[*]}" >&2; exit 77; }
export DEBIAN_FRONTEND=noninteractive
for try in $(seq 1 40); do
	if apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/callers-apt.$$.log 2>&1; then
		rm -f /tmp/callers-apt.$$.log
		exit 0
	fi
	if grep -qE 'Could not get lock|Unable to lock|dpkg was interrupted' /tmp/callers-apt.$$.log; then
		sleep 5
		continue
	fi
	if [ "$try" = 1 ] && grep -qE 'Unable to locate|has no installation candidate' /tmp/callers-apt.$$.log; then
		apt-get update -q >/dev/null 2>&1 || true
		continue
	fi
	tail -5 /tmp/callers-apt.$$.log >&2
	rm -f /tmp/callers-apt.$$.log
	exit 1
done
echo "callers: apt/dpkg stayed locked" >&2
exit 1
