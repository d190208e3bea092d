#!/usr/bin/env bash
# Bytes injected after the 220 reply to STARTTLS, before the handshake
# (CVE-2021-22947 class): the client must abort, not start TLS with the
# plaintext replies queued; exit 76 (protocol), no AUTH, no envelope.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tls_lib.sh
. "$IT_DIR/tls_lib.sh"
require_postlet

start_fakesmtp inject 2
cfg=$(testbed_config "$FAKE_PORT" on on | write_config postletrc)
msg=$T_TMP/message
printf 'This must not be sent.\n' | make_message "$msg" "<x@postlet.test>" "inject $T_ID"
run_postlet "$msg" -C "$cfg" -- x@postlet.test
expect_rc 76
expect_stderr 'STARTTLS|inject|before the TLS|unexpected' "the bytes after STARTTLS"
grep -q -- '-- sent 220 plus injected bytes' "$FAKE_LOG" || fail "the injection was never played"
assert_fake_no_auth_no_mail
