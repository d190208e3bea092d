#!/usr/bin/env bash
# One fault-injection run (called by tests/fault/suite.sh through xargs):
#   one.sh WORKDIR SCENARIO N V
# Sends the scenario's message with call N failing in way V and writes
# "N V EXIT LOCALPART INJECTED-TYPE INJECTED-KIND STAGE SANITIZER" to
# WORKDIR/res.N.V; stderr and the report are kept next to it.
set -u
w=$1 sc=$2 n=$3 v=$4
lp="flt-$sc-$n-$v-$(cat "$w/runid")"
rep=$w/rep.$n.$v err=$w/err.$n.$v
PL_FAULT_N=$n PL_FAULT_V=$v PL_FAULT_REPORT=$rep \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 UBSAN_OPTIONS=halt_on_error=1:exitcode=87 \
	timeout -k 5 60 "$w/postlet" -C "$w/$sc.rc" "$lp@postlet.test" <"$w/message" >/dev/null 2>"$err"
rc=$?
inj=$(sed -n 's/^injected [0-9]* //p' "$rep" 2>/dev/null)
stage=$(sed -n 's/^postlet: .* at \(.*\): .*/\1/p' "$err" | head -1 | tr ' ' '_')
san=0
grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|descriptor\(s\) left open' "$err" && san=1
echo "$n $v $rc $lp ${inj:-none none} ${stage:--} $san" >"$w/res.$n.$v"
