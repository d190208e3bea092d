/*
 * postlet port layer for POSIX hosts (Linux/glibc, BSD sockets).
 *
 * Implements port/port.h.  Design notes:
 *
 *   - Connect: getaddrinfo() (numeric literals first, so a bare "::1" works
 *     even where AI_ADDRCONFIG would filter IPv6 out), then for each address
 *     a non-blocking connect() bounded by poll() for timeout_ms, checked
 *     with SO_ERROR.  The socket is SOCK_CLOEXEC, gets TCP_NODELAY, and is
 *     switched back to blocking mode so TLS glue that uses the descriptor
 *     directly sees an ordinary socket.
 *   - send/recv: every call waits with poll() against a deadline taken from
 *     the monotonic clock at entry (so a whole pl_port_send() of many
 *     chunks never exceeds c->timeout_ms), and then moves bytes with
 *     MSG_DONTWAIT so a spurious readiness report can never block.  EINTR is
 *     retried with the remaining time.  send() uses MSG_NOSIGNAL, so a peer
 *     reset yields -PL_E_CLOSED instead of SIGPIPE, without touching the
 *     process signal disposition.
 *   - Nothing here allocates after pl_port_connect() returns (getaddrinfo's
 *     list is freed before it returns).
 *
 * Known limitation: getaddrinfo() itself cannot be bounded portably; name
 * resolution follows the resolver's own timeouts (resolv.conf), not
 * timeout_ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "port.h"
#include "log_line.h"

/*
 * The log threshold is the only global state in this file.  It has to be
 * global because the interface is: pl_port_set_log_level() and
 * pl_port_log() take no context, and they are process-wide diagnostics.
 * It is written once at start-up (command line parsing) and only read
 * afterwards, so no locking is needed.
 */
static int pl_log_level = PL_LOG_WARN;

/* Wall clock readings before this (2020-01-01T00:00:00Z) are taken as "the
 * clock was never set" and reported as PL_E_INTERNAL, per port.h. */
#define PL_PLAUSIBLE_EPOCH ((time_t)1577836800)

/* ---------------------------------------------------------------- time */

uint64_t pl_port_monotonic_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0; /* cannot happen for CLOCK_MONOTONIC on POSIX.1-2008 */
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Wait until fd reports one of events, or the deadline (monotonic ms)
 * passes.  Returns PL_OK when the descriptor is ready (including error or
 * hang-up conditions, which the following send/recv/getsockopt reports),
 * PL_E_TIMEOUT when the deadline passed, PL_E_NETWORK on poll failure.
 * EINTR is retried with the remaining time.  PL_E_TIMEOUT is only returned
 * once the monotonic clock has actually reached the deadline.
 */
static pl_err wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd;
		uint64_t now = pl_port_monotonic_ms();
		uint64_t left;
		int rc;

		if (now >= deadline)
			return PL_E_TIMEOUT;
		left = deadline - now;
		if (left > (uint64_t)INT_MAX)
			left = (uint64_t)INT_MAX;

		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return PL_E_NETWORK;
		}
		if (rc == 0)
			continue; /* re-check against the clock */
		if (pfd.revents & POLLNVAL)
			return PL_E_NETWORK;
		return PL_OK;
	}
}

/* ------------------------------------------------------------- connect */

static pl_err map_connect_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case ENETUNREACH:
	case EHOSTUNREACH:
		return PL_E_CONNECT;
	case ETIMEDOUT:
		return PL_E_TIMEOUT;
	default:
		return PL_E_NETWORK;
	}
}

/* Numeric "host" or "[v6addr]" form of an address for log lines. */
static void describe_addr(const struct addrinfo *ai, char *out, size_t outlen)
{
	char host[NI_MAXHOST];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host,
			NULL, 0, NI_NUMERICHOST) != 0) {
		(void)snprintf(out, outlen, "(unprintable address)");
		return;
	}
	if (ai->ai_family == AF_INET6)
		(void)snprintf(out, outlen, "[%s]", host);
	else
		(void)snprintf(out, outlen, "%s", host);
}

/*
 * One connection attempt.  On success stores the descriptor in *fdp and
 * returns PL_OK; otherwise returns the mapped error and *err_out holds the
 * errno detail (0 for a timeout).
 */
static pl_err try_connect(const struct addrinfo *ai, unsigned timeout_ms,
			  int *fdp, int *err_out)
{
	int fd, flags, one = 1, soerr = 0;
	socklen_t slen = sizeof soerr;
	pl_err e;

	*err_out = 0;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol);
	if (fd < 0) {
		*err_out = errno;
		/* An address family the host cannot use is "unreachable". */
		if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)
			return PL_E_CONNECT;
		return PL_E_NETWORK;
	}

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS && errno != EINTR) {
			*err_out = errno;
			e = map_connect_errno(errno);
			goto fail;
		}
		e = wait_fd(fd, POLLOUT, pl_port_monotonic_ms() + timeout_ms);
		if (e != PL_OK) {
			*err_out = (e == PL_E_TIMEOUT) ? 0 : errno;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0) {
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

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
		*err_out = errno;
		e = PL_E_NETWORK;
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		*err_out = errno;
		e = PL_E_NETWORK;
		goto fail;
	}
	*fdp = fd;
	return PL_OK;

fail:
	(void)close(fd);
	return e;
}

/* Resolve host.  IPv4/IPv6 literals are tried first without AI_ADDRCONFIG,
 * so loopback literals (notably "::1") work on hosts whose only IPv6
 * address is the loopback one; names then go through AI_ADDRCONFIG so we
 * do not try address families the host cannot reach. */
static int resolve(const char *host, const char *service,
		   struct addrinfo **res)
{
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(host, service, &hints, res);
	if (rc != EAI_NONAME)
		return rc; /* a literal (or a hard failure) */

	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	return getaddrinfo(host, service, &hints, res);
}

pl_err pl_port_connect(pl_conn *c, const char *host, uint16_t port,
		       unsigned timeout_ms)
{
	struct addrinfo *res = NULL;
	const struct addrinfo *ai;
	char service[8];
	int rc;
	pl_err last = PL_E_CONNECT;

	if (c == NULL)
		return PL_E_USAGE;
	c->handle = -1;
	c->timeout_ms = timeout_ms;
	if (host == NULL || host[0] == '\0')
		return PL_E_RESOLVE;

	(void)snprintf(service, sizeof service, "%u", (unsigned)port);
	rc = resolve(host, service, &res);
	if (rc != 0) {
		if (rc == EAI_SYSTEM)
			pl_port_log(PL_LOG_INFO, "cannot resolve %s: %s", host,
				    strerror(errno));
		else
			pl_port_log(PL_LOG_INFO, "cannot resolve %s: %s", host,
				    gai_strerror(rc));
		return PL_E_RESOLVE;
	}

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		char addr[NI_MAXHOST + 2];
		int fd = -1, detail = 0;

		last = try_connect(ai, timeout_ms, &fd, &detail);
		describe_addr(ai, addr, sizeof addr);
		if (last == PL_OK) {
			pl_port_log(PL_LOG_INFO, "connected to %s:%u", addr,
				    (unsigned)port);
			c->handle = fd;
			break;
		}
		if (last == PL_E_TIMEOUT && detail == 0)
			pl_port_log(PL_LOG_INFO,
				    "connect to %s:%u: timed out after %u ms",
				    addr, (unsigned)port, timeout_ms);
		else
			pl_port_log(PL_LOG_INFO, "connect to %s:%u: %s", addr,
				    (unsigned)port, strerror(detail));
	}
	freeaddrinfo(res);
	return last;
}

/* ------------------------------------------------------------ send/recv */

long pl_port_send(pl_conn *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t done = 0;
	uint64_t deadline;

	if (c == NULL || (buf == NULL && len != 0) || len > (size_t)LONG_MAX)
		return -(long)PL_E_USAGE;
	if (c->handle < 0)
		return -(long)PL_E_CLOSED;

	deadline = pl_port_monotonic_ms() + c->timeout_ms;
	while (done < len) {
		ssize_t n;
		pl_err e = wait_fd(c->handle, POLLOUT, deadline);

		if (e != PL_OK)
			return -(long)e;
		n = send(c->handle, p + done, len - done,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		switch (errno) {
		case EINTR:
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			continue;
		case EPIPE:
		case ECONNRESET:
		case ENOTCONN:
			return -(long)PL_E_CLOSED;
		default:
			return -(long)PL_E_NETWORK;
		}
	}
	return (long)len;
}

long pl_port_recv(pl_conn *c, void *buf, size_t len)
{
	uint64_t deadline;

	if (c == NULL || buf == NULL || len == 0)
		return -(long)PL_E_USAGE;
	if (c->handle < 0)
		return -(long)PL_E_CLOSED;
	if (len > (size_t)LONG_MAX)
		len = (size_t)LONG_MAX;

	deadline = pl_port_monotonic_ms() + c->timeout_ms;
	for (;;) {
		ssize_t n;
		pl_err e = wait_fd(c->handle, POLLIN, deadline);

		if (e != PL_OK)
			return -(long)e;
		n = recv(c->handle, buf, len, MSG_DONTWAIT);
		if (n > 0) {
#ifdef TCP_QUICKACK
			/* Acknowledge at once: a server that sent a TLS session
			 * ticket holds its next small reply (Nagle) until the
			 * ticket is acked, and a delayed ACK costs 40 ms plus a
			 * round trip.  Linux clears the flag again, so re-arm it. */
			int one = 1;

			(void)setsockopt(c->handle, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#endif
			return (long)n;
		}
		if (n == 0)
			return -(long)PL_E_CLOSED;
		switch (errno) {
		case EINTR:
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			continue;
		case ECONNRESET:
		case ENOTCONN:
		case EPIPE:
			return -(long)PL_E_CLOSED;
		case ETIMEDOUT:
			return -(long)PL_E_TIMEOUT;
		default:
			return -(long)PL_E_NETWORK;
		}
	}
}

void pl_port_close(pl_conn *c)
{
	if (c == NULL || c->handle < 0)
		return;
	/* Linux always releases the descriptor, even when close() reports
	 * EINTR, so retrying would risk closing someone else's descriptor. */
	(void)close(c->handle);
	c->handle = -1;
}

/* --------------------------------------------------------------- random */

static pl_err random_urandom(unsigned char *p, size_t len)
{
	int fd;

	do {
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return PL_E_INTERNAL;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)close(fd);
			return PL_E_INTERNAL;
		}
		p += n;
		len -= (size_t)n;
	}
	(void)close(fd);
	return PL_OK;
}

pl_err pl_port_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	if (buf == NULL && len != 0)
		return PL_E_INTERNAL;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* ENOSYS (old kernel), EPERM (seccomp), ...: use the device. */
		return random_urandom(p, len);
	}
	return PL_OK;
}

/* ----------------------------------------------------------- wall clock */

pl_err pl_port_wall_clock(int64_t *utc_seconds, int *utc_offset_minutes)
{
	struct tm tm;
	time_t now = time(NULL);

	if (now == (time_t)-1 || now < PL_PLAUSIBLE_EPOCH)
		return PL_E_INTERNAL;
	tzset();
	if (localtime_r(&now, &tm) == NULL)
		return PL_E_INTERNAL;
	if (utc_seconds != NULL)
		*utc_seconds = (int64_t)now;
	if (utc_offset_minutes != NULL)
		*utc_offset_minutes = (int)(tm.tm_gmtoff / 60);
	return PL_OK;
}

/* ------------------------------------------------------------------ log */

void pl_port_set_log_level(int level)
{
	pl_log_level = level;
}

/*
 * One line per call, written with a single stdio call so concurrent writers
 * do not interleave mid-line.  Error/warning/info lines get the "postlet: "
 * prefix; trace lines are printed as the caller formatted them.  A trailing
 * newline in the message is optional: exactly one is written.  Messages
 * longer than the buffer are truncated and marked with "[...]".
 */
void pl_port_log(int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	if (level > pl_log_level || fmt == NULL)
		return;

	va_start(ap, fmt);
	n = pl_log_format(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;

	(void)fprintf(stderr, "%s%s\n", level < PL_LOG_TRACE ? "postlet: " : "",
		      line);
}
