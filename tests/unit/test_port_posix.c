/*
 * Unit tests for port/posix/port_posix.c against real loopback sockets.
 *
 * Each network test starts a listening socket on 127.0.0.1 (or ::1) with
 * port 0, then forks a child that plays the peer for exactly one
 * connection and exits with status 0 when it saw what it expected.  The
 * child never calls cmocka; it only reports through its exit status.
 *
 * Build:
 *   gcc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra \
 *       -Werror -Iport -Iagent tests/unit/test_port_posix.c \
 *       port/posix/port_posix.c -lcmocka
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "port.h"

#define TIMEOUT_MS   5000u  /* generous: valgrind is slow */
#define SHORT_MS     300u   /* for the tests that wait for a timeout */
#define BIG_LEN      (1024u * 1024u)

/* ------------------------------------------------------------ helpers */

enum peer_mode {
	PEER_ECHO,        /* read one line, send it back, wait for EOF */
	PEER_SILENT,      /* send nothing, wait for EOF */
	PEER_CLOSE,       /* close at once */
	PEER_SINK_BIG,    /* read BIG_LEN bytes, check pattern, reply OK */
	PEER_STALL,       /* never read; parent kills it */
};

struct peer {
	pid_t pid;
	uint16_t port;
};

static unsigned char pattern_byte(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read until EOF (or error); returns 0 on EOF. */
static int drain_to_eof(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return 0;
		if (n < 0)
			return (errno == ECONNRESET) ? 0 : -1;
	}
}

static int peer_run(int conn, enum peer_mode mode)
{
	char line[256];
	size_t got = 0;

	switch (mode) {
	case PEER_ECHO:
		while (got < sizeof line) {
			ssize_t n = read(conn, line + got, sizeof line - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return 1;
			got += (size_t)n;
			if (memchr(line, '\n', got) != NULL)
				break;
		}
		if (write_all(conn, line, got) != 0)
			return 2;
		return drain_to_eof(conn) == 0 ? 0 : 3;
	case PEER_SILENT:
		return drain_to_eof(conn) == 0 ? 0 : 3;
	case PEER_CLOSE:
		return 0;
	case PEER_SINK_BIG: {
		unsigned char buf[8192];

		while (got < BIG_LEN) {
			ssize_t n = read(conn, buf, sizeof buf);
			ssize_t i;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return 4;
			for (i = 0; i < n; i++)
				if (buf[i] != pattern_byte(got + (size_t)i))
					return 5;
			got += (size_t)n;
		}
		if (write_all(conn, "OK\n", 3) != 0)
			return 6;
		return drain_to_eof(conn) == 0 ? 0 : 3;
	}
	case PEER_STALL: {
		/* Do not read; just wait until the parent kills us. */
		for (;;)
			pause();
	}
	}
	return 9;
}

/* Listen on family's loopback; returns -1 (and errno) if unavailable. */
static int listen_loopback(int family, uint16_t *port, int small_rcvbuf)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof *s4;
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (small_rcvbuf) {
		int sz = 4096;

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 4) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET6 ?
		      ((struct sockaddr_in6 *)&ss)->sin6_port :
		      ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Start a peer; returns 0, or -1 if the family is unavailable. */
static int peer_start_opt(struct peer *p, int family, enum peer_mode mode,
			  int small_rcvbuf)
{
	int lfd = listen_loopback(family, &p->port, small_rcvbuf);

	if (lfd < 0)
		return -1;
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		int conn;

		signal(SIGPIPE, SIG_IGN); /* peer helpers use write() */
		do {
			conn = accept(lfd, NULL, NULL);
		} while (conn < 0 && errno == EINTR);
		close(lfd);
		if (conn < 0)
			_exit(8);
		int rc = peer_run(conn, mode);
		close(conn);
		_exit(rc);
	}
	close(lfd);
	return 0;
}

static int peer_start(struct peer *p, int family, enum peer_mode mode)
{
	return peer_start_opt(p, family, mode, 0);
}

/* Wait for the peer and assert it exited cleanly. */
static void peer_finish(struct peer *p)
{
	int st = 0;
	pid_t r;

	do {
		r = waitpid(p->pid, &st, 0);
	} while (r < 0 && errno == EINTR);
	assert_int_equal(r, p->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void peer_kill(struct peer *p)
{
	int st;

	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
}

static void connect_ok(pl_conn *c, const char *host, uint16_t port,
		       unsigned timeout_ms)
{
	assert_int_equal(pl_port_connect(c, host, port, timeout_ms), PL_OK);
	assert_true(c->handle >= 0);
	assert_int_equal(c->timeout_ms, timeout_ms);
}

/* Send a line, read it back through pl_port_recv. */
static void echo_round_trip(pl_conn *c)
{
	static const char msg[] = "EHLO postlet.test\r\n";
	char buf[sizeof msg];
	size_t got = 0;

	assert_int_equal(pl_port_send(c, msg, strlen(msg)), (long)strlen(msg));
	while (got < strlen(msg)) {
		long n = pl_port_recv(c, buf + got, sizeof buf - 1 - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
	buf[got] = '\0';
	assert_string_equal(buf, msg);
}

/* A closed, just-released loopback port (nobody listens on it). */
static uint16_t unused_port(void)
{
	uint16_t port = 0;
	int fd = listen_loopback(AF_INET, &port, 0);

	assert_true(fd >= 0);
	close(fd);
	return port;
}

/* --------------------------------------------------------------- tests */

static void test_round_trip_ipv4(void **state)
{
	struct peer p;
	pl_conn c;

	(void)state;
	assert_int_equal(peer_start(&p, AF_INET, PEER_ECHO), 0);
	connect_ok(&c, "127.0.0.1", p.port, TIMEOUT_MS);
	echo_round_trip(&c);
	pl_port_close(&c);
	peer_finish(&p);
}

static void test_round_trip_ipv6(void **state)
{
	struct peer p;
	pl_conn c;

	(void)state;
	if (peer_start(&p, AF_INET6, PEER_ECHO) != 0) {
		skip(); /* no IPv6 loopback on this host */
		return;
	}
	connect_ok(&c, "::1", p.port, TIMEOUT_MS);
	echo_round_trip(&c);
	pl_port_close(&c);
	peer_finish(&p);
}

/* "localhost" by name; if it also resolves to ::1 (not listening), the
 * port must fall through to the next address. */
static void test_round_trip_name(void **state)
{
	struct peer p;
	pl_conn c;

	(void)state;
	assert_int_equal(peer_start(&p, AF_INET, PEER_ECHO), 0);
	connect_ok(&c, "localhost", p.port, TIMEOUT_MS);
	echo_round_trip(&c);
	pl_port_close(&c);
	peer_finish(&p);
}

static void test_socket_options(void **state)
{
	struct peer p;
	pl_conn c;
	int v = 0, fl;
	socklen_t sl = sizeof v;

	(void)state;
	assert_int_equal(peer_start(&p, AF_INET, PEER_SILENT), 0);
	connect_ok(&c, "127.0.0.1", p.port, TIMEOUT_MS);
	assert_int_equal(getsockopt(c.handle, IPPROTO_TCP, TCP_NODELAY, &v,
				    &sl), 0);
	assert_true(v != 0);
	fl = fcntl(c.handle, F_GETFD);
	assert_true(fl >= 0 && (fl & FD_CLOEXEC));
	fl = fcntl(c.handle, F_GETFL);
	assert_true(fl >= 0 && !(fl & O_NONBLOCK)); /* back to blocking */
	pl_port_close(&c);
	peer_finish(&p);
}

static void test_recv_timeout(void **state)
{
	struct peer p;
	pl_conn c;
	char buf[16];
	uint64_t t0, t1;
	long n;

	(void)state;
	assert_int_equal(peer_start(&p, AF_INET, PEER_SILENT), 0);
	connect_ok(&c, "127.0.0.1", p.port, SHORT_MS);
	t0 = pl_port_monotonic_ms();
	n = pl_port_recv(&c, buf, sizeof buf);
	t1 = pl_port_monotonic_ms();
	assert_int_equal(n, -(long)PL_E_TIMEOUT);
	assert_true(t1 - t0 >= SHORT_MS);
	pl_port_close(&c);
	peer_finish(&p);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* A stream of signals (handler without SA_RESTART) must neither surface
 * as an error nor cut the wait short. */
static void test_recv_timeout_eintr(void **state)
{
	struct peer p;
	pl_conn c;
	char buf[16];
	struct sigaction sa, old;
	struct itimerval it, off;
	uint64_t t0, t1;
	long n;

	(void)state;
	assert_int_equal(peer_start(&p, AF_INET, PEER_SILENT), 0);
	connect_ok(&c, "127.0.0.1", p.port, SHORT_MS);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: poll() returns EINTR */
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	memset(&it, 0, sizeof it);
	it.it_interval.tv_usec = 20000;
	it.it_value.tv_usec = 20000;
	memset(&off, 0, sizeof off);
	alarms = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);

	t0 = pl_port_monotonic_ms();
	n = pl_port_recv(&c, buf, sizeof buf);
	t1 = pl_port_monotonic_ms();

	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);

	assert_int_equal(n, -(long)PL_E_TIMEOUT);
	assert_true(t1 - t0 >= SHORT_MS);
	assert_true(alarms > 0);
	pl_port_close(&c);
	peer_finish(&p);
}

static void test_peer_close(void **state)
{
	struct peer p;
	pl_conn c;
	char buf[16];
	long n = 0;
	int i;

	(void)state;
	assert_int_equal(peer_start(&p, AF_INET, PEER_CLOSE), 0);
	connect_ok(&c, "127.0.0.1", p.port, TIMEOUT_MS);
	peer_finish(&p); /* peer has closed its end */
	assert_int_equal(pl_port_recv(&c, buf, sizeof buf),
			 -(long)PL_E_CLOSED);
	/* Writing to a closed peer: the first writes may be accepted, then
	 * the reset surfaces as -PL_E_CLOSED (and no SIGPIPE kills us). */
	for (i = 0; i < 200; i++) {
		n = pl_port_send(&c, "QUIT\r\n", 6);
		if (n < 0)
			break;
		usleep(5000);
	}
	assert_int_equal(n, -(long)PL_E_CLOSED);
	pl_port_close(&c);
}

static void test_big_send(void **state)
{
	struct peer p;
	pl_conn c;
	unsigned char *big;
	char reply[4] = { 0 };
	size_t got = 0;
	size_t i;

	(void)state;
	big = malloc(BIG_LEN);
	assert_non_null(big);
	for (i = 0; i < BIG_LEN; i++)
		big[i] = pattern_byte(i);

	assert_int_equal(peer_start(&p, AF_INET, PEER_SINK_BIG), 0);
	connect_ok(&c, "127.0.0.1", p.port, TIMEOUT_MS);
	assert_int_equal(pl_port_send(&c, big, BIG_LEN), (long)BIG_LEN);
	free(big);
	while (got < 3) {
		long n = pl_port_recv(&c, reply + got, 3 - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(reply, "OK\n", 3);
	pl_port_close(&c);
	peer_finish(&p);
}

/* A peer that never reads: a large send must give up with -PL_E_TIMEOUT
 * once the socket buffers are full, not block forever. */
static void test_send_timeout(void **state)
{
	struct peer p;
	pl_conn c;
	unsigned char *big;
	size_t len = 8u * BIG_LEN;
	int sz = 4096;
	uint64_t t0, t1;
	long n;

	(void)state;
	big = calloc(1, len);
	assert_non_null(big);
	assert_int_equal(peer_start_opt(&p, AF_INET, PEER_STALL, 1), 0);
	connect_ok(&c, "127.0.0.1", p.port, SHORT_MS);
	(void)setsockopt(c.handle, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	t0 = pl_port_monotonic_ms();
	n = pl_port_send(&c, big, len);
	t1 = pl_port_monotonic_ms();
	free(big);
	assert_int_equal(n, -(long)PL_E_TIMEOUT);
	assert_true(t1 - t0 >= SHORT_MS);
	pl_port_close(&c);
	peer_kill(&p);
}

static void test_connect_refused(void **state)
{
	pl_conn c;

	(void)state;
	assert_int_equal(pl_port_connect(&c, "127.0.0.1", unused_port(),
					 TIMEOUT_MS), PL_E_CONNECT);
	assert_int_equal(c.handle, -1);
	pl_port_close(&c); /* harmless on a failed connection */
}

static void test_resolve_failure(void **state)
{
	pl_conn c;

	(void)state;
	assert_int_equal(pl_port_connect(&c, "nonexistent.invalid", 25,
					 TIMEOUT_MS), PL_E_RESOLVE);
	assert_int_equal(c.handle, -1);
	assert_int_equal(pl_port_connect(&c, "", 25, TIMEOUT_MS),
			 PL_E_RESOLVE);
	assert_int_equal(c.handle, -1);
}

static void test_close_twice(void **state)
{
	struct peer p;
	pl_conn c;
	char buf[4];

	(void)state;
	assert_int_equal(peer_start(&p, AF_INET, PEER_SILENT), 0);
	connect_ok(&c, "127.0.0.1", p.port, TIMEOUT_MS);
	pl_port_close(&c);
	assert_int_equal(c.handle, -1);
	pl_port_close(&c);
	assert_int_equal(c.handle, -1);
	/* I/O on a closed connection reports it rather than touching fd -1 */
	assert_int_equal(pl_port_recv(&c, buf, sizeof buf), -(long)PL_E_CLOSED);
	assert_int_equal(pl_port_send(&c, "x", 1), -(long)PL_E_CLOSED);
	peer_finish(&p);
}

static void test_monotonic(void **state)
{
	uint64_t a, b;

	(void)state;
	a = pl_port_monotonic_ms();
	usleep(20000);
	b = pl_port_monotonic_ms();
	assert_true(b >= a + 20);
}

static void test_random(void **state)
{
	unsigned char a[32], b[32], zero[32];
	unsigned char *big;

	(void)state;
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	memset(zero, 0, sizeof zero);
	assert_int_equal(pl_port_random(a, sizeof a), PL_OK);
	assert_int_equal(pl_port_random(b, sizeof b), PL_OK);
	assert_memory_not_equal(a, zero, sizeof a);
	assert_memory_not_equal(a, b, sizeof a);
	assert_int_equal(pl_port_random(a, 0), PL_OK);

	/* Large request: exercises the short-read loop. */
	big = calloc(1, 64u * 1024u * 1024u);
	assert_non_null(big);
	assert_int_equal(pl_port_random(big, 64u * 1024u * 1024u), PL_OK);
	assert_memory_not_equal(big + 64u * 1024u * 1024u - 32u, zero, 32);
	free(big);
}

static void test_wall_clock(void **state)
{
	int64_t secs = 0;
	int off = 99999;
	time_t t;
	struct tm tm;

	(void)state;
	assert_int_equal(pl_port_wall_clock(&secs, &off), PL_OK);
	t = (time_t)secs;
	assert_non_null(gmtime_r(&t, &tm));
	assert_true(tm.tm_year + 1900 > 2020);
	assert_true(off >= -18 * 60 && off <= 18 * 60);
}

/* Capture what pl_port_log writes to stderr. */
static void capture_log(char *out, size_t outlen, int level, const char *fmt,
			...)
{
	char tmpl[] = "/tmp/test_port_posix_logXXXXXX";
	int fd = mkstemp(tmpl), saved;
	char line[512];
	va_list ap;
	ssize_t n;

	assert_true(fd >= 0);
	unlink(tmpl);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	pl_port_log(level, "%s", line);
	fflush(stderr);

	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	n = pread(fd, out, outlen - 1, 0);
	close(fd);
	assert_true(n >= 0);
	out[n] = '\0';
}

static void test_log(void **state)
{
	char out[512];

	(void)state;
	pl_port_set_log_level(PL_LOG_INFO);
	capture_log(out, sizeof out, PL_LOG_ERROR, "boom %d", 42);
	assert_string_equal(out, "postlet: boom 42\n");
	capture_log(out, sizeof out, PL_LOG_INFO, "info line\n");
	assert_string_equal(out, "postlet: info line\n");
	capture_log(out, sizeof out, PL_LOG_TRACE, "C: QUIT");
	assert_string_equal(out, "");

	pl_port_set_log_level(PL_LOG_TRACE);
	capture_log(out, sizeof out, PL_LOG_TRACE, "C: QUIT");
	assert_string_equal(out, "C: QUIT\n");

	pl_port_set_log_level(PL_LOG_WARN); /* the default */
	capture_log(out, sizeof out, PL_LOG_INFO, "hidden");
	assert_string_equal(out, "");
	capture_log(out, sizeof out, PL_LOG_WARN, "shown");
	assert_string_equal(out, "postlet: shown\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_ipv4),
		cmocka_unit_test(test_round_trip_ipv6),
		cmocka_unit_test(test_round_trip_name),
		cmocka_unit_test(test_socket_options),
		cmocka_unit_test(test_recv_timeout),
		cmocka_unit_test(test_recv_timeout_eintr),
		cmocka_unit_test(test_peer_close),
		cmocka_unit_test(test_big_send),
		cmocka_unit_test(test_send_timeout),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_resolve_failure),
		cmocka_unit_test(test_close_twice),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_wall_clock),
		cmocka_unit_test(test_log),
	};

	/* SIGPIPE keeps its default disposition here on purpose: the
	 * peer-close test then proves pl_port_send() uses MSG_NOSIGNAL. */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
