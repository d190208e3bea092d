#!/usr/bin/env bash
# make fuzz: run each libFuzzer target for a bounded time, starting from the
# committed hex seeds, and print the executions each one ran.
#   bash tests/fuzz/run.sh SECONDS TARGET...
# The corpus grows in $(O)/fuzz/corpus/<target> (kept between runs); a crash
# lands in $(O)/fuzz/findings/<target>/ and fails the run.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
secs=${1:?usage: run.sh SECONDS TARGET...}
shift
rc=0 total=0
summary=$O/fuzz/summary.txt
: >"$summary"
for t in "$@"; do
	corpus=$O/fuzz/corpus/$t findings=$O/fuzz/findings/$t
	mkdir -p "$corpus" "$findings"
	python3 tests/fuzz/unhex.py tests/fuzz/seeds/"$t" "$corpus"
	log=$O/fuzz/$t.log
	# -max_len: room for over-long lines (conf: 4096-byte lines)
	"$O/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=8192 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$findings/" "$corpus" >"$log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	total=$((total + ${runs:-0}))
	if [ "$st" = 0 ]; then
		line="PASS fuzz $t: ${runs:-?} executions in ${secs}s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l)"
	else
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5
		line="FAIL fuzz $t: crash after ${runs:-?} executions (see $log, $findings)"
		rc=1
	fi
	echo "$line" | tee -a "$summary"
done
echo "fuzz: $total executions in total" | tee -a "$summary"
exit $rc
