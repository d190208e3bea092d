/*
 * Store conformance: the pl_store contract (port/port.h) checked the same
 * way against every implementation.  Each implementation is a struct
 * store_impl (open a fresh store, reopen it as after a restart where
 * storage survives, counters where it has them); add one to impls[] to
 * run the whole suite against it.  The POSIX spool store runs in a
 * temporary directory; it has no full policy of its own (the queue core
 * refuses instead), so the full-policy cases skip it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flash_sim.h"
#include "store_block.h"
#include "store_ram.h"
#include "posix/store_posix.h"

#define MAX_MSGS 6

struct store_impl {
	const char *name;
	pl_store (*open)(void);
	pl_store (*reopen)(void);             /* NULL: nothing survives */
	const pl_store_counters *(*counters)(void);
	void (*close)(void);
};

/* ---- RAM store ---- */
static uint8_t ram_mem[16384];
static pl_store_ram ram;

static pl_store ram_open(void)
{
	assert_int_equal(pl_store_ram_init(&ram, ram_mem, sizeof(ram_mem), MAX_MSGS), PL_OK);
	return pl_store_ram_store(&ram);
}
static const pl_store_counters *ram_ctr(void) { return pl_store_ram_counters(&ram); }
static void ram_close(void) {}

/* ---- block store over the flash double ---- */
static flash_sim sim;
static pl_store_block blk;

static pl_store blk_open(void)
{
	assert_int_equal(flash_sim_init(&sim, 1024, 8, 4, NULL), 0);
	assert_int_equal(pl_store_block_init(&blk, &sim.f, MAX_MSGS), PL_OK);
	return pl_store_block_store(&blk);
}
static pl_store blk_reopen(void)
{
	assert_int_equal(pl_store_block_init(&blk, &sim.f, MAX_MSGS), PL_OK);
	return pl_store_block_store(&blk);
}
static const pl_store_counters *blk_ctr(void) { return pl_store_block_counters(&blk); }
static void blk_close(void)
{
	assert_int_equal(sim.overwrites, 0); /* never programmed a unit twice */
	flash_sim_free(&sim);
}

/* ---- POSIX spool directory ---- */
static pl_store_posix sp;
static char spool[64];

static pl_store posix_open(void)
{
	strcpy(spool, "/tmp/pl-store-test.XXXXXX");
	assert_non_null(mkdtemp(spool));
	assert_int_equal(pl_store_posix_open(&sp, spool), PL_OK);
	return (pl_store){ &pl_store_posix_ops, &sp };
}
static pl_store posix_reopen(void)
{
	pl_store_posix_close(&sp);
	assert_int_equal(pl_store_posix_open(&sp, spool), PL_OK);
	return (pl_store){ &pl_store_posix_ops, &sp };
}
static void posix_close(void)
{
	char cmd[96];

	pl_store_posix_close(&sp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", spool);
	assert_int_equal(system(cmd), 0);
}

static const struct store_impl impl_ram = { "ram", ram_open, NULL, ram_ctr, ram_close };
static const struct store_impl impl_block = { "block", blk_open, blk_reopen, blk_ctr, blk_close };
static const struct store_impl impl_posix = { "posix", posix_open, posix_reopen, NULL, posix_close };

/* ---- helpers ---- */
static pl_store_state st_of(uint8_t prio, uint32_t attempts)
{
	pl_store_state st;

	memset(&st, 0, sizeof(st));
	st.priority = prio;
	st.attempts = attempts;
	st.created = 1000;
	st.next_try = 1000 + attempts;
	snprintf(st.last_error, sizeof(st.last_error), "attempt %u", (unsigned)attempts);
	return st;
}

static pl_store_id put(pl_store s, const char *text, uint8_t prio)
{
	pl_store_state st = st_of(prio, 0);
	pl_store_id id = 0;
	size_t n = strlen(text), half = n / 2;

	assert_int_equal(s.ops->create(s.ctx, &id), PL_OK);
	assert_true(id != 0);
	assert_int_equal(s.ops->append(s.ctx, id, text, half), PL_OK);
	assert_int_equal(s.ops->append(s.ctx, id, text + half, n - half), PL_OK);
	assert_int_equal(s.ops->commit(s.ctx, id, &st), PL_OK);
	return id;
}

/* Whole payload into buf (NUL-terminated), read in small pieces. */
static long get(pl_store s, pl_store_id id, char *buf, size_t cap)
{
	uint64_t off = 0;
	long n;

	while ((n = s.ops->read(s.ctx, id, off, buf + off, cap - 1 - (size_t)off > 7 ? 7 : cap - 1 - (size_t)off)) > 0)
		off += (uint64_t)n;
	if (n < 0)
		return n;
	buf[off] = '\0';
	return (long)off;
}

static uint32_t count(pl_store s)
{
	uint32_t c;
	uint64_t b;

	assert_int_equal(s.ops->usage(s.ctx, &c, &b), PL_OK);
	return c;
}

#define IMPL ((const struct store_impl *)*state)

static void t_empty(void **state)
{
	pl_store s = IMPL->open();
	pl_store_id id = 99;
	uint64_t b = 1;
	uint32_t c = 1;

	assert_int_equal(s.ops->next(s.ctx, 0, &id), PL_OK);
	assert_int_equal(id, 0);
	assert_int_equal(s.ops->usage(s.ctx, &c, &b), PL_OK);
	assert_int_equal(c, 0);
	assert_int_equal(b, 0);
	IMPL->close();
}

static void t_visible_at_commit(void **state)
{
	pl_store s = IMPL->open();
	pl_store_id id, n;
	pl_store_state st = st_of(5, 0), got;
	char buf[64];

	assert_int_equal(s.ops->create(s.ctx, &id), PL_OK);
	assert_int_equal(s.ops->append(s.ctx, id, "hello ", 6), PL_OK);
	assert_int_equal(s.ops->next(s.ctx, 0, &n), PL_OK);
	assert_int_equal(n, 0);           /* not before commit */
	assert_int_equal(count(s), 0);
	assert_int_equal(s.ops->append(s.ctx, id, "world", 5), PL_OK);
	assert_int_equal(s.ops->commit(s.ctx, id, &st), PL_OK);
	assert_int_equal(s.ops->next(s.ctx, 0, &n), PL_OK);
	assert_int_equal(n, id);
	assert_int_equal(get(s, id, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "hello world");
	assert_int_equal(s.ops->get_state(s.ctx, id, &got), PL_OK);
	assert_int_equal(got.priority, 5);
	assert_string_equal(got.last_error, "attempt 0");
	assert_int_equal(s.ops->read(s.ctx, id, 11, buf, sizeof(buf)), 0);
	assert_int_equal(s.ops->read(s.ctx, id, 6, buf, 3), 3);
	assert_memory_equal(buf, "wor", 3);
	IMPL->close();
}

static void t_order_and_remove(void **state)
{
	pl_store s = IMPL->open();
	pl_store_id a = put(s, "first", 1), b = put(s, "second", 9), c = put(s, "third", 1), n;
	char buf[64];
	pl_store_state st;

	assert_int_equal(s.ops->next(s.ctx, 0, &n), PL_OK);
	assert_int_equal(n, a);
	assert_int_equal(s.ops->next(s.ctx, a, &n), PL_OK);
	assert_int_equal(n, b);
	assert_int_equal(s.ops->next(s.ctx, b, &n), PL_OK);
	assert_int_equal(n, c);
	assert_int_equal(s.ops->next(s.ctx, c, &n), PL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(s.ops->remove(s.ctx, b, PL_STORE_DELIVERED), PL_OK);
	assert_int_equal(s.ops->next(s.ctx, a, &n), PL_OK);
	assert_int_equal(n, c);
	assert_true(s.ops->read(s.ctx, b, 0, buf, sizeof(buf)) < 0);
	assert_int_not_equal(s.ops->get_state(s.ctx, b, &st), PL_OK);
	assert_int_equal(get(s, c, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "third");
	assert_int_equal(count(s), 2);
	if (IMPL->counters)
		assert_int_equal(IMPL->counters()->delivered, 1);
	IMPL->close();
}

static void t_state_replaced_whole(void **state)
{
	pl_store s = IMPL->open();
	pl_store_id id = put(s, "msg", 3);
	pl_store_state st = st_of(3, 4), got;

	st.last_code = 451;
	st.flags = PL_STORE_F_AMBIGUOUS;
	assert_int_equal(s.ops->set_state(s.ctx, id, &st), PL_OK);
	assert_int_equal(s.ops->get_state(s.ctx, id, &got), PL_OK);
	assert_int_equal(got.attempts, 4);
	assert_int_equal(got.next_try, 1004);
	assert_int_equal(got.created, 1000);
	assert_int_equal(got.last_code, 451);
	assert_int_equal(got.flags, PL_STORE_F_AMBIGUOUS);
	assert_string_equal(got.last_error, "attempt 4");
	st = st_of(3, 5);
	assert_int_equal(s.ops->set_state(s.ctx, id, &st), PL_OK);
	assert_int_equal(s.ops->get_state(s.ctx, id, &got), PL_OK);
	assert_int_equal(got.last_code, 0);
	assert_int_equal(got.flags, 0);
	assert_string_equal(got.last_error, "attempt 5");
	IMPL->close();
}

static void t_lock(void **state)
{
	pl_store s = IMPL->open();
	pl_store_id id = put(s, "msg", 3);

	assert_int_equal(s.ops->lock(s.ctx, id), PL_OK);
	assert_int_equal(s.ops->lock(s.ctx, id), PL_E_BUSY);
	s.ops->unlock(s.ctx, id);
	assert_int_equal(s.ops->lock(s.ctx, id), PL_OK);
	s.ops->unlock(s.ctx, id);
	IMPL->close();
}

static void t_discard(void **state)
{
	pl_store s = IMPL->open();
	pl_store_id keep = put(s, "kept", 1), id, n;

	assert_int_equal(s.ops->create(s.ctx, &id), PL_OK);
	assert_int_equal(s.ops->append(s.ctx, id, "gone", 4), PL_OK);
	s.ops->discard(s.ctx, id);
	assert_int_equal(s.ops->next(s.ctx, keep, &n), PL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(count(s), 1);
	id = put(s, "after", 1);
	assert_true(id != keep);
	IMPL->close();
}

static void t_large_payload(void **state)
{
	static char big[3000], back[3001];
	pl_store s = IMPL->open();
	pl_store_state st = st_of(1, 0);
	pl_store_id id;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(s.ops->create(s.ctx, &id), PL_OK);
	for (i = 0; i < sizeof(big); i += 250)
		assert_int_equal(s.ops->append(s.ctx, id, big + i, 250), PL_OK);
	assert_int_equal(s.ops->commit(s.ctx, id, &st), PL_OK);
	assert_int_equal(get(s, id, back, sizeof(back)), (long)sizeof(big));
	assert_memory_equal(back, big, sizeof(big));
	/* random access */
	assert_int_equal(s.ops->read(s.ctx, id, 2990, back, 100), 10);
	assert_memory_equal(back, big + 2990, 10);
	assert_true(s.ops->read(s.ctx, id, 1000, back, 1) == 1 && back[0] == big[1000]);
	IMPL->close();
}

/* The count bound: the oldest of the lowest priority goes first, counted;
 * a locked record is never dropped. */
static void t_full_policy_count(void **state)
{
	pl_store s = IMPL->open();
	pl_store_id ids[MAX_MSGS], extra, n;
	char buf[32];
	int i;

	if (!IMPL->counters) {
		IMPL->close();
		skip();
	}
	for (i = 0; i < MAX_MSGS; i++) {
		snprintf(buf, sizeof(buf), "m%d", i);
		ids[i] = put(s, buf, i == 1 || i == 3 ? 0 : 7); /* 1 and 3 low */
	}
	assert_int_equal(s.ops->lock(s.ctx, ids[1]), PL_OK); /* being delivered */
	extra = put(s, "new", 7);
	assert_int_equal(count(s), MAX_MSGS);
	assert_int_equal(IMPL->counters()->dropped, 1);
	assert_true(s.ops->read(s.ctx, ids[3], 0, buf, sizeof(buf)) < 0); /* dropped */
	assert_true(s.ops->read(s.ctx, ids[1], 0, buf, sizeof(buf)) > 0); /* locked: kept */
	extra = put(s, "newer", 7);
	/* no low-priority one left unlocked: the oldest normal one */
	assert_true(s.ops->read(s.ctx, ids[0], 0, buf, sizeof(buf)) < 0);
	assert_int_equal(IMPL->counters()->dropped, 2);
	assert_int_equal(s.ops->next(s.ctx, ids[5], &n), PL_OK);
	assert_true(n != 0 && n < extra);
	IMPL->close();
}

/* Bytes: the RAM store drops to make room; the block store reclaims the
 * oldest sector.  Either way the newest message is whole and the count of
 * dropped ones matches what disappeared. */
static void t_full_policy_bytes(void **state)
{
	static char big[900];
	pl_store s = IMPL->open();
	pl_store_id last = 0;
	char back[901];
	uint32_t before, i;

	if (!IMPL->counters) {
		IMPL->close();
		skip();
	}
	memset(big, 'x', sizeof(big) - 1);
	for (i = 0; i < 40; i++) {
		pl_store_id id;

		big[0] = (char)('A' + i % 26);
		before = count(s);
		id = put(s, big, 2);
		assert_true(id > last);
		last = id;
		assert_true(count(s) <= before + 1);
		assert_int_equal(s.ops->remove(s.ctx, id, PL_STORE_DELIVERED), PL_OK);
		id = put(s, big, 2);
		(void)id;
	}
	assert_int_equal(get(s, last + 1, back, sizeof(back)), (long)sizeof(big) - 1);
	assert_int_equal(back[0], big[0]);
	assert_true(IMPL->counters()->dropped > 0);
	assert_int_equal(IMPL->counters()->committed - IMPL->counters()->delivered -
				 IMPL->counters()->dropped, count(s));
	IMPL->close();
}

static void t_survives_reopen(void **state)
{
	pl_store s = IMPL->open();
	pl_store_id a, b, c, n;
	pl_store_state st = st_of(4, 2), got;
	char buf[64];

	if (!IMPL->reopen) {
		IMPL->close();
		skip();
	}
	a = put(s, "alpha", 1);
	b = put(s, "beta", 2);
	assert_int_equal(s.ops->set_state(s.ctx, b, &st), PL_OK);
	assert_int_equal(s.ops->remove(s.ctx, a, PL_STORE_DELIVERED), PL_OK);
	assert_int_equal(s.ops->create(s.ctx, &c), PL_OK);
	assert_int_equal(s.ops->append(s.ctx, c, "never committed", 15), PL_OK);
	s = IMPL->reopen();
	assert_int_equal(s.ops->next(s.ctx, 0, &n), PL_OK);
	assert_int_equal(n, b);
	assert_int_equal(s.ops->next(s.ctx, b, &n), PL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(get(s, b, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "beta");
	assert_int_equal(s.ops->get_state(s.ctx, b, &got), PL_OK);
	assert_int_equal(got.attempts, 2);
	assert_int_equal(got.priority, 4);
	/* ids are not reused after a restart */
	n = put(s, "gamma", 1);
	assert_true(n > c);
	IMPL->close();
}

#define T(f, impl) { #impl ": " #f, f, NULL, NULL, (void *)&impl }
#define ALL(impl) \
	T(t_empty, impl), T(t_visible_at_commit, impl), T(t_order_and_remove, impl), \
	T(t_state_replaced_whole, impl), T(t_lock, impl), T(t_discard, impl), \
	T(t_large_payload, impl), T(t_full_policy_count, impl), T(t_full_policy_bytes, impl), \
	T(t_survives_reopen, impl)

int main(void)
{
	const struct CMUnitTest tests[] = { ALL(impl_ram), ALL(impl_block), ALL(impl_posix) };

	return cmocka_run_group_tests_name("store conformance", tests, NULL, NULL);
}
