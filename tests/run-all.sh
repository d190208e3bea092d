#!/usr/bin/env bash
# Run every test: the cmocka unit binaries given as arguments, the config
# consistency check, and the integration suite against the real MTA.
# Ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
passed=0 failed=0 skipped=0
failures=()

count_cmocka() { # $1 = binary
	local out rc p f
	out=$("$1" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^\[ +(FAILED|PASSED|SKIPPED) +\]|ERROR|runtime error|Sanitizer' || true
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi # crashed or sanitizer abort
	passed=$((passed + p)) failed=$((failed + f))
	[ "$f" = 0 ] || failures+=("$(basename "$1")")
}

echo "== unit tests (cmocka, ASan+UBSan)"
for t in "$@"; do
	echo "-- $(basename "$t")"
	count_cmocka "$t"
done

echo "== configuration"
if /usr/bin/python3 -c 'import kconfiglib' 2>/dev/null; then
	tmp=$(mktemp)
	# the committed default.config must be exactly what Kconfig's defaults give
	if KCONFIG_CONFIG=$tmp srctree=. /usr/bin/python3 -m alldefconfig Kconfig >/dev/null &&
		diff <(grep '^CONFIG_' configs/default.config) <(grep '^CONFIG_' "$tmp"); then
		echo "PASS configs/default.config matches Kconfig defaults"; passed=$((passed + 1))
	else
		echo "FAIL configs/default.config is out of date (make olddefconfig)"; failed=$((failed + 1))
		failures+=("default.config")
	fi
	rm -f "$tmp" "$tmp.old"
else
	echo "SKIP kconfiglib not installed"; skipped=$((skipped + 1))
fi

echo "== integration (real Postfix + Dovecot)"
out=$(POSTLET=${POSTLET:-$O/postlet} bash tests/integration/run.sh 2>&1)
printf '%s\n' "$out"
line=$(printf '%s\n' "$out" | grep -E '^integration: [0-9]+ passed, [0-9]+ failed' | tail -1)
if [ -z "$line" ]; then
	echo "FAIL integration suite did not finish"; failed=$((failed + 1)); failures+=("integration")
else
	p=$(sed -E 's/^integration: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/^integration: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
	[ "$f" = 0 ] || failures+=("integration")
fi

echo "== lwIP port (Debian's liblwip: loopback, tap + real Postfix, compile matrix)"
for script in loop.sh run.sh compile-check.sh; do
	out=$(O=$O bash "tests/lwip/$script" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP) ' || printf '%s\n' "$out" | tail -5
	p=$(grep -c '^PASS ' <<<"$out") f=$(grep -c '^FAIL ' <<<"$out") s=$(grep -c '^SKIP ' <<<"$out")
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" = 0 ] || failures+=("lwip/$script")
done

# Further suites: every tests/<name>/suite.sh, each printing one
# "PASS|FAIL|SKIP <what>" line per test (exit 0 when nothing failed).
for script in $(ls tests/*/suite.sh 2>/dev/null | sort); do
	echo "== $(basename "$(dirname "$script")") ($script)"
	out=$(O=$O bash "$script" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP) ' || printf '%s\n' "$out" | tail -5
	p=$(grep -c '^PASS ' <<<"$out") f=$(grep -c '^FAIL ' <<<"$out") s=$(grep -c '^SKIP ' <<<"$out")
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" = 0 ] || failures+=("$script")
done

echo
[ ${#failures[@]} = 0 ] || echo "failing: ${failures[*]}"
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
