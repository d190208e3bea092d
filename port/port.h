/*
 * postlet port interface: everything platform-specific the agent needs.
 *
 * The SMTP engine never calls these; only the session driver
 * (agent/session.c) and the TLS glue do.  One implementation is linked per
 * build (port/posix, port/lwip), chosen by CONFIG_POSTLET_PORT_*.
 *
 * Contract for every call:
 *   - returns PL_OK (0) or a pl_err; calls that move bytes return the count
 *     (> 0) or a negative pl_err;
 *   - never blocks longer than the timeout the connection was opened with;
 *   - retries EINTR itself (a signal never surfaces as an error);
 *   - never allocates after pl_port_connect() returns.
 */
#ifndef PL_PORT_H
#define PL_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "pl_error.h"

/* Connection storage, provided by the caller.  The handle is a socket
 * descriptor on both POSIX and lwIP socket ports. */
typedef struct pl_conn {
	int handle;            /* -1 when closed */
	unsigned timeout_ms;   /* bound on connect and on each send/recv */
} pl_conn;

/* Resolve host (name or IPv4/IPv6 literal), try each address in turn until
 * one connects within timeout_ms overall per attempt.  Sets TCP_NODELAY so a
 * pipelined group leaves in the write that carries it.
 * Errors: PL_E_RESOLVE, PL_E_CONNECT, PL_E_TIMEOUT, PL_E_NETWORK. */
pl_err pl_port_connect(pl_conn *c, const char *host, uint16_t port,
		       unsigned timeout_ms);

/* Send all len bytes (looping over short writes), or fail.
 * Returns len, or -PL_E_TIMEOUT / -PL_E_CLOSED / -PL_E_NETWORK. */
long pl_port_send(pl_conn *c, const void *buf, size_t len);

/* Receive at most len bytes; waits up to the connection's timeout for the
 * first byte.  Returns > 0, or -PL_E_TIMEOUT, -PL_E_CLOSED (orderly EOF or
 * reset), -PL_E_NETWORK.  Never returns 0. */
long pl_port_recv(pl_conn *c, void *buf, size_t len);

/* Close if open; safe to call twice. */
void pl_port_close(pl_conn *c);

/* Milliseconds from an arbitrary start; never goes backwards. */
uint64_t pl_port_monotonic_ms(void);

/* Fill buf with unpredictable bytes.  PL_E_INTERNAL if no source. */
pl_err pl_port_random(void *buf, size_t len);

/* Wall-clock time: seconds since the Unix epoch (UTC) and the local
 * offset from UTC in minutes.  PL_E_INTERNAL when the device has no
 * trustworthy clock; callers then omit time-derived data (e.g. Date:). */
pl_err pl_port_wall_clock(int64_t *utc_seconds, int *utc_offset_minutes);

/* Diagnostics.  level: 0 error, 1 warning, 2 info, 3 protocol trace. */
enum { PL_LOG_ERROR = 0, PL_LOG_WARN, PL_LOG_INFO, PL_LOG_TRACE };
void pl_port_log(int level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Only messages at or below this level are emitted (default PL_LOG_WARN). */
void pl_port_set_log_level(int level);


/*
 * Durable message store: the queue's storage (agent/queue).
 *
 * A record is one queued message: a payload written once (the queue's own
 * envelope header followed by the message bytes) and a small state block
 * (attempts, next try, last reply) replaced as a whole.  Guarantees every
 * implementation gives, whatever moment power is lost or the process is
 * killed:
 *   - a record is either absent or complete: create/append/commit make it
 *     visible only at commit, and commit is the single atomic step;
 *   - set_state leaves either the old or the new state, never a mix;
 *   - remove either happened or did not.
 * Implementations: port/posix/store_posix.c (spool directory: temp file,
 * fsync, rename, fsync dir; flock per record), port/common/store_ram.c
 * (RAM ring, lost at reset) and port/common/store_block.c (erase blocks
 * over a small flash driver, e.g. NOR or NVS).  Ids are nonzero; the
 * order of next() is the order of commit (oldest first).
 */
typedef uint32_t pl_store_id;

typedef struct pl_store_state {
	uint32_t attempts;        /* delivery attempts made */
	int64_t created;          /* when accepted: seconds (wall or monotonic) */
	int64_t next_try;         /* not before: same clock as created */
	uint16_t last_code;       /* last server reply code, 0 = none */
	uint8_t priority;         /* 0 low .. 255 high: the full policy drops low first */
	uint8_t flags;            /* PL_STORE_F_* */
	char last_error[96];      /* last failure, one line, NUL-terminated */
} pl_store_state;

#define PL_STORE_F_AMBIGUOUS 0x01 /* lost after the final dot once: may be
				   * delivered twice, never zero times */

typedef enum pl_store_fate {
	PL_STORE_DELIVERED = 0,   /* remove for good */
	PL_STORE_EXPIRED,         /* keep where an admin can see it (dead letters) */
	PL_STORE_DROPPED          /* dropped by the full policy (counted) */
} pl_store_fate;

typedef struct pl_store_ops {
	/* Start a record nobody else sees until commit. */
	pl_err (*create)(void *ctx, pl_store_id *id);
	pl_err (*append)(void *ctx, pl_store_id id, const void *buf, size_t len);
	/* Make it durable and visible with st as its first state. */
	pl_err (*commit)(void *ctx, pl_store_id id, const pl_store_state *st);
	/* Forget an uncommitted record. */
	void (*discard)(void *ctx, pl_store_id id);
	/* The committed record after 'after' (0 = the oldest); *id = 0 at the end. */
	pl_err (*next)(void *ctx, pl_store_id after, pl_store_id *id);
	/* Payload bytes from off; returns the count, 0 at its end, or -pl_err. */
	long (*read)(void *ctx, pl_store_id id, uint64_t off, void *buf, size_t cap);
	pl_err (*get_state)(void *ctx, pl_store_id id, pl_store_state *st);
	pl_err (*set_state)(void *ctx, pl_store_id id, const pl_store_state *st);
	/* Exclusive claim while delivering, across processes where there are
	 * several (PL_E_BUSY when another holds it); released by unlock or by
	 * the holder's death. */
	pl_err (*lock)(void *ctx, pl_store_id id);
	void (*unlock)(void *ctx, pl_store_id id);
	pl_err (*remove)(void *ctx, pl_store_id id, pl_store_fate fate);
	/* Committed records and their payload bytes. */
	pl_err (*usage)(void *ctx, uint32_t *count, uint64_t *bytes);
} pl_store_ops;

typedef struct pl_store {
	const pl_store_ops *ops;
	void *ctx;
} pl_store;

#endif
