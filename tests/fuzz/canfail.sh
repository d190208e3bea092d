#!/usr/bin/env bash
# Prove each fuzz harness can fail: for each target, copy one source file
# with one check removed (tests/fuzz/breaks.py), link the target against the
# copy, drop the seeds that already fail on the broken build (so the bug
# must be found by mutation, not replayed), and fuzz until the fuzzer
# reports it.  PASS when it does within CANFAIL_TIME seconds (default 120).
#   bash tests/fuzz/canfail.sh [TARGET...]
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
limit=${CANFAIL_TIME:-120}

want=("$@")
if [ ${#want[@]} = 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do want+=("$(basename "$f" .c | sed 's/^fuzz_//')"); done
fi
if ! command -v clang >/dev/null; then
	echo "SKIP fuzz harnesses can fail (clang not installed: scripts/install-analysis.sh)"
	exit 0
fi
rc=0
for t in "${want[@]}"; do
	dir=$O/canfail/$t
	rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/findings"
	copy=$dir/copy.c
	if ! src=$(python3 tests/fuzz/breaks.py "$t" "$copy"); then
		echo "FAIL canfail $t: no break applies (tests/fuzz/breaks.py)"
		rc=1
		continue
	fi
	if ! make --no-print-directory -s O="$O" fuzz-canfail-bin CANFAIL_T="$t" CANFAIL_SRC="$src" \
		CANFAIL_COPY="$copy" >"$dir/build.log" 2>&1; then
		tail -5 "$dir/build.log"
		echo "FAIL canfail $t: broken build did not compile"
		rc=1
		continue
	fi
	bin=$O/canfail/fuzz_$t
	python3 tests/fuzz/unhex.py "tests/fuzz/seeds/$t" "$dir/seeds"
	dropped=0
	for s in "$dir"/seeds/*; do
		if "$bin" -runs=1 "$s" >/dev/null 2>&1; then
			cp "$s" "$dir/corpus/"
		else
			dropped=$((dropped + 1))
		fi
	done
	start=$SECONDS
	"$bin" -max_total_time="$limit" -max_len=8192 -len_control=0 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$dir/findings/" "$dir/corpus" >"$dir/fuzz.log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
	if [ "$st" != 0 ] && ls "$dir/findings"/crash-* >/dev/null 2>&1; then
		why=$(grep -m1 -oE 'ERROR: [A-Za-z]+: [A-Za-z-]+( signal| on [a-z-]+)?|runtime error: [a-z ]+' "$dir/fuzz.log")
		echo "PASS fuzz harness $t fails on a broken $(basename "$src") (${why:-crash}) after $((SECONDS - start))s, ${runs:-?} executions ($dropped seeds dropped as direct hits)"
	else
		echo "FAIL canfail $t: no crash in ${limit}s with a check removed from $src"
		rc=1
	fi
done
exit $rc
