#!/usr/bin/env bash
# Run the postlet integration tests against the real-MTA test bed.
#
#   bash tests/integration/run.sh [test_name ...]
#
# Environment:
#   POSTLET        client binary (default build/postlet, relative to the repo root)
#   KEEP_TESTBED=1 leave the test bed running even if this script started it
#   VERBOSE=1      print each test's output, not only for failures
#   TEST_TIMEOUT   per-test time limit in seconds (default 120)
# Prints PASS/FAIL/SKIP per test and a final summary line
#   integration: N passed, N failed[, N skipped]
# and exits non-zero if any test failed.
set -eu

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$IT_DIR/../.." && pwd)
cd "$REPO_ROOT"

TESTBED=$REPO_ROOT/tests/testbed/testbed.sh
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
POSTLET=${POSTLET:-build/postlet}
export POSTLET

started_testbed=0
if ! bash "$TESTBED" status >/dev/null 2>&1; then
	started_testbed=1
fi
if ! bash "$TESTBED" start; then
	echo "integration: test bed failed to start" >&2
	echo "integration: 0 passed, 1 failed"
	exit 1
fi

cleanup() {
	if [ "$started_testbed" -eq 1 ] && [ "${KEEP_TESTBED:-0}" != 1 ]; then
		bash "$TESTBED" stop || true
	fi
	rm -rf "${RUN_TMP:-}"
}
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/postlet-run.XXXXXX")
trap cleanup EXIT

tests=()
if [ $# -gt 0 ]; then
	for t in "$@"; do
		t=$(basename "$t" .sh)
		[ -f "$IT_DIR/$t.sh" ] || {
			echo "no such test: $t" >&2
			exit 2
		}
		tests+=("$IT_DIR/$t.sh")
	done
else
	for t in "$IT_DIR"/test_*.sh; do
		[ -f "$t" ] && tests+=("$t")
	done
fi

if [ ! -x "$POSTLET" ] && [ ! -x "$REPO_ROOT/$POSTLET" ]; then
	echo "integration: warning: client binary $POSTLET does not exist yet" >&2
fi

passed=0 failed=0 skipped=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	log=$RUN_TMP/$name.log
	reason_file=$RUN_TMP/$name.reason
	: >"$reason_file"
	rc=0
	T_REASON_FILE=$reason_file timeout -k 5 "$TEST_TIMEOUT" bash "$t" >"$log" 2>&1 || rc=$?
	reason=$(head -n 1 "$reason_file")
	if [ -z "$reason" ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			reason="timed out after ${TEST_TIMEOUT}s"
		else
			reason="exit status $rc: $(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
		fi
	fi
	case $rc in
	0)
		echo "PASS $name"
		passed=$((passed + 1))
		;;
	77)
		echo "SKIP $name: $reason"
		skipped=$((skipped + 1))
		;;
	*)
		echo "FAIL $name: $reason"
		failed=$((failed + 1))
		;;
	esac
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ "${VERBOSE:-0}" = 1 ]; then
		sed 's/^/    | /' "$log"
	fi
done

summary="integration: $passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then
	summary="$summary, $skipped skipped"
fi
echo "$summary"
[ "$failed" -eq 0 ]
