/*
 * The driver: the only code that knows both the SMTP engine and a port.
 * It connects, moves bytes between the engine and the connection (through
 * TLS when the engine asks for it), and pulls the message from a reader.
 *
 * Memory: pl_session holds every buffer, sized by Kconfig; the caller
 * provides it (static storage on firmware, the stack on POSIX).
 */
#ifndef PL_SESSION_H
#define PL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"
#include "pl_error.h"
#include "engine/smtp.h"
#include "tls/tls.h"
#include "link.h"

typedef struct pl_account {
	const char *host;
	uint16_t port;
	pl_tls_mode tls_mode;
	const char *trust_file;     /* NULL = CONFIG_POSTLET_TLS_DEFAULT_TRUST_FILE */
	const char *trust_pem;      /* CA certificates as PEM text; used instead of
				     * trust_file when set (firmware, no file system) */
	const char *tls_name;       /* name the certificate must carry; NULL = host */
	const pl_tls_pin *tls_pins; /* replace CA verification (see tls/tls.h) */
	size_t tls_npins;
	int tls_no_verify;          /* tls_certcheck off: explicit only */
	const char *tls_cert_file;  /* client certificate (PEM) and key */
	const char *tls_key_file;
	const char *tls_cert_pem;   /* or both as PEM text (firmware) */
	const char *tls_key_pem;
	pl_tls_cache *tls_cache;    /* NULL = no resumption */
	unsigned auth_mechs;        /* PL_AUTH_*; 0 = no AUTH */
	int auth_cleartext_ok;
	const char *user;
	const char *password;
	const char *ehlo_domain;
	unsigned timeout_ms;
} pl_account;

/* Message source: copy up to cap bytes into buf; return the count, 0 at the
 * end of the message, or a negative pl_err. */
typedef long (*pl_reader)(void *ctx, uint8_t *buf, size_t cap);

typedef struct pl_message {
	const char *from;
	const char *const *rcpts;
	size_t nrcpt;
	uint64_t size_hint;
	int body_8bit;
	pl_reader read;
	void *read_ctx;
} pl_message;

/* Protocol trace hook (NULL = none): dir is 'C' (client) or 'S' (server);
 * secrets are already masked. */
typedef void (*pl_trace_fn)(void *ctx, char dir, const uint8_t *data, size_t len);

typedef struct pl_session {
	pl_smtp smtp;
	pl_link link;               /* connection with round-trip accounting */
	pl_tls tls;
	int tls_on;
	pl_trace_fn trace;
	void *trace_ctx;
	char tls_info[64];          /* protocol and suite, once TLS is up */
	pl_tls_peer *probe;         /* non-NULL (--serverinfo): stop before the
	                             * envelope, QUIT, fill *probe with the TLS facts */
	uint8_t tx[CONFIG_POSTLET_TX_BUF_SIZE];
	uint8_t rx[CONFIG_POSTLET_RX_BUF_SIZE];
	uint8_t body[CONFIG_POSTLET_TX_BUF_SIZE / 2];
} pl_session;

/* Deliver one message.  Returns PL_OK once the server accepted it for
 * every recipient it accepted (see pl_smtp_rcpt_code() on s->smtp for the
 * others); otherwise the error, with details in pl_smtp_error_info(&s->smtp).
 * trace/trace_ctx are read from *s and may be set before the call. */
pl_err pl_session_send(pl_session *s, const pl_account *a, const pl_message *m);

#endif
