#!/usr/bin/env bash
# make check's share of the analysis (mk/analyze.mk): cppcheck, clang-tidy,
# a clang -Werror build, the hardening proof and valgrind memcheck of the
# integration tests.  A tool that is not installed is a SKIP, not a pass.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
M="make --no-print-directory -s O=$O"
# the tools are Debian packages; installed when missing and we are root
sh scripts/install-analysis.sh >/dev/null 2>&1 || true

step() { # $1 = what, $2 = tool, rest = make targets
	local what=$1 tool=$2 out
	shift 2
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP $what ($tool not installed: scripts/install-analysis.sh)"
		return
	fi
	if out=$($M "$@" 2>&1); then
		echo "PASS $what"
	else
		printf '%s\n' "$out" | tail -30
		echo "FAIL $what"
	fi
}

step "cppcheck clean (.cppcheck-suppressions)" cppcheck cppcheck
step "clang-tidy clean (.clang-tidy)" clang-tidy tidy
step "clang -Wall -Wextra -Werror build" clang clang-werror
$M all >/dev/null 2>&1
bash tests/analyze/check-hardening.sh "$O/postlet"
O=$O bash tests/analyze/valgrind.sh
