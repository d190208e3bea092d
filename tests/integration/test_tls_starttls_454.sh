#!/usr/bin/env bash
# STARTTLS answered "454 4.7.0": a temporary refusal, so exit 75 (retry
# later), a message that TLS was required, no AUTH and no envelope.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

start_fakesmtp refuse454 1
cfg=$(testbed_config "$FAKE_PORT" on on | write_config postletrc)
msg=$T_TMP/message
printf 'This must not be sent.\n' | make_message "$msg" "<x@postlet.test>" "454 $T_ID"
run_postlet "$msg" -C "$cfg" -- x@postlet.test
expect_rc 75
expect_stderr 'TLS was required|TLS required' "TLS being required"
expect_stderr '454' "the server's 454 reply"
grep -q '^C: STARTTLS' "$FAKE_LOG" || fail "the client never asked for STARTTLS"
assert_fake_no_auth_no_mail
