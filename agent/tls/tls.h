/*
 * TLS over a port connection (wolfSSL).  The same link carries plain
 * SMTP and then, after STARTTLS, TLS records: wolfSSL reaches the network
 * only through callbacks into the port layer.
 *
 * Verification is on unless the build has no TLS: chain against the trust
 * file (or directory), host name against the certificate (DNS SAN/CN; for
 * an IP literal, the IP SAN), TLS 1.2 minimum.  SNI is sent for names.
 */
#ifndef PL_TLS_H
#define PL_TLS_H

#include <stddef.h>

#include "pl_error.h"
#include "link.h"

typedef struct pl_tls_opts {
	const char *trust_file;   /* PEM file or directory; NULL = built-in default */
	const char *trust_pem;    /* PEM text (NUL-terminated) instead of a file:
				   * firmware without a file system; wins if set */
	const char *host;         /* name or IP literal the certificate must match */
} pl_tls_opts;

typedef struct pl_tls {
	void *ctx;                /* WOLFSSL_CTX */
	void *ssl;                /* WOLFSSL */
	pl_link *link;
	pl_err io_err;            /* last transport error seen by a callback */
	char detail[160];         /* why the handshake failed, for the user */
} pl_tls;

/* Create the session and run the handshake on l (bounded by its timeout).
 * Errors: PL_E_TLS_VERIFY (untrusted chain, name mismatch, expired),
 * PL_E_TLS_HANDSHAKE, PL_E_CONFIG (trust file unusable), or the transport
 * error (PL_E_TIMEOUT, PL_E_CLOSED, PL_E_NETWORK).  t->detail says more. */
pl_err pl_tls_open(pl_tls *t, pl_link *l, const pl_tls_opts *o);

long pl_tls_send(pl_tls *t, const void *buf, size_t len);
long pl_tls_recv(pl_tls *t, void *buf, size_t len);

/* Protocol and cipher suite in use, e.g. "TLSv1.3 TLS_AES_128_GCM_SHA256". */
void pl_tls_describe(pl_tls *t, char *out, size_t cap);

/* Send close_notify (best effort) and free; safe on a never-opened t. */
void pl_tls_close(pl_tls *t);

#endif
