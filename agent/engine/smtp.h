/*
 * postlet SMTP submission engine (sans-I/O).
 *
 * The engine is a state machine that is fed the bytes the server sent and
 * asked for the bytes to send.  It never calls a socket, a clock or malloc:
 * the caller provides every buffer, and a driver (agent/session.c) moves the
 * bytes, through TLS when the engine says so.
 *
 * Use (one message, QUIT queued by the engine at the end):
 *   pl_smtp_init(&s, &params, txbuf, sizeof txbuf);   params.mail filled in
 *   loop on pl_smtp_want(&s):
 *     PL_WANT_SEND  send pl_smtp_tx_data() bytes, then pl_smtp_tx_done(n)
 *     PL_WANT_RECV  receive some bytes, pass them to pl_smtp_rx()
 *     PL_WANT_TLS   run the TLS handshake on the connection, then
 *                   pl_smtp_tls_ready(); from then on all bytes go through TLS
 *     PL_WANT_BODY  pl_smtp_body_write() message bytes (any slicing), or
 *                   pl_smtp_body_end() at the end of the message
 *     PL_DONE       message accepted (QUIT was queued and sent before this)
 *     PL_FAILED     see pl_smtp_error(); the connection may be closed
 *
 * Several messages over one connection (session mode): leave params.mail
 * empty (nrcpt 0).  The engine then stops at PL_DONE once EHLO, STARTTLS
 * and AUTH are through; each pl_smtp_next() runs one mail transaction (RSET
 * first after a failed one) and ends at PL_DONE (accepted) or PL_FAILED; as
 * long as pl_smtp_usable() says so, the next one may follow.  pl_smtp_quit()
 * queues QUIT, which nobody needs to wait for.  No QUIT is queued by the
 * engine in this mode.
 *
 * Extensions used when the server offers them: PIPELINING (the envelope in
 * one write), CHUNKING (BDAT instead of DATA: MAIL, RCPT..., "BDAT n LAST"
 * and the body in one write when they fit the buffer, else pipelined chunks
 * of at most CONFIG_POSTLET_BDAT_CHUNK_SIZE), SIZE, 8BITMIME, SMTPUTF8,
 * DSN, ENHANCEDSTATUSCODES.  Without the extension a message that needs it
 * (over the SIZE limit, 8-bit body, UTF-8 address) fails with a permanent
 * error before anything of it is sent; DSN requests are dropped.  Each of
 * these extensions and the HELO fallback is a Kconfig option (menu "ESMTP
 * extensions"); one left out is treated as never offered, except that
 * without SMTPUTF8 a non-ASCII address is invalid (PL_E_MESSAGE, like any
 * malformed address) and without DSN the requests are not even checked.
 *
 * Security contract:
 *   - with tls_mode STARTTLS, no AUTH, MAIL, RCPT or body byte is produced
 *     before pl_smtp_tls_ready(); if the server does not offer STARTTLS or
 *     refuses it, the engine fails with PL_E_TLS_REQUIRED;
 *   - bytes that arrive after the 220 reply to STARTTLS and before
 *     pl_smtp_tls_ready() fail the session (PL_E_PROTOCOL);
 *   - capabilities learnt before TLS are discarded after it;
 *   - AUTH is never sent without TLS unless auth_cleartext_ok is set;
 *   - SASL: the mechanism is chosen from the capabilities announced after
 *     TLS; SCRAM succeeds only once the server's signature has been
 *     verified (a wrong or missing one fails with PL_E_AUTH_FAILED), and an
 *     iteration count above CONFIG_POSTLET_SCRAM_ITER_MAX is refused
 *     (PL_E_LIMIT) before any proof is computed; a malformed challenge
 *     cancels the exchange with "*"; every AUTH argument and SASL answer
 *     is flagged secret (pl_smtp_tx_secret) and the SCRAM state is wiped
 *     when the exchange ends;
 *   - the transmit buffer is wiped once its bytes are sent (credentials).
 *
 * All pointers in pl_smtp_params are borrowed and must stay valid until the
 * engine reports PL_DONE or PL_FAILED.
 */
#ifndef PL_SMTP_H
#define PL_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"
#include "pl_error.h"
#include "reply.h"
#include "body.h"
#include "sasl.h"

typedef enum pl_tls_mode {
	PL_TLS_OFF = 0,       /* plain SMTP; only when explicitly configured */
	PL_TLS_STARTTLS,      /* upgrade with STARTTLS, required (587) */
	PL_TLS_IMPLICIT,      /* TLS from the first byte (465) */
} pl_tls_mode;

/* SASL mechanisms, as a mask.  With several allowed, the engine takes the
 * first one the server offers in this order: EXTERNAL, OAUTHBEARER,
 * XOAUTH2, SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN.  Mechanisms
 * switched off in Kconfig are never used (pl_auth_compiled()). */
enum {
	PL_AUTH_PLAIN = 1u << 0,
	PL_AUTH_LOGIN = 1u << 1,
	PL_AUTH_CRAM_MD5 = 1u << 2,
	PL_AUTH_SCRAM_SHA1 = 1u << 3,
	PL_AUTH_SCRAM_SHA256 = 1u << 4,
	PL_AUTH_XOAUTH2 = 1u << 5,
	PL_AUTH_OAUTHBEARER = 1u << 6,
	PL_AUTH_EXTERNAL = 1u << 7,
};
#define PL_AUTH_SCRAM (PL_AUTH_SCRAM_SHA1 | PL_AUTH_SCRAM_SHA256)
/* what the password field carries for these: an OAuth access token */
#define PL_AUTH_TOKEN (PL_AUTH_XOAUTH2 | PL_AUTH_OAUTHBEARER)

/* Server capabilities from EHLO, as a mask. */
enum {
	PL_CAP_STARTTLS = 1u << 0,
	PL_CAP_PIPELINING = 1u << 1,
	PL_CAP_8BITMIME = 1u << 2,
	PL_CAP_SIZE = 1u << 3,
	PL_CAP_AUTH = 1u << 4,
	PL_CAP_ENHANCEDSTATUSCODES = 1u << 5,
	PL_CAP_CHUNKING = 1u << 6,
	PL_CAP_SMTPUTF8 = 1u << 7,
	PL_CAP_DSN = 1u << 8,
};

/* DSN NOTIFY= (RFC 3461), as a mask; 0 = not requested. */
enum {
	PL_DSN_NEVER = 1u << 0,
	PL_DSN_SUCCESS = 1u << 1,
	PL_DSN_FAILURE = 1u << 2,
	PL_DSN_DELAY = 1u << 3,
};

/* DSN RET= */
typedef enum pl_dsn_ret {
	PL_DSN_RET_UNSET = 0,
	PL_DSN_RET_FULL,
	PL_DSN_RET_HDRS,
} pl_dsn_ret;

/* One mail transaction: the envelope and what the engine must know of the
 * body before sending it.  Borrowed until the transaction ends. */
typedef struct pl_smtp_mail {
	const char *from;              /* envelope sender; "" for the null path */
	const char *const *rcpts;
	size_t nrcpt;
	uint64_t size_hint;            /* message size for SIZE=, 0 = unknown */
	int body_8bit;                 /* message has 8-bit bytes */
	unsigned dsn_notify;           /* PL_DSN_*; 0 = server default */
	pl_dsn_ret dsn_ret;
	const char *dsn_envid;         /* ENVID=, printable ASCII, at most 100; NULL = none */
	int dsn_orcpt;                 /* add ORCPT=rfc822;<rcpt> to each ASCII RCPT */
} pl_smtp_mail;

typedef enum pl_stage {
	PL_STAGE_CONNECT = 0,
	PL_STAGE_GREETING,
	PL_STAGE_EHLO,
	PL_STAGE_STARTTLS,
	PL_STAGE_TLS,
	PL_STAGE_AUTH,
	PL_STAGE_MAIL,
	PL_STAGE_RCPT,
	PL_STAGE_DATA,
	PL_STAGE_BODY,        /* reply to the final "." */
	PL_STAGE_QUIT,
	PL_STAGE_RSET,        /* RSET before a further transaction */
} pl_stage;

typedef enum pl_want {
	PL_WANT_SEND = 1,
	PL_WANT_RECV,
	PL_WANT_TLS,
	PL_WANT_BODY,
	PL_DONE,
	PL_FAILED,
} pl_want;

typedef struct pl_smtp_params {
	const char *ehlo_domain;       /* FQDN or address literal */
	pl_tls_mode tls_mode;
	unsigned auth_mechs;           /* PL_AUTH_* allowed; 0 = no AUTH */
	int auth_cleartext_ok;         /* allow AUTH without TLS (explicit opt-in) */
	const char *user;              /* at most CONFIG_POSTLET_AUTH_USER_MAX */
	const char *password;          /* or the OAuth token; CONFIG_POSTLET_AUTH_SECRET_MAX;
					* both may be NULL with EXTERNAL alone */
	const char *scram_nonce;       /* client nonce, needed when SCRAM is allowed:
					* 16..64 printable characters without ','
					* (the driver draws it from pl_port_random) */
	const char *sasl_host;         /* OAUTHBEARER host=/port= (NULL: left out) */
	unsigned sasl_port;
	pl_smtp_mail mail;             /* the message; nrcpt 0 = session mode */
} pl_smtp_params;

/* Error report: what failed, where, and the server's words if any. */
typedef struct pl_smtp_error {
	pl_err err;
	pl_stage stage;
	int code;                      /* server reply code, 0 if none */
	char enhanced[16];             /* "5.7.8" when the server gave one */
	char text[160];                /* printable copy of the reply line or a reason */
} pl_smtp_error;

#define PL_SMTP_QUEUE_MAX (CONFIG_POSTLET_MAX_RCPT + 8)

typedef struct pl_smtp {
	const pl_smtp_params *p;
	const pl_smtp_mail *m;         /* current transaction */
	uint8_t *tx;
	size_t tx_cap, tx_len, tx_off;
	pl_reply reply;
	pl_body body;

	/* replies still expected, oldest first (RFC 2920: answered in order) */
	uint8_t expect[PL_SMTP_QUEUE_MAX];
	unsigned expect_head, expect_len;

	uint8_t phase;
	uint8_t flags;                 /* internal bits */
	uint8_t envelope_next;         /* next envelope command to emit */
	uint8_t auth_mech;             /* mechanism in use */
	uint8_t auth_step;
	unsigned caps;
	unsigned server_auth;          /* PL_AUTH_* the server offered */
	char auth_offered[112];        /* the server's AUTH list, for errors */
	char oauth_status[32];         /* status of an OAuth error challenge */
	pl_scram scram;
	uint64_t size_max;             /* SIZE limit from EHLO, 0 = none */
	unsigned ehlo_lines;
	size_t rcpt_emitted, rcpt_answered, rcpt_accepted;
	short rcpt_code[CONFIG_POSTLET_MAX_RCPT];
	int last_code;                 /* code of the last complete reply */
	pl_smtp_error error;

	/* connection, across transactions */
	uint8_t oneshot;               /* params.mail given: QUIT at the end */
	uint8_t ready;                 /* EHLO/STARTTLS/AUTH done */
	uint8_t in_step;               /* both sides agree where the dialogue is */
	uint8_t txn_open;              /* MAIL sent, transaction not closed: RSET */
	/* CHUNKING: the open chunk's reserved header starts at chunk_start */
	uint8_t chunking, chunk_open;
	uint8_t chunk_backoff;         /* reply queue was full: read down to half */
	size_t chunk_start;
} pl_smtp;

/* Returns PL_OK, or PL_E_MESSAGE/PL_E_LIMIT/PL_E_USAGE for parameters that
 * could never be sent safely (CR/LF or spaces in an address, too many
 * recipients, buffer too small); then the engine is in PL_FAILED. */
pl_err pl_smtp_init(pl_smtp *s, const pl_smtp_params *p, uint8_t *tx, size_t tx_cap);

pl_want pl_smtp_want(const pl_smtp *s);

const uint8_t *pl_smtp_tx_data(const pl_smtp *s, size_t *len);
void pl_smtp_tx_done(pl_smtp *s, size_t n);

/* Feed received bytes (all of them are consumed or the engine fails). */
void pl_smtp_rx(pl_smtp *s, const uint8_t *data, size_t len);

void pl_smtp_tls_ready(pl_smtp *s);

/* Report a transport failure (network, TLS) so the error names the stage
 * the engine was in.  The engine enters PL_FAILED. */
void pl_smtp_abort(pl_smtp *s, pl_err err, const char *reason);

/* Body: returns bytes consumed (0 only when the transmit buffer is full,
 * then pl_smtp_want() says PL_WANT_SEND). */
size_t pl_smtp_body_write(pl_smtp *s, const uint8_t *data, size_t len);
void pl_smtp_body_end(pl_smtp *s);

/* Session mode: start the next mail transaction (RSET first when the last
 * one did not end cleanly).  Only when pl_smtp_want() is PL_DONE or
 * PL_FAILED and pl_smtp_usable(); resets the per-message results (codes,
 * error info).  Returns PL_OK, or the error that also fails the transaction
 * (bad address, too many recipients; the connection stays usable). */
pl_err pl_smtp_next(pl_smtp *s, const pl_smtp_mail *m);

/* Whether another transaction may follow on this connection: setup done,
 * the last transaction over, and the dialogue in step (no protocol error,
 * transport failure or 421). */
int pl_smtp_usable(const pl_smtp *s);

/* Queue QUIT if the dialogue is in step (not awaited); afterwards the
 * engine is not usable. */
void pl_smtp_quit(pl_smtp *s);

const pl_smtp_error *pl_smtp_error_info(const pl_smtp *s);
unsigned pl_smtp_caps(const pl_smtp *s);

/* Reply code the server gave recipient i (0 if not answered). */
int pl_smtp_rcpt_code(const pl_smtp *s, size_t i);
size_t pl_smtp_rcpt_accepted(const pl_smtp *s);

/* Whether the bytes currently returned by pl_smtp_tx_data() carry secrets
 * (AUTH data): trace output must mask them. */
int pl_smtp_tx_secret(const pl_smtp *s);

/* Whether the next server bytes may carry SASL data that a trace must
 * hide: a SCRAM 334 challenge (its server signature and salt would allow
 * an offline guess at the password, with the nonce shown beside them). */
int pl_smtp_rx_secret(const pl_smtp *s);

const char *pl_stage_name(pl_stage st);

/* The PL_AUTH_* mechanisms compiled in (Kconfig). */
unsigned pl_auth_compiled(void);

/* SASL name of one PL_AUTH_* bit ("SCRAM-SHA-256"), NULL if none. */
const char *pl_auth_name(unsigned mech);

#endif
