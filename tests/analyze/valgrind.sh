#!/usr/bin/env bash
# Run the integration tests with the client under valgrind memcheck and
# require zero errors: every client run writes its own log (valgrind -q
# writes only errors), so a failing-by-design test that accepts any non-zero
# exit still cannot hide a memcheck report.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
if ! command -v valgrind >/dev/null; then
	echo "SKIP valgrind memcheck of the integration tests (valgrind not installed)"
	exit 0
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/postlet-vg.XXXXXX")
trap 'rm -rf "$logs"' EXIT
out=$(POSTLET_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --log-file=$logs/vg.%p" \
	POSTLET=$O/postlet bash tests/integration/run.sh 2>&1)
line=$(grep -E '^integration: ' <<<"$out" | tail -1)
runs=$(find "$logs" -name 'vg.*' | wc -l)
bad=$(find "$logs" -name 'vg.*' -size +0 | wc -l)
if [ "$bad" != 0 ]; then
	for f in "$logs"/vg.*; do [ -s "$f" ] && head -40 "$f"; done
	echo "FAIL valgrind memcheck: $bad of $runs client runs reported errors"
elif [ "$runs" = 0 ]; then
	printf '%s\n' "$out" | tail -5
	echo "FAIL valgrind memcheck: no client run was recorded"
elif grep -q ' 0 failed' <<<"$line"; then
	echo "PASS valgrind memcheck: $runs client runs, 0 errors ($line)"
else
	printf '%s\n' "$out" | grep -E '^(FAIL|PASS|SKIP) '
	echo "FAIL valgrind memcheck: integration tests failed under valgrind ($line)"
fi
