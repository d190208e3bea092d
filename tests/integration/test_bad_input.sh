#!/usr/bin/env bash
# Bad input is refused with EX_DATAERR (65) and nothing reaches the server:
# a CR/LF in the envelope sender or a recipient (SMTP command injection), a
# bare CR in the header (header injection), a body line over 998 octets in
# an already encoded body, a full name with a line break.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt=$lp@postlet.test
evil=$(tagged_localpart evil)
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | write_config postletrc)
msg=$T_TMP/message
printf 'Refused input.\n' | make_message "$msg" "<$rcpt>" "bad input $T_ID"

run_postlet "$msg" -C "$cfg" -f "$TESTBED_USER"$'\r\nRCPT TO:<'"$evil"'@postlet.test>' "$rcpt"
expect_rc 65
run_postlet "$msg" -C "$cfg" "$rcpt"$'\r\nRCPT TO:<'"$evil"'@postlet.test>'
expect_rc 65
run_postlet "$msg" -C "$cfg" -F $'Name\nBcc: '"$evil"'@postlet.test' "$rcpt"
# -F is used only when From is missing: make it missing
grep -v '^From:' "$msg" >"$T_TMP/nofrom"
run_postlet "$T_TMP/nofrom" -C "$cfg" -F $'Name\nBcc: '"$evil"'@postlet.test' "$rcpt"
expect_rc 65

printf 'To: <%s>\rBcc: <%s@postlet.test>\nSubject: cr\n\nbody\n' "$rcpt" "$evil" >"$T_TMP/cr"
run_postlet "$T_TMP/cr" -C "$cfg" -t
expect_rc 65
expect_stderr "bare CR" "the bare CR"

# a line over 998 octets in a body that is already encoded cannot be fixed
{ printf 'To: <%s>\nSubject: long\nContent-Transfer-Encoding: base64\n\n' "$rcpt"; head -c 1200 /dev/zero | tr '\0' x; echo; } >"$T_TMP/long"
run_postlet "$T_TMP/long" -C "$cfg" "$rcpt"
expect_rc 65
expect_stderr "line 5 .*998" "the over-long line and its number"

assert_no_mail postlet.test "$evil"
# only the -F run without the bad -F (the first of the two) may have sent
n=$(_count_new "$(maildir_of postlet.test "$lp")")
[ "$n" -le 1 ] || fail "$n messages reached $rcpt; refused input was sent"
