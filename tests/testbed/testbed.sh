#!/usr/bin/env bash
# postlet real-MTA test bed: a private Postfix + Dovecot (SASL only) on loopback.
#
#   tests/testbed/testbed.sh start|stop|status|env
#
# Everything lives below TESTBED_DIR (default /tmp/postlet-testbed).  The
# system's own Postfix instance (/etc/postfix) and any system Dovecot are never
# touched: Postfix runs with "postfix -c $TESTBED_DIR/postfix" and its own
# queue/data directories, Dovecot with "-c $TESTBED_DIR/dovecot/dovecot.conf"
# and its own base_dir/state_dir.  Only processes whose pid files live below
# TESTBED_DIR are ever stopped.
#
# Services (all loopback only, all require SASL AUTH before relaying):
#   TESTBED_SUBMISSION_PORT  (base+587) STARTTLS required, AUTH only after STARTTLS
#   TESTBED_SUBMISSIONS_PORT (base+465) implicit TLS (wrapper mode)
#   TESTBED_NOTLS_PORT       (base+588) deliberately bad: no STARTTLS, AUTH in clear
#   TESTBED_WRONGNAME_PORT   (base+589) STARTTLS required, certificate signed by the
#                                    test CA but for another host name only
#   TESTBED_NOCHUNKING_PORT  (base+590) as submission, without CHUNKING (BDAT)
#   TESTBED_SMALL_PORT       (base+591) as submission, SIZE limit 20000 bytes,
#                                    refuses recipients named refused-*
#   TESTBED_7BIT_PORT        (base+592) as submission, without 8BITMIME and SMTPUTF8
#   TESTBED_SASL_PORT        (base+593) as submission, announcing every mechanism
#                                    Dovecot has: PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256
#                                    SCRAM-SHA-1 XOAUTH2 OAUTHBEARER (the other
#                                    ports announce only PLAIN and LOGIN)
#   TESTBED_EXTERNAL_PORT    (base+594) Dovecot's own submission service (when
#                                    dovecot-submissiond is installed): STARTTLS,
#                                    a client certificate verified against the test
#                                    CA, AUTH EXTERNAL (user = the certificate's CN),
#                                    relaying to TESTBED_NOTLS_PORT; Postfix cannot
#                                    offer EXTERNAL through Dovecot
#   TESTBED_OAUTH_PORT       (base+630) OAuth 2.0 token introspection endpoint
#                                    (tests/testbed/oauth_introspect.py, HTTP on
#                                    loopback) behind Dovecot's oauth2 passdb:
#                                    TESTBED_OAUTH_TOKEN and TESTBED_OAUTH_LONG_TOKEN
#                                    (1000 bytes) are active for TESTBED_USER
#   TESTBED_AUTH_PORT        (base+26)  Dovecot auth service used by Postfix
# TLS negative cases and client certificates (offsets 600-629), all STARTTLS:
#   TESTBED_EXPIRED_PORT     (base+600) certificate by the test CA, expired
#   TESTBED_NOTYET_PORT      (base+601) certificate by the test CA, not yet valid
#   TESTBED_UNKNOWNCA_PORT   (base+602) certificate by another CA ("rogue CA")
#   TESTBED_SELFSIGNED_PORT  (base+603) self-signed certificate for localhost
#   TESTBED_OLDTLS_PORT      (base+604) TLS 1.0 and 1.1 only (OpenSSL seclevel 0)
#   TESTBED_CLIENTCERT_PORT  (base+605) asks for a client certificate and logs
#                                       whether it verified against the test CA
#   TESTBED_P384_PORT        (base+606) the normal certificate, but only the P-384
#                                       key-exchange group (a client that offers
#                                       X25519 first gets a HelloRetryRequest)
#   (base+610..619 are left to tests/integration/fakesmtp.py instances)
# Mail for postlet.test and example.test is delivered into Maildirs under
#   $TESTBED_DIR/mail/<domain>/<localpart>/{tmp,new,cur}
set -eu

TESTBED_DIR=${TESTBED_DIR:-/tmp/postlet-testbed}
# Every port is TESTBED_PORT_BASE + a fixed offset, so several test beds
# (one per checkout, each with its own TESTBED_DIR) can run side by side.
TESTBED_PORT_BASE=${TESTBED_PORT_BASE:-10000}
TESTBED_SUBMISSION_PORT=${TESTBED_SUBMISSION_PORT:-$((TESTBED_PORT_BASE + 587))}
TESTBED_SUBMISSIONS_PORT=${TESTBED_SUBMISSIONS_PORT:-$((TESTBED_PORT_BASE + 465))}
TESTBED_NOTLS_PORT=${TESTBED_NOTLS_PORT:-$((TESTBED_PORT_BASE + 588))}
TESTBED_WRONGNAME_PORT=${TESTBED_WRONGNAME_PORT:-$((TESTBED_PORT_BASE + 589))}
TESTBED_NOCHUNKING_PORT=${TESTBED_NOCHUNKING_PORT:-$((TESTBED_PORT_BASE + 590))}
TESTBED_SMALL_PORT=${TESTBED_SMALL_PORT:-$((TESTBED_PORT_BASE + 591))}
TESTBED_7BIT_PORT=${TESTBED_7BIT_PORT:-$((TESTBED_PORT_BASE + 592))}
TESTBED_SASL_PORT=${TESTBED_SASL_PORT:-$((TESTBED_PORT_BASE + 593))}
TESTBED_OAUTH_PORT=${TESTBED_OAUTH_PORT:-$((TESTBED_PORT_BASE + 630))}
TESTBED_EXTERNAL_PORT=${TESTBED_EXTERNAL_PORT:-$((TESTBED_PORT_BASE + 594))}
TESTBED_AUTH_PORT=${TESTBED_AUTH_PORT:-$((TESTBED_PORT_BASE + 26))}
TESTBED_EXPIRED_PORT=$((TESTBED_PORT_BASE + 600))
TESTBED_NOTYET_PORT=$((TESTBED_PORT_BASE + 601))
TESTBED_UNKNOWNCA_PORT=$((TESTBED_PORT_BASE + 602))
TESTBED_SELFSIGNED_PORT=$((TESTBED_PORT_BASE + 603))
TESTBED_OLDTLS_PORT=$((TESTBED_PORT_BASE + 604))
TESTBED_CLIENTCERT_PORT=$((TESTBED_PORT_BASE + 605))
TESTBED_P384_PORT=$((TESTBED_PORT_BASE + 606))
# shellcheck disable=SC2034 # exported by cmd_env for tests/integration/tls_lib.sh
TESTBED_FAKE_PORT_BASE=$((TESTBED_PORT_BASE + 610))
TESTBED_USER=${TESTBED_USER:-alerts@postlet.test}
TESTBED_PASS=${TESTBED_PASS:-s3cret-pass}
TESTBED_OAUTH_TOKEN=${TESTBED_OAUTH_TOKEN:-ya29.postlet-testbed-access-token}
# (what tests/testbed/oauth_introspect.py derives from it)
TESTBED_OAUTH_LONG_TOKEN=$TESTBED_OAUTH_TOKEN.$(printf '%*s' $((1000 - ${#TESTBED_OAUTH_TOKEN} - 1)) '' | tr ' ' x)
TESTBED_START_TIMEOUT=${TESTBED_START_TIMEOUT:-20}

# Normalise to an absolute path without a trailing slash.
case $TESTBED_DIR in
/*) ;;
*) TESTBED_DIR=$PWD/$TESTBED_DIR ;;
esac
TESTBED_DIR=${TESTBED_DIR%/}

PF_CONF=$TESTBED_DIR/postfix
PF_SPOOL=$TESTBED_DIR/spool
PF_DATA=$TESTBED_DIR/data
PF_LOG=$TESTBED_DIR/postfix.log
DC_DIR=$TESTBED_DIR/dovecot
DC_CONF=$DC_DIR/dovecot.conf
DC_RUN=$DC_DIR/run
DC_LOG=$TESTBED_DIR/dovecot.log
OAUTH_PID=$TESTBED_DIR/oauth.pid
OAUTH_LOG=$TESTBED_DIR/oauth.log
TESTBED_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TLS_DIR=$TESTBED_DIR/tls
MAIL_DIR=$TESTBED_DIR/mail
DELIVER=$TESTBED_DIR/deliver.sh
MAIL_UID=nobody
MAIL_GID=nogroup

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH

say() { printf 'testbed: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

# ---------------------------------------------------------------- packages --
install_packages() {
	local missing=()
	command -v postfix >/dev/null 2>&1 || missing+=(postfix)
	command -v dovecot >/dev/null 2>&1 || missing+=(dovecot-core)
	command -v openssl >/dev/null 2>&1 || missing+=(openssl)
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}) and not root"
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections 2>/dev/null || true
	# Keep package scripts from starting the *system* daemons while we
	# install (no systemd here; invoke-rc.d honours policy-rc.d).  Only a
	# policy file we created ourselves is removed again.
	local policy=/usr/sbin/policy-rc.d made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
	fi
	local rc=0
	if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
	fi
	if [ "$made_policy" -eq 1 ]; then rm -f "$policy"; fi
	[ "$rc" -eq 0 ] || die "apt-get install ${missing[*]} failed"
}

# Dovecot's submission service (AUTH EXTERNAL port): optional, tried once.
have_submissiond() { [ -x /usr/lib/dovecot/submission ] && [ -x /usr/lib/dovecot/submission-login ]; }
install_submissiond() {
	have_submissiond && return 0
	[ "$(id -u)" -eq 0 ] || return 0
	local policy=/usr/sbin/policy-rc.d made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		dovecot-submissiond >/dev/null 2>&1 ||
		say "dovecot-submissiond not installed: no AUTH EXTERNAL port"
	if [ "$made_policy" -eq 1 ]; then rm -f "$policy"; fi
}

# ------------------------------------------------------------------- TLS --
have_ipv6_lo() {
	if command -v ip >/dev/null 2>&1; then
		ip -6 addr show lo 2>/dev/null | grep -q 'inet6 ::1/128'
	else
		grep -qs '^0\{31\}1 .* lo$' /proc/net/if_inet6
	fi
}

# sign_cert name subject san [ca-prefix [usage [start end]]]
# ca-prefix: "ca" (the test CA) or another CA made by make_ca; usage:
# serverAuth or clientAuth; start/end (YYYYMMDDHHMMSSZ) give fixed validity
# dates through "openssl ca" (x509 -req cannot backdate).
sign_cert() {
	local name=$1 subj=$2 san=$3 ca=${4:-ca} usage=${5:-serverAuth} start=${6:-} end=${7:-}
	local ext=$TLS_DIR/$name.ext
	cat >"$ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = $usage
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = $san
EOF
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$TLS_DIR/$name-key.pem" 2>/dev/null
	openssl req -new -key "$TLS_DIR/$name-key.pem" -subj "$subj" \
		-out "$TLS_DIR/$name.csr"
	if [ -n "$start" ]; then
		local db=$TLS_DIR/$name.db
		mkdir -p "$db"
		: >"$db/index.txt"
		cat >"$db/ca.cnf" <<EOF
[ ca ]
default_ca = dated
[ dated ]
database = $db/index.txt
new_certs_dir = $db
serial = $db/serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
organizationName = optional
EOF
		openssl rand -hex 8 >"$db/serial"
		openssl ca -batch -config "$db/ca.cnf" -cert "$TLS_DIR/$ca.pem" \
			-keyfile "$TLS_DIR/$ca-key.pem" -startdate "$start" -enddate "$end" \
			-extfile "$ext" -notext -in "$TLS_DIR/$name.csr" \
			-out "$TLS_DIR/$name-cert.pem" 2>/dev/null
		rm -rf "$db"
	else
		openssl x509 -req -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/$ca.pem" \
			-CAkey "$TLS_DIR/$ca-key.pem" -CAcreateserial -days 3650 -sha256 \
			-extfile "$ext" -out "$TLS_DIR/$name-cert.pem" 2>/dev/null
	fi
	rm -f "$TLS_DIR/$name.csr" "$ext"
	chmod 600 "$TLS_DIR/$name-key.pem"
	chmod 644 "$TLS_DIR/$name-cert.pem"
}

make_ca() { # prefix common-name
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$TLS_DIR/$1-key.pem" 2>/dev/null
	chmod 600 "$TLS_DIR/$1-key.pem"
	openssl req -x509 -new -key "$TLS_DIR/$1-key.pem" -sha256 -days 3650 \
		-subj "/O=postlet test bed/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$TLS_DIR/$1.pem"
	chmod 644 "$TLS_DIR/$1.pem"
}

# Certificates for the TLS negative cases and the client certificate.
make_tls_cases() {
	local san="DNS:localhost, IP:127.0.0.1"
	if [ ! -s "$TLS_DIR/selfsigned-cert.pem" ]; then
		say "generating expired, not-yet-valid, rogue-CA and self-signed certificates"
		sign_cert expired "/O=postlet test bed/CN=localhost" "$san" ca serverAuth \
			20200101000000Z 20210101000000Z
		sign_cert notyet "/O=postlet test bed/CN=localhost" "$san" ca serverAuth \
			20990101000000Z 21000101000000Z
		[ -s "$TLS_DIR/rogueca.pem" ] || make_ca rogueca "rogue CA (not trusted)"
		sign_cert unknownca "/O=postlet test bed/CN=localhost" "$san" rogueca
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR/selfsigned-key.pem" \
			-subj "/O=postlet test bed/CN=localhost" -days 3650 -sha256 \
			-addext "subjectAltName=$san" -out "$TLS_DIR/selfsigned-cert.pem" 2>/dev/null
		chmod 600 "$TLS_DIR/selfsigned-key.pem"
		chmod 644 "$TLS_DIR/selfsigned-cert.pem"
	fi
	if [ ! -s "$TLS_DIR/client-cert.pem" ]; then
		say "generating client certificate"
		sign_cert client "/O=postlet test bed/CN=alerts client" "DNS:client.postlet.test" \
			ca clientAuth
		# a test key for the unprivileged client: readable on purpose
		chmod 644 "$TLS_DIR/client-key.pem"
	fi
}

make_tls() {
	mkdir -p "$TLS_DIR"
	chmod 755 "$TLS_DIR"
	if [ ! -s "$TLS_DIR/ca.pem" ] || [ ! -s "$TLS_DIR/ca-key.pem" ]; then
		say "generating test CA"
		rm -f "$TLS_DIR"/*.pem "$TLS_DIR"/*.srl
		make_ca ca "postlet test CA"
	fi
	if [ ! -s "$TLS_DIR/server-cert.pem" ] || [ ! -s "$TLS_DIR/server-key.pem" ]; then
		say "generating server certificate"
		sign_cert server "/O=postlet test bed/CN=mail.postlet.test" \
			"DNS:localhost, DNS:mail.postlet.test, IP:127.0.0.1, IP:::1"
	fi
	if [ ! -s "$TLS_DIR/wrongname-cert.pem" ] || [ ! -s "$TLS_DIR/wrongname-key.pem" ]; then
		say "generating wrong-name server certificate"
		sign_cert wrongname "/O=postlet test bed/CN=other.postlet.invalid" \
			"DNS:other.postlet.invalid"
	fi
	make_tls_cases
}

# --------------------------------------------------------------- configs --
write_deliver() {
	# Maildir delivery agent run by Postfix pipe(8) as $MAIL_UID, one
	# recipient per invocation: deliver.sh <domain> <localpart>.
	cat >"$DELIVER.new" <<EOF
#!/bin/sh
# generated by testbed.sh -- maildir writer for the postlet test bed
umask 022
domain=\$1
user=\$2
case "\$domain" in
''|.*|*[!A-Za-z0-9.-]*) echo "bad domain" >&2; exit 67 ;;
esac
case "\$user" in
''|.*|*[!A-Za-z0-9._+=-]*) echo "unsupported localpart" >&2; exit 67 ;;
esac
box="$MAIL_DIR/\$domain/\$user"
mkdir -p "\$box/tmp" "\$box/new" "\$box/cur" || exit 75
name="\$(date +%s).M\$(date +%N)P\$\$.mail.postlet.test"
if ! cat >"\$box/tmp/\$name"; then
	rm -f "\$box/tmp/\$name"
	exit 75
fi
mv "\$box/tmp/\$name" "\$box/new/\$name" || exit 75
exit 0
EOF
	chmod 755 "$DELIVER.new"
	mv -f "$DELIVER.new" "$DELIVER"
}

write_postfix_conf() {
	local protocols=ipv4
	if have_ipv6_lo; then protocols=all; fi
	mkdir -p "$PF_CONF" "$PF_SPOOL" "$PF_DATA" "$MAIL_DIR"
	chown root:root "$PF_CONF" "$PF_SPOOL"
	chmod 755 "$PF_CONF" "$PF_SPOOL"
	chown postfix: "$PF_DATA"
	chmod 700 "$PF_DATA"
	chown "$MAIL_UID:$MAIL_GID" "$MAIL_DIR"
	chmod 755 "$MAIL_DIR"
	touch "$PF_LOG"
	chmod 644 "$PF_LOG"

	cat >"$PF_CONF/main.cf" <<EOF
# generated by tests/testbed/testbed.sh -- private instance, do not edit
compatibility_level = 3.6
queue_directory = $PF_SPOOL
data_directory = $PF_DATA
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-postlet-testbed
maillog_file = $PF_LOG
maillog_file_prefixes = $TESTBED_DIR

myhostname = mail.postlet.test
mydomain = postlet.test
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.0/8
inet_interfaces = loopback-only
inet_protocols = $protocols
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
biff = no
append_dot_mydomain = no
notify_classes =
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled in the test bed
default_transport = error:5.7.1 outbound delivery is disabled in the test bed
relay_transport = \$default_transport
smtpd_banner = \$myhostname ESMTP postlet test bed
# Deliver what the client sent: no header rewriting and no added
# Date/Message-ID/From/To headers, so tests can compare byte for byte.
local_header_rewrite_clients =
always_add_missing_headers = no
# Keep Bcc: headers at delivery (Postfix drops them by default) so the tests
# can prove that the *client* removed them.
message_drop_headers =

virtual_mailbox_domains = postlet.test, example.test
virtual_mailbox_maps = static:maildir
virtual_transport = maildir
maildir_destination_recipient_limit = 1

smtpd_tls_cert_file = $TLS_DIR/server-cert.pem
smtpd_tls_key_file = $TLS_DIR/server-key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =

smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$TESTBED_AUTH_PORT
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
# Dovecot offers more (see TESTBED_SASL_PORT); the usual ports keep the
# mechanisms (and round trips) of a typical submission server.
smtpd_sasl_mechanism_filter = plain, login
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_error_sleep_time = 0
EOF

	printf '%s\n' '/^refused-/ REJECT 5.1.1 Recipient refused by the test bed' >"$PF_CONF/refused_rcpt"
	cat >"$PF_CONF/master.cf" <<EOF
# generated by tests/testbed/testbed.sh -- private instance, do not edit
# service type  private unpriv  chroot  wakeup  maxproc command + args
$TESTBED_SUBMISSION_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
$TESTBED_SUBMISSIONS_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
$TESTBED_NOTLS_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/notls
  -o smtpd_tls_security_level=none
  -o smtpd_tls_auth_only=no
  -o smtpd_sasl_auth_enable=yes
$TESTBED_WRONGNAME_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/wrongname
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_cert_file=$TLS_DIR/wrongname-cert.pem
  -o smtpd_tls_key_file=$TLS_DIR/wrongname-key.pem
$TESTBED_NOCHUNKING_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/nochunking
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_discard_ehlo_keywords=chunking
$TESTBED_SMALL_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/small
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o message_size_limit=20000
  -o smtpd_recipient_restrictions=check_recipient_access,regexp:$PF_CONF/refused_rcpt,permit_sasl_authenticated,reject
$TESTBED_7BIT_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/7bit
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_discard_ehlo_keywords=8bitmime,smtputf8
$TESTBED_SASL_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/sasl
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_mechanism_filter=!external,static:rest
$TESTBED_EXPIRED_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/expired
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_cert_file=$TLS_DIR/expired-cert.pem
  -o smtpd_tls_key_file=$TLS_DIR/expired-key.pem
$TESTBED_NOTYET_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/notyet
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_cert_file=$TLS_DIR/notyet-cert.pem
  -o smtpd_tls_key_file=$TLS_DIR/notyet-key.pem
$TESTBED_UNKNOWNCA_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/unknownca
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_cert_file=$TLS_DIR/unknownca-cert.pem
  -o smtpd_tls_key_file=$TLS_DIR/unknownca-key.pem
$TESTBED_SELFSIGNED_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/selfsigned
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_cert_file=$TLS_DIR/selfsigned-cert.pem
  -o smtpd_tls_key_file=$TLS_DIR/selfsigned-key.pem
$TESTBED_OLDTLS_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/oldtls
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_protocols=<=TLSv1.1
  -o smtpd_tls_mandatory_protocols=<=TLSv1.1
  -o smtpd_tls_mandatory_ciphers=medium
  -o smtpd_tls_ciphers=medium
  -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0
$TESTBED_CLIENTCERT_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/clientcert
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_ask_ccert=yes
  -o smtpd_tls_CAfile=$TLS_DIR/ca.pem
$TESTBED_P384_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix-postlet-testbed/p384
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o tls_eecdh_auto_curves=secp384r1
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
maildir   unix  -       n       n       -       -       pipe
  flags=DROhu user=$MAIL_UID:$MAIL_GID argv=/bin/sh $DELIVER \${domain} \${user}
EOF
}

# Dovecot's submission service for AUTH EXTERNAL (see TESTBED_EXTERNAL_PORT).
submission_conf() {
	cat <<EOF
protocols = submission
ssl = yes
ssl_cert = <$TLS_DIR/server-cert.pem
ssl_key = <$TLS_DIR/server-key.pem
ssl_ca = <$TLS_DIR/ca.pem
ssl_verify_client_cert = yes
# the test CA publishes no CRL
ssl_require_crl = no
auth_ssl_username_from_cert = yes
# the certificate's CN ("alerts client") is the user name
auth_username_chars =
hostname = mail.postlet.test
# the submission process wants a mail store, even though it keeps nothing
mail_location = maildir:$DC_DIR/submission-maildir
submission_relay_host = 127.0.0.1
submission_relay_port = $TESTBED_NOTLS_PORT
submission_relay_ssl = no
submission_relay_user = $TESTBED_USER
submission_relay_password = $TESTBED_PASS
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $TESTBED_EXTERNAL_PORT
  }
}
# EXTERNAL: the verified certificate is the credential
passdb {
  driver = static
  mechanisms = external
  args = nopassword=y
}
EOF
}

write_dovecot_conf() {
	mkdir -p "$DC_DIR" "$DC_RUN" "$DC_DIR/state"
	chmod 755 "$DC_DIR"
	touch "$DC_LOG"
	chmod 644 "$DC_LOG"
	(
		umask 077
		printf '%s:{PLAIN}%s\n' "$TESTBED_USER" "$TESTBED_PASS" >"$DC_DIR/passwd"
	)
	if have_submissiond; then
		mkdir -p "$DC_DIR/submission-maildir"
		chown "$MAIL_UID:$MAIL_GID" "$DC_DIR/submission-maildir"
	fi
	chown root:dovecot "$DC_DIR/passwd" 2>/dev/null || true
	chmod 640 "$DC_DIR/passwd"
	cat >"$DC_DIR/oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = http://127.0.0.1:$TESTBED_OAUTH_PORT/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
EOF
	cat >"$DC_CONF" <<EOF
# generated by tests/testbed/testbed.sh -- private SASL-only instance
instance_name = postlet-testbed
base_dir = $DC_RUN
state_dir = $DC_DIR/state
log_path = $DC_LOG
info_log_path = $DC_LOG
protocols = none
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-256 scram-sha-1 xoauth2 oauthbearer$(have_submissiond && echo " external")
auth_verbose = yes
auth_failure_delay = 0
# The password is stored in clear ({PLAIN}) so that every mechanism,
# CRAM-MD5 and SCRAM included, can be checked against it.
passdb {
  driver = passwd-file
  mechanisms = plain login cram-md5 scram-sha-256 scram-sha-1
  args = scheme=PLAIN username_format=%u $DC_DIR/passwd
}
# Bearer tokens: asked of the local introspection endpoint.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DC_DIR/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=/nonexistent
}
$(if have_submissiond; then submission_conf; fi)
service auth {
  inet_listener postfix {
    address = 127.0.0.1
    port = $TESTBED_AUTH_PORT
  }
}
EOF
}

# --------------------------------------------------------------- helpers --
pid_alive() { # pidfile
	local pid
	[ -s "$1" ] || return 1
	pid=$(tr -dc '0-9' <"$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	# a zombie (parent killed it, nobody reaped it yet) is not running
	! grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null
}

postfix_running() { pid_alive "$PF_SPOOL/pid/master.pid"; }
oauth_running() { pid_alive "$OAUTH_PID"; }
dovecot_running() { pid_alive "$DC_RUN/master.pid"; }

port_open() { # port [host]
	local host=${2:-127.0.0.1}
	(exec 3<>"/dev/tcp/$host/$1") 2>/dev/null
}

all_ports() {
	local ext=""
	if have_submissiond; then ext="$TESTBED_EXTERNAL_PORT "; fi
	echo "$ext$TESTBED_AUTH_PORT $TESTBED_SUBMISSION_PORT $TESTBED_SUBMISSIONS_PORT $TESTBED_NOTLS_PORT $TESTBED_WRONGNAME_PORT" \
		"$TESTBED_NOCHUNKING_PORT $TESTBED_SMALL_PORT $TESTBED_7BIT_PORT $TESTBED_SASL_PORT $TESTBED_OAUTH_PORT" \
		"$TESTBED_EXPIRED_PORT $TESTBED_NOTYET_PORT $TESTBED_UNKNOWNCA_PORT $TESTBED_SELFSIGNED_PORT" \
		"$TESTBED_OLDTLS_PORT $TESTBED_CLIENTCERT_PORT $TESTBED_P384_PORT"
}

wait_ports() {
	local deadline=$((SECONDS + TESTBED_START_TIMEOUT)) p pending
	while :; do
		pending=
		for p in $(all_ports); do
			port_open "$p" || pending="$pending $p"
		done
		[ -z "$pending" ] && return 0
		if [ "$SECONDS" -ge "$deadline" ]; then
			say "ports not accepting connections after ${TESTBED_START_TIMEOUT}s:$pending"
			say "--- tail of $PF_LOG"
			tail -n 30 "$PF_LOG" >&2 2>/dev/null || true
			say "--- tail of $DC_LOG"
			tail -n 15 "$DC_LOG" >&2 2>/dev/null || true
			return 1
		fi
		sleep 0.2
	done
}

wait_pid_gone() { # pid seconds
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# ------------------------------------------------------------ subcommands --
cmd_start() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (Postfix needs it)"
	install_packages
	install_submissiond
	mkdir -p "$TESTBED_DIR"
	chmod 755 "$TESTBED_DIR"
	if postfix_running || dovecot_running || oauth_running; then
		if postfix_running && dovecot_running && oauth_running &&
			TESTBED_START_TIMEOUT=5 wait_ports; then
			say "already running in $TESTBED_DIR"
			return 0
		fi
		# partly running, or started by an older testbed.sh without
		# today's services: start everything afresh
		say "running but incomplete or not answering: restarting"
		cmd_stop
	fi
	make_tls
	write_deliver
	if ! oauth_running; then
		say "starting OAuth introspection endpoint (127.0.0.1:$TESTBED_OAUTH_PORT)"
		python3 "$TESTBED_SCRIPT_DIR/oauth_introspect.py" "$TESTBED_OAUTH_PORT" \
			"$TESTBED_OAUTH_TOKEN" "$TESTBED_USER" "$OAUTH_PID" </dev/null >>"$OAUTH_LOG" 2>&1 &
	fi
	if ! dovecot_running; then
		write_dovecot_conf
		say "starting dovecot (auth on 127.0.0.1:$TESTBED_AUTH_PORT)"
		# Daemons must not inherit our stdout/stderr (a caller's pipe would
		# never see EOF).
		dovecot -c "$DC_CONF" </dev/null >>"$DC_LOG" 2>&1 ||
			{ tail -n 20 "$DC_LOG" >&2; die "dovecot failed to start"; }
	fi
	if ! postfix_running; then
		write_postfix_conf
		postfix -c "$PF_CONF" check </dev/null >>"$PF_LOG" 2>&1 ||
			{ tail -n 20 "$PF_LOG" >&2; die "postfix check failed"; }
		say "starting postfix (ports $(all_ports))"
		postfix -c "$PF_CONF" start </dev/null >>"$PF_LOG" 2>&1 ||
			{ tail -n 20 "$PF_LOG" >&2; die "postfix failed to start"; }
	fi
	wait_ports || die "test bed did not come up"
	say "running in $TESTBED_DIR"
}

cmd_stop() {
	local pid
	if postfix_running; then
		pid=$(tr -dc '0-9' <"$PF_SPOOL/pid/master.pid")
		say "stopping postfix (pid $pid)"
		postfix -c "$PF_CONF" stop >>"$PF_LOG" 2>&1 || kill -TERM "$pid" 2>/dev/null || true
		if ! wait_pid_gone "$pid" 15; then
			say "postfix master $pid did not exit, killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	if dovecot_running; then
		pid=$(tr -dc '0-9' <"$DC_RUN/master.pid")
		say "stopping dovecot (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_pid_gone "$pid" 15; then
			say "dovecot master $pid did not exit, killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	if oauth_running; then
		pid=$(tr -dc '0-9' <"$OAUTH_PID")
		say "stopping OAuth endpoint (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		wait_pid_gone "$pid" 15 || kill -KILL "$pid" 2>/dev/null || true
	fi
	say "stopped"
}

cmd_status() {
	local rc=0 p
	if postfix_running; then
		echo "postfix: running (pid $(tr -dc '0-9' <"$PF_SPOOL/pid/master.pid"))"
	else
		echo "postfix: stopped"
		rc=1
	fi
	if dovecot_running; then
		echo "dovecot: running (pid $(tr -dc '0-9' <"$DC_RUN/master.pid"))"
	else
		echo "dovecot: stopped"
		rc=1
	fi
	if oauth_running; then
		echo "oauth: running (pid $(tr -dc '0-9' <"$OAUTH_PID"))"
	else
		echo "oauth: stopped"
		rc=1
	fi
	for p in $(all_ports); do
		if port_open "$p"; then echo "port $p: open"; else echo "port $p: closed"; fi
	done
	return "$rc"
}

cmd_env() {
	local v
	for v in TESTBED_DIR TESTBED_PORT_BASE TESTBED_SUBMISSION_PORT TESTBED_SUBMISSIONS_PORT \
		TESTBED_NOTLS_PORT TESTBED_WRONGNAME_PORT TESTBED_AUTH_PORT \
		TESTBED_NOCHUNKING_PORT TESTBED_SMALL_PORT TESTBED_7BIT_PORT \
		TESTBED_SASL_PORT TESTBED_OAUTH_PORT TESTBED_OAUTH_TOKEN TESTBED_OAUTH_LONG_TOKEN TESTBED_EXTERNAL_PORT \
		TESTBED_EXPIRED_PORT TESTBED_NOTYET_PORT TESTBED_UNKNOWNCA_PORT TESTBED_SELFSIGNED_PORT \
		TESTBED_OLDTLS_PORT TESTBED_CLIENTCERT_PORT TESTBED_P384_PORT TESTBED_FAKE_PORT_BASE \
		TESTBED_USER TESTBED_PASS; do
		printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'export TESTBED_CA=%q\n' "$TLS_DIR/ca.pem"
	printf 'export TESTBED_TLS_DIR=%q\n' "$TLS_DIR"
	printf 'export TESTBED_MAIL=%q\n' "$MAIL_DIR"
	printf 'export TESTBED_POSTFIX_LOG=%q\n' "$PF_LOG"
	printf 'export TESTBED_DOVECOT_LOG=%q\n' "$DC_LOG"
	printf 'export TESTBED_OAUTH_LOG=%q\n' "$OAUTH_LOG"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*)
	echo "usage: $0 start|stop|status|env" >&2
	exit 2
	;;
esac
