#!/usr/bin/env bash
# STARTTLS on the submission port with AUTH PLAIN, two recipients in two
# domains, a body that needs dot-stuffing; both copies must arrive unchanged.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

lp=$(unique_localpart)
rcpt1=$lp@postlet.test
rcpt2=$lp@example.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on plain | write_config postletrc)

msg=$T_TMP/message
{
	echo "First line of a test message for $T_ID."
	echo ".A line starting with a dot (must be dot-stuffed on the wire)"
	echo "."
	echo "The line above is a lone dot; the message must not end there."
	echo ".."
	echo ". dot space"
	printf 'trailing blanks and a tab \t \n'
	echo ""
	# long-ish body: ~150 KiB, lines of 76 and 990 characters
	awk 'BEGIN {
		for (i = 1; i <= 1500; i++) {
			s = sprintf("%05d ", i)
			while (length(s) < 76) s = s "abcdefghijklmnopqrstuvwxyz0123456789"
			print substr(s, 1, 76)
			if (i % 100 == 0) {
				t = "."
				while (length(t) < 990) t = t "0123456789"
				print substr(t, 1, 990)
			}
		}
	}'
	echo "."
	echo "Last line."
} | make_message "$msg" "<$rcpt1>, <$rcpt2>" "postlet starttls plain $T_ID"

# -i: a lone "." line is data, not end of input (sendmail semantics)
run_postlet "$msg" -C "$cfg" -i -- "$rcpt1" "$rcpt2"
expect_rc 0

for r in "$rcpt1" "$rcpt2"; do
	f=$(wait_for_mail "${r#*@}" "${r%@*}")
	assert_same_message "$msg" "$f"
	assert_return_path "$f" "$TESTBED_USER"
done
if ! wait_for_log 'sasl_method=PLAIN' 5; then
	fail "postfix did not log a successful AUTH PLAIN"
fi
