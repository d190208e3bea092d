#!/usr/bin/env bash
# A server (or an attacker in the path) that drops STARTTLS from EHLO:
# exit 69, a message that TLS was required, no AUTH and no envelope in the
# server's transcript.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

start_fakesmtp nostarttls 0
cfg=$(testbed_config "$FAKE_PORT" on on | write_config postletrc)
msg=$T_TMP/message
printf 'This must not be sent.\n' | make_message "$msg" "<x@postlet.test>" "stripped $T_ID"
run_postlet "$msg" -C "$cfg" -- x@postlet.test
expect_rc 69
expect_stderr 'TLS was required|TLS required' "TLS being required"
assert_fake_no_auth_no_mail
