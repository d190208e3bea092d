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
	unsigned auth_mechs;        /* PL_AUTH_*; 0 = no AUTH (see engine/smtp.h) */
	int auth_cleartext_ok;
	const char *user;
	const char *password;       /* or the OAuth token for XOAUTH2/OAUTHBEARER */
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
	uint64_t size_hint;         /* bytes, for SIZE=; 0 = unknown */
	int body_8bit;              /* the message has bytes >= 0x80 */
	pl_reader read;
	void *read_ctx;
	/* DSN (RFC 3461), sent only when the server offers DSN; zero = none */
	unsigned dsn_notify;        /* PL_DSN_NEVER or PL_DSN_SUCCESS|FAILURE|DELAY */
	pl_dsn_ret dsn_ret;         /* PL_DSN_RET_FULL / _HDRS */
	const char *dsn_envid;      /* ENVID, printable ASCII, at most 100 */
	int dsn_orcpt;              /* ORCPT=rfc822;<rcpt> on each RCPT */
} pl_message;

/* Protocol trace hook (NULL = none): dir is 'C' (client) or 'S' (server);
 * secrets are already masked. */
typedef void (*pl_trace_fn)(void *ctx, char dir, const uint8_t *data, size_t len);

typedef struct pl_session {
	pl_smtp smtp;
	pl_smtp_params params;      /* borrowed by smtp */
	pl_smtp_mail mail;          /* current transaction, borrowed by smtp */
	const pl_account *acct;     /* from pl_session_open() until close */
	pl_link link;               /* connection with round-trip accounting */
	pl_tls tls;
	int tls_on;
	pl_trace_fn trace;
	void *trace_ctx;
	char tls_info[64];          /* protocol and suite, once TLS is up */
	char scram_nonce[25];       /* base64 of 18 random bytes, per connection */
	uint8_t tx[CONFIG_POSTLET_TX_BUF_SIZE];
	uint8_t rx[CONFIG_POSTLET_RX_BUF_SIZE];
	uint8_t body[CONFIG_POSTLET_TX_BUF_SIZE / 2];
} pl_session;

/*
 * Several messages over one connection:
 *
 *   pl_session_open(s, a)        connect, greeting, EHLO, STARTTLS, EHLO, AUTH
 *   while (pl_session_usable(s))
 *       pl_session_transact(s, m)  one mail transaction (RSET first when the
 *                                  last one failed half-way)
 *   pl_session_close(s)          QUIT (not awaited), close, wipe buffers
 *
 * Each returns PL_OK or the error, with details in
 * pl_smtp_error_info(&s->smtp); those details, pl_smtp_rcpt_code() and
 * pl_smtp_rcpt_accepted() refer to the last call (the last transaction).
 * PL_OK from transact means the server accepted the message for every
 * recipient it accepted.  After a refused transaction (4xx/5xx to MAIL, RCPT
 * or the data) the session stays usable when the connection is fine.
 * The account must stay valid until pl_session_close(); call close after
 * every open, successful or not (close is idempotent).  trace/trace_ctx are
 * read from *s and may be set before open.  s->link counts round trips and
 * bytes over the whole connection.
 */
pl_err pl_session_open(pl_session *s, const pl_account *a);
pl_err pl_session_transact(pl_session *s, const pl_message *m);
int pl_session_usable(const pl_session *s);
void pl_session_close(pl_session *s);

/* Deliver one message: open + transact + close. */
pl_err pl_session_send(pl_session *s, const pl_account *a, const pl_message *m);

#endif
