#!/usr/bin/env bash
# The Unix queue against the real test bed (Postfix + Dovecot):
#   down50      server down: 50 sendmail-personality sends exit 0 and are
#               queued (mailq shows 50); server up: postlet -q delivers all
#               50 exactly once, over one SMTP connection (Postfix log)
#   parallel    10 parallel postlet -q over one spool: each message once
#               (with the flush lock, and with per-message locks only)
#   expiry      a message past queue_expiry becomes a dead letter and its
#               sender gets a bounce notice
#   noqueue     --no-queue and "queue off": exit 75, nothing queued
#   permanent   5xx: exit non-zero with the server's reply, not queued,
#               bounce notice to the sender
#   tempfail    421 greeting / 451 to MAIL: queued with the reply as last error
#   ambiguous   connection lost after the final dot: queued, flagged
#   opportunistic  a successful send flushes what is due
#   flush100    time to flush 100 queued messages (reported, not asserted)
#   faults      tests/queue/faults.sh: every file I/O call of queueing and
#               flushing failed in turn: nothing half, nothing lost
# Prints PASS/FAIL/SKIP lines; exit 0 when nothing failed.
set -u
cd "$(dirname "$0")/../.."
REPO=$PWD
O=${O:-build}
POSTLET=${POSTLET:-$REPO/$O/postlet}
case $POSTLET in /*) ;; *) POSTLET=$REPO/$POSTLET ;; esac
eval "$(bash tests/testbed/testbed.sh env)"
failed=0

pass() { echo "PASS queue $1"; }
fail() { echo "FAIL queue $1: $2"; failed=$((failed + 1)); }

if [ ! -x "$POSTLET" ]; then
	echo "SKIP queue: $POSTLET not built"
	exit 0
fi
if ! bash tests/testbed/testbed.sh status >/dev/null 2>&1; then
	bash tests/testbed/testbed.sh start >/dev/null 2>&1 || { echo "FAIL queue: test bed does not start"; exit 1; }
fi

T=$(mktemp -d /tmp/postlet-queue.XXXXXX)
FAKE_PID=
cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
RUN=$(date +%s)-$$
CLOSED_PORT=$((TESTBED_PORT_BASE + 680)) # nobody listens here
FAKE_PORT=$((TESTBED_PORT_BASE + 681))
ln -s "$POSTLET" "$T/sendmail"

# rc NAME SPOOL [extra lines...]: config with accounts up (the test bed),
# down (a closed port), small (refuses refused-*) and fake (tests/integration/fakesmtp.py)
rc() {
	local f=$T/$1.rc spool=$2
	shift 2
	{
		cat <<-EOF
		defaults
		tls on
		tls_trust_file $TESTBED_CA
		queue_dir $spool
		timeout 10
		EOF
		for l in "$@"; do echo "$l"; done
		cat <<-EOF
		account up
		host localhost
		port $TESTBED_SUBMISSION_PORT
		auth on
		user $TESTBED_USER
		password $TESTBED_PASS
		from $TESTBED_USER
		account down : up
		port $CLOSED_PORT
		account small : up
		port $TESTBED_SMALL_PORT
		account fake : up
		host 127.0.0.1
		port $FAKE_PORT
		tls off
		auth off
		account default : up
		EOF
	} >"$f"
	chmod 600 "$f"
	echo "$f"
}

box() { echo "$TESTBED_MAIL/postlet.test/$1/new"; }
count() { local d; d=$(box "$1"); find "$d" -type f 2>/dev/null | wc -l; }
# distinct Message-IDs delivered to local part $1
distinct() { local d; d=$(box "$1"); cat "$d"/* 2>/dev/null | grep -i '^Message-ID:' | sort -u | wc -l; }
wait_count() { # LOCALPART N SECONDS
	local deadline=$((SECONDS + $3))
	while [ "$(count "$1")" -lt "$2" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
	sleep 1 # a duplicate would arrive now
}
msg() { # TO ID
	printf 'From: %s\nTo: %s\nSubject: queue test %s\nMessage-ID: <%s@queue.postlet.test>\n\nbody of %s\n' \
		"$TESTBED_USER" "$1" "$2" "$2" "$2"
}
queued() { # RC -> number of queued messages
	"$POSTLET" -C "$1" -bp | sed -n 's/^-- .* in \([0-9]*\) messages*$/\1/p' | grep . || echo 0
}
log_offset() { stat -c %s "$TESTBED_POSTFIX_LOG"; }
log_since() { tail -c +"$(($1 + 1))" "$TESTBED_POSTFIX_LOG"; }
# submission smtpd sessions since offset that carried a MAIL
sessions_with_mail() { log_since "$1" | grep '/submission/smtpd\[.*disconnect from.* mail=' ; }

# ---- down50 -------------------------------------------------------------------
t_down50() {
	local spool=$T/s-down50 lp=q50-$RUN cfg bad=0 i n off
	cfg=$(rc down50 "$spool")
	bash tests/testbed/testbed.sh stop >/dev/null 2>&1
	for i in $(seq 1 50); do
		msg "$lp@postlet.test" "$lp-$i" | "$T/sendmail" -C "$cfg" -t -i 2>>"$T/down50.err" || bad=$((bad + 1))
	done
	n=$(queued "$cfg")
	bash tests/testbed/testbed.sh start >/dev/null 2>&1
	[ "$bad" = 0 ] || { fail down50 "$bad of 50 sends exited non-zero while the server was down"; return; }
	[ "$n" = 50 ] || { fail down50 "mailq shows $n messages, expected 50"; return; }
	grep -q 'queued as' "$T/down50.err" || { fail down50 "no 'queued as' note on stderr"; return; }
	off=$(log_offset)
	"$POSTLET" -C "$cfg" -q -v 2>"$T/down50.q" || { fail down50 "postlet -q exited $?"; return; }
	wait_count "$lp" 50 60
	n=$(count "$lp")
	[ "$n" = 50 ] || { fail down50 "$n messages delivered, expected 50 exactly once"; return; }
	[ "$(distinct "$lp")" = 50 ] || { fail down50 "$(distinct "$lp") distinct Message-IDs, expected 50"; return; }
	[ "$(queued "$cfg")" = 0 ] || { fail down50 "queue not empty after the flush"; return; }
	local sess
	sess=$(sessions_with_mail "$off")
	if [ "$(printf '%s\n' "$sess" | grep -c .)" != 1 ] || ! printf '%s\n' "$sess" | grep -q ' mail=50 '; then
		fail down50 "expected one SMTP session with mail=50, Postfix logged: $(printf '%s' "$sess" | sed 's/.*disconnect/disconnect/' | tr '\n' ';')"
		return
	fi
	pass "down50 (50 queued while down, 50 delivered once over 1 connection: $(printf '%s' "$sess" | grep -o 'ehlo=.*'))"
}

# ---- parallel -----------------------------------------------------------------------
t_parallel() { # $1 = label, $2.. = env for the flushes
	local label=$1 spool=$T/s-par-$1 lp=qpar-$1-$RUN cfg i n off sent busy
	shift
	cfg=$(rc "par-$label" "$spool")
	for i in $(seq 1 50); do
		msg "$lp@postlet.test" "$lp-$i" | "$POSTLET" -C "$cfg" -a down -t 2>/dev/null
	done
	[ "$(queued "$cfg")" = 50 ] || { fail "parallel-$label" "setup: $(queued "$cfg") queued, expected 50"; return; }
	off=$(log_offset)
	: >"$T/par.err"
	for i in $(seq 1 10); do
		env "$@" "$POSTLET" -C "$cfg" -q -v 2>>"$T/par.err" &
	done
	wait
	wait_count "$lp" 50 60
	n=$(count "$lp")
	[ "$n" = 50 ] && [ "$(distinct "$lp")" = 50 ] ||
		{ fail "parallel-$label" "$n deliveries, $(distinct "$lp") distinct, expected 50 exactly once"; return; }
	[ "$(queued "$cfg")" = 0 ] || { fail "parallel-$label" "queue not empty"; return; }
	sent=$(grep -o '[0-9]* sent' "$T/par.err" | awk '$1 > 0' | wc -l)
	busy=$(grep -o '[0-9]* busy' "$T/par.err" | awk '{ n += $1 } END { print n + 0 }')
	pass "parallel-$label (10 parallel postlet -q over 50 messages: each delivered once; $sent run(s) sent, $busy busy skips, $(sessions_with_mail "$off" | grep -c .) SMTP session(s))"
}

# ---- expiry ---------------------------------------------------------------------------
t_expiry() {
	local spool=$T/s-exp lp=qexp-$RUN cfg before after
	cfg=$(rc exp "$spool")
	msg "$lp@postlet.test" "$lp" | "$POSTLET" -C "$cfg" -a down -t 2>/dev/null ||
		{ fail expiry "queueing exited non-zero"; return; }
	before=$(count alerts)
	sleep 2
	"$POSTLET" -C "$cfg" --queue-expiry=1s -q 2>"$T/exp.err"
	[ "$(queued "$cfg")" = 0 ] || { fail expiry "still queued after expiry"; return; }
	[ "$(find "$spool/dead" -type f ! -name '*.st' | wc -l)" = 1 ] || { fail expiry "no dead letter in $spool/dead"; return; }
	local deadline=$((SECONDS + 20)) found=
	while [ "$SECONDS" -lt "$deadline" ]; do
		found=$(grep -l "Undelivered Mail Returned to Sender (expired)" $(box alerts)/* 2>/dev/null | xargs -r grep -l "$lp" | head -1)
		[ -n "$found" ] && break
		sleep 0.3
	done
	[ -n "$found" ] || { fail expiry "no bounce notice for $lp reached the sender"; return; }
	[ "$(count "$lp")" = 0 ] || { fail expiry "the expired message was delivered"; return; }
	pass "expiry (dead letter kept, bounce notice delivered to the sender)"
}

# ---- noqueue ---------------------------------------------------------------------------
t_noqueue() {
	local spool=$T/s-noq cfg rc1=0 rc2=0 cfg2
	cfg=$(rc noq "$spool")
	cfg2=$(rc noq2 "$spool" "queue off")
	msg "x@postlet.test" "noq" | "$POSTLET" -C "$cfg" -a down --no-queue -t 2>/dev/null || rc1=$?
	msg "x@postlet.test" "noq2" | "$POSTLET" -C "$cfg2" -a down -t 2>/dev/null || rc2=$?
	[ "$rc1" = 75 ] || { fail noqueue "--no-queue exited $rc1, expected 75"; return; }
	[ "$rc2" = 75 ] || { fail noqueue "'queue off' exited $rc2, expected 75"; return; }
	[ "$(queued "$cfg")" = 0 ] || { fail noqueue "something was queued"; return; }
	pass "noqueue (--no-queue and 'queue off': exit 75, nothing queued)"
}

# ---- permanent ---------------------------------------------------------------------------
t_permanent() {
	local spool=$T/s-perm lp=refused-$RUN cfg r=0 found= deadline
	cfg=$(rc perm "$spool")
	msg "$lp@postlet.test" "$lp" | "$POSTLET" -C "$cfg" -a small -t 2>"$T/perm.err" || r=$?
	[ "$r" != 0 ] || { fail permanent "exit 0 for a refused recipient"; return; }
	grep -q '5\.1\.1' "$T/perm.err" || { fail permanent "the server's reply is not on stderr: $(head -c 200 "$T/perm.err")"; return; }
	[ "$(queued "$cfg")" = 0 ] || { fail permanent "the refused message was queued"; return; }
	deadline=$((SECONDS + 20))
	while [ "$SECONDS" -lt "$deadline" ]; do
		found=$(grep -l "Undelivered Mail Returned to Sender" $(box alerts)/* 2>/dev/null | xargs -r grep -l "$lp" | head -1)
		[ -n "$found" ] && break
		sleep 0.3
	done
	[ -n "$found" ] || { fail permanent "no bounce notice reached the sender"; return; }
	pass "permanent (exit $r with the 5xx reply, not queued, bounce notice to the sender)"
}

t_partial() {
	local spool=$T/s-part ok=qpart-$RUN bad=refused-p-$RUN cfg r=0 found= deadline
	cfg=$(rc part "$spool")
	msg "$ok@postlet.test, $bad@postlet.test" "$ok" | "$POSTLET" -C "$cfg" -a small -t 2>"$T/part.err" || r=$?
	[ "$r" = 67 ] || { fail partial "exit $r, expected 67 (one recipient refused)"; return; }
	[ "$(queued "$cfg")" = 0 ] || { fail partial "something was queued"; return; }
	wait_count "$ok" 1 20
	[ "$(count "$ok")" = 1 ] || { fail partial "the accepted recipient got $(count "$ok") copies"; return; }
	deadline=$((SECONDS + 20))
	while [ "$SECONDS" -lt "$deadline" ]; do
		found=$(grep -l "Undelivered Mail Returned to Sender" $(box alerts)/* 2>/dev/null | xargs -r grep -l "<$bad@postlet.test>" | head -1)
		[ -n "$found" ] && break
		sleep 0.3
	done
	[ -n "$found" ] || { fail partial "no bounce notice for the refused recipient"; return; }
	grep -q "^  <$ok@postlet.test>" "$found" && { fail partial "the notice lists the accepted recipient"; return; }
	pass "partial (one recipient accepted, the refused one bounced to the sender, exit 67)"
}

# ---- fake server cases ----------------------------------------------------------------------
start_fake() { # MODE
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	rm -f "$T/fake.ready" "$T/fake.log"
	python3 tests/integration/fakesmtp.py "$1" "$FAKE_PORT" "$T/fake.log" "$T/fake.ready" &
	FAKE_PID=$!
	for _ in $(seq 1 50); do [ -f "$T/fake.ready" ] && return 0; sleep 0.1; done
	return 1
}

t_tempfail() {
	local mode spool cfg r out
	for mode in greet421 mail451; do
		spool=$T/s-$mode
		cfg=$(rc "$mode" "$spool")
		start_fake "$mode" || { fail "tempfail-$mode" "fake server did not start"; return; }
		r=0
		msg "x@postlet.test" "$mode" | "$POSTLET" -C "$cfg" -a fake -t 2>"$T/$mode.err" || r=$?
		out=$("$POSTLET" -C "$cfg" -bp)
		[ "$r" = 0 ] || { fail "tempfail-$mode" "exit $r, expected 0 (queued)"; continue; }
		[ "$(queued "$cfg")" = 1 ] || { fail "tempfail-$mode" "not queued: $out"; continue; }
		printf '%s\n' "$out" | grep -Eq '\((421|451) ' || { fail "tempfail-$mode" "last error not listed: $out"; continue; }
		pass "tempfail-$mode (exit 0, queued, mailq shows the reply)"
	done
}

t_ambiguous() {
	local spool=$T/s-amb cfg r=0 out
	cfg=$(rc amb "$spool")
	start_fake dropdot || { fail ambiguous "fake server did not start"; return; }
	msg "x@postlet.test" amb | "$POSTLET" -C "$cfg" -a fake -t 2>"$T/amb.err" || r=$?
	out=$("$POSTLET" -C "$cfg" -bp)
	[ "$r" = 0 ] || { fail ambiguous "exit $r, expected 0 (queued)"; return; }
	grep -q 'message received' "$T/fake.log" || { fail ambiguous "the fake server never got the message"; return; }
	printf '%s\n' "$out" | grep -q 'may have been delivered' || { fail ambiguous "not flagged: $out"; return; }
	"$POSTLET" -C "$cfg" -a fake -q 2>/dev/null
	[ "$(queued "$cfg")" = 1 ] || { fail ambiguous "lost after a second dropped attempt"; return; }
	start_fake ok
	"$POSTLET" -C "$cfg" -a fake -q 2>/dev/null
	[ "$(queued "$cfg")" = 0 ] || { fail ambiguous "not delivered once the server answers"; return; }
	pass "ambiguous (kept and flagged after the dot; delivered again later: twice, never zero)"
}

t_opportunistic() {
	local spool=$T/s-opp lp=qopp-$RUN cfg
	cfg=$(rc opp "$spool")
	msg "$lp@postlet.test" "$lp-1" | "$POSTLET" -C "$cfg" -a down -t 2>/dev/null
	[ "$(queued "$cfg")" = 1 ] || { fail opportunistic "setup: not queued"; return; }
	# in its backoff: a successful send leaves it alone
	msg "$lp@postlet.test" "$lp-2" | "$POSTLET" -C "$cfg" -t 2>/dev/null
	[ "$(queued "$cfg")" = 1 ] || { fail opportunistic "a message not yet due was sent"; return; }
	# due (here: expired) at the next successful send: handled by that run
	sleep 2
	msg "$lp@postlet.test" "$lp-3" | "$POSTLET" -C "$cfg" --queue-expiry=1s -t 2>/dev/null
	[ "$(queued "$cfg")" = 0 ] || { fail opportunistic "the due message was not handled by the next send"; return; }
	[ "$(find "$spool/dead" -type f ! -name '*.st' | wc -l)" = 1 ] || { fail opportunistic "no dead letter"; return; }
	wait_count "$lp" 2 30
	[ "$(count "$lp")" = 2 ] || { fail opportunistic "$(count "$lp") delivered, expected 2"; return; }
	pass "opportunistic (a send leaves a message in backoff alone and handles a due one)"
}

t_daemon() {
	local spool=$T/s-daemon cfg pid deadline r=0
	cfg=$(rc daemon "$spool")
	msg "x@postlet.test" "daemon" | "$POSTLET" -C "$cfg" -a down -t 2>/dev/null
	[ "$(queued "$cfg")" = 1 ] || { fail daemon "setup: not queued"; return; }
	sleep 1
	# due only by expiry: the loop must find it without -q's force
	"$POSTLET" -C "$cfg" --queue-expiry=1s --daemon=1s 2>/dev/null &
	pid=$!
	deadline=$((SECONDS + 15))
	while [ "$(queued "$cfg")" != 0 ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" || r=$?
	[ "$(queued "$cfg")" = 0 ] || { fail daemon "the loop did not handle the due message"; return; }
	[ "$r" = 0 ] || { fail daemon "exit $r after SIGTERM"; return; }
	pass "daemon (--daemon=1s handles what is due, stops cleanly on SIGTERM)"
}

t_filters() {
	local spool=$T/s-filt a=qfa-$RUN b=qfb-$RUN cfg out
	cfg=$(rc filt "$spool")
	msg "$a@postlet.test" "$a" | "$POSTLET" -C "$cfg" -a down -t 2>/dev/null
	msg "$b@postlet.test" "$b" | "$POSTLET" -C "$cfg" -a down -t 2>/dev/null
	"$POSTLET" -C "$cfg" "-qR$a" 2>/dev/null
	out=$("$POSTLET" -C "$cfg" -bp)
	[ "$(queued "$cfg")" = 1 ] && printf '%s\n' "$out" | grep -q "<$b@" ||
		{ fail filters "-qR$a did not flush exactly that message: $out"; return; }
	ln -sf "$POSTLET" "$T/mailq"
	"$T/mailq" -C "$cfg" | grep -q "<$b@" || { fail filters "mailq (by name) does not list the queue"; return; }
	"$POSTLET" -C "$cfg" -qSnobody@nowhere 2>/dev/null
	[ "$(queued "$cfg")" = 1 ] || { fail filters "-qS with another sender flushed something"; return; }
	wait_count "$a" 1 20
	[ "$(count "$a")" = 1 ] || { fail filters "$a not delivered"; return; }
	pass "filters (-qR takes one recipient's message, -qS another sender's none; mailq lists)"
}

t_flush100() {
	local spool=$T/s-100 lp=q100-$RUN cfg i t0 t1 off sess
	cfg=$(rc f100 "$spool")
	for i in $(seq 1 100); do
		msg "$lp@postlet.test" "$lp-$i" | "$POSTLET" -C "$cfg" -a down -t 2>/dev/null
	done
	[ "$(queued "$cfg")" = 100 ] || { fail flush100 "setup: $(queued "$cfg") queued"; return; }
	off=$(log_offset)
	t0=$(date +%s.%N)
	"$POSTLET" -C "$cfg" -q -v 2>"$T/f100.err"
	t1=$(date +%s.%N)
	wait_count "$lp" 100 60
	[ "$(count "$lp")" = 100 ] && [ "$(distinct "$lp")" = 100 ] ||
		{ fail flush100 "$(count "$lp") delivered, expected 100 once each"; return; }
	sess=$(sessions_with_mail "$off" | grep -c .)
	pass "flush100 (100 messages in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s wall, $sess SMTP session(s); $(grep -o '[0-9.]* s$' "$T/f100.err") inside the flush)"
}

t_down50
t_parallel flushlock
t_parallel msglocks POSTLET_QUEUE_NO_FLUSH_LOCK=1
t_expiry
t_noqueue
t_permanent
t_partial
t_tempfail
t_ambiguous
t_opportunistic
t_daemon
t_filters
t_flush100
O=$O bash tests/queue/faults.sh 2>/dev/null || failed=$((failed + 1))
# The crash loop (make check-long) is part of make check, so CI runs it:
# about 1-2 minutes for 1000 kills.  QUEUE_CRASHLOOP=0 leaves it out.
if [ "${QUEUE_CRASHLOOP:-1}" != 0 ]; then
	O=$O bash tests/queue/crashloop.sh 2>/dev/null || failed=$((failed + 1))
fi
[ "$failed" = 0 ]
