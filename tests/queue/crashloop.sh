#!/usr/bin/env bash
# Crash safety of the Unix queue (make check-long): kill -9 postlet at
# random moments while it queues a message (server down: a closed port)
# and while it flushes the queue to the real test bed, until KILLS kills
# landed (default 1000; a kill after the run ended does not count) or
# CRASH_TIME seconds passed (default 600); then
# flush without kills and count, by Message-ID:
#   acked       queueing runs that exited 0 before the kill
#   delivered   distinct messages that arrived
#   duplicated  extra copies (allowed only from a killed flush: at most one
#               per kill, the message in flight after its final dot)
#   torn        spool entries that failed their checks (must be 0)
#   lost        acked messages that never arrived (must be 0)
set -u
cd "$(dirname "$0")/../.."
REPO=$PWD
O=${O:-build}
POSTLET=${POSTLET:-$REPO/$O/postlet}
case $POSTLET in /*) ;; *) POSTLET=$REPO/$POSTLET ;; esac
KILLS=${KILLS:-1000}
CRASH_TIME=${CRASH_TIME:-600}
eval "$(bash tests/testbed/testbed.sh env)"

[ -x "$POSTLET" ] || { echo "SKIP queue crash loop: $POSTLET not built"; exit 0; }
if ! bash tests/testbed/testbed.sh status >/dev/null 2>&1; then
	bash tests/testbed/testbed.sh start >/dev/null 2>&1 || { echo "FAIL queue crash loop: test bed does not start"; exit 1; }
fi

T=$(mktemp -d /tmp/postlet-crash.XXXXXX)
trap 'rm -rf "$T"' EXIT
RUN=$(date +%s)-$$
LP=crash-$RUN
SPOOL=$T/spool
CFG=$T/rc
cat >"$CFG" <<EOF
defaults
tls on
tls_trust_file $TESTBED_CA
queue_dir $SPOOL
timeout 10
account up
host localhost
port $TESTBED_SUBMISSION_PORT
auth on
user $TESTBED_USER
password $TESTBED_PASS
from $TESTBED_USER
account down : up
port $((TESTBED_PORT_BASE + 680))
account default : up
EOF
chmod 600 "$CFG"

: >"$T/acked"
enq_kills=0 flush_kills=0 flushes=0 enq=0
start=$SECONDS
i=0
while [ $((enq_kills + flush_kills)) -lt "$KILLS" ] && [ $((SECONDS - start)) -lt "$CRASH_TIME" ]; do
	i=$((i + 1))
	id=$LP-$i
	printf 'From: %s\nTo: %s@postlet.test\nSubject: crash %s\nMessage-ID: <%s@crash.postlet.test>\n\n%s\n' \
		"$TESTBED_USER" "$LP" "$i" "$id" "$(head -c $((RANDOM % 3000)) /dev/zero | tr '\0' 'x')" >"$T/m"
	"$POSTLET" -C "$CFG" -a down -t <"$T/m" 2>/dev/null &
	pid=$!
	# most runs are over in a few ms: kill in that span
	sleep "0.$(printf '%03d' $((RANDOM % 9)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	enq=$((enq + 1))
	if [ "$rc" = 0 ]; then
		echo "$id" >>"$T/acked"
	elif [ "$rc" = 137 ]; then
		enq_kills=$((enq_kills + 1))
	fi
	if [ $((i % 2)) = 0 ]; then
		"$POSTLET" -C "$CFG" -q 2>/dev/null &
		pid=$!
		sleep "0.$(printf '%03d' $((RANDOM % 45)))"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		[ $? = 137 ] && flush_kills=$((flush_kills + 1))
		flushes=$((flushes + 1))
	fi
done
loop_s=$((SECONDS - start))

# final flush, no kills
for _ in 1 2 3 4 5; do
	"$POSTLET" -C "$CFG" -q 2>>"$T/final.err"
	"$POSTLET" -C "$CFG" -bp | grep -q 'Mail queue is empty' && break
done
left=$("$POSTLET" -C "$CFG" -bp | sed -n 's/^-- .* in \([0-9]*\) messages*$/\1/p')
left=${left:-0}

# wait until the test bed delivered everything (the count stops moving)
box=$TESTBED_MAIL/postlet.test/$LP/new
last=-1 still=0
for _ in $(seq 1 240); do
	n=$(find "$box" -type f 2>/dev/null | wc -l)
	if [ "$n" = "$last" ]; then still=$((still + 1)); else still=0; fi
	[ "$still" -ge 6 ] && [ "$n" -ge "$(wc -l <"$T/acked")" ] && break
	last=$n
	sleep 0.5
done
find "$box" -type f -print0 2>/dev/null | xargs -0 -r grep -h -i '^Message-ID:' |
	sed 's/.*<\(.*\)@crash.*/\1/' | sort >"$T/ids"
files=$(wc -l <"$T/ids")
delivered=$(sort -u "$T/ids" | wc -l)
duplicated=$((files - delivered))
acked=$(wc -l <"$T/acked")
lost=$(sort -u "$T/acked" | comm -23 - <(sort -u "$T/ids") | wc -l)
torn=$(find "$SPOOL/corrupt" -type f ! -name '*.st' | wc -l)
dead=$(find "$SPOOL/dead" -type f ! -name '*.st' | wc -l)
kills=$((enq_kills + flush_kills))

echo "crash loop: $i rounds in ${loop_s}s: $enq queueing runs ($enq_kills killed), $flushes flushes ($flush_kills killed), $kills kills"
echo "crash loop: acked $acked, delivered $delivered, duplicated $duplicated, torn $torn, lost $lost, dead letters $dead, left queued $left"
bad=0
[ "$lost" = 0 ] && echo "PASS queue crash loop: no acked message lost" || { echo "FAIL queue crash loop: $lost acked messages lost"; bad=1; }
[ "$torn" = 0 ] && echo "PASS queue crash loop: no torn spool entry" || { echo "FAIL queue crash loop: $torn torn entries"; bad=1; }
[ "$duplicated" -le "$flush_kills" ] && echo "PASS queue crash loop: $duplicated duplicates <= $flush_kills killed flushes (one message in flight each)" ||
	{ echo "FAIL queue crash loop: $duplicated duplicates for $flush_kills killed flushes"; bad=1; }
[ "$left" = 0 ] && [ "$dead" = 0 ] && echo "PASS queue crash loop: queue empty after the final flush" ||
	{ echo "FAIL queue crash loop: $left left queued, $dead dead letters"; bad=1; }
[ "$kills" -ge "$KILLS" ] || echo "note: only $kills kills landed in $i rounds (time bound)"
exit $bad
