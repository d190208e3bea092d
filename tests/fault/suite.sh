#!/usr/bin/env bash
# Fault-injection sweep (mk/fault.mk, tests/fault/port_fault.c): a complete
# send through the real test bed (STARTTLS + AUTH PLAIN, and implicit TLS +
# AUTH LOGIN) is first run clean to number the port's libc calls, then once
# for every call N and every way that call can fail.  Each run must end
#   - with exit 0 and the message delivered, where the fault is one the port
#     must absorb (short read/write, EINTR, EAGAIN, no getrandom, no clock);
#   - otherwise with EX_TEMPFAIL (75) and one "postlet: ... at STAGE" line, and
#     no delivery unless the failure came after the final "." was sent;
#   - with no sanitizer report (ASan, LSan, UBSan) and no descriptor left open.
# Prints PASS/FAIL per scenario and call type, and the injection points covered.
# Then tests/fault/secrets.sh checks that credentials leave no trace.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
ROOT=$PWD
JOBS=${FAULT_JOBS:-2}

if ! make --no-print-directory -s O="$O" fault-build >/tmp/postlet-fault-build.$$ 2>&1; then
	tail -20 /tmp/postlet-fault-build.$$
	rm -f /tmp/postlet-fault-build.$$
	echo "FAIL fault injection build"
	exit 1
fi
rm -f /tmp/postlet-fault-build.$$

eval "$(bash tests/testbed/testbed.sh env)"
started=0
if ! bash tests/testbed/testbed.sh status >/dev/null 2>&1; then
	started=1
	if ! bash tests/testbed/testbed.sh start >/dev/null 2>&1; then
		echo "SKIP fault sweep (the test bed does not start here)"
		exit 0
	fi
fi
w=$(mktemp -d "${TMPDIR:-/tmp}/postlet-fault.XXXXXX")
cleanup() {
	rm -rf "$w"
	[ "$started" = 1 ] && bash "$ROOT/tests/testbed/testbed.sh" stop >/dev/null 2>&1
}
trap cleanup EXIT
cp "$O/fault/postlet" "$w/postlet"
printf '%s\n' "$$-$(date +%s)" >"$w/runid"
printf 'Subject: fault injection\n\n.a dot line\nsecond line\n' >"$w/message"

config() { # NAME PORT STARTTLS AUTH
	(
		umask 077
		cat >"$w/$1.rc" <<EOC
defaults
tls on
tls_trust_file $TESTBED_CA
logfile $w/$1.log
queue off
account testbed
host localhost
port $2
tls_starttls $3
auth $4
user $TESTBED_USER
password $TESTBED_PASS
from $TESTBED_USER
account default : testbed
EOC
	)
}
config starttls "$TESTBED_SUBMISSION_PORT" on plain
config implicit "$TESTBED_SUBMISSIONS_PORT" off login

nkinds() {
	case $1 in
	socket | time) echo 1 ;;
	connect | poll | clock | random) echo 2 ;;
	send | recv) echo 4 ;;
	*) echo 0 ;;
	esac
}
must_succeed() { # TYPE KIND
	case "$1/$2" in
	*/short | */eintr | send/eagain | random/enosys | time/fail) return 0 ;;
	*) return 1 ;;
	esac
}

total_points=0 total_runs=0 total_fail=0
for sc in starttls implicit; do
	# the clean run numbers the calls
	bash tests/fault/one.sh "$w" "$sc" 0 0
	read -r _ _ rc lp _ _ _ san <"$w/res.0.0"
	if [ "$rc" != 0 ] || [ "$san" != 0 ]; then
		head -20 "$w/err.0.0"
		echo "FAIL fault sweep $sc: the clean run failed (exit $rc)"
		total_fail=$((total_fail + 1))
		continue
	fi
	cp "$w/rep.0.0" "$w/$sc.calls"
	ncalls=$(sed -n 's/^calls //p' "$w/$sc.calls")
	jobs=$w/$sc.jobs
	: >"$jobs"
	while read -r _ n type; do
		for ((v = 0; v < $(nkinds "$type"); v++)); do
			echo "$sc $n $v" >>"$jobs"
		done
	done < <(grep '^call ' "$w/$sc.calls")
	rm -f "$w"/res.* "$w"/rep.* "$w"/err.*
	xargs -P "$JOBS" -L 1 bash tests/fault/one.sh "$w" <"$jobs"

	# deliveries: wait until every exit-0 run's message arrived (bounded)
	box() { echo "$TESTBED_MAIL/postlet.test/$1/new"; }
	deadline=$((SECONDS + 60))
	while :; do
		missing=0
		while read -r n v rc lp _; do
			[ "$rc" = 0 ] && ! ls "$(box "$lp")"/* >/dev/null 2>&1 && missing=$((missing + 1))
		done < <(cat "$w"/res.*)
		[ "$missing" = 0 ] || [ "$SECONDS" -ge "$deadline" ] && break
		sleep 0.5
	done
	sleep 1 # let a message a failed run should not have sent show up too

	declare -A runs=() bad=()
	fails=() late=0 delivered=0 tempfail=0 unreached=0
	while read -r n v rc lp itype ikind stage san; do
		type=$(awk -v n="$n" '$1 == "call" && $2 == n { print $3 }' "$w/$sc.calls")
		runs[$type]=$((${runs[$type]:-0} + 1))
		got=$(ls "$(box "$lp")" 2>/dev/null | wc -l)
		why=
		if [ "$itype" = none ]; then
			unreached=$((unreached + 1)) # this run made fewer calls: no fault
			[ "$rc" = 0 ] || why="no fault injected but exit $rc"
		elif [ "$san" != 0 ]; then
			why="sanitizer or descriptor leak report"
		elif [ "$rc" = 0 ]; then
			[ "$got" = 1 ] || why="exit 0 but $got deliveries"
		elif must_succeed "$itype" "$ikind"; then
			why="the port must absorb $itype/$ikind, but exit $rc"
		elif [ "$rc" != 75 ]; then
			why="exit $rc, expected 75 (EX_TEMPFAIL)"
		elif [ "$stage" = - ]; then
			why="exit 75 without a 'postlet: ... at STAGE' line"
		elif [ "$got" != 0 ] && [ "$stage" != end_of_data ]; then
			why="reported failure at $stage but the message was delivered"
		fi
		[ "$rc" = 0 ] && delivered=$((delivered + 1))
		[ "$rc" = 75 ] && tempfail=$((tempfail + 1))
		[ "$rc" = 75 ] && [ "$got" != 0 ] && late=$((late + 1))
		if [ -n "$why" ]; then
			bad[$type]=$((${bad[$type]:-0} + 1))
			fails+=("call $n ($itype/$ikind): $why")
			echo "--- $sc call $n variant $v: $why" >&2
			head -5 "$w/err.$n.$v" >&2
		fi
	done < <(cat "$w"/res.*)
	for type in $(printf '%s\n' "${!runs[@]}" | sort); do
		points=$(grep -c " $type\$" "$w/$sc.calls")
		if [ "${bad[$type]:-0}" = 0 ]; then
			echo "PASS fault $sc: $type, $points calls x $(nkinds "$type") faults = ${runs[$type]} runs"
		else
			echo "FAIL fault $sc: $type, ${bad[$type]} of ${runs[$type]} runs wrong"
		fi
	done
	for f in "${fails[@]:0:10}"; do echo "  $sc $f"; done
	nruns=$(cat "$w"/res.* | wc -l)
	echo "fault sweep $sc: $ncalls injection points, $nruns runs: $delivered delivered, $tempfail EX_TEMPFAIL ($late of them after the server had the message), $unreached not reached"
	total_points=$((total_points + ncalls)) total_runs=$((total_runs + nruns))
	total_fail=$((total_fail + ${#fails[@]}))
	unset runs bad
	rm -f "$w"/res.* "$w"/rep.* "$w"/err.*
done
# credentials: trace, log and memory after the session (same test bed)
O=$O bash tests/fault/secrets.sh "$w"

if [ "$total_fail" = 0 ]; then
	echo "PASS fault sweep: $total_points injection points, $total_runs runs, every one a defined outcome, no leak"
else
	echo "FAIL fault sweep: $total_fail of $total_runs runs wrong"
fi
