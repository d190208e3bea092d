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

#endif
