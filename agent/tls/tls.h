/*
 * TLS over a port connection (wolfSSL).  The same link carries plain
 * SMTP and then, after STARTTLS, TLS records: wolfSSL reaches the network
 * only through callbacks into the port layer.
 *
 * Verification is on unless the caller explicitly turns it off: chain
 * against the trust anchors (trust_pem text, else the trust file or
 * directory, else the trust store compiled in with
 * CONFIG_POSTLET_TLS_BUILTIN_TRUST, else the default trust file), host name against the certificate (DNS SAN/CN; for an IP
 * literal, the IP SAN), TLS 1.2 minimum.  SNI is sent for names.
 *
 * Pins (msmtp's tls_fingerprint: SHA-256 of the certificate; postlet's
 * tls_pin_spki: SHA-256 of the SubjectPublicKeyInfo) REPLACE CA
 * verification, as msmtp's fingerprint replaces its trust file: the server
 * is trusted when its certificate matches any one pin, whatever its issuer,
 * dates or names.  Several pins may be given so a backup survives rotation.
 */
#ifndef PL_TLS_H
#define PL_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "pl_error.h"
#include "link.h"

/* Most pins one account may carry (current + backups). */
#ifndef PL_TLS_PINS_MAX
#define PL_TLS_PINS_MAX 4
#endif

typedef enum pl_tls_pin_kind {
	PL_TLS_PIN_CERT_SHA256 = 1, /* SHA-256 of the DER certificate (msmtp) */
	PL_TLS_PIN_SPKI_SHA256,     /* SHA-256 of the DER SubjectPublicKeyInfo (HPKP) */
} pl_tls_pin_kind;

typedef struct pl_tls_pin {
	uint8_t kind;             /* pl_tls_pin_kind */
	uint8_t sha256[32];
} pl_tls_pin;

/* Why a handshake failed, for callers that act on it (firmware) rather
 * than print t->detail. */
typedef enum pl_tls_cause {
	PL_TLS_CAUSE_NONE = 0,
	PL_TLS_CAUSE_UNKNOWN_ISSUER,    /* chain does not lead to a trust anchor */
	PL_TLS_CAUSE_SELF_SIGNED,       /* self-signed certificate not trusted */
	PL_TLS_CAUSE_EXPIRED,
	PL_TLS_CAUSE_NOT_YET_VALID,
	PL_TLS_CAUSE_NAME_MISMATCH,     /* certificate is for another host */
	PL_TLS_CAUSE_PIN_MISMATCH,      /* no configured pin matches */
	PL_TLS_CAUSE_BAD_CERT,          /* bad signature, unparsable certificate */
	PL_TLS_CAUSE_PROTOCOL_VERSION,  /* server offers no TLS 1.2 or 1.3 */
	PL_TLS_CAUSE_HANDSHAKE,         /* anything else in the handshake */
} pl_tls_cause;

/* Compiled-in PEM trust anchors (mk/truststore.mk), NULL when none. */
typedef struct pl_tls_blob {
	const unsigned char *data;
	size_t len;
} pl_tls_blob;

/* Resumption state kept between connections of one process (a queue
 * flush, or alerts while a device runs): one server's last session.  The
 * key names the server and everything verification depended on (name,
 * port, trust source, pins, client certificate), so a resumed session is
 * never trusted under weaker settings than the one that verified it.
 * Caller-owned; zero it before first use. */
typedef struct pl_tls_cache {
	char key[224];
	void *session;            /* WOLFSSL_SESSION, a credential: never logged */
	uint16_t group;           /* key-exchange group the server chose last
	                           * time: its key share goes first (no HRR) */
} pl_tls_cache;

/* Storage of a cache record between runs (POSIX state file, firmware
 * flash): export writes a self-checking record (magic, key, group, session,
 * SHA-256 over all of it) and returns its length, 0 if there is nothing to
 * keep or cap is too small; import refuses anything that does not check
 * out (PL_E_PROTOCOL) and leaves c empty then.  The record holds the
 * session ticket and secret: treat it as a credential, wipe after use. */
#define PL_TLS_RECORD_MAX 4096
size_t pl_tls_cache_export(const pl_tls_cache *c, uint8_t *buf, size_t cap);
pl_err pl_tls_cache_import(pl_tls_cache *c, const uint8_t *buf, size_t len);

typedef struct pl_tls_opts {
	const char *trust_file;   /* PEM file or directory; NULL = built-in default */
	const char *trust_pem;    /* PEM text (NUL-terminated) instead of a file:
	                           * firmware without a file system; wins if set */
	const char *host;         /* name or IP literal the certificate must match */
	const pl_tls_pin *pins;   /* non-empty: pins replace CA verification */
	size_t npins;
	int no_verify;            /* tls_certcheck off: explicit, caller warns */
	const char *cert_file;    /* client certificate chain (PEM), or NULL */
	const char *key_file;     /* its private key (PEM) */
	const char *cert_pem;     /* the same as PEM text (firmware: compiled in or
	                           * from storage); wins over the files if set */
	const char *key_pem;
	pl_tls_cache *cache;      /* NULL = no resumption */
	uint16_t port;            /* part of the cache key */
} pl_tls_opts;

typedef struct pl_tls {
	void *ctx;                /* WOLFSSL_CTX */
	void *ssl;                /* WOLFSSL */
	pl_link *link;
	pl_err io_err;            /* last transport error seen by a callback */
	pl_tls_cause cause;       /* set when pl_tls_open fails */
	int self_signed;          /* leaf seen by the verifier was self-signed */
	int resumed;              /* this session was resumed from the cache */
	int up;                   /* handshake completed */
	const pl_tls_opts *opts;  /* valid during pl_tls_open only */
	pl_tls_cache *cache;
	char cache_key[224];
	char detail[200];         /* why the handshake failed, for the user */
} pl_tls;

/* Create the session and run the handshake on l (bounded by its timeout).
 * Errors: PL_E_TLS_VERIFY (see t->cause: untrusted chain, self-signed,
 * expired, not yet valid, name mismatch, pin mismatch),
 * PL_E_TLS_HANDSHAKE (protocol version, cipher, other), PL_E_CONFIG (trust,
 * certificate or key file unusable), or the transport error (PL_E_TIMEOUT,
 * PL_E_CLOSED, PL_E_NETWORK).  t->detail says more. */
pl_err pl_tls_open(pl_tls *t, pl_link *l, const pl_tls_opts *o);

long pl_tls_send(pl_tls *t, const void *buf, size_t len);
long pl_tls_recv(pl_tls *t, void *buf, size_t len);

/* Protocol and cipher suite in use, e.g. "TLSv1.3 TLS_AES_128_GCM_SHA256". */
void pl_tls_describe(pl_tls *t, char *out, size_t cap);

/* Facts about the server certificate of an open session (--serverinfo). */
typedef struct pl_tls_peer {
	char version[16];
	char cipher[64];
	char subject[256];
	char issuer[256];
	char not_before[40];
	char not_after[40];
	char cert_sha256[96];     /* AA:BB:... as tls_fingerprint takes it */
	char spki_sha256[48];     /* base64, as tls_pin_spki takes it */
} pl_tls_peer;
pl_err pl_tls_peer_info(pl_tls *t, pl_tls_peer *out);

/* Parse one pin: PL_TLS_PIN_CERT_SHA256 from 32 hex bytes (colons
 * optional, msmtp's tls_fingerprint format), PL_TLS_PIN_SPKI_SHA256 from
 * base64 of 32 bytes ("sha256//" prefix allowed).  PL_E_CONFIG if invalid. */
pl_err pl_tls_pin_parse(const char *text, size_t len, pl_tls_pin_kind kind, pl_tls_pin *out);

/* Send close_notify (best effort), remember the session in the cache when
 * one was given, and free; safe on a never-opened t. */
void pl_tls_close(pl_tls *t);

/* Forget a cached session (wipes the ticket). */
void pl_tls_cache_clear(pl_tls_cache *c);

#endif
