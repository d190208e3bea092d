#!/usr/bin/env bash
# make demo: start the local test MTA (Postfix + Dovecot on loopback, STARTTLS
# required before AUTH), send one alert with postlet, print it as delivered.
set -eu
cd "$(dirname "$0")/.."
POSTLET=${POSTLET:-build/postlet}
bash tests/testbed/testbed.sh start
eval "$(bash tests/testbed/testbed.sh env)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
conf=$work/postletrc
umask 077
cat >"$conf" <<CONF
# msmtprc syntax: the same file works with msmtp
defaults
tls on
tls_trust_file $TESTBED_CA
logfile -

account testbed
host localhost
port $TESTBED_SUBMISSION_PORT
tls_starttls on
auth on
user $TESTBED_USER
password $TESTBED_PASS
from $TESTBED_USER

account default : testbed
CONF

rcpt="admin+demo-$$-$(date +%s)@postlet.test"
echo "== postlet -C $conf $rcpt  (protocol trace with -v)"
printf 'Subject: [alert] disk /var at 95%%\nTo: %s\n\nHost demo-router reports /var at 95%% (threshold 90%%).\n' "$rcpt" |
	"$POSTLET" -v -C "$conf" "$rcpt"
echo "== exit status 0: the server accepted the message"

box=$TESTBED_MAIL/postlet.test/${rcpt%@*}/new
for _ in $(seq 1 50); do
	f=$(find "$box" -type f 2>/dev/null | head -1)
	[ -n "$f" ] && break
	sleep 0.1
done
[ -n "${f:-}" ] || { echo "demo: message did not arrive in $box" >&2; exit 1; }
echo "== delivered to $f"
cat "$f"
