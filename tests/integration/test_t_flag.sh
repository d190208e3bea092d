#!/usr/bin/env bash
# -t: recipients from To/Cc/Bcc, none on the command line.  All three get the
# message; the Bcc header must not be in any delivered copy (the test bed
# keeps Bcc headers, so this proves the client removed it).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

to=$(tagged_localpart to)@postlet.test
cc=$(tagged_localpart cc)@example.test
bcc=$(tagged_localpart bcc)@postlet.test
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on | write_config postletrc)

msg=$T_TMP/message
printf 'Recipients come from the header.\n.\nDone.\n' |
	make_message "$msg" "Someone <$to>" "postlet -t $T_ID" \
		"Cc: Another One <$cc>" "Bcc: $bcc"

# What every recipient should see: the same message without the Bcc header.
expected=$T_TMP/expected-no-bcc
awk 'inhdr && /^$/ { inhdr = 0 } inhdr && tolower($0) ~ /^bcc:/ { next } { print }' inhdr=1 "$msg" >"$expected"
cmp -s "$msg" "$expected" && fail "test bug: message has no Bcc header to remove"

run_postlet "$msg" -C "$cfg" -t -i
expect_rc 0

for r in "$to" "$cc" "$bcc"; do
	f=$(wait_for_mail "${r#*@}" "${r%@*}")
	if headers_of "$f" | grep -qi '^bcc:'; then
		fail "delivered copy for $r still contains a Bcc header"
	fi
	assert_same_message "$expected" "$f"
done
