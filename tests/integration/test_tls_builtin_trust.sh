#!/usr/bin/env bash
# Firmware trust store: a build with CONFIG_POSTLET_TLS_BUILTIN_TRUST naming
# the test CA (and a default trust file that does not exist) verifies the
# test bed with no tls_trust_file at all, and still refuses the server whose
# certificate another CA signed.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
require_postlet

b=$T_TMP/build
mkdir -p "$b"
grep -v '^CONFIG_POSTLET_TLS_BUILTIN_TRUST=\|^CONFIG_POSTLET_TLS_DEFAULT_TRUST_FILE=' \
	"$REPO_ROOT/configs/default.config" >"$b/.config"
printf 'CONFIG_POSTLET_TLS_BUILTIN_TRUST="%s"\n' "$TESTBED_CA" >>"$b/.config"
printf 'CONFIG_POSTLET_TLS_DEFAULT_TRUST_FILE="/nonexistent/postlet-no-bundle.pem"\n' >>"$b/.config"
make -C "$REPO_ROOT" -j2 O="$b" all >"$T_TMP/build.log" 2>&1 ||
	fail "build with the compiled-in trust store failed: $(tail -n 5 "$T_TMP/build.log" | tr '\n' ' ')"
grep -q 'BEGIN CERTIFICATE' "$b/postlet" ||
	fail "the built binary does not contain the PEM trust anchor"
POSTLET=$b/postlet

account() { # port
	cat <<EOT
account testbed
host localhost
port $1
tls on
tls_starttls on
auth on
user $TESTBED_USER
password $TESTBED_PASS
from $TESTBED_USER
queue off
account default : testbed
EOT
}

lp=$(unique_localpart)
msg=$T_TMP/message
printf 'trusted by the compiled-in store\n' | make_message "$msg" "<$lp@postlet.test>" "builtin $T_ID"
cfg=$(account "$TESTBED_SUBMISSION_PORT" | write_config rc-good)
run_postlet "$msg" -C "$cfg" -- "$lp@postlet.test"
expect_rc 0
wait_for_mail postlet.test "$lp" >/dev/null

cfg=$(account "$TESTBED_UNKNOWNCA_PORT" | write_config rc-bad)
run_postlet "$msg" -C "$cfg" -- "$lp@postlet.test"
expect_rc 69
expect_stderr 'unknown CA' "the unknown issuer"
