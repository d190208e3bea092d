/*
 * The mail queue: messages the server could not take yet, kept in a
 * durable store (port.h, pl_store_ops) until they are delivered, bounced
 * or expire.  Same state machine on Unix (spool directory) and firmware
 * (RAM ring, flash blocks).
 *
 * No malloc, no stdio: the queue works through the store, the session
 * driver (session.h) and pl_port_* only.  The caller owns every struct.
 *
 * A record's payload is the queue's envelope header followed by the
 * message bytes exactly as the caller handed them over:
 *
 *   off  size
 *     0   4   "PLQ1"
 *     4   1   flags (PL_QUEUE_F_*)
 *     5   1   DSN NOTIFY bits (PL_DSN_*)
 *     6   1   DSN RET (pl_dsn_ret)
 *     7   1   priority (0 low .. 255 high)
 *     8   2   number of recipients (little endian, as every field)
 *    10   2   envelope string bytes
 *    12   4   reserved, 0
 *    16   8   message bytes
 *    24   8   SIZE= hint (wire size), 0 = unknown
 *    32   -   strings, each NUL-terminated: sender, ENVID ("" = none),
 *             then every recipient
 *     -   -   message bytes
 *
 * Delivery:
 *   - a flush walks the records oldest first, locks each due one (a
 *     record held by another process is skipped), and sends every due
 *     message over ONE connection (pl_session_open, pl_session_transact
 *     per message; the session sends RSET after a failed transaction);
 *   - accepted: removed (PL_STORE_DELIVERED);
 *   - refused permanently (5xx, or a message the server can never take):
 *     bounce callback, then kept as a dead letter (PL_STORE_EXPIRED);
 *   - temporary (4xx, network, timeout, TLS, authentication): kept with
 *     attempts + 1, next try after an exponential backoff (base doubled
 *     per attempt, capped), and the last error;
 *   - lost after the whole message was sent and before the server's
 *     reply (stage "end of data"): kept and flagged PL_STORE_F_AMBIGUOUS.
 *     The server may already hold it: it may be delivered twice, never
 *     zero times;
 *   - older than the expiry: bounce callback, dead letter.
 */
#ifndef PL_QUEUE_H
#define PL_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"
#include "pl_error.h"
#include "port.h"
#include "session.h"

/* Limits (Kconfig "Queue"; defaults for builds without Kconfig). */
#ifndef CONFIG_POSTLET_QUEUE_MAX_COUNT
#define CONFIG_POSTLET_QUEUE_MAX_COUNT 1000
#endif
#ifndef CONFIG_POSTLET_QUEUE_MAX_BYTES
#define CONFIG_POSTLET_QUEUE_MAX_BYTES 67108864
#endif
#ifndef CONFIG_POSTLET_QUEUE_ENVELOPE_MAX
#define CONFIG_POSTLET_QUEUE_ENVELOPE_MAX 4096
#endif
#ifndef CONFIG_POSTLET_QUEUE_BACKOFF_BASE_S
#define CONFIG_POSTLET_QUEUE_BACKOFF_BASE_S 60
#endif
#ifndef CONFIG_POSTLET_QUEUE_BACKOFF_MAX_S
#define CONFIG_POSTLET_QUEUE_BACKOFF_MAX_S 3600
#endif
#ifndef CONFIG_POSTLET_QUEUE_EXPIRY_S
#define CONFIG_POSTLET_QUEUE_EXPIRY_S 432000
#endif

#define PL_QUEUE_HDR_SIZE 32u

/* Envelope flags kept in the record. */
#define PL_QUEUE_F_8BIT   0x01u /* the message has 8-bit bytes */
#define PL_QUEUE_F_BOUNCE 0x02u /* a bounce notice: never bounced itself */
#define PL_QUEUE_F_ORCPT  0x04u /* DSN ORCPT on each recipient */

/* Most connections one flush opens (a server that drops the connection
 * half-way gets a second and third chance, not one per message). */
#define PL_QUEUE_OPENS_MAX 3u

typedef struct pl_queue_envelope {
	const char *from;           /* "" = null reverse path */
	const char *const *rcpts;
	size_t nrcpt;
	unsigned flags;             /* PL_QUEUE_F_* */
	unsigned dsn_notify;        /* PL_DSN_* */
	pl_dsn_ret dsn_ret;
	const char *dsn_envid;      /* NULL or "" = none */
	uint8_t priority;
	uint64_t size_hint;         /* wire size for SIZE=, 0 = unknown */
} pl_queue_envelope;

/* One record as read back; strings point into the queue's scratch and
 * stay valid until the next call on the same queue. */
typedef struct pl_queue_entry {
	pl_store_id id;
	pl_store_state state;
	pl_queue_envelope env;
	uint64_t size;              /* message bytes */
} pl_queue_entry;

typedef struct pl_queue pl_queue;

/* A message that will not be delivered (5xx, or expired).  Called while
 * the record still exists (pl_queue_read_message works) and is locked;
 * it may queue a notice with pl_queue_put (flag PL_QUEUE_F_BOUNCE).
 * Never called for a record that is itself a bounce. */
typedef void (*pl_queue_bounce_fn)(void *ctx, pl_queue *q, const pl_queue_entry *e,
				   const char *reason);

/* One delivery attempt's outcome, for callers that report each (the
 * firmware alert API).  err PL_OK: the server accepted it; final: the
 * record is gone (delivered, refused for good, given up or expired);
 * e->state.attempts counts this attempt; info may be NULL. */
typedef void (*pl_queue_attempt_fn)(void *ctx, const pl_queue_entry *e, pl_err err,
				    const pl_smtp_error *info, int final);

/* Which records a flush takes. */
typedef struct pl_queue_filter {
	int force;                  /* ignore next_try (postlet -q) */
	const char *rcpt;           /* only records with a recipient containing this */
	const char *sender;         /* only records whose sender contains this */
} pl_queue_filter;

typedef struct pl_queue_stats {
	unsigned seen;              /* records looked at */
	unsigned tried;             /* transactions attempted */
	unsigned sent;
	unsigned deferred;
	unsigned bounced;           /* refused permanently */
	unsigned expired;
	unsigned busy;              /* held by another process */
	unsigned ambiguous;         /* lost in the window after the final dot */
	unsigned connections;       /* opened successfully */
	pl_err last_err;            /* last delivery error, PL_OK if none */
} pl_queue_stats;

struct pl_queue {
	pl_store store;
	uint32_t backoff_base_s;
	uint32_t backoff_max_s;
	uint32_t expiry_s;
	uint32_t max_count;
	uint64_t max_bytes;
	int64_t (*now)(void *ctx);  /* seconds; NULL = wall clock (monotonic without one) */
	void *now_ctx;
	pl_queue_bounce_fn bounce;
	void *bounce_ctx;
	pl_queue_attempt_fn attempt; /* NULL = none */
	void *attempt_ctx;
	uint32_t max_attempts;      /* give up after this many temporary
				     * failures (a device without a clock);
				     * 0 = only the expiry gives up */
	int drop_when_full;         /* full: drop the oldest record of the lowest
				     * priority (not above the new one's) instead
				     * of refusing (firmware); 0 = refuse (Unix) */
	uint32_t dropped;           /* records dropped by that policy */
	pl_trace_fn trace;          /* for the session, NULL = none */
	void *trace_ctx;
	/* scratch: the envelope of the record in hand */
	char env[CONFIG_POSTLET_QUEUE_ENVELOPE_MAX];
	const char *rcpts[CONFIG_POSTLET_MAX_RCPT];
	const char *sub[CONFIG_POSTLET_MAX_RCPT]; /* recipients still to try */
	/* message reader for the session */
	pl_store_id rd_id;
	uint64_t rd_off, rd_end;
};

/* Defaults from Kconfig; store must outlive q. */
void pl_queue_init(pl_queue *q, const pl_store *store);

int64_t pl_queue_now(pl_queue *q);

/*
 * Queue a message: envelope + len bytes of data.  first_try: the failure
 * of an attempt already made (attempts = 1, next try after the backoff,
 * last error recorded, ambiguous flag when it failed after the dot), or
 * NULL for a message not tried yet (due at once).  PL_E_LIMIT when the
 * queue is full (count or bytes) and nothing may be dropped (see
 * drop_when_full), or the envelope does not fit;
 * PL_E_MESSAGE for an envelope that could never be sent (too many
 * recipients, CR/LF in an address).  *id may be NULL.
 */
pl_err pl_queue_put(pl_queue *q, const pl_queue_envelope *env, const void *data, size_t len,
		    pl_err first_err, const pl_smtp_error *first_try, pl_store_id *id);

/* Oldest record after 'after' (0 = first), envelope decoded into *e.
 * *e->id = 0 at the end.  A record that cannot be decoded is skipped. */
pl_err pl_queue_next(pl_queue *q, pl_store_id after, pl_queue_entry *e);

/* Message bytes of a record (not the envelope) from off. */
long pl_queue_read_message(pl_queue *q, pl_store_id id, uint64_t off, void *buf, size_t cap);

/* Flush: deliver what the filter selects over one connection with
 * account a.  s is the caller's session storage.  Returns PL_OK unless
 * the store itself failed; outcomes are counted in st. */
pl_err pl_queue_flush(pl_queue *q, pl_session *s, const pl_account *a,
		      const pl_queue_filter *f, pl_queue_stats *st);

/* Whether an attempt that failed with e / info should be retried later
 * (1) or refused for good (0).  PL_OK gives 0. */
int pl_queue_temporary(pl_err e, const pl_smtp_error *info);

/* Whether it failed in the window after the whole message was sent and
 * before the reply: the server may have it. */
int pl_queue_ambiguous(pl_err e, const pl_smtp_error *info);

/* Seconds to wait after the n-th failed attempt (n >= 1). */
uint32_t pl_queue_backoff(const pl_queue *q, uint32_t attempts);

#endif
