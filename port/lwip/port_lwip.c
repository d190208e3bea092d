/*
 * postlet port layer for lwIP (socket API, NO_SYS=0: an RTOS or the unix
 * port's pthreads).
 *
 * Implements port/port.h.  Design notes:
 *
 *   - Connect: numeric IPv4/IPv6 literals are parsed with ipaddr_aton(); a
 *     name goes through lwip_getaddrinfo() only when the build has
 *     LWIP_DNS, otherwise it is PL_E_RESOLVE with a log line saying why.
 *     Each address gets a non-blocking lwip_connect() bounded by lwip_poll()
 *     (LWIP_SOCKET_POLL) or lwip_select() (LWIP_SOCKET_SELECT) for
 *     timeout_ms, checked with SO_ERROR.  Without either, the connect
 *     blocks and is bounded only by lwIP's SYN retransmissions
 *     (TCP_SYNMAXRTX), which the log says.  The socket then gets
 *     TCP_NODELAY and goes back to blocking mode.
 *   - send/recv: blocking calls bounded by SO_SNDTIMEO/SO_RCVTIMEO, set to
 *     timeout_ms at connect.  lwIP returns EWOULDBLOCK (partial count for a
 *     send) when the timeout runs out.  A send that needs several lwip_send()
 *     calls re-arms SO_SNDTIMEO with what is left of the call's deadline, so
 *     one pl_port_send() never exceeds timeout_ms; an early wake-up in recv
 *     does the same with SO_RCVTIMEO.  Both are restored to timeout_ms
 *     before returning.  PL_E_TIMEOUT is only returned once sys_now() has
 *     reached the deadline.
 *   - The clock is sys_now() (32-bit ms) widened to 64 bits.  Entropy, wall
 *     clock and log output are board hooks (port_lwip.h).
 *   - Nothing here allocates after pl_port_connect() returns; only
 *     lwip_getaddrinfo() (DNS builds) allocates, and its list is freed
 *     before connect returns.
 *
 * errno: lwIP's socket layer reports through errno, which is the C
 * library's (thread-local) errno when the port defines
 * LWIP_ERRNO_STDINCLUDE/LWIP_ERRNO_INCLUDE, and a single global int with
 * LWIP_PROVIDE_ERRNO.  In the latter case only one task may use lwIP
 * sockets at a time for the error mapping here to be exact.
 */
#include "lwip/opt.h"

#if NO_SYS
#error "port_lwip.c needs NO_SYS 0 (an RTOS) in lwipopts.h: it uses the socket API; bare metal needs the raw/altcp driver (see port/lwip/README.md)"
#endif
#if !LWIP_TCP
#error "port_lwip.c needs LWIP_TCP 1 in lwipopts.h"
#endif
#if !LWIP_SOCKET
#error "port_lwip.c needs LWIP_SOCKET 1 in lwipopts.h (lwIP socket API)"
#endif
#if !LWIP_SO_RCVTIMEO
#error "port_lwip.c needs LWIP_SO_RCVTIMEO 1 in lwipopts.h (bounded receives)"
#endif
#if !LWIP_SO_SNDTIMEO
#error "port_lwip.c needs LWIP_SO_SNDTIMEO 1 in lwipopts.h (bounded sends)"
#endif

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>   /* vsnprintf/snprintf only: no FILE streams are used */
#include <string.h>

#include "lwip/errno.h"
#include "lwip/inet.h"
#include "lwip/ip_addr.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#if LWIP_DNS
#include "lwip/netdb.h"
#endif

#include "port.h"
#include "log_line.h"
#include "port_lwip.h"

#if LWIP_SOCKET_POLL
#define PL_LWIP_WAIT_POLL 1
#elif LWIP_SOCKET_SELECT
#define PL_LWIP_WAIT_SELECT 1
#endif

/* Longest log line handed to pl_board_log() (bytes, including the NUL);
 * it lives on the caller's stack.  Longer lines are cut and end in "[...]". */
#ifndef PL_LWIP_LOG_LINE_MAX
#define PL_LWIP_LOG_LINE_MAX 256
#endif

/* Wall clock readings before this (2020-01-01T00:00:00Z) mean "the clock
 * was never set" (an RTC that starts at 1970 or 2000): PL_E_INTERNAL. */
#define PL_PLAUSIBLE_EPOCH ((int64_t)1577836800)

/* Process-wide log threshold: the interface takes no context.  Written at
 * start-up, read afterwards. */
static int pl_log_level = PL_LOG_WARN;

/* ---------------------------------------------------------------- time */

/*
 * sys_now() is a 32-bit millisecond counter that wraps after 49.7 days;
 * widen it.  Correct as long as it is called at least once per wrap
 * period, which any connection in progress does.  SYS_ARCH_PROTECT keeps
 * two tasks from counting one wrap twice.
 */
uint64_t pl_port_monotonic_ms(void)
{
	static u32_t last;
	static uint64_t high;
	uint64_t r;
	u32_t now;
	SYS_ARCH_DECL_PROTECT(lev);

	SYS_ARCH_PROTECT(lev);
	now = sys_now();
	if (now < last)
		high += (uint64_t)1 << 32;
	last = now;
	r = high | now;
	SYS_ARCH_UNPROTECT(lev);
	return r;
}

static unsigned ms_left(uint64_t deadline)
{
	uint64_t now = pl_port_monotonic_ms();

	if (now >= deadline)
		return 0;
	if (deadline - now > (uint64_t)INT_MAX)
		return (unsigned)INT_MAX;
	return (unsigned)(deadline - now);
}

/* SO_RCVTIMEO / SO_SNDTIMEO to ms.  lwIP treats 0 as "wait forever", so
 * the smallest bound is 1 ms. */
static int set_timeo(int fd, int opt, unsigned ms)
{
	if (ms == 0)
		ms = 1;
	if (ms > (unsigned)INT_MAX)
		ms = (unsigned)INT_MAX;
#if LWIP_SO_SNDRCVTIMEO_NONSTANDARD
	{
		int v = (int)ms;

		return lwip_setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v);
	}
#else
	{
		struct timeval tv;

		tv.tv_sec = (long)(ms / 1000u);
		tv.tv_usec = (long)(ms % 1000u) * 1000;
		return lwip_setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv);
	}
#endif
}

static int is_would_block(int e)
{
	return e == EAGAIN
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
	       || e == EWOULDBLOCK
#endif
	       || e == ETIMEDOUT;
}

static int is_closed(int e)
{
	return e == ECONNRESET || e == ENOTCONN || e == EPIPE || e == ECONNABORTED
#ifdef ESHUTDOWN
	       || e == ESHUTDOWN
#endif
		;
}

/* ------------------------------------------------------------- connect */

static pl_err map_connect_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ECONNRESET:   /* lwIP reports a refused SYN (RST) as ERR_RST */
	case ECONNABORTED: /* ... and SYN retransmissions giving up as ERR_ABRT */
		return PL_E_CONNECT;
	case ETIMEDOUT:
		return PL_E_TIMEOUT;
	default:
		return PL_E_NETWORK;
	}
}

#if defined(PL_LWIP_WAIT_POLL) || defined(PL_LWIP_WAIT_SELECT)
/* Wait until fd is writable or reports an error, or the deadline passes. */
static pl_err wait_writable(int fd, uint64_t deadline)
{
	for (;;) {
		unsigned left = ms_left(deadline);
		int rc;

		if (left == 0)
			return PL_E_TIMEOUT;
#if defined(PL_LWIP_WAIT_POLL)
		{
			struct pollfd pfd;

			pfd.fd = fd;
			pfd.events = POLLOUT;
			pfd.revents = 0;
			rc = lwip_poll(&pfd, 1, (int)left);
			if (rc > 0 && (pfd.revents & POLLNVAL))
				return PL_E_NETWORK;
		}
#else
		{
			fd_set wset, eset;
			struct timeval tv;

			FD_ZERO(&wset);
			FD_ZERO(&eset);
			FD_SET(fd, &wset);
			FD_SET(fd, &eset);
			tv.tv_sec = (long)(left / 1000u);
			tv.tv_usec = (long)(left % 1000u) * 1000;
			rc = lwip_select(fd + 1, NULL, &wset, &eset, &tv);
		}
#endif
		if (rc > 0)
			return PL_OK;
		if (rc < 0 && errno != EINTR && errno != EAGAIN)
			return PL_E_NETWORK;
		/* timeout or EINTR: re-check against the clock */
	}
}
#endif

/* Numeric form of an address for log lines ("192.0.2.1", "[2001:db8::1]"). */
static void describe_addr(const ip_addr_t *a, char *out, size_t cap)
{
	char tmp[IPADDR_STRLEN_MAX];

	if (ipaddr_ntoa_r(a, tmp, (int)sizeof tmp) == NULL)
		(void)snprintf(out, cap, "(unprintable address)");
	else if (IP_IS_V6(a))
		(void)snprintf(out, cap, "[%s]", tmp);
	else
		(void)snprintf(out, cap, "%s", tmp);
}

/*
 * One connection attempt.  On success stores the socket in *fdp; otherwise
 * returns the mapped error with the errno detail in *err_out (0 for a
 * timeout of our own).
 */
static pl_err try_connect(const ip_addr_t *addr, uint16_t port,
			  unsigned timeout_ms, int *fdp, int *err_out)
{
	union {
		struct sockaddr sa;
#if LWIP_IPV4
		struct sockaddr_in in4;
#endif
#if LWIP_IPV6
		struct sockaddr_in6 in6;
#endif
	} sa;
	socklen_t salen;
	int fd, family, one = 1;
	pl_err e;

	*err_out = 0;
	memset(&sa, 0, sizeof sa);
#if LWIP_IPV6
	if (IP_IS_V6(addr)) {
		family = AF_INET6;
		sa.in6.sin6_family = AF_INET6;
		sa.in6.sin6_port = lwip_htons(port);
		inet6_addr_from_ip6addr(&sa.in6.sin6_addr, ip_2_ip6(addr));
		salen = sizeof sa.in6;
	} else
#endif
	{
#if LWIP_IPV4
		family = AF_INET;
		sa.in4.sin_family = AF_INET;
		sa.in4.sin_port = lwip_htons(port);
		inet_addr_from_ip4addr(&sa.in4.sin_addr, ip_2_ip4(addr));
		salen = sizeof sa.in4;
#else
		*err_out = EAFNOSUPPORT;
		return PL_E_CONNECT;
#endif
	}

	fd = lwip_socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (fd < 0) {
		*err_out = errno;
		if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)
			return PL_E_CONNECT;
		return PL_E_NETWORK;
	}

#if defined(PL_LWIP_WAIT_POLL) || defined(PL_LWIP_WAIT_SELECT)
	if (lwip_fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		*err_out = errno;
		e = PL_E_NETWORK;
		goto fail;
	}
	if (lwip_connect(fd, &sa.sa, salen) != 0) {
		int soerr = 0;
		socklen_t slen = sizeof soerr;

		if (errno != EINPROGRESS && errno != EINTR && errno != EALREADY) {
			*err_out = errno;
			e = map_connect_errno(errno);
			goto fail;
		}
		e = wait_writable(fd, pl_port_monotonic_ms() + timeout_ms);
		if (e != PL_OK) {
			*err_out = (e == PL_E_TIMEOUT) ? 0 : errno;
			goto fail;
		}
		if (lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0) {
			*err_out = errno;
			e = PL_E_NETWORK;
			goto fail;
		}
		if (soerr != 0) {
			*err_out = soerr;
			e = map_connect_errno(soerr);
			goto fail;
		}
	}
	if (lwip_fcntl(fd, F_SETFL, 0) != 0) {
		*err_out = errno;
		e = PL_E_NETWORK;
		goto fail;
	}
#else
	(void)timeout_ms;
	if (lwip_connect(fd, &sa.sa, salen) != 0) {
		*err_out = errno;
		e = map_connect_errno(errno);
		goto fail;
	}
#endif

	if (lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
	    set_timeo(fd, SO_RCVTIMEO, timeout_ms) != 0 ||
	    set_timeo(fd, SO_SNDTIMEO, timeout_ms) != 0) {
		*err_out = errno;
		e = PL_E_NETWORK;
		goto fail;
	}
	*fdp = fd;
	return PL_OK;

fail:
	(void)lwip_close(fd);
	return e;
}

static pl_err connect_addr(pl_conn *c, const ip_addr_t *addr, uint16_t port,
			   unsigned timeout_ms)
{
	char where[IPADDR_STRLEN_MAX + 24]; /* "[v6]" or "(unprintable address)" */
	int fd = -1, detail = 0;
	pl_err e = try_connect(addr, port, timeout_ms, &fd, &detail);

	describe_addr(addr, where, sizeof where);
	if (e == PL_OK) {
		pl_port_log(PL_LOG_INFO, "connected to %s:%u", where, (unsigned)port);
		c->handle = fd;
	} else if (e == PL_E_TIMEOUT && detail == 0) {
		pl_port_log(PL_LOG_INFO, "connect to %s:%u: timed out after %u ms",
			    where, (unsigned)port, timeout_ms);
	} else {
		pl_port_log(PL_LOG_INFO, "connect to %s:%u: %s (errno %d)", where,
			    (unsigned)port, pl_strerror(e), detail);
	}
	return e;
}

#if LWIP_DNS
/* Convert one getaddrinfo() result to an ip_addr_t. */
static int ai_to_ipaddr(const struct addrinfo *ai, ip_addr_t *out)
{
#if LWIP_IPV4
	if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)ai->ai_addr;

		ip_addr_set_zero_ip4(out);
		inet_addr_to_ip4addr(ip_2_ip4(out), &s->sin_addr);
		return 1;
	}
#endif
#if LWIP_IPV6
	if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)ai->ai_addr;

		ip_addr_set_zero_ip6(out);
		inet6_addr_to_ip6addr(ip_2_ip6(out), &s->sin6_addr);
		return 1;
	}
#endif
	return 0;
}
#endif

pl_err pl_port_connect(pl_conn *c, const char *host, uint16_t port,
		       unsigned timeout_ms)
{
	ip_addr_t addr;

	if (c == NULL)
		return PL_E_USAGE;
	c->handle = -1;
	c->timeout_ms = timeout_ms;
	if (host == NULL || host[0] == '\0')
		return PL_E_RESOLVE;

	if (ipaddr_aton(host, &addr))
		return connect_addr(c, &addr, port, timeout_ms);

#if LWIP_DNS
	{
		struct addrinfo hints, *res = NULL;
		const struct addrinfo *ai;
		char service[8];
		pl_err last = PL_E_RESOLVE;
		int rc;

		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_protocol = IPPROTO_TCP;
		(void)snprintf(service, sizeof service, "%u", (unsigned)port);
		/* Bounded by lwIP's DNS retries (DNS_MAX_RETRIES), not timeout_ms. */
		rc = lwip_getaddrinfo(host, service, &hints, &res);
		if (rc != 0 || res == NULL) {
			pl_port_log(PL_LOG_INFO, "cannot resolve %s: lwip_getaddrinfo error %d",
				    host, rc);
			return PL_E_RESOLVE;
		}
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (!ai_to_ipaddr(ai, &addr))
				continue;
			last = connect_addr(c, &addr, port, timeout_ms);
			if (last == PL_OK)
				break;
		}
		lwip_freeaddrinfo(res);
		return last;
	}
#else
	pl_port_log(PL_LOG_ERROR,
		    "cannot resolve %s: this lwIP build has no DNS (LWIP_DNS is 0 in "
		    "lwipopts.h); give the server as a numeric IPv4/IPv6 address",
		    host);
	return PL_E_RESOLVE;
#endif
}

/* ------------------------------------------------------------ send/recv */

long pl_port_send(pl_conn *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t done = 0;
	uint64_t deadline;
	int rearmed = 0;
	long ret;

	if (c == NULL || (buf == NULL && len != 0) || len > (size_t)LONG_MAX)
		return -(long)PL_E_USAGE;
	if (c->handle < 0)
		return -(long)PL_E_CLOSED;

	deadline = pl_port_monotonic_ms() + c->timeout_ms;
	while (done < len) {
		ssize_t n;
		int err;

		n = lwip_send(c->handle, p + done, len - done, 0);
		if (n > 0) {
			done += (size_t)n;
		} else {
			err = errno;
			if (n == 0 || err == EINTR || is_would_block(err)) {
				/* fall through to the deadline check */
			} else if (is_closed(err)) {
				ret = -(long)PL_E_CLOSED;
				goto out;
			} else {
				ret = -(long)PL_E_NETWORK;
				goto out;
			}
		}
		if (done < len) {
			unsigned left = ms_left(deadline);

			if (left == 0) {
				ret = -(long)PL_E_TIMEOUT;
				goto out;
			}
			if (set_timeo(c->handle, SO_SNDTIMEO, left) != 0) {
				ret = -(long)PL_E_NETWORK;
				goto out;
			}
			rearmed = 1;
		}
	}
	ret = (long)len;
out:
	if (rearmed)
		(void)set_timeo(c->handle, SO_SNDTIMEO, c->timeout_ms);
	return ret;
}

long pl_port_recv(pl_conn *c, void *buf, size_t len)
{
	uint64_t deadline;
	int rearmed = 0;
	long ret;

	if (c == NULL || buf == NULL || len == 0)
		return -(long)PL_E_USAGE;
	if (c->handle < 0)
		return -(long)PL_E_CLOSED;
	if (len > (size_t)LONG_MAX)
		len = (size_t)LONG_MAX;

	deadline = pl_port_monotonic_ms() + c->timeout_ms;
	for (;;) {
		ssize_t n = lwip_recv(c->handle, buf, len, 0);
		int err;
		unsigned left;

		if (n > 0) {
			ret = (long)n;
			break;
		}
		if (n == 0) {
			ret = -(long)PL_E_CLOSED;
			break;
		}
		err = errno;
		if (is_closed(err)) {
			ret = -(long)PL_E_CLOSED;
			break;
		}
		if (err != EINTR && !is_would_block(err)) {
			ret = -(long)PL_E_NETWORK;
			break;
		}
		/* SO_RCVTIMEO ran out (or an early wake-up): is the deadline
		 * really reached? */
		left = ms_left(deadline);
		if (left == 0) {
			ret = -(long)PL_E_TIMEOUT;
			break;
		}
		if (set_timeo(c->handle, SO_RCVTIMEO, left) != 0) {
			ret = -(long)PL_E_NETWORK;
			break;
		}
		rearmed = 1;
	}
	if (rearmed)
		(void)set_timeo(c->handle, SO_RCVTIMEO, c->timeout_ms);
	return ret;
}

void pl_port_close(pl_conn *c)
{
	if (c == NULL || c->handle < 0)
		return;
	(void)lwip_close(c->handle);
	c->handle = -1;
}

/* ------------------------------------------------ board: random, clock */

pl_err pl_port_random(void *buf, size_t len)
{
	if (buf == NULL && len != 0)
		return PL_E_INTERNAL;
	if (len == 0)
		return PL_OK;
	return pl_board_random(buf, len) == 0 ? PL_OK : PL_E_INTERNAL;
}

pl_err pl_port_wall_clock(int64_t *utc_seconds, int *utc_offset_minutes)
{
	int64_t utc = 0;
	int off = 0;

	if (pl_board_wall_clock(&utc, &off) != 0 || utc < PL_PLAUSIBLE_EPOCH)
		return PL_E_INTERNAL;
	if (off < -24 * 60 || off > 24 * 60)
		return PL_E_INTERNAL;
	if (utc_seconds != NULL)
		*utc_seconds = utc;
	if (utc_offset_minutes != NULL)
		*utc_offset_minutes = off;
	return PL_OK;
}

/* ------------------------------------------------------------------ log */

void pl_port_set_log_level(int level)
{
	pl_log_level = level;
}

/*
 * Format into a stack buffer and hand one line, without trailing CR/LF, to
 * the board.  Over-long lines are cut and marked "[...]".
 */
void pl_port_log(int level, const char *fmt, ...)
{
	char line[PL_LWIP_LOG_LINE_MAX];
	va_list ap;
	int n;

	if (level > pl_log_level || fmt == NULL)
		return;

	va_start(ap, fmt);
	n = pl_log_format(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	pl_board_log(level, line);
}
