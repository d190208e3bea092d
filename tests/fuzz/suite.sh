#!/usr/bin/env bash
# make check's share of the fuzzing (mk/fuzz.mk):
#   - the committed hex seeds are what tests/fuzz/gen-seeds.py writes;
#   - every seed replays clean under ASan+UBSan (gcc build, no clang needed);
#   - with clang: each libFuzzer target runs FUZZ_CHECK_TIME seconds (default
#     5; `make fuzz FUZZ_TIME=...` for longer), and tests/fuzz/canfail.sh
#     shows each harness catches a removed check (FUZZ_CANFAIL=0 skips it).
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
M="make --no-print-directory -s O=$O"
# the tools are Debian packages; installed when missing and we are root
sh scripts/install-analysis.sh >/dev/null 2>&1 || true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/postlet-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if python3 tests/fuzz/gen-seeds.py "$tmp" >/dev/null && diff -r "$tmp" tests/fuzz/seeds >/dev/null; then
	echo "PASS fuzz seeds match tests/fuzz/gen-seeds.py"
else
	echo "FAIL fuzz seeds differ from tests/fuzz/gen-seeds.py (make fuzz-seeds)"
fi

if ! out=$($M fuzz-replay-bins 2>&1); then
	printf '%s\n' "$out" | tail -20
	echo "FAIL fuzz replay build"
	exit 1
fi
for f in tests/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	t=${t#fuzz_}
	if out=$("$O/fuzz/replay_$t" "tests/fuzz/seeds/$t" 2>&1); then
		echo "PASS fuzz replay $t: ${out##*replayed }"
	else
		printf '%s\n' "$out" | tail -30
		echo "FAIL fuzz replay $t"
	fi
done

if ! command -v clang >/dev/null; then
	echo "SKIP libFuzzer runs (clang not installed: scripts/install-analysis.sh)"
	exit 0
fi
if ! out=$($M fuzz-build 2>&1); then
	printf '%s\n' "$out" | tail -20
	echo "FAIL fuzz build (clang)"
	exit 1
fi
O=$O bash tests/fuzz/run.sh "${FUZZ_CHECK_TIME:-5}" $(for f in tests/fuzz/fuzz_*.c; do t=$(basename "$f" .c); echo "${t#fuzz_}"; done) |
	grep -E '^(PASS|FAIL|SKIP) '
if [ "${FUZZ_CANFAIL:-1}" != 0 ]; then
	O=$O bash tests/fuzz/canfail.sh
fi
