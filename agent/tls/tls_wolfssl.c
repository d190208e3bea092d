#include "tls.h"

#include <stdio.h>
#include <string.h>

#ifdef WOLFSSL_USER_SETTINGS
#include <wolfssl/wolfcrypt/settings.h>
#else
#include <wolfssl/options.h>
#endif
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h> /* not pulled in by ssl.h without OPENSSL_EXTRA */
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "pl_config.h"

#ifndef NO_FILESYSTEM
#include <sys/stat.h>
#endif

/* Trust anchors compiled in from PEM files (mk/truststore.mk). */
#if defined(__has_include)
#if __has_include("pl_truststore.h")
#include "pl_truststore.h"
#endif
#endif
#ifndef PL_TRUSTSTORE_LEN
#define PL_TRUSTSTORE_LEN 0
static const unsigned char pl_truststore_pem[1];
#endif

/* TLS 1.3 suites first, then TLS 1.2 AEAD suites with forward secrecy only:
 * no RC4, NULL, export, CBC or static RSA even where the library has them. */
static const char cipher_list[] =
	"TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* Resumption and group memory (Kconfig POSTLET_TLS_SESSION_CACHE, default
 * y).  On without Kconfig, and with a .config older than the option (it has
 * no POSTLET_TLS_BUILTIN_TRUST string either): both mean the default. */
#if defined(CONFIG_POSTLET_TLS_SESSION_CACHE) || !defined(PL_HAVE_AUTOCONF) || \
	!defined(CONFIG_POSTLET_TLS_BUILTIN_TRUST)
#define PL_ENABLE_TLS_SESSION_CACHE 1
#else
#define PL_ENABLE_TLS_SESSION_CACHE 0
#endif
/* Tickets need wolfSSL's session objects; a profile built with
 * NO_SESSION_CACHE (firmware default) still remembers the group. */
#ifdef NO_SESSION_CACHE
#define PL_TLS_SESSION_OBJ(expr) NULL
#define PL_TLS_SET_SESSION(ssl, sess) ((void)(ssl), (void)(sess))
#define PL_TLS_I2D_SESSION(sess, pp) ((void)(sess), (void)(pp), -1)
#define PL_TLS_D2I_SESSION(pp, len) ((void)(pp), (void)(len), (WOLFSSL_SESSION *)NULL)
#else
#define PL_TLS_SESSION_OBJ(expr) (expr)
#define PL_TLS_SET_SESSION(ssl, sess) (void)wolfSSL_set_session((ssl), (sess))
#define PL_TLS_I2D_SESSION(sess, pp) wolfSSL_i2d_SSL_SESSION((sess), (pp))
#define PL_TLS_D2I_SESSION(pp, len) wolfSSL_d2i_SSL_SESSION(NULL, (pp), (len))
#endif

/* TLS 1.2 at least; a TLS 1.3-only wolfSSL profile (WOLFSSL_NO_TLS12)
 * rejects a 1.2 floor */
#ifdef WOLFSSL_NO_TLS12
#define PL_TLS_MIN_VERSION WOLFSSL_TLSV1_3
#else
#define PL_TLS_MIN_VERSION WOLFSSL_TLSV1_2
#endif

static int wolf_ready;

/* Key-exchange groups postlet offers, most preferred first. */
static const struct {
	const char *name; /* as wolfSSL_get_curve_name() says it */
	uint16_t id;
} groups_offered[] = {
	{ "X25519", WOLFSSL_ECC_X25519 },
	{ "SECP256R1", WOLFSSL_ECC_SECP256R1 },
	{ "SECP384R1", WOLFSSL_ECC_SECP384R1 },
};
#define NGROUPS (sizeof(groups_offered) / sizeof(groups_offered[0]))

static uint16_t negotiated_group(WOLFSSL *ssl)
{
	const char *n = wolfSSL_get_curve_name(ssl);
	size_t i;

	for (i = 0; n && i < NGROUPS; i++)
		if (strcmp(n, groups_offered[i].name) == 0)
			return groups_offered[i].id;
	return 0;
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	pl_tls *t = ctx;
	long n = pl_link_recv(t->link, buf, (size_t)sz);

	(void)ssl;
	if (n > 0)
		return (int)n;
	t->io_err = (pl_err)-n;
	switch (-n) {
	case PL_E_TIMEOUT:
		return WOLFSSL_CBIO_ERR_TIMEOUT;
	case PL_E_CLOSED:
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	default:
		return WOLFSSL_CBIO_ERR_GENERAL;
	}
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	pl_tls *t = ctx;
	long n = pl_link_send(t->link, buf, (size_t)sz);

	(void)ssl;
	if (n > 0)
		return (int)n;
	t->io_err = (pl_err)-n;
	switch (-n) {
	case PL_E_TIMEOUT:
		return WOLFSSL_CBIO_ERR_TIMEOUT;
	case PL_E_CLOSED:
		return WOLFSSL_CBIO_ERR_CONN_RST;
	default:
		return WOLFSSL_CBIO_ERR_GENERAL;
	}
}

static int is_ip_literal(const char *h)
{
	size_t i, dots = 0;

	if (strchr(h, ':'))
		return 1;
	for (i = 0; h[i]; i++) {
		if (h[i] == '.')
			dots++;
		else if (h[i] < '0' || h[i] > '9')
			return 0;
	}
	return dots == 3;
}

static int fail_cfg(pl_tls *t, const char *what, const char *path)
{
	snprintf(t->detail, sizeof(t->detail), "%s %s", what, path);
	return PL_E_CONFIG;
}

static pl_err load_trust(pl_tls *t, const pl_tls_opts *o)
{
	const char *path = o->trust_file && o->trust_file[0] ? o->trust_file : NULL;
	int rc;

	if (o->trust_pem) {
		rc = wolfSSL_CTX_load_verify_buffer_ex(t->ctx, (const unsigned char *)o->trust_pem,
						       (long)strlen(o->trust_pem), WOLFSSL_FILETYPE_PEM,
						       0, WOLFSSL_LOAD_FLAG_IGNORE_ERR);
		if (rc != WOLFSSL_SUCCESS)
			return fail_cfg(t, "no usable certificates in", "trust_pem");
		return PL_OK;
	}
	if (!path && PL_TRUSTSTORE_LEN) {
		if (wolfSSL_CTX_load_verify_buffer(t->ctx, pl_truststore_pem, (long)PL_TRUSTSTORE_LEN,
						   WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
			return fail_cfg(t, "no usable certificates in", "the compiled-in trust store");
		return PL_OK;
	}
	if (!path)
		path = CONFIG_POSTLET_TLS_DEFAULT_TRUST_FILE;
#ifdef NO_FILESYSTEM
	/* a wolfSSL profile without a file system (firmware) */
	return fail_cfg(t, "no trust_pem, no compiled-in trust store and no file system for", path);
#else
	struct stat st;

	if (stat(path, &st) != 0)
		return fail_cfg(t, "cannot read trust file", path);
	/* a directory is a hashed CA directory (c_rehash); single unparsable
	 * certificates in a system bundle are skipped, not fatal */
	if (S_ISDIR(st.st_mode))
		rc = wolfSSL_CTX_load_verify_locations_ex(t->ctx, NULL, path,
							  WOLFSSL_LOAD_FLAG_IGNORE_ERR);
	else
		rc = wolfSSL_CTX_load_verify_locations_ex(t->ctx, path, NULL,
							  WOLFSSL_LOAD_FLAG_IGNORE_ERR);
	if (rc != WOLFSSL_SUCCESS)
		return fail_cfg(t, "no usable certificates in", path);
	return PL_OK;
#endif
}

/* Was the server's first certificate self-signed?  Parsed from the DER
 * the verifier hands us, so it works without the OpenSSL layer. */
static int leaf_self_signed(WOLFSSL_X509_STORE_CTX *st)
{
	DecodedCert dc;
	int self;

	if (!st->certs || st->totalCerts < 1)
		return 0;
	wc_InitDecodedCert(&dc, st->certs[0].buffer, st->certs[0].length, NULL);
	self = wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) == 0 && dc.selfSigned;
	wc_FreeDecodedCert(&dc);
	return self;
}

/* Called by wolfSSL for certificate problems (and, in builds with
 * WOLFSSL_ALWAYS_VERIFY_CB, for every certificate). */
static int verify_cb(int ok, WOLFSSL_X509_STORE_CTX *st)
{
	pl_tls *t = st->userCtx;

	if (ok || !t || !t->opts)
		return ok;
	/* pins replace CA verification: they are checked on the leaf once
	 * the handshake is done, before a single SMTP byte goes out */
	if (t->opts->npins)
		return 1;
	if (!t->self_signed)
		t->self_signed = leaf_self_signed(st);
	return 0;
}

static pl_err load_client_cert(pl_tls *t, const pl_tls_opts *o)
{
	if (o->cert_pem) {
#ifdef WOLFSSL_NO_CLIENT_AUTH
		return fail_cfg(t, "this build cannot send a client certificate:",
				"wolfSSL profile without client authentication");
#else
		if (!o->key_pem)
			return fail_cfg(t, "client certificate without a key:", "cert_pem");
		if (wolfSSL_CTX_use_certificate_chain_buffer(
			    t->ctx, (const unsigned char *)o->cert_pem, (long)strlen(o->cert_pem)) !=
			    WOLFSSL_SUCCESS)
			return fail_cfg(t, "cannot load client certificate", "cert_pem");
		if (wolfSSL_CTX_use_PrivateKey_buffer(t->ctx, (const unsigned char *)o->key_pem,
						      (long)strlen(o->key_pem),
						      WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS ||
		    wolfSSL_CTX_check_private_key(t->ctx) != WOLFSSL_SUCCESS)
			return fail_cfg(t, "cannot load the client key or it does not match the certificate:",
					"key_pem");
		return PL_OK;
#endif
	}
	if (!o->cert_file || !o->cert_file[0])
		return PL_OK;
	if (!o->key_file || !o->key_file[0])
		return fail_cfg(t, "client certificate without a key file:", o->cert_file);
#if defined(NO_FILESYSTEM) || defined(WOLFSSL_NO_CLIENT_AUTH)
	/* fail closed: never connect without the certificate the user asked for */
	return fail_cfg(t, "this build cannot send a client certificate "
			   "(wolfSSL profile without file system or client authentication):",
			o->cert_file);
#else
	if (wolfSSL_CTX_use_certificate_chain_file(t->ctx, o->cert_file) != WOLFSSL_SUCCESS)
		return fail_cfg(t, "cannot load client certificate (PEM)", o->cert_file);
	if (wolfSSL_CTX_use_PrivateKey_file(t->ctx, o->key_file, WOLFSSL_FILETYPE_PEM) !=
		    WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_check_private_key(t->ctx) != WOLFSSL_SUCCESS)
		return fail_cfg(t, "cannot load the client key or it does not match the certificate:",
				o->key_file);
	return PL_OK;
#endif
}

/* Everything a verified session depended on; a cached session is reused
 * only under an identical key.  Returns 0 if it does not fit (no caching). */
static int make_cache_key(pl_tls *t, const pl_tls_opts *o)
{
	long long size = 0, mtime = 0;
	unsigned long long sum = 0;
	size_t n, i;

	/* a trust file edited in place (new CA, removed CA) changes the key too;
	 * trust_pem text is identified by its length and a checksum */
#ifndef NO_FILESYSTEM
	struct stat st;

	if (o->trust_file && o->trust_file[0] && stat(o->trust_file, &st) == 0) {
		size = (long long)st.st_size;
		mtime = (long long)st.st_mtime;
	}
#endif
	if (o->trust_pem) {
		size = (long long)strlen(o->trust_pem);
		for (i = 0; o->trust_pem[i]; i++)
			sum = sum * 31 + (unsigned char)o->trust_pem[i];
		mtime = (long long)(sum >> 1);
	}
	n = (size_t)snprintf(t->cache_key, sizeof(t->cache_key), "%s|%u|%d|%s:%lld:%lld:%u|%s%s|",
			     o->host, (unsigned)o->port, o->no_verify,
			     o->trust_file ? o->trust_file : "-", size, mtime,
			     (unsigned)PL_TRUSTSTORE_LEN, o->cert_file ? o->cert_file : "-",
			     o->cert_pem ? "+pem" : "");

	for (i = 0; i < o->npins && n < sizeof(t->cache_key); i++)
		n += (size_t)snprintf(t->cache_key + n, sizeof(t->cache_key) - n, "%u%02x%02x%02x%02x,",
				      o->pins[i].kind, o->pins[i].sha256[0], o->pins[i].sha256[1],
				      o->pins[i].sha256[2], o->pins[i].sha256[3]);
	return n < sizeof(t->cache_key);
}

static pl_err setup(pl_tls *t, const pl_tls_opts *o)
{
	int groups[NGROUPS];
	size_t i;
	int pinned = o->npins > 0;
	pl_err e;

	t->ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (!t->ctx)
		return PL_E_INTERNAL;
	/* Debian's library still has TLS 1.0/1.1 compiled in: refuse them */
	if (wolfSSL_CTX_SetMinVersion(t->ctx, PL_TLS_MIN_VERSION) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_cipher_list(t->ctx, cipher_list) != WOLFSSL_SUCCESS)
		return PL_E_INTERNAL;
	for (i = 0; i < NGROUPS; i++)
		groups[i] = groups_offered[i].id;
	(void)wolfSSL_CTX_set_groups(t->ctx, groups, (int)NGROUPS);
	wolfSSL_CTX_set_verify(t->ctx, o->no_verify ? WOLFSSL_VERIFY_NONE : WOLFSSL_VERIFY_PEER,
			       o->no_verify ? NULL : verify_cb);
	/* with pins or without verification, no CA is consulted */
	if (!pinned && !o->no_verify) {
		e = load_trust(t, o);
		if (e)
			return e;
	}
	e = load_client_cert(t, o);
	if (e)
		return e;
	t->ssl = wolfSSL_new(t->ctx);
	if (!t->ssl)
		return PL_E_INTERNAL;
	wolfSSL_SSLSetIORecv(t->ssl, io_recv);
	wolfSSL_SSLSetIOSend(t->ssl, io_send);
	wolfSSL_SetIOReadCtx(t->ssl, t);
	wolfSSL_SetIOWriteCtx(t->ssl, t);
	wolfSSL_SetCertCbCtx(t->ssl, t);
	if (!is_ip_literal(o->host)) {
		if (wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, o->host,
				   (unsigned short)strlen(o->host)) != WOLFSSL_SUCCESS)
			return PL_E_INTERNAL;
		if (!pinned && !o->no_verify &&
		    wolfSSL_check_domain_name(t->ssl, o->host) != WOLFSSL_SUCCESS)
			return PL_E_INTERNAL;
	}
	if (PL_ENABLE_TLS_SESSION_CACHE && o->cache && make_cache_key(t, o)) {
		t->cache = o->cache;
		if (strcmp(t->cache->key, t->cache_key) == 0) {
			/* the group the server chose last time gets the only key
			 * share, so it needs no HelloRetryRequest */
			if (t->cache->group)
				(void)wolfSSL_UseKeyShare(t->ssl, t->cache->group);
			if (t->cache->session)
				PL_TLS_SET_SESSION(t->ssl, t->cache->session);
		}
	}
	return PL_OK;
}

/* After the handshake: an IP literal must match an IP SAN (wolfSSL's name
 * check covers DNS names only). */
static pl_err check_ip(pl_tls *t, const char *host)
{
	WOLFSSL_X509 *peer;
	int ok;

	if (!is_ip_literal(host))
		return PL_OK;
	peer = wolfSSL_get_peer_certificate(t->ssl);
	ok = peer && wolfSSL_X509_check_ip_asc(peer, host, 0) == WOLFSSL_SUCCESS;
	wolfSSL_X509_free(peer);
	if (!ok) {
		t->cause = PL_TLS_CAUSE_NAME_MISMATCH;
		snprintf(t->detail, sizeof(t->detail),
			 "certificate verification failed: the server certificate does not name "
			 "IP address %s",
			 host);
		return PL_E_TLS_VERIFY;
	}
	return PL_OK;
}

/* SHA-256 of the peer's DER certificate and of its SubjectPublicKeyInfo. */
static int peer_hashes(pl_tls *t, uint8_t cert[32], uint8_t spki[32])
{
	WOLFSSL_X509 *peer = wolfSSL_get_peer_certificate(t->ssl);
	const unsigned char *der;
	unsigned char key[2048];
	int n = 0, kn = (int)sizeof(key), ok = 0;

	if (!peer)
		return 0;
	der = wolfSSL_X509_get_der(peer, &n);
	if (der && n > 0 && wc_Sha256Hash(der, (word32)n, cert) == 0 &&
	    wolfSSL_X509_get_pubkey_buffer(peer, key, &kn) == WOLFSSL_SUCCESS && kn > 0 &&
	    wc_Sha256Hash(key, (word32)kn, spki) == 0)
		ok = 1;
	wolfSSL_X509_free(peer);
	return ok;
}

static pl_err check_pins(pl_tls *t, const pl_tls_opts *o)
{
	uint8_t cert[32], spki[32];
	size_t i;

	if (!o->npins)
		return PL_OK;
	if (peer_hashes(t, cert, spki)) {
		for (i = 0; i < o->npins; i++) {
			const uint8_t *h = o->pins[i].kind == PL_TLS_PIN_SPKI_SHA256 ? spki : cert;

			if (memcmp(h, o->pins[i].sha256, 32) == 0)
				return PL_OK;
		}
	}
	t->cause = PL_TLS_CAUSE_PIN_MISMATCH;
	snprintf(t->detail, sizeof(t->detail),
		 "certificate verification failed: the server certificate matches none of the %u "
		 "configured pin(s) (tls_fingerprint / tls_pin_spki)",
		 (unsigned)o->npins);
	return PL_E_TLS_VERIFY;
}

static const char *cause_text(pl_tls_cause c)
{
	switch (c) {
	case PL_TLS_CAUSE_UNKNOWN_ISSUER:
		return "the server certificate was issued by an unknown CA (not in the trust file)";
	case PL_TLS_CAUSE_SELF_SIGNED:
		return "the server certificate is self-signed and not trusted";
	case PL_TLS_CAUSE_EXPIRED:
		return "the server certificate has expired";
	case PL_TLS_CAUSE_NOT_YET_VALID:
		return "the server certificate is not yet valid (check the clock)";
	case PL_TLS_CAUSE_NAME_MISMATCH:
		return "the server certificate is for another host name";
	case PL_TLS_CAUSE_BAD_CERT:
		return "the server certificate is malformed or its signature is wrong";
	default:
		return "the server certificate was rejected";
	}
}

static pl_err classify(pl_tls *t, int werr)
{
	char msg[WOLFSSL_MAX_ERROR_SZ];
	WOLFSSL_ALERT_HISTORY ah;

	if (t->io_err)
		return t->io_err;
	wolfSSL_ERR_error_string_n((unsigned long)werr, msg, sizeof(msg));
	switch (werr) {
	case ASN_NO_SIGNER_E:
	case ASN_SELF_SIGNED_E:
		t->cause = t->self_signed || werr == ASN_SELF_SIGNED_E ? PL_TLS_CAUSE_SELF_SIGNED
								      : PL_TLS_CAUSE_UNKNOWN_ISSUER;
		break;
	case ASN_AFTER_DATE_E:
		t->cause = PL_TLS_CAUSE_EXPIRED;
		break;
	case ASN_BEFORE_DATE_E:
		t->cause = PL_TLS_CAUSE_NOT_YET_VALID;
		break;
	case DOMAIN_NAME_MISMATCH:
	case IPADDR_MISMATCH:
		t->cause = PL_TLS_CAUSE_NAME_MISMATCH;
		break;
	case ASN_SIG_CONFIRM_E:
	case ASN_PARSE_E:
	case VERIFY_CERT_ERROR:
		t->cause = PL_TLS_CAUSE_BAD_CERT;
		break;
	case VERSION_ERROR:
		t->cause = PL_TLS_CAUSE_PROTOCOL_VERSION;
		snprintf(t->detail, sizeof(t->detail),
			 "TLS handshake failed: the server offers only a TLS version older than 1.2 "
			 "(refused)");
		return PL_E_TLS_HANDSHAKE;
	default:
		/* the server's alert names the reason better than our error */
		if (wolfSSL_get_alert_history(t->ssl, &ah) == WOLFSSL_SUCCESS &&
		    ah.last_rx.code == protocol_version) {
			t->cause = PL_TLS_CAUSE_PROTOCOL_VERSION;
			snprintf(t->detail, sizeof(t->detail),
				 "TLS handshake failed: the server does not support TLS 1.2 or 1.3 "
				 "(alert protocol_version)");
			return PL_E_TLS_HANDSHAKE;
		}
		t->cause = PL_TLS_CAUSE_HANDSHAKE;
		if (wolfSSL_get_alert_history(t->ssl, &ah) == WOLFSSL_SUCCESS && ah.last_rx.code > 0)
			snprintf(t->detail, sizeof(t->detail),
				 "TLS handshake failed: server sent alert %d: %s", ah.last_rx.code,
				 msg);
		else
			snprintf(t->detail, sizeof(t->detail), "TLS handshake failed: %s (%d)", msg,
				 werr);
		return PL_E_TLS_HANDSHAKE;
	}
	snprintf(t->detail, sizeof(t->detail), "certificate verification failed: %s",
		 cause_text(t->cause));
	return PL_E_TLS_VERIFY;
}

pl_err pl_tls_open(pl_tls *t, pl_link *l, const pl_tls_opts *o)
{
	pl_err e;

	memset(t, 0, sizeof(*t));
	t->link = l;
	if (!PL_ENABLE_TLS) {
		snprintf(t->detail, sizeof(t->detail), "postlet was built without TLS (CONFIG_POSTLET_TLS)");
		return PL_E_TLS_HANDSHAKE;
	}
	if (!wolf_ready) {
		if (wolfSSL_Init() != WOLFSSL_SUCCESS)
			return PL_E_INTERNAL;
		wolf_ready = 1;
	}
	t->opts = o;
	e = setup(t, o);
	if (!e && wolfSSL_connect(t->ssl) != WOLFSSL_SUCCESS)
		e = classify(t, wolfSSL_get_error(t->ssl, 0));
	if (!e) {
		t->resumed = wolfSSL_session_reused(t->ssl);
		/* a resumed session carries no certificate; its cache key proves
		 * it was verified under these same settings */
		if (!t->resumed && !o->no_verify)
			e = o->npins ? check_pins(t, o) : check_ip(t, o->host);
	}
	t->opts = NULL;
	if (e) {
		/* a failed server must not be resumed later */
		if (t->cache)
			pl_tls_cache_clear(t->cache);
		t->cache = NULL;
		return e;
	}
	t->up = 1;
	return PL_OK;
}

long pl_tls_send(pl_tls *t, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		int chunk = len - done > 16384 ? 16384 : (int)(len - done);
		int n = wolfSSL_write(t->ssl, (const char *)buf + done, chunk);

		if (n <= 0)
			return -(long)(t->io_err ? t->io_err : PL_E_NETWORK);
		done += (size_t)n;
	}
	return (long)len;
}

long pl_tls_recv(pl_tls *t, void *buf, size_t len)
{
	int n = wolfSSL_read(t->ssl, buf, len > 16384 ? 16384 : (int)len);

	if (n > 0)
		return n;
	if (t->io_err)
		return -(long)t->io_err;
	/* close_notify from the server or a fatal alert */
	return wolfSSL_get_error(t->ssl, n) == WOLFSSL_ERROR_ZERO_RETURN ? -(long)PL_E_CLOSED
									: -(long)PL_E_NETWORK;
}

void pl_tls_describe(pl_tls *t, char *out, size_t cap)
{
	const char *suite = t->ssl ? wolfSSL_get_cipher_name(t->ssl) : NULL;

	snprintf(out, cap, "%s %s%s", t->ssl ? wolfSSL_get_version(t->ssl) : "none",
		 suite ? suite : "", t->resumed ? " (resumed)" : "");
}

static void hex_colon(const uint8_t *h, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o + 3 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%02X", i ? ":" : "", h[i]);
}

/* ASN.1 UTCTime / GeneralizedTime (tag, length, digits) as readable UTC. */
static void asn_time(const uint8_t *p, int len, char *out, size_t cap)
{
	const char *d;
	int n, y;

	snprintf(out, cap, "?");
	if (!p || len < 2)
		return;
	n = p[1];
	d = (const char *)p + 2;
	if (p[0] == ASN_UTC_TIME && n >= 13 && len >= n + 2) {
		y = (d[0] - '0') * 10 + (d[1] - '0');
		snprintf(out, cap, "%d-%.2s-%.2s %.2s:%.2s:%.2s UTC", y < 50 ? 2000 + y : 1900 + y,
			 d + 2, d + 4, d + 6, d + 8, d + 10);
	} else if (p[0] == ASN_GENERALIZED_TIME && n >= 15 && len >= n + 2) {
		snprintf(out, cap, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s UTC", d, d + 4, d + 6, d + 8,
			 d + 10, d + 12);
	}
}

pl_err pl_tls_peer_info(pl_tls *t, pl_tls_peer *out)
{
	WOLFSSL_X509 *peer;
	const unsigned char *der;
	uint8_t cert[32], spki[32];
	DecodedCert dc;
	word32 blen = sizeof(out->spki_sha256);
	const char *s;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (!t->ssl || !t->up)
		return PL_E_USAGE;
	snprintf(out->version, sizeof(out->version), "%s", wolfSSL_get_version(t->ssl));
	s = wolfSSL_get_cipher_name(t->ssl);
	snprintf(out->cipher, sizeof(out->cipher), "%s", s ? s : "?");
	peer = wolfSSL_get_peer_certificate(t->ssl);
	if (!peer)
		return PL_E_TLS_VERIFY; /* resumed: no certificate in this handshake */
	wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_subject_name(peer), out->subject,
				  (int)sizeof(out->subject));
	wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_issuer_name(peer), out->issuer,
				  (int)sizeof(out->issuer));
	der = wolfSSL_X509_get_der(peer, &n);
	if (der && n > 0) {
		wc_InitDecodedCert(&dc, der, (word32)n, NULL);
		if (wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) == 0) {
			asn_time(dc.beforeDate, dc.beforeDateLen, out->not_before,
				 sizeof(out->not_before));
			asn_time(dc.afterDate, dc.afterDateLen, out->not_after,
				 sizeof(out->not_after));
		}
		wc_FreeDecodedCert(&dc);
	}
	wolfSSL_X509_free(peer);
	if (peer_hashes(t, cert, spki)) {
		hex_colon(cert, sizeof(cert), out->cert_sha256, sizeof(out->cert_sha256));
		if (Base64_Encode_NoNl(spki, sizeof(spki), (byte *)out->spki_sha256, &blen) == 0)
			out->spki_sha256[blen < sizeof(out->spki_sha256) ? blen : 0] = '\0';
	}
	return PL_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

pl_err pl_tls_pin_parse(const char *text, size_t len, pl_tls_pin_kind kind, pl_tls_pin *out)
{
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	out->kind = (uint8_t)kind;
	if (kind == PL_TLS_PIN_CERT_SHA256) {
		for (i = 0; i < len;) {
			int hi, lo;

			if (text[i] == ':' && i > 0) {
				i++;
				continue;
			}
			if (i + 1 >= len || n >= sizeof(out->sha256))
				return PL_E_CONFIG;
			hi = hexval(text[i]);
			lo = hexval(text[i + 1]);
			if (hi < 0 || lo < 0)
				return PL_E_CONFIG;
			out->sha256[n++] = (uint8_t)(hi << 4 | lo);
			i += 2;
		}
		return n == sizeof(out->sha256) ? PL_OK : PL_E_CONFIG;
	}
	if (kind == PL_TLS_PIN_SPKI_SHA256) {
		uint8_t raw[48];
		word32 rn = sizeof(raw);

		if (len > 8 && memcmp(text, "sha256//", 8) == 0) {
			text += 8;
			len -= 8;
		}
		if (len != 44 || Base64_Decode((const byte *)text, (word32)len, raw, &rn) != 0 ||
		    rn != sizeof(out->sha256))
			return PL_E_CONFIG;
		memcpy(out->sha256, raw, sizeof(out->sha256));
		return PL_OK;
	}
	return PL_E_CONFIG;
}

void pl_tls_cache_clear(pl_tls_cache *c)
{
	if (c->session)
		wolfSSL_SESSION_free(c->session);
	c->session = NULL;
	c->group = 0;
	memset(c->key, 0, sizeof(c->key));
}

static const uint8_t record_magic[6] = { 'P', 'L', 'T', 'L', 'S', '1' };

size_t pl_tls_cache_export(const pl_tls_cache *c, uint8_t *buf, size_t cap)
{
	size_t klen = strnlen(c->key, sizeof(c->key)), n;
	int dlen = 0;
	unsigned char *p;

	if (!PL_ENABLE_TLS_SESSION_CACHE || !klen || (!c->session && !c->group))
		return 0;
	if (c->session)
		dlen = PL_TLS_I2D_SESSION(c->session, NULL);
	if (dlen < 0 || dlen > 0xffff)
		dlen = 0; /* no session serialisation in this build: keep the group */
	n = sizeof(record_magic) + 1 + klen + 2 + 2 + (size_t)dlen;
	if (klen > 255 || n + WC_SHA256_DIGEST_SIZE > cap)
		return 0;
	memcpy(buf, record_magic, sizeof(record_magic));
	p = buf + sizeof(record_magic);
	*p++ = (uint8_t)klen;
	memcpy(p, c->key, klen);
	p += klen;
	*p++ = (uint8_t)(c->group >> 8);
	*p++ = (uint8_t)c->group;
	*p++ = (uint8_t)(dlen >> 8);
	*p++ = (uint8_t)dlen;
	if (dlen && PL_TLS_I2D_SESSION(c->session, &p) != dlen)
		return 0;
	if (wc_Sha256Hash(buf, (word32)n, buf + n) != 0)
		return 0;
	return n + WC_SHA256_DIGEST_SIZE;
}

pl_err pl_tls_cache_import(pl_tls_cache *c, const uint8_t *buf, size_t len)
{
	uint8_t sum[WC_SHA256_DIGEST_SIZE];
	const unsigned char *p;
	size_t klen, dlen, body;

	pl_tls_cache_clear(c);
	if (!PL_ENABLE_TLS_SESSION_CACHE || len < sizeof(record_magic) + 1 + 4 + sizeof(sum) ||
	    memcmp(buf, record_magic, sizeof(record_magic)) != 0)
		return PL_E_PROTOCOL;
	body = len - sizeof(sum);
	if (wc_Sha256Hash(buf, (word32)body, sum) != 0 || memcmp(sum, buf + body, sizeof(sum)) != 0)
		return PL_E_PROTOCOL;
	klen = buf[sizeof(record_magic)];
	if (klen == 0 || klen >= sizeof(c->key) || sizeof(record_magic) + 1 + klen + 4 > body)
		return PL_E_PROTOCOL;
	p = buf + sizeof(record_magic) + 1 + klen;
	dlen = (size_t)p[2] << 8 | p[3];
	if (sizeof(record_magic) + 1 + klen + 4 + dlen != body)
		return PL_E_PROTOCOL;
	c->group = (uint16_t)(p[0] << 8 | p[1]);
	p += 4;
	if (dlen) {
		c->session = PL_TLS_D2I_SESSION(&p, (long)dlen);
		if (!c->session) {
			pl_tls_cache_clear(c);
			return PL_E_PROTOCOL;
		}
	}
	memcpy(c->key, buf + sizeof(record_magic) + 1, klen);
	c->key[klen] = '\0';
	return PL_OK;
}

void pl_tls_close(pl_tls *t)
{
	if (t->ssl) {
		if (!t->io_err)
			(void)wolfSSL_shutdown(t->ssl);
		/* the ticket of TLS 1.3 arrives after the handshake, so the session
		 * is taken for later connections only now */
		/* after a resumed handshake the cached session is kept: with
		 * wolfSSL 5.5.4 the one it yields then is refused by the server
		 * (illegal_parameter) on the next resumption, while the original
		 * ticket stays valid for its lifetime */
		if (t->cache && t->up && !t->io_err && !t->resumed) {
			WOLFSSL_SESSION *s = PL_TLS_SESSION_OBJ(wolfSSL_get1_session(t->ssl));
			uint16_t g = negotiated_group(t->ssl);

			pl_tls_cache_clear(t->cache);
			t->cache->session = s;
			t->cache->group = g;
			memcpy(t->cache->key, t->cache_key, sizeof(t->cache->key));
		}
		wolfSSL_free(t->ssl);
	}
	if (t->ctx)
		wolfSSL_CTX_free(t->ctx);
	t->ssl = NULL;
	t->ctx = NULL;
	t->up = 0;
	t->cache = NULL;
}
