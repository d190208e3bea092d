/*
 * Fuzz target: what the queue reads back from storage, which a crash, a
 * full disk or a hostile local user may have damaged.
 *
 * Input: byte 0 picks what the rest is (mod 3):
 *   0  a spool record file (port/posix/store_posix.c), read through the
 *      spool store and the queue core;
 *   1  a state file next to a sound record;
 *   2  a queue payload (envelope header, strings, message) from an
 *      in-memory store, decoded by the queue core (agent/queue/queue.c).
 * Besides memory safety: a record the store lets the queue lock passes
 * pl_store_posix_check(); every decoded envelope has 1..MAX_RCPT
 * recipients, each a NUL-terminated string inside the queue's scratch;
 * message reads never exceed the declared size.  The spool lives in
 * /dev/shm (or $TMPDIR) and is emptied after each input.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix/store_posix.h"
#include "queue/queue.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static char dir[256];
static pl_queue *q; /* on the heap: an overrun of its scratch is caught */

/* ---- a one-record in-memory store ----------------------------------------- */

static const uint8_t *mem_data;
static size_t mem_len;

static pl_err m_create(void *c, pl_store_id *id) { (void)c; *id = 1; return PL_E_LIMIT; }
static pl_err m_append(void *c, pl_store_id id, const void *b, size_t n)
{ (void)c; (void)id; (void)b; (void)n; return PL_E_LIMIT; }
static pl_err m_commit(void *c, pl_store_id id, const pl_store_state *st)
{ (void)c; (void)id; (void)st; return PL_E_LIMIT; }
static void m_discard(void *c, pl_store_id id) { (void)c; (void)id; }
static pl_err m_next(void *c, pl_store_id after, pl_store_id *id)
{ (void)c; *id = after == 0 ? 1 : 0; return PL_OK; }
static long m_read(void *c, pl_store_id id, uint64_t off, void *buf, size_t cap)
{
	(void)c;
	CHECK(id == 1);
	if (off >= mem_len)
		return 0;
	if (cap > mem_len - off)
		cap = (size_t)(mem_len - off);
	memcpy(buf, mem_data + off, cap);
	return (long)cap;
}
static pl_err m_get_state(void *c, pl_store_id id, pl_store_state *st)
{ (void)c; (void)id; memset(st, 0, sizeof(*st)); return PL_OK; }
static pl_err m_set_state(void *c, pl_store_id id, const pl_store_state *st)
{ (void)c; (void)id; (void)st; return PL_OK; }
static pl_err m_lock(void *c, pl_store_id id) { (void)c; (void)id; return PL_OK; }
static void m_unlock(void *c, pl_store_id id) { (void)c; (void)id; }
static pl_err m_remove(void *c, pl_store_id id, pl_store_fate f)
{ (void)c; (void)id; (void)f; return PL_OK; }
static pl_err m_usage(void *c, uint32_t *n, uint64_t *b) { (void)c; *n = 1; *b = mem_len; return PL_OK; }

static const pl_store_ops mem_ops = {
	m_create, m_append, m_commit, m_discard, m_next, m_read,
	m_get_state, m_set_state, m_lock, m_unlock, m_remove, m_usage,
};

/* ---- helpers ----------------------------------------------------------------- */

static void put_file(const char *name, const uint8_t *data, size_t len)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/q/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static void empty(const char *sub)
{
	char p[512];
	struct dirent *d;
	DIR *dd;

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	dd = opendir(p);
	if (!dd)
		return;
	while ((d = readdir(dd)) != NULL)
		if (d->d_name[0] != '.') {
			char f[800];

			snprintf(f, sizeof(f), "%s/%s", p, d->d_name);
			unlink(f);
		}
	closedir(dd);
}

/* Decode through the queue core and check what it hands out. */
static void through_queue(void)
{
	pl_queue_entry e;
	uint8_t buf[300];
	uint64_t off = 0;

	if (pl_queue_next(q, 0, &e) != PL_OK || e.id == 0)
		return;
	CHECK(e.env.nrcpt >= 1 && e.env.nrcpt <= CONFIG_POSTLET_MAX_RCPT);
	CHECK(e.env.from >= q->env && e.env.from < q->env + sizeof(q->env));
	CHECK(memchr(e.env.from, '\0', (size_t)(q->env + sizeof(q->env) - e.env.from)));
	for (size_t i = 0; i < e.env.nrcpt; i++) {
		const char *r = e.env.rcpts[i];

		CHECK(r >= q->env && r < q->env + sizeof(q->env) && r[0]);
		CHECK(memchr(r, '\0', (size_t)(q->env + sizeof(q->env) - r)));
	}
	for (int k = 0; k < 64; k++) {
		long n = pl_queue_read_message(q, e.id, off, buf, sizeof(buf));

		if (n <= 0)
			break;
		CHECK((size_t)n <= sizeof(buf));
		off += (uint64_t)n;
		CHECK(off <= e.size);
	}
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return ~c;
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A sound record: tag 0x0102030405060708, an empty-ish payload. */
static void sound_record(void)
{
	uint8_t r[160 + 4];

	memset(r, 0, sizeof(r));
	memcpy(r, "PLSR", 4);
	le32(r + 4, 1);
	for (int i = 0; i < 8; i++)
		r[8 + i] = (uint8_t)(8 - i);
	le32(r + 16, 4);
	memcpy(r + 160, "body", 4);
	le32(r + 24, crc32(r + 160, 4));
	{
		uint8_t both[28 + 128];

		memcpy(both, r, 28);
		memcpy(both + 28, r + 32, 128);
		le32(r + 28, crc32(both, sizeof(both)));
	}
	put_file("00000001", r, sizeof(r));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_store_posix sp;
	pl_store_state st;
	pl_store mem = { &mem_ops, NULL };
	int mode;

	if (!q) {
		const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/pl-fuzz-spool.%d", base ? base : "/tmp", (int)getpid());
		q = malloc(sizeof(*q));
		CHECK(q);
	}
	if (size < 1)
		return 0;
	mode = data[0] % 3;
	data++;
	size--;
	if (mode == 2) {
		mem_data = data;
		mem_len = size;
		pl_queue_init(q, &mem);
		through_queue();
		return 0;
	}
	CHECK(pl_store_posix_open(&sp, dir) == PL_OK);
	if (mode == 0) {
		put_file("00000001", data, size);
	} else {
		sound_record();
		put_file("00000001.st", data, size);
	}
	{
		pl_store s = { &pl_store_posix_ops, &sp };

		pl_queue_init(q, &s);
	}
	if (pl_store_posix_ops.get_state(&sp, 1, &st) == PL_OK)
		CHECK(memchr(st.last_error, '\0', sizeof(st.last_error)));
	else
		CHECK(mode == 0);
	if (pl_store_posix_ops.lock(&sp, 1) == PL_OK) {
		CHECK(mode == 1 || pl_store_posix_check(data, size) == 0);
		through_queue();
		pl_store_posix_ops.unlock(&sp, 1);
	}
	pl_store_posix_close(&sp);
	empty("q");
	empty("corrupt");
	empty("dead");
	empty("tmp");
	return 0;
}
