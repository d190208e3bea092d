#!/usr/bin/env bash
# The spool under file I/O faults (mk/fault.mk fault-build-store,
# tests/fault/store_fault.c): every write, fsync, link, rename and openat
# of queueing a message (server down) and of flushing it (test bed up) is
# failed in turn, each way it can fail.  Every run must leave
#   - queueing: exit 0 and the message queued intact, or exit 75 and
#     nothing queued (a short write or EINTR must be absorbed: exit 0);
#   - flushing: the message delivered or still queued, never neither
#     (checked by a clean flush afterwards and the test bed's mailbox);
#   - never a corrupt entry, a sanitizer report or a descriptor left open.
# Prints PASS/FAIL lines.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
CLEAN=$PWD/$O/postlet
if ! make --no-print-directory -s O="$O" all fault-build-store >/tmp/postlet-qfault.$$ 2>&1; then
	tail -20 /tmp/postlet-qfault.$$
	rm -f /tmp/postlet-qfault.$$
	echo "FAIL queue faults: build"
	exit 1
fi
rm -f /tmp/postlet-qfault.$$
FAULTY=$PWD/$O/fault/postlet-store
eval "$(bash tests/testbed/testbed.sh env)"
w=$(mktemp -d /tmp/postlet-qfault.XXXXXX)
trap 'rm -rf "$w"' EXIT
RUN=$(date +%s)-$$
failed=0
FILE_TYPES=' write fsync link rename open '

rc_file() { # NAME SPOOL
	cat >"$w/$1.rc" <<-EOF
	defaults
	tls on
	tls_trust_file $TESTBED_CA
	queue_dir $2
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
	chmod 600 "$w/$1.rc"
	echo "$w/$1.rc"
}
msg() { printf 'From: %s\nTo: %s@postlet.test\nSubject: spool fault\nMessage-ID: <%s@qfault>\n\nbody\n' "$TESTBED_USER" "$1" "$1"; }
queued() { "$CLEAN" -C "$1" -bp | sed -n 's/^-- .* in \([0-9]*\) messages*$/\1/p' | grep . || echo 0; }
corrupt() { find "$1/corrupt" -type f 2>/dev/null | wc -l; }
kinds() { case $1 in write) echo 4 ;; open) echo 2 ;; *) echo 1 ;; esac; }
run_faulty() { # N V REPORT ARGS...
	local n=$1 v=$2 rep=$3
	shift 3
	PL_FAULT_N=$n PL_FAULT_V=$v PL_FAULT_REPORT=$rep \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 UBSAN_OPTIONS=halt_on_error=1:exitcode=87 \
		timeout -k 5 60 "$FAULTY" "$@"
}
points() { # REPORT -> "N TYPE" for the file calls
	awk -v t="$FILE_TYPES" '$1 == "call" && index(t, " " $3 " ") { print $2, $3 }' "$1"
}

# ---- queueing ------------------------------------------------------------------
sweep_enqueue() {
	local spool=$w/e-clean cfg n type v k r bad=0 runs=0 ok0=0 tf=0 why
	cfg=$(rc_file e-clean "$spool")
	msg "qf-clean-$RUN" | run_faulty 0 0 "$w/e.calls" -C "$cfg" -a down -t 2>/dev/null
	[ "$(queued "$cfg")" = 1 ] || { echo "FAIL queue faults enqueue: the clean run did not queue"; failed=$((failed + 1)); return; }
	while read -r n type; do
		for ((v = 0; v < $(kinds "$type"); v++)); do
			spool=$w/e-$n-$v
			cfg=$(rc_file "e-$n-$v" "$spool")
			r=0
			msg "qf-e-$n-$v-$RUN" | run_faulty "$n" "$v" "$w/rep" -C "$cfg" -a down -t 2>"$w/err" || r=$?
			k=$(sed -n "s/^injected $n $type //p" "$w/rep")
			runs=$((runs + 1))
			why=
			if [ "$r" = 86 ] || [ "$r" = 87 ] || [ "$r" = 98 ]; then
				why="sanitizer or descriptor report (exit $r)"
			elif [ "$(corrupt "$spool")" != 0 ]; then
				why="corrupt entry"
			elif [ "$r" = 0 ]; then
				[ "$(queued "$cfg")" = 1 ] || why="exit 0 but $(queued "$cfg") queued"
				ok0=$((ok0 + 1))
			elif [ "$r" = 75 ]; then
				[ "$(queued "$cfg")" = 0 ] || why="exit 75 but the message is queued"
				case $k in short | eintr) why="$type/$k must be absorbed, got exit 75" ;; esac
				tf=$((tf + 1))
			else
				why="exit $r"
			fi
			if [ -n "$why" ]; then
				bad=$((bad + 1))
				echo "  enqueue call $n ($type/$k): $why" >&2
				head -3 "$w/err" >&2
			fi
		done
	done < <(points "$w/e.calls")
	if [ "$bad" = 0 ] && [ "$runs" -gt 0 ]; then
		echo "PASS queue faults enqueue: $runs runs over $(points "$w/e.calls" | wc -l) file calls: $ok0 queued (exit 0), $tf refused cleanly (exit 75), none half"
	else
		echo "FAIL queue faults enqueue: $bad of $runs runs wrong"
		failed=$((failed + 1))
	fi
}

# ---- flushing --------------------------------------------------------------------
sweep_flush() {
	local spool cfg n type v k r bad=0 runs=0 lp why d=0 q=0 list=()
	spool=$w/f-clean
	cfg=$(rc_file f-clean "$spool")
	msg "qf-fclean-$RUN" | "$CLEAN" -C "$cfg" -a down -t 2>/dev/null
	run_faulty 0 0 "$w/f.calls" -C "$cfg" -q 2>/dev/null
	[ "$(queued "$cfg")" = 0 ] || { echo "FAIL queue faults flush: the clean run did not flush"; failed=$((failed + 1)); return; }
	while read -r n type; do
		for ((v = 0; v < $(kinds "$type"); v++)); do
			spool=$w/f-$n-$v
			cfg=$(rc_file "f-$n-$v" "$spool")
			lp=qf-f-$n-$v-$RUN
			msg "$lp" | "$CLEAN" -C "$cfg" -a down -t 2>/dev/null
			r=0
			run_faulty "$n" "$v" "$w/rep" -C "$cfg" -q 2>"$w/err" || r=$?
			k=$(sed -n "s/^injected $n $type //p" "$w/rep")
			runs=$((runs + 1))
			why=
			if [ "$r" = 86 ] || [ "$r" = 87 ] || [ "$r" = 98 ]; then
				why="sanitizer or descriptor report (exit $r)"
			elif [ "$(corrupt "$spool")" != 0 ]; then
				why="corrupt entry"
			fi
			[ "$(queued "$cfg")" = 0 ] && d=$((d + 1)) || q=$((q + 1))
			# whatever is left goes out now, without faults
			"$CLEAN" -C "$cfg" -q 2>/dev/null
			list+=("$lp")
			if [ -n "$why" ]; then
				bad=$((bad + 1))
				echo "  flush call $n ($type/$k): $why" >&2
				head -3 "$w/err" >&2
			fi
		done
	done < <(points "$w/f.calls")
	# every message must have arrived (at least once)
	local deadline=$((SECONDS + 60)) missing dup=0 c
	while :; do
		missing=0
		for lp in "${list[@]}"; do
			[ -n "$(ls "$TESTBED_MAIL/postlet.test/$lp/new" 2>/dev/null)" ] || missing=$((missing + 1))
		done
		[ "$missing" = 0 ] || [ "$SECONDS" -ge "$deadline" ] && break
		sleep 0.5
	done
	sleep 1
	for lp in "${list[@]}"; do
		c=$(ls "$TESTBED_MAIL/postlet.test/$lp/new" 2>/dev/null | wc -l)
		[ "$c" -gt 1 ] && dup=$((dup + c - 1))
	done
	if [ "$bad" = 0 ] && [ "$missing" = 0 ] && [ "$runs" -gt 0 ]; then
		echo "PASS queue faults flush: $runs runs over $(points "$w/f.calls" | wc -l) file calls: $d delivered by the faulty run, $q kept for later, 0 lost, $dup duplicated"
	else
		echo "FAIL queue faults flush: $bad runs wrong, $missing messages lost"
		failed=$((failed + 1))
	fi
}

sweep_enqueue
sweep_flush
[ "$failed" = 0 ]
