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
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "pl_config.h"

#ifndef NO_FILESYSTEM
#include <sys/stat.h>
#endif

/* TLS 1.3 suites first, then TLS 1.2 AEAD suites with forward secrecy only:
 * no RC4, NULL, export, CBC or static RSA even where the library has them. */
static const char cipher_list[] =
	"TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* TLS 1.2 at least; a TLS 1.3-only wolfSSL profile (WOLFSSL_NO_TLS12)
 * rejects a 1.2 floor */
#ifdef WOLFSSL_NO_TLS12
#define PL_TLS_MIN_VERSION WOLFSSL_TLSV1_3
#else
#define PL_TLS_MIN_VERSION WOLFSSL_TLSV1_2
#endif

static int wolf_ready;

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

static pl_err load_trust(pl_tls *t, const pl_tls_opts *o)
{
	const char *path = o->trust_file && o->trust_file[0] ? o->trust_file
							     : CONFIG_POSTLET_TLS_DEFAULT_TRUST_FILE;
	int rc;

	if (o->trust_pem) {
		rc = wolfSSL_CTX_load_verify_buffer_ex(t->ctx, (const unsigned char *)o->trust_pem,
						       (long)strlen(o->trust_pem), WOLFSSL_FILETYPE_PEM,
						       0, WOLFSSL_LOAD_FLAG_IGNORE_ERR);
		if (rc != WOLFSSL_SUCCESS) {
			snprintf(t->detail, sizeof(t->detail), "no usable certificates in trust_pem");
			return PL_E_CONFIG;
		}
		return PL_OK;
	}
#ifdef NO_FILESYSTEM
	/* a wolfSSL profile without a file system (firmware) */
	snprintf(t->detail, sizeof(t->detail), "no trust_pem given and no file system for %s", path);
	return PL_E_CONFIG;
#else
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(t->detail, sizeof(t->detail), "cannot read trust file %s", path);
		return PL_E_CONFIG;
	}
	/* ignore single unparsable certificates in a system bundle */
	if (S_ISDIR(st.st_mode))
		rc = wolfSSL_CTX_load_verify_locations_ex(t->ctx, NULL, path,
							  WOLFSSL_LOAD_FLAG_IGNORE_ERR);
	else
		rc = wolfSSL_CTX_load_verify_locations_ex(t->ctx, path, NULL,
							  WOLFSSL_LOAD_FLAG_IGNORE_ERR);
	if (rc != WOLFSSL_SUCCESS) {
		snprintf(t->detail, sizeof(t->detail), "no usable certificates in %s", path);
		return PL_E_CONFIG;
	}
	return PL_OK;
#endif
}

static pl_err setup(pl_tls *t, const pl_tls_opts *o)
{
	int groups[] = { WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1, WOLFSSL_ECC_SECP384R1 };
	pl_err e;

	t->ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (!t->ctx)
		return PL_E_INTERNAL;
	/* Debian's library still has TLS 1.0/1.1 compiled in: refuse them */
	if (wolfSSL_CTX_SetMinVersion(t->ctx, PL_TLS_MIN_VERSION) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_cipher_list(t->ctx, cipher_list) != WOLFSSL_SUCCESS)
		return PL_E_INTERNAL;
	(void)wolfSSL_CTX_set_groups(t->ctx, groups, (int)(sizeof(groups) / sizeof(groups[0])));
	wolfSSL_CTX_set_verify(t->ctx, WOLFSSL_VERIFY_PEER, NULL);
	e = load_trust(t, o);
	if (e)
		return e;
	t->ssl = wolfSSL_new(t->ctx);
	if (!t->ssl)
		return PL_E_INTERNAL;
	wolfSSL_SSLSetIORecv(t->ssl, io_recv);
	wolfSSL_SSLSetIOSend(t->ssl, io_send);
	wolfSSL_SetIOReadCtx(t->ssl, t);
	wolfSSL_SetIOWriteCtx(t->ssl, t);
	if (!is_ip_literal(o->host)) {
		if (wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, o->host,
				   (unsigned short)strlen(o->host)) != WOLFSSL_SUCCESS ||
		    wolfSSL_check_domain_name(t->ssl, o->host) != WOLFSSL_SUCCESS)
			return PL_E_INTERNAL;
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
		snprintf(t->detail, sizeof(t->detail),
			 "server certificate does not name IP address %s", host);
		return PL_E_TLS_VERIFY;
	}
	return PL_OK;
}

static pl_err classify(pl_tls *t, int werr)
{
	char msg[WOLFSSL_MAX_ERROR_SZ];

	if (t->io_err)
		return t->io_err;
	wolfSSL_ERR_error_string_n((unsigned long)werr, msg, sizeof(msg));
	switch (werr) {
	case ASN_NO_SIGNER_E:
	case ASN_SELF_SIGNED_E:
	case ASN_AFTER_DATE_E:
	case ASN_BEFORE_DATE_E:
	case ASN_SIG_CONFIRM_E:
	case DOMAIN_NAME_MISMATCH:
	case IPADDR_MISMATCH:
		snprintf(t->detail, sizeof(t->detail), "certificate verification failed: %s", msg);
		return PL_E_TLS_VERIFY;
	default:
		snprintf(t->detail, sizeof(t->detail), "TLS handshake failed: %s (%d)", msg, werr);
		return PL_E_TLS_HANDSHAKE;
	}
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
	e = setup(t, o);
	if (e)
		return e;
	if (wolfSSL_connect(t->ssl) != WOLFSSL_SUCCESS)
		return classify(t, wolfSSL_get_error(t->ssl, 0));
	return check_ip(t, o->host);
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

	snprintf(out, cap, "%s %s", t->ssl ? wolfSSL_get_version(t->ssl) : "none",
		 suite ? suite : "");
}

void pl_tls_close(pl_tls *t)
{
	if (t->ssl) {
		if (!t->io_err)
			(void)wolfSSL_shutdown(t->ssl);
		wolfSSL_free(t->ssl);
	}
	if (t->ctx)
		wolfSSL_CTX_free(t->ctx);
	t->ssl = NULL;
	t->ctx = NULL;
}
