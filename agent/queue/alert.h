/*
 * Firmware alert API: compose an alert, pass it through alert-storm
 * control, keep it in a store until the server takes it, and report each
 * outcome.  Everything lives in the caller's pl_alert_ctx (static storage
 * on firmware): no allocation.
 *
 *   static pl_alert_ctx ctx;           // session buffers, queue scratch
 *   static uint8_t ram[PL_STORE_RAM_BYTES];
 *   pl_store_ram_init(&r, ram, sizeof ram, 0);
 *   pl_store st = pl_store_ram_store(&r);   // or pl_store_block_store()
 *   pl_alert_init(&ctx, &cfg, &st, &account);
 *   pl_alert_send(&ctx, &alert, &id);  // queued (id) or folded into a digest (id 0)
 *   pl_alert_poll(&ctx);               // from the main loop: delivers what is due
 *
 * Delivery goes through the queue core (queue.h: record format, backoff,
 * which failures are temporary, the ambiguous window) and the session
 * driver: every due alert over one connection.  An alert is given up
 * after CONFIG_POSTLET_ALERT_MAX_ATTEMPTS attempts (counted, so a device
 * without a clock still gives up) or the queue's expiry when the clock is
 * a wall clock.
 *
 * Time and randomness come from the port: Message-ID from
 * pl_port_random(), Date: only when pl_port_wall_clock() succeeds (a
 * device without a clock omits it and the server adds one).
 */
#ifndef PL_ALERT_H
#define PL_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"
#include "port.h"
#include "session.h"
#include "queue/queue.h"
#include "queue/storm.h"

typedef struct pl_alert_outcome {
	pl_store_id id;
	pl_err err;               /* PL_OK: the server accepted it */
	pl_stage stage;           /* where it failed (when err) */
	int code;                 /* server reply code, 0 if none */
	char enhanced[16];        /* "4.3.2" when the server gave one */
	uint32_t attempts;        /* attempts made, this one included */
	uint32_t retries_left;    /* 0 when final */
	int final;                /* delivered, refused for good, or given up */
	int ambiguous;            /* lost after the final dot: may arrive twice */
} pl_alert_outcome;

typedef void (*pl_alert_done_fn)(void *ctx, const pl_alert_outcome *o);

typedef struct pl_alert_config {
	const char *from;         /* envelope sender and From: address */
	const char *from_name;    /* display name in From:, NULL = none */
	const char *const *rcpts; /* default recipients; digests go here */
	size_t nrcpt;
	const char *msgid_domain; /* right side of Message-ID; NULL = from's domain */
	pl_storm_config storm;    /* window_s 0 = Kconfig defaults */
	uint32_t max_attempts;    /* 0 = CONFIG_POSTLET_ALERT_MAX_ATTEMPTS */
	uint32_t backoff_base_s;  /* 0 = the queue's Kconfig defaults */
	uint32_t backoff_max_s;
	pl_alert_done_fn done;    /* outcome of every attempt, NULL = none */
	void *done_ctx;
	/* seconds; NULL = the port's wall clock, else its monotonic clock */
	int64_t (*now)(void *ctx);
	void *now_ctx;
	int now_is_wall;          /* with now: times are epoch seconds (digest HH:MM) */
	pl_trace_fn trace;        /* protocol trace for the session, NULL = none */
	void *trace_ctx;
} pl_alert_config;

typedef struct pl_alert {
	const char *const *rcpts; /* NULL = the config's */
	size_t nrcpt;
	const char *subject;      /* one line, no control characters */
	const char *body;         /* text, or NULL and body_read */
	pl_reader body_read;      /* called until it returns 0 */
	void *body_ctx;
	const char *key;          /* storm key; NULL = the subject */
	uint8_t priority;         /* 0 low .. 255 high: the full store drops low first */
} pl_alert;

typedef struct pl_alert_stats {
	uint32_t queued, suppressed, digests, delivered, failed, deferred;
} pl_alert_stats;

typedef struct pl_alert_ctx {
	pl_alert_config cfg;
	const pl_account *acct;
	pl_queue q;
	pl_storm storm;
	pl_session session;
	pl_alert_stats stats;
	uint32_t msgid_seq;
	char msg[CONFIG_POSTLET_ALERT_MSG_MAX];
} pl_alert_ctx;

/* cfg and acct (and the strings they point to) must outlive ctx; the
 * store is copied.  PL_E_USAGE without a sender or default recipients. */
pl_err pl_alert_init(pl_alert_ctx *ctx, const pl_alert_config *cfg, const pl_store *store,
		     const pl_account *acct);

/* Queue an alert, or count it into its key's digest (*id = 0).  Digests
 * whose window has closed are queued first.  PL_E_MESSAGE for a bad
 * subject or address, PL_E_LIMIT when the composed alert exceeds
 * CONFIG_POSTLET_ALERT_MSG_MAX or the store has no room. */
pl_err pl_alert_send(pl_alert_ctx *ctx, const pl_alert *a, pl_store_id *id);

/* Queue closed digests and deliver every alert that is due over one
 * connection (pl_queue_flush); outcomes through cfg.done.  An alert the
 * server took for some recipients only is delivered to those; the ones it
 * deferred are queued again as a new alert.  Returns the number
 * delivered, or a negative pl_err when the store failed. */
int pl_alert_poll(pl_alert_ctx *ctx);

/* The same, ignoring retry times (an operator's "send now"). */
int pl_alert_flush(pl_alert_ctx *ctx);

#endif
