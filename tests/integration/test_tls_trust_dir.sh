#!/usr/bin/env bash
# tls_trust_file may name a hashed CA directory (openssl rehash): with the
# test CA in it the send works; with only another CA it fails as unknown CA.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

good=$T_TMP/cadir-good
bad=$T_TMP/cadir-bad
mkdir -p "$good" "$bad"
cp "$TESTBED_CA" "$good/testca.pem"
cp "$TESTBED_TLS_DIR/rogueca.pem" "$bad/rogue.pem"
openssl rehash "$good" "$bad" 2>/dev/null || fail "openssl rehash failed"

lp=$(unique_localpart)
msg=$T_TMP/message
printf 'via a CA directory\n' | make_message "$msg" "<$lp@postlet.test>" "ca dir $T_ID"
cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on "$TESTBED_PASS" "$good" | write_config rc-good)
run_postlet "$msg" -C "$cfg" -- "$lp@postlet.test"
expect_rc 0
wait_for_mail postlet.test "$lp" >/dev/null

cfg=$(testbed_config "$TESTBED_SUBMISSION_PORT" on on "$TESTBED_PASS" "$bad" | write_config rc-bad)
run_postlet "$msg" -C "$cfg" -- "$lp@postlet.test"
expect_rc 69
expect_stderr 'unknown CA' "the unknown issuer"
