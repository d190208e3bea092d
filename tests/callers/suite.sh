#!/usr/bin/env bash
# Real callers through postlet as /usr/sbin/sendmail.
#
#   sudo bash tests/callers/suite.sh      (O=build; needs root for apt-get and unshare)
#
# Each caller runs inside a private mount namespace (unshare -m) in which
# postlet is bind-mounted over /usr/sbin/sendmail, so the test bed's Postfix
# keeps its own sendmail everywhere else.  postlet finds its configuration
# as ~/.postletrc (HOME points into a temporary directory) and relays to the
# test bed's submission port; the aliases file sends "root" to a mailbox
# that is unique per test, so each test checks only what its caller sent:
# the delivered copy's envelope (Return-Path), the rewritten To header, and
# the Subject, Date and Message-ID fields.
#
# Prints one "PASS|FAIL|SKIP <name>[: why]" line per test; exit 0 when none
# failed.  Stops the test bed again if it started it.
set -u
cd "$(dirname "$0")/../.."
REPO=$PWD
O=${O:-build}
POSTLET=$REPO/$O/postlet
TESTS=(mailx git_send_email mutt php_mail cron_cmdline swaks_bs syslog_facility install_links)
failed=0

all() { # STATUS why: the same line for every test
	local t
	for t in "${TESTS[@]}"; do echo "$1 callers_$t: $2"; done
	exit 0
}

[ "$(id -u)" = 0 ] || all SKIP "needs root (apt-get, unshare -m, mount)"
[ -x "$POSTLET" ] || all FAIL "no client binary at $POSTLET (make first)"
command -v unshare >/dev/null || all SKIP "unshare(1) not installed"
if ! bash tests/callers/deps.sh >&2; then
	all SKIP "could not install the caller packages"
fi
if ! unshare -m true 2>/dev/null; then
	all SKIP "cannot create a mount namespace here"
fi

started=0
bash tests/testbed/testbed.sh status >/dev/null 2>&1 || started=1
bash tests/testbed/testbed.sh start >&2 || all FAIL "test bed did not start"
eval "$(bash tests/testbed/testbed.sh env)"

T=$(mktemp -d /tmp/postlet-callers.XXXXXX)
chmod 755 "$T"
cleanup() {
	[ -n "${LOGGER_PID:-}" ] && kill "$LOGGER_PID" 2>/dev/null
	rm -rf "$T"
	if [ "$started" = 1 ] && [ "${KEEP_TESTBED:-0}" != 1 ]; then
		bash tests/testbed/testbed.sh stop >&2 || true
	fi
}
trap cleanup EXIT
RUN=callers-$(date +%s)-$$
SENDER=$TESTBED_USER

write_rc() { # extra config lines on stdin
	{
		cat <<-CONF
			account testbed
			host localhost
			port $TESTBED_SUBMISSION_PORT
			tls on
			tls_trust_file $TESTBED_CA
			auth on
			user $TESTBED_USER
			password $TESTBED_PASS
			from $SENDER
			maildomain postlet.test
			aliases $T/aliases
			logfile $T/postlet.log
			queue_dir $T/queue
		CONF
		cat
		echo "account default : testbed"
	} >"$T/.postletrc"
	chmod 600 "$T/.postletrc"
}

# route TEST -> the mailbox "root" goes to for this test
route() {
	BOX=$RUN-${1//_/-}
	cat >"$T/aliases" <<-ALIASES
		# /etc/aliases style: aliases of aliases, continuation lines
		postmaster: root
		root: $BOX@postlet.test
		default: $RUN-default@postlet.test
	ALIASES
}

# in_ns CMD... : run CMD with postlet over /usr/sbin/sendmail, HOME=$T
in_ns() {
	HOME=$T USER=root LOGNAME=root timeout -k 5 90 unshare -m -- bash -c '
		mount --bind "$1" /usr/sbin/sendmail || exit 99
		shift
		exec "$@"' ns "$POSTLET" "$@"
}

# delivered -> path of the one message in $BOX, after up to 20 s
delivered() {
	local d=$TESTBED_MAIL/postlet.test/$BOX/new i
	for i in $(seq 1 100); do
		# shellcheck disable=SC2012
		if [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then
			ls -1 "$d"/* | head -1
			return 0
		fi
		sleep 0.2
	done
	return 1
}

hdr() { # FILE NAME -> unfolded value of the first NAME header
	awk -v n="$(echo "$2" | tr 'A-Z' 'a-z')" '
		/^$/ { exit }
		/^[ \t]/ { if (cur == n) v = v $0; next }
		{ if (cur == n && found) exit
		  split($0, a, ":"); cur = tolower(a[1])
		  if (cur == n && !found) { found = 1; v = substr($0, length(a[1]) + 2) } }
		END { sub(/^[ \t]+/, "", v); print v }' "$1"
}

result() { # NAME STATUS [why]
	echo "$2 callers_$1${3:+: $3}"
	[ "$2" = FAIL ] && failed=$((failed + 1))
	return 0
}

# check NAME SUBJECT-SUBSTRING RC : the common checks on the delivered copy
check() {
	local name=$1 subj=$2 rc=$3 f v
	if [ "$rc" != 0 ]; then
		result "$name" FAIL "caller exited $rc: $(tr '\n' ' ' <"$T/err" | cut -c 1-300)"
		return
	fi
	if ! f=$(delivered); then
		result "$name" FAIL "nothing delivered to $BOX@postlet.test (stderr: $(tr '\n' ' ' <"$T/err" | cut -c 1-200))"
		return
	fi
	v=$(hdr "$f" Return-Path)
	[ "$v" = "<$SENDER>" ] || { result "$name" FAIL "envelope sender $v, expected <$SENDER>"; return; }
	v=$(hdr "$f" To)
	case $v in
	*"$BOX@postlet.test"*) ;;
	*) result "$name" FAIL "To header '$v' does not name $BOX@postlet.test (alias of root)"; return ;;
	esac
	case $v in
	*root,* | *"<root>"* | root | *" root") result "$name" FAIL "To header still has the bare name root: $v"; return ;;
	esac
	v=$(hdr "$f" Subject)
	case $v in
	*"$subj"*) ;;
	*) result "$name" FAIL "Subject '$v' does not contain '$subj'"; return ;;
	esac
	[ -n "$(hdr "$f" Date)" ] || { result "$name" FAIL "no Date header"; return; }
	[ -n "$(hdr "$f" Message-ID)" ] || { result "$name" FAIL "no Message-ID header"; return; }
	[ -z "$(hdr "$f" Bcc)" ] || { result "$name" FAIL "a Bcc header travelled"; return; }
	CHECKED=$f
	result "$name" PASS
}

write_rc </dev/null
printf 'Body written by a real caller.\n' >"$T/body"

# --- bsd-mailx: mail -s subj root -------------------------------------
route mailx
rc=0
in_ns mail -s "mailx $RUN" root <"$T/body" >"$T/out" 2>"$T/err" || rc=$?
check mailx "mailx $RUN" "$rc"

# --- git send-email --sendmail-cmd --------------------------------------
route git_send_email
rc=0
(
	set -e
	git init -q "$T/repo"
	cd "$T/repo"
	echo "$RUN" >file
	git add file
	git -c user.name="Git Tester" -c user.email="$SENDER" commit -q -m "git $RUN"
	git format-patch -q -1 -o "$T/patches"
) >"$T/out" 2>"$T/err" || rc=$?
if [ "$rc" = 0 ]; then
	(cd "$T/repo" && in_ns git -c user.name="Git Tester" -c user.email="$SENDER" \
		send-email --sendmail-cmd=/usr/sbin/sendmail --to=root --from="Git Tester <$SENDER>" \
		--confirm=never --quiet --no-validate "$T"/patches/*.patch) >"$T/out" 2>"$T/err" || rc=$?
fi
check git_send_email "git $RUN" "$rc"

# --- mutt in batch mode -------------------------------------------------
route mutt
rc=0
# use_domain=no: leave "root" bare, for postlet's aliases to resolve
in_ns mutt -n -F /dev/null -e 'set sendmail="/usr/sbin/sendmail -oem -oi"' -e 'set use_domain=no' \
	-e "set from=\"Mutt Tester <$SENDER>\"" -e 'set use_from=yes' \
	-s "mutt $RUN" -- root <"$T/body" >"$T/out" 2>"$T/err" || rc=$?
check mutt "mutt $RUN" "$rc"

# --- PHP mail() (sendmail_path: /usr/sbin/sendmail -t -i) ---------------
route php_mail
rc=0
in_ns php -d sendmail_path="/usr/sbin/sendmail -t -i" \
	-r 'exit(mail("root", $argv[1], "Sent by PHP mail().\n", "Bcc: root") ? 0 : 1);' \
	"php $RUN" >"$T/out" 2>"$T/err" || rc=$?
check php_mail "php $RUN" "$rc"

# --- cron's command line, with the headers Debian's cron writes ----------
route cron_cmdline
rc=0
{
	printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@%s> echo %s\n' "$(hostname)" "$RUN"
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n'
	printf 'Content-Transfer-Encoding: 8bit\nX-Cron-Env: <SHELL=/bin/sh>\n\n'
	printf 'output of the job: caf\xc3\xa9\n.\nafter a lone dot (-i)\n'
} >"$T/cron.msg"
in_ns /usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem root <"$T/cron.msg" >"$T/out" 2>"$T/err" || rc=$?
CHECKED=
check cron_cmdline "echo $RUN" "$rc"
if [ -n "$CHECKED" ]; then
	# From qualified with maildomain, comment kept; -i kept the lone dot
	v=$(hdr "$CHECKED" From)
	[ "$v" = "root@postlet.test (Cron Daemon)" ] ||
		result cron_cmdline_from FAIL "From header '$v', expected 'root@postlet.test (Cron Daemon)'"
	grep -q '^after a lone dot' "$CHECKED" || result cron_cmdline_dot FAIL "text after the lone dot was lost"
fi

# --- swaks speaking SMTP to sendmail -bs ------------------------------------
route swaks_bs
rc=0
in_ns swaks --pipe "/usr/sbin/sendmail -bs" --from "$SENDER" --to root \
	--header "Subject: swaks $RUN" --header "To: root" >"$T/out" 2>"$T/err" || rc=$?
if [ "$rc" = 0 ] && ! grep -q '^<-  250 2.0.0' "$T/out"; then rc=1; cp "$T/out" "$T/err"; fi
check swaks_bs "swaks $RUN" "$rc"

# --- syslog: one line per message, in the configured facility -------------
# glibc's syslog() writes to /dev/log; inside the namespace a tmpfs /dev
# holds a datagram socket read by a small listener.
route syslog_facility
write_rc <<<"syslog LOG_LOCAL3"
rc=0
cat >"$T/logger.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "ab") as out:
    while True:
        out.write(s.recv(65536) + b"\n")
        out.flush()
PY
in_ns bash -c '
	T=$1; shift
	mkdir -p "$T/devsave"
	mount --bind /dev "$T/devsave"
	mount -t tmpfs -o mode=755 none /dev
	for d in null zero random urandom tty; do
		touch "/dev/$d" && mount --bind "$T/devsave/$d" "/dev/$d"
	done
	/usr/bin/python3 "$T/logger.py" /dev/log "$T/syslog.txt" & lp=$!
	for i in $(seq 1 50); do [ -e "$T/syslog.txt.ready" ] && break; sleep 0.1; done
	"$@"; rc=$?
	sleep 0.3; kill $lp
	exit $rc' ns "$T" /usr/sbin/sendmail -i root <<<"To: root
Subject: syslog $RUN

logged" >"$T/out" 2>"$T/err" || rc=$?
CHECKED=
check syslog_facility "syslog $RUN" "$rc"
if [ -n "$CHECKED" ]; then
	# <PRI> = LOG_LOCAL3 (19) * 8 + LOG_INFO (6) = 158
	n=$(grep -c "^<158>.*postlet\[[0-9]*\]: host=localhost from=$SENDER recipients=$BOX@postlet.test size=[0-9]* smtpstatus=250 .*exitcode=0" "$T/syslog.txt" 2>/dev/null)
	[ "${n:-0}" = 1 ] ||
		result syslog_facility_line FAIL "expected one LOG_LOCAL3 info line, got ${n:-0}: $(head -c 300 "$T/syslog.txt" 2>/dev/null)"
fi

# --- make install: links only on request, never over another MTA -----------
D=$T/destdir
why=
make -s -C "$REPO" install O="$O" DESTDIR="$D" >/dev/null 2>"$T/err" || why="plain install failed: $(head -c 200 "$T/err")"
[ -z "$why" ] && { [ -e "$D/usr/sbin/sendmail" ] || [ -L "$D/usr/sbin/sendmail" ]; } && why="links installed without SENDMAIL_LINKS=yes"
if [ -z "$why" ]; then
	mkdir -p "$D/usr/sbin" && echo other-mta >"$D/usr/sbin/sendmail"
	if make -s -C "$REPO" install O="$O" DESTDIR="$D" SENDMAIL_LINKS=yes >/dev/null 2>"$T/err"; then
		why="an existing sendmail was replaced without SENDMAIL_LINKS_FORCE"
	elif [ "$(cat "$D/usr/sbin/sendmail")" != other-mta ]; then
		why="the existing sendmail was changed"
	elif ! make -s -C "$REPO" install O="$O" DESTDIR="$D" SENDMAIL_LINKS=yes SENDMAIL_LINKS_FORCE=yes >/dev/null 2>"$T/err"; then
		why="forced install failed: $(head -c 200 "$T/err")"
	else
		for l in usr/sbin/sendmail usr/bin/mailq usr/bin/newaliases; do
			[ "$(readlink "$D/$l")" = /usr/local/bin/postlet ] || why="$why $l is not a link to postlet;"
		done
		"$D/usr/local/bin/postlet" --version >/dev/null 2>&1 || why="$why installed binary does not run;"
	fi
fi
result install_links "$([ -z "$why" ] && echo PASS || echo FAIL)" "$why"

[ "$failed" = 0 ]
