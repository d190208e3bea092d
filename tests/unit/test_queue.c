/*
 * Unit tests for the queue core (agent/queue/queue.c) over two stores:
 * a tiny in-memory store written here (with a lock another "process" can
 * hold) and the POSIX spool store (port/posix/store_posix.c) in a
 * temporary directory.
 *
 * Delivery goes through the real session driver to a forked plain-SMTP
 * peer on 127.0.0.1 that plays one scenario per connection (accept,
 * 451 to MAIL, 550 to RCPT, connection dropped after the final dot), or
 * to a closed port (connection refused).  The clock is the test's.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "posix/store_posix.h"
#include "queue/queue.h"

/* ---- in-memory store ---------------------------------------------------- */

#define MEM_RECS 8
#define MEM_BYTES 2048

struct mem_rec {
	int used, committed, locked, foreign_lock;
	pl_store_id id;
	uint8_t data[MEM_BYTES];
	size_t len;
	pl_store_state st;
	pl_store_fate fate;
};

struct mem_store {
	struct mem_rec r[MEM_RECS];
	pl_store_id next_id;
	unsigned removed[3];
};

static struct mem_rec *mem_find(struct mem_store *m, pl_store_id id)
{
	for (int i = 0; i < MEM_RECS; i++)
		if (m->r[i].used && m->r[i].id == id)
			return &m->r[i];
	return NULL;
}

static pl_err mem_create(void *ctx, pl_store_id *id)
{
	struct mem_store *m = ctx;

	for (int i = 0; i < MEM_RECS; i++)
		if (!m->r[i].used) {
			memset(&m->r[i], 0, sizeof(m->r[i]));
			m->r[i].used = 1;
			m->r[i].id = *id = ++m->next_id;
			return PL_OK;
		}
	return PL_E_LIMIT;
}

static pl_err mem_append(void *ctx, pl_store_id id, const void *buf, size_t len)
{
	struct mem_rec *r = mem_find(ctx, id);

	if (!r || r->committed || r->len + len > MEM_BYTES)
		return PL_E_LIMIT;
	memcpy(r->data + r->len, buf, len);
	r->len += len;
	return PL_OK;
}

static pl_err mem_commit(void *ctx, pl_store_id id, const pl_store_state *st)
{
	struct mem_rec *r = mem_find(ctx, id);

	if (!r)
		return PL_E_USAGE;
	r->st = *st;
	r->committed = 1;
	return PL_OK;
}

static void mem_discard(void *ctx, pl_store_id id)
{
	struct mem_rec *r = mem_find(ctx, id);

	if (r && !r->committed)
		r->used = 0;
}

static pl_err mem_next(void *ctx, pl_store_id after, pl_store_id *id)
{
	struct mem_store *m = ctx;
	pl_store_id best = 0;

	for (int i = 0; i < MEM_RECS; i++)
		if (m->r[i].used && m->r[i].committed && m->r[i].id > after &&
		    (!best || m->r[i].id < best))
			best = m->r[i].id;
	*id = best;
	return PL_OK;
}

static long mem_read(void *ctx, pl_store_id id, uint64_t off, void *buf, size_t cap)
{
	struct mem_rec *r = mem_find(ctx, id);

	if (!r || !r->committed)
		return -(long)PL_E_IO;
	if (off >= r->len)
		return 0;
	if (cap > r->len - off)
		cap = r->len - off;
	memcpy(buf, r->data + off, cap);
	return (long)cap;
}

static pl_err mem_get_state(void *ctx, pl_store_id id, pl_store_state *st)
{
	struct mem_rec *r = mem_find(ctx, id);

	if (!r || !r->committed)
		return PL_E_IO;
	*st = r->st;
	return PL_OK;
}

static pl_err mem_set_state(void *ctx, pl_store_id id, const pl_store_state *st)
{
	struct mem_rec *r = mem_find(ctx, id);

	if (!r || !r->committed)
		return PL_E_IO;
	r->st = *st;
	return PL_OK;
}

static pl_err mem_lock(void *ctx, pl_store_id id)
{
	struct mem_rec *r = mem_find(ctx, id);

	if (!r)
		return PL_E_IO;
	if (r->locked || r->foreign_lock)
		return PL_E_BUSY;
	r->locked = 1;
	return PL_OK;
}

static void mem_unlock(void *ctx, pl_store_id id)
{
	struct mem_rec *r = mem_find(ctx, id);

	if (r)
		r->locked = 0;
}

static pl_err mem_remove(void *ctx, pl_store_id id, pl_store_fate fate)
{
	struct mem_store *m = ctx;
	struct mem_rec *r = mem_find(ctx, id);

	if (!r)
		return PL_E_IO;
	assert_true(r->locked); /* the queue removes only what it holds */
	r->used = 0;
	m->removed[fate]++;
	return PL_OK;
}

static pl_err mem_usage(void *ctx, uint32_t *count, uint64_t *bytes)
{
	struct mem_store *m = ctx;

	*count = 0;
	*bytes = 0;
	for (int i = 0; i < MEM_RECS; i++)
		if (m->r[i].used && m->r[i].committed) {
			(*count)++;
			*bytes += m->r[i].len;
		}
	return PL_OK;
}

static const pl_store_ops mem_ops = {
	mem_create, mem_append, mem_commit, mem_discard, mem_next, mem_read,
	mem_get_state, mem_set_state, mem_lock, mem_unlock, mem_remove, mem_usage,
};

/* ---- the scripted SMTP peer -------------------------------------------------- */

enum scenario { S_ACCEPT, S_MAIL451, S_RCPT550, S_DROP_DOT, S_RCPT_MIXED };

static int peer_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return (int)n;
}

static void say(int fd, const char *s)
{
	ssize_t r = write(fd, s, strlen(s));

	(void)r;
}

/* One connection; counts accepted messages in *delivered (a pipe). */
static void peer(int lfd, enum scenario sc, int report)
{
	char line[1024];
	int fd = accept(lfd, NULL, NULL), rcpt = 0;
	unsigned char got = 0;

	if (fd < 0)
		_exit(2);
	say(fd, "220 peer ESMTP\r\n");
	while (peer_line(fd, line, sizeof(line)) > 0) {
		if (!strncmp(line, "EHLO", 4)) {
			say(fd, "250-peer\r\n250 8BITMIME\r\n");
		} else if (!strncmp(line, "MAIL", 4)) {
			rcpt = 0;
			say(fd, sc == S_MAIL451 ? "451 4.3.0 later\r\n" : "250 ok\r\n");
		} else if (!strncmp(line, "RCPT", 4)) {
			rcpt++;
			if (sc == S_RCPT550 || (sc == S_RCPT_MIXED && rcpt == 2))
				say(fd, "550 5.1.1 no such user\r\n");
			else if (sc == S_RCPT_MIXED && rcpt == 3)
				say(fd, "450 4.2.0 mailbox busy\r\n");
			else
				say(fd, "250 ok\r\n");
		} else if (!strncmp(line, "DATA", 4)) {
			say(fd, "354 go\r\n");
			while (peer_line(fd, line, sizeof(line)) > 0 && strcmp(line, ".\r\n") != 0)
				;
			if (sc == S_DROP_DOT)
				break;
			got++;
			say(fd, "250 queued\r\n");
		} else if (!strncmp(line, "RSET", 4)) {
			say(fd, "250 ok\r\n");
		} else if (!strncmp(line, "QUIT", 4)) {
			say(fd, "221 bye\r\n");
			break;
		} else {
			say(fd, "500 what\r\n");
		}
	}
	close(fd);
	if (write(report, &got, 1) != 1)
		_exit(3);
	_exit(0);
}

struct peer_run {
	pid_t pid;
	int port, report;
};

static struct peer_run start_peer(enum scenario sc)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct peer_run p;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), pfd[2];

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
	assert_int_equal(pipe(pfd), 0);
	p.port = ntohs(a.sin_port);
	p.pid = fork();
	assert_true(p.pid >= 0);
	if (p.pid == 0) {
		close(pfd[0]);
		peer(lfd, sc, pfd[1]);
	}
	close(lfd);
	close(pfd[1]);
	p.report = pfd[0];
	return p;
}

/* messages the peer accepted */
static int end_peer(struct peer_run *p)
{
	unsigned char got = 0;
	int status;

	if (read(p->report, &got, 1) != 1)
		got = 0;
	close(p->report);
	waitpid(p->pid, &status, 0);
	return got;
}

static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(fd); /* bound, never listened: refused */
	return port;
}

/* ---- fixture ------------------------------------------------------------------ */

static int64_t clock_now;

static int64_t test_clock(void *ctx)
{
	(void)ctx;
	return clock_now;
}

struct bounces {
	unsigned n;
	char reason[128];
	char from[64];
};

static void on_bounce(void *ctx, pl_queue *q, const pl_queue_entry *e, const char *reason)
{
	struct bounces *b = ctx;
	char buf[16];

	/* the record is still readable while the callback runs */
	assert_true(pl_queue_read_message(q, e->id, 0, buf, sizeof(buf)) > 0);
	b->n++;
	snprintf(b->reason, sizeof(b->reason), "%s", reason);
	snprintf(b->from, sizeof(b->from), "%s", e->env.from);
}

static pl_queue q;
static pl_session sess;
static struct mem_store mem;
static pl_store_posix spool;
static char spool_dir[64];
static struct bounces bounces;

static void setup_queue(const pl_store *st)
{
	pl_queue_init(&q, st);
	q.now = test_clock;
	q.bounce = on_bounce;
	q.bounce_ctx = &bounces;
	q.backoff_base_s = 60;
	q.backoff_max_s = 600;
	q.expiry_s = 3600;
	clock_now = 1000000;
	memset(&bounces, 0, sizeof(bounces));
}

static int setup_mem(void **state)
{
	pl_store st = { &mem_ops, &mem };

	(void)state;
	memset(&mem, 0, sizeof(mem));
	setup_queue(&st);
	return 0;
}

static int setup_posix(void **state)
{
	pl_store st = { &pl_store_posix_ops, &spool };

	(void)state;
	snprintf(spool_dir, sizeof(spool_dir), "/tmp/pl-qtest.XXXXXX");
	assert_non_null(mkdtemp(spool_dir));
	assert_int_equal(pl_store_posix_open(&spool, spool_dir), PL_OK);
	setup_queue(&st);
	return 0;
}

static int teardown_posix(void **state)
{
	char cmd[128];

	(void)state;
	pl_store_posix_close(&spool);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", spool_dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static pl_account account(int port)
{
	pl_account a;

	memset(&a, 0, sizeof(a));
	a.host = "127.0.0.1";
	a.port = (uint16_t)port;
	a.tls_mode = PL_TLS_OFF;
	a.ehlo_domain = "test.invalid";
	a.timeout_ms = 3000;
	return a;
}

static const char body[] = "Subject: t\r\n\r\nhello\r\n";

static pl_store_id put(const char *const *rcpts, size_t n)
{
	pl_queue_envelope env;
	pl_store_id id;

	memset(&env, 0, sizeof(env));
	env.from = "me@example.test";
	env.rcpts = rcpts;
	env.nrcpt = n;
	assert_int_equal(pl_queue_put(&q, &env, body, sizeof(body) - 1, PL_OK, NULL, &id), PL_OK);
	assert_true(id != 0);
	return id;
}

static const char *const one[] = { "a@example.test" };

static uint32_t count(void)
{
	uint32_t c;
	uint64_t b;

	assert_int_equal(q.store.ops->usage(q.store.ctx, &c, &b), PL_OK);
	return c;
}

static pl_store_state state_of(pl_store_id id)
{
	pl_store_state st;

	assert_int_equal(q.store.ops->get_state(q.store.ctx, id, &st), PL_OK);
	return st;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_roundtrip(void **state)
{
	static const char *const r[] = { "a@example.test", "b@example.test" };
	pl_queue_envelope env;
	pl_queue_entry e;
	pl_store_id id;
	char buf[64];
	long n;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.from = "me@example.test";
	env.rcpts = r;
	env.nrcpt = 2;
	env.flags = PL_QUEUE_F_8BIT;
	env.dsn_notify = PL_DSN_FAILURE;
	env.dsn_envid = "env-1";
	env.size_hint = 99;
	assert_int_equal(pl_queue_put(&q, &env, body, sizeof(body) - 1, PL_OK, NULL, &id), PL_OK);
	assert_int_equal(pl_queue_next(&q, 0, &e), PL_OK);
	assert_int_equal(e.id, id);
	assert_string_equal(e.env.from, "me@example.test");
	assert_string_equal(e.env.dsn_envid, "env-1");
	assert_int_equal(e.env.nrcpt, 2);
	assert_string_equal(e.env.rcpts[1], "b@example.test");
	assert_int_equal(e.env.flags, PL_QUEUE_F_8BIT);
	assert_int_equal(e.env.dsn_notify, PL_DSN_FAILURE);
	assert_int_equal(e.env.size_hint, 99);
	assert_int_equal(e.size, sizeof(body) - 1);
	assert_int_equal(e.state.attempts, 0);
	assert_int_equal(e.state.next_try, clock_now);
	n = pl_queue_read_message(&q, id, 0, buf, sizeof(buf));
	assert_int_equal(n, sizeof(body) - 1);
	assert_memory_equal(buf, body, (size_t)n);
	assert_int_equal(pl_queue_next(&q, id, &e), PL_OK);
	assert_int_equal(e.id, 0);
}

static void test_bad_envelope(void **state)
{
	static const char *const crlf[] = { "a@example.test\r\nRCPT TO:<x@y>" };
	pl_queue_envelope env;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.from = "me@example.test";
	env.rcpts = crlf;
	env.nrcpt = 1;
	assert_int_equal(pl_queue_put(&q, &env, "x", 1, PL_OK, NULL, NULL), PL_E_MESSAGE);
	env.nrcpt = 0;
	assert_int_equal(pl_queue_put(&q, &env, "x", 1, PL_OK, NULL, NULL), PL_E_MESSAGE);
	assert_int_equal(count(), 0);
}

static void test_bounds(void **state)
{
	(void)state;
	q.max_count = 2;
	put(one, 1);
	put(one, 1);
	{
		pl_queue_envelope env = { "me@x", one, 1, 0, 0, 0, NULL, 0, 0 };

		assert_int_equal(pl_queue_put(&q, &env, "x", 1, PL_OK, NULL, NULL), PL_E_LIMIT);
		q.max_count = 100;
		q.max_bytes = 10;
		assert_int_equal(pl_queue_put(&q, &env, "x", 1, PL_OK, NULL, NULL), PL_E_LIMIT);
	}
	assert_int_equal(count(), 2);
}

static void test_backoff_values(void **state)
{
	(void)state;
	assert_int_equal(pl_queue_backoff(&q, 1), 60);
	assert_int_equal(pl_queue_backoff(&q, 2), 120);
	assert_int_equal(pl_queue_backoff(&q, 4), 480);
	assert_int_equal(pl_queue_backoff(&q, 5), 600);
	assert_int_equal(pl_queue_backoff(&q, 1000), 600);
}

/* Server down: attempts + 1, next try after the backoff, not before. */
static void test_backoff_flush(void **state)
{
	pl_account a = account(closed_port());
	pl_queue_stats st;
	pl_store_id id;

	(void)state;
	id = put(one, 1);
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(st.deferred, 1);
	assert_int_equal(st.connections, 0);
	assert_int_equal(state_of(id).attempts, 1);
	assert_int_equal(state_of(id).next_try, clock_now + 60);
	assert_non_null(strstr(state_of(id).last_error, "connect"));
	/* not due yet: untouched */
	clock_now += 59;
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(st.deferred, 0);
	assert_int_equal(state_of(id).attempts, 1);
	/* due: second failure doubles the wait */
	clock_now += 1;
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(state_of(id).attempts, 2);
	assert_int_equal(state_of(id).next_try, clock_now + 120);
	/* force (postlet -q) ignores the backoff */
	{
		pl_queue_filter f = { 1, NULL, NULL };

		assert_int_equal(pl_queue_flush(&q, &sess, &a, &f, &st), PL_OK);
		assert_int_equal(state_of(id).attempts, 3);
	}
	assert_int_equal(bounces.n, 0);
}

static void test_expiry(void **state)
{
	pl_account a = account(closed_port());
	pl_queue_stats st;

	(void)state;
	put(one, 1);
	clock_now += 3600;
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.tried, 0);
	assert_int_equal(bounces.n, 1);
	assert_string_equal(bounces.from, "me@example.test");
	assert_non_null(strstr(bounces.reason, "expired"));
	assert_int_equal(count(), 0);
}

static void test_one_connection(void **state)
{
	struct peer_run p = start_peer(S_ACCEPT);
	pl_account a = account(p.port);
	pl_queue_stats st;

	(void)state;
	for (int i = 0; i < 5; i++)
		put(one, 1);
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(st.sent, 5);
	assert_int_equal(st.connections, 1);
	assert_int_equal(end_peer(&p), 5);
	assert_int_equal(count(), 0);
}

static void test_tempfail_4xx(void **state)
{
	struct peer_run p = start_peer(S_MAIL451);
	pl_account a = account(p.port);
	pl_queue_stats st;
	pl_store_id id1, id2;

	(void)state;
	id1 = put(one, 1);
	id2 = put(one, 1);
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	/* both tried over the one connection (RSET between) */
	assert_int_equal(st.deferred, 2);
	assert_int_equal(st.connections, 1);
	assert_int_equal(end_peer(&p), 0);
	assert_int_equal(state_of(id1).attempts, 1);
	assert_int_equal(state_of(id1).last_code, 451);
	assert_non_null(strstr(state_of(id2).last_error, "451"));
	assert_int_equal(bounces.n, 0);
	assert_int_equal(count(), 2);
}

static void test_permanent_5xx(void **state)
{
	struct peer_run p = start_peer(S_RCPT550);
	pl_account a = account(p.port);
	pl_queue_stats st;

	(void)state;
	put(one, 1);
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	end_peer(&p);
	assert_int_equal(st.bounced, 1);
	assert_int_equal(bounces.n, 1);
	assert_non_null(strstr(bounces.reason, "550"));
	assert_int_equal(count(), 0);
}

/* 250 for one, 550 for another, 450 for a third: the third stays. */
static void test_partial(void **state)
{
	static const char *const three[] = { "a@x.test", "b@x.test", "c@x.test" };
	struct peer_run p = start_peer(S_RCPT_MIXED);
	pl_account a = account(p.port);
	pl_queue_stats st;
	pl_queue_entry e;

	(void)state;
	put(three, 3);
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(end_peer(&p), 1);
	assert_int_equal(st.sent, 1);
	assert_int_equal(bounces.n, 1);
	assert_int_equal(count(), 1);
	assert_int_equal(pl_queue_next(&q, 0, &e), PL_OK);
	assert_int_equal(e.env.nrcpt, 1);
	assert_string_equal(e.env.rcpts[0], "c@x.test");
	assert_int_equal(e.state.attempts, 1);
	assert_int_equal(e.state.last_code, 450);
}

static void test_ambiguous(void **state)
{
	struct peer_run p = start_peer(S_DROP_DOT);
	pl_account a = account(p.port);
	pl_queue_stats st;
	pl_store_id id;

	(void)state;
	id = put(one, 1);
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	end_peer(&p);
	assert_int_equal(st.ambiguous, 1);
	assert_int_equal(st.deferred, 1);
	assert_true(state_of(id).flags & PL_STORE_F_AMBIGUOUS);
	assert_int_equal(count(), 1); /* may come twice, never zero times */
}

/* A record another process holds is skipped, the others go. */
static void test_busy_mem(void **state)
{
	struct peer_run p = start_peer(S_ACCEPT);
	pl_account a = account(p.port);
	pl_queue_stats st;
	pl_store_id id1, id2;

	(void)state;
	id1 = put(one, 1);
	id2 = put(one, 1);
	mem_find(&mem, id1)->foreign_lock = 1;
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(end_peer(&p), 1);
	assert_int_equal(st.busy, 1);
	assert_int_equal(st.sent, 1);
	assert_non_null(mem_find(&mem, id1));
	assert_null(mem_find(&mem, id2));
	assert_int_equal(state_of(id1).attempts, 0);
}

/* The same over the spool: a child process holds the record's flock. */
static void test_busy_posix(void **state)
{
	struct peer_run p;
	pl_account a;
	pl_queue_stats st;
	pl_store_id id1, id2;
	char path[128];
	int go[2], ready[2];
	pid_t child;
	char c;

	(void)state;
	id1 = put(one, 1);
	id2 = put(one, 1);
	snprintf(path, sizeof(path), "%s/q/%08x", spool_dir, (unsigned)id1);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	if (child == 0) {
		int fd = open(path, O_RDONLY);

		if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	p = start_peer(S_ACCEPT);
	a = account(p.port);
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(end_peer(&p), 1);
	assert_int_equal(st.busy, 1);
	assert_int_equal(st.sent, 1);
	assert_int_equal(write(go[1], "g", 1), 1);
	waitpid(child, NULL, 0);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(count(), 1);
	assert_int_equal(state_of(id1).attempts, 0);
	assert_int_not_equal(q.store.ops->get_state(q.store.ctx, id2, &(pl_store_state){ 0 }), PL_OK);
	/* the holder is gone: now it is ours */
	assert_int_equal(q.store.ops->lock(q.store.ctx, id1), PL_OK);
	q.store.ops->unlock(q.store.ctx, id1);
}

/* A spool record with a flipped payload byte is set aside, never sent. */
static void test_torn_posix(void **state)
{
	pl_account a = account(closed_port());
	pl_queue_stats st;
	pl_store_id id;
	unsigned dead, bad;
	char path[128];
	int fd;

	(void)state;
	id = put(one, 1);
	snprintf(path, sizeof(path), "%s/q/%08x", spool_dir, (unsigned)id);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, 200), 1);
	close(fd);
	assert_int_equal(pl_queue_flush(&q, &sess, &a, NULL, &st), PL_OK);
	assert_int_equal(st.tried + st.deferred, 0);
	pl_store_posix_counts(&spool, &dead, &bad);
	assert_int_equal(bad, 1);
	assert_int_equal(count(), 0);
	/* a truncated one: caught by the length in the header */
	id = put(one, 1);
	snprintf(path, sizeof(path), "%s/q/%08x", spool_dir, (unsigned)id);
	assert_int_equal(truncate(path, 170), 0);
	assert_int_not_equal(q.store.ops->get_state(q.store.ctx, id, &(pl_store_state){ 0 }), PL_OK);
	pl_store_posix_counts(&spool, &dead, &bad);
	assert_int_equal(bad, 2);
}

/* State survives reopening; a stale state file of an earlier record with
 * the same id does not apply to a new one. */
static void test_state_posix(void **state)
{
	pl_store st = { &pl_store_posix_ops, &spool };
	pl_store_state s;
	pl_store_id id, id2;
	char a[128], b[128];

	(void)state;
	id = put(one, 1);
	s = state_of(id);
	s.attempts = 7;
	strcpy(s.last_error, "451 later");
	assert_int_equal(q.store.ops->set_state(q.store.ctx, id, &s), PL_OK);
	pl_store_posix_close(&spool);
	assert_int_equal(pl_store_posix_open(&spool, spool_dir), PL_OK);
	pl_queue_init(&q, &st);
	q.now = test_clock;
	assert_int_equal(state_of(id).attempts, 7);
	assert_string_equal(state_of(id).last_error, "451 later");
	/* keep the state file, remove the record, commit a new one with the id */
	snprintf(a, sizeof(a), "%s/q/%08x.st", spool_dir, (unsigned)id);
	snprintf(b, sizeof(b), "%s/keep.st", spool_dir);
	assert_int_equal(rename(a, b), 0);
	assert_int_equal(q.store.ops->lock(q.store.ctx, id), PL_OK);
	assert_int_equal(q.store.ops->remove(q.store.ctx, id, PL_STORE_DELIVERED), PL_OK);
	q.store.ops->unlock(q.store.ctx, id);
	id2 = put(one, 1);
	assert_int_equal(id2, id);
	assert_int_equal(rename(b, a), 0);
	assert_int_equal(state_of(id2).attempts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_roundtrip, setup_mem),
		cmocka_unit_test_setup(test_bad_envelope, setup_mem),
		cmocka_unit_test_setup(test_bounds, setup_mem),
		cmocka_unit_test_setup(test_backoff_values, setup_mem),
		cmocka_unit_test_setup(test_backoff_flush, setup_mem),
		cmocka_unit_test_setup(test_expiry, setup_mem),
		cmocka_unit_test_setup(test_one_connection, setup_mem),
		cmocka_unit_test_setup(test_tempfail_4xx, setup_mem),
		cmocka_unit_test_setup(test_permanent_5xx, setup_mem),
		cmocka_unit_test_setup(test_partial, setup_mem),
		cmocka_unit_test_setup(test_ambiguous, setup_mem),
		cmocka_unit_test_setup(test_busy_mem, setup_mem),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_bounds, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_backoff_flush, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_expiry, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_one_connection, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_tempfail_4xx, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_permanent_5xx, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_partial, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_ambiguous, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_busy_posix, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_torn_posix, setup_posix, teardown_posix),
		cmocka_unit_test_setup_teardown(test_state_posix, setup_posix, teardown_posix),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
