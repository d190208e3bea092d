/*
 * Block store under power loss: one scripted enqueue/deliver/remove run is
 * replayed with the power cut at every write point in turn (each program
 * unit, each erase; the flash double leaves the unit or sector being
 * written half done).  After each cut the store is started again from the
 * flash image and checked against what the script knew:
 *   - every message whose commit returned is there, whole, unless its
 *     remove returned (lost otherwise);
 *   - the message whose commit was cut is absent or whole;
 *   - a message whose remove was cut may still be there: counted as a
 *     duplicate (the queue would deliver it again), never the reverse;
 *   - the state of a message is the last one set or, if that set_state
 *     was cut, the one before;
 *   - nothing else is there, nothing appears twice, and the recovered
 *     store takes a new message and gives it back after another restart.
 * The totals (cut points, lost, duplicates) are printed for the report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "flash_sim.h"
#include "store_block.h"

#define NMSG 14
#define SECTOR 512
#define SECTORS 5

enum { M_NONE, M_COMMITTING, M_COMMITTED, M_REMOVING, M_REMOVED };

struct model {
	int status[NMSG];
	pl_store_id id[NMSG];
	uint32_t attempts[NMSG];      /* last state set that returned */
	uint32_t attempts_try[NMSG];  /* the one being set (may be cut) */
};

static size_t msg_text(int i, char *buf, size_t cap)
{
	size_t n = 60 + (size_t)(i * 53) % 240, k;
	int h = snprintf(buf, cap, "msg-%04d:", i);

	for (k = (size_t)h; k < n && k < cap - 1; k++)
		buf[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
	buf[k] = '\0';
	return k;
}

static pl_store_state mkstate(uint32_t attempts)
{
	pl_store_state st;

	memset(&st, 0, sizeof(st));
	st.attempts = attempts;
	st.priority = 1;
	st.next_try = attempts * 60;
	snprintf(st.last_error, sizeof(st.last_error), "421 4.3.2 try again (%u)", (unsigned)attempts);
	return st;
}

/* The script: returns 0 when it ran to the end, -1 at the first failure
 * (the power cut).  The model is updated only by calls that returned. */
static int script(pl_store s, struct model *m)
{
	char buf[400];
	int i, oldest = 0;

	for (i = 0; i < NMSG; i++) {
		pl_store_state st = mkstate(0);
		size_t n = msg_text(i, buf, sizeof(buf)), part = n / 3;
		pl_store_id id;

		if (s.ops->create(s.ctx, &id))
			return -1;
		m->status[i] = M_COMMITTING;
		m->id[i] = id;
		if (s.ops->append(s.ctx, id, buf, part) || s.ops->append(s.ctx, id, buf + part, n - part) ||
		    s.ops->commit(s.ctx, id, &st))
			return -1;
		m->status[i] = M_COMMITTED;

		/* a failed attempt on the oldest pending one: a new state */
		if (i - oldest >= 1) {
			st = mkstate(m->attempts[oldest] + 1);
			m->attempts_try[oldest] = st.attempts;
			if (s.ops->lock(s.ctx, m->id[oldest]) ||
			    s.ops->set_state(s.ctx, m->id[oldest], &st))
				return -1;
			m->attempts[oldest] = st.attempts;
			s.ops->unlock(s.ctx, m->id[oldest]);
		}
		/* then it is delivered: removed */
		if (i - oldest >= 2) {
			m->status[oldest] = M_REMOVING;
			if (s.ops->lock(s.ctx, m->id[oldest]) ||
			    s.ops->remove(s.ctx, m->id[oldest], PL_STORE_DELIVERED))
				return -1;
			m->status[oldest] = M_REMOVED;
			oldest++;
		}
	}
	return 0;
}

struct tally {
	unsigned long cuts, lost, corrupt, dups, extra, bad_state, torn;
};

static void check(pl_store s, const struct model *m, struct tally *t)
{
	int seen[NMSG] = { 0 };
	pl_store_id id = 0;
	char want[400], got[400];
	int i;

	for (;;) {
		uint64_t off = 0;
		long n;
		pl_store_state st;

		assert_int_equal(s.ops->next(s.ctx, id, &id), PL_OK);
		if (!id)
			break;
		while ((n = s.ops->read(s.ctx, id, off, got + off, sizeof(got) - 1 - off)) > 0)
			off += (uint64_t)n;
		got[off] = '\0';
		if (n < 0 || sscanf(got, "msg-%d:", &i) != 1 || i < 0 || i >= NMSG) {
			t->corrupt++;
			continue;
		}
		msg_text(i, want, sizeof(want));
		if (strcmp(want, got) != 0 || m->id[i] != id) {
			t->corrupt++;
			continue;
		}
		if (seen[i]++)
			t->extra++;
		if (m->status[i] == M_REMOVED || m->status[i] == M_NONE)
			t->extra++;
		if (m->status[i] == M_REMOVING)
			t->dups++;
		assert_int_equal(s.ops->get_state(s.ctx, id, &st), PL_OK);
		if (st.attempts != m->attempts[i] && st.attempts != m->attempts_try[i])
			t->bad_state++;
	}
	for (i = 0; i < NMSG; i++)
		if (m->status[i] == M_COMMITTED && !seen[i])
			t->lost++;
}

/* After recovery the store must still work: one more message, restart,
 * and it is there. */
static void still_works(flash_sim *sim, pl_store_block *b)
{
	pl_store s = pl_store_block_store(b);
	pl_store_state st = mkstate(0);
	pl_store_id id, n, last = 0;
	char buf[32];
	long got, k;

	assert_int_equal(s.ops->create(s.ctx, &id), PL_OK);
	assert_int_equal(s.ops->append(s.ctx, id, "after the cut", 13), PL_OK);
	assert_int_equal(s.ops->commit(s.ctx, id, &st), PL_OK);
	assert_int_equal(pl_store_block_init(b, &sim->f, 0), PL_OK);
	for (n = 0; s.ops->next(s.ctx, n, &n) == PL_OK && n;)
		last = n;
	assert_int_equal(last, id);
	/* a read may stop at a DATA entry's end (the payload can span sectors) */
	for (got = 0; (k = s.ops->read(s.ctx, id, (uint64_t)got, buf + got, sizeof(buf) - (size_t)got)) > 0;)
		got += k;
	assert_int_equal(got, 13);
	assert_memory_equal(buf, "after the cut", 13);
}

/* The sweep for one program unit size (1, 4 or 8 bytes). */
static void sweep(uint32_t PROG)
{
	static flash_sim sim;
	static pl_store_block b;
	struct model m;
	struct tally t;
	unsigned long total, cut;

	/* the uncut run: how many write points, and it must not drop anything */
	assert_int_equal(flash_sim_init(&sim, SECTOR, SECTORS, PROG, NULL), 0);
	memset(&m, 0, sizeof(m));
	assert_int_equal(pl_store_block_init(&b, &sim.f, 0), PL_OK);
	assert_int_equal(script(pl_store_block_store(&b), &m), 0);
	total = sim.points;
	assert_int_equal(pl_store_block_counters(&b)->dropped, 0);
	assert_true(pl_store_block_counters(&b)->erases > 0); /* reclaim is exercised */
	assert_int_equal(sim.overwrites, 0);
	flash_sim_free(&sim);

	memset(&t, 0, sizeof(t));
	for (cut = 1; cut <= total; cut++) {
		assert_int_equal(flash_sim_init(&sim, SECTOR, SECTORS, PROG, NULL), 0);
		sim.rng ^= (uint32_t)cut * 2654435761u;
		memset(&m, 0, sizeof(m));
		assert_int_equal(pl_store_block_init(&b, &sim.f, 0), PL_OK);
		sim.cut_at = cut;
		assert_int_equal(script(pl_store_block_store(&b), &m), -1);
		flash_sim_power_on(&sim);
		assert_int_equal(pl_store_block_init(&b, &sim.f, 0), PL_OK);
		t.cuts++;
		t.torn += pl_store_block_counters(&b)->torn != 0;
		check(pl_store_block_store(&b), &m, &t);
		still_works(&sim, &b);
		assert_int_equal(sim.overwrites, 0);
		flash_sim_free(&sim);
	}
	printf("power-cut sweep: %lu cut points (%u-byte program units and erases), lost %lu, corrupt %lu, "
	       "duplicates %lu (remove cut: delivered again), unexpected %lu, bad state %lu, "
	       "restarts that found a torn entry %lu\n",
	       t.cuts, (unsigned)PROG, t.lost, t.corrupt, t.dups, t.extra, t.bad_state, t.torn);
	assert_int_equal(t.cuts, total);
	assert_int_equal(t.lost, 0);
	assert_int_equal(t.corrupt, 0);
	assert_int_equal(t.extra, 0);
	assert_int_equal(t.bad_state, 0);
}

static void test_power_cut_every_write(void **state)
{
	(void)state;
	sweep(4);
	sweep(1);
	sweep(8);
}

/* Torn tails are never written again, and an erased-but-unformatted or
 * garbage sector is ignored. */
static void test_garbage_flash(void **state)
{
	static flash_sim sim;
	static pl_store_block b;
	pl_store s;
	pl_store_id id, n;
	pl_store_state st = mkstate(0);
	uint32_t i;

	(void)state;
	assert_int_equal(flash_sim_init(&sim, SECTOR, SECTORS, 4, NULL), 0);
	for (i = 0; i < sim.size; i++)
		sim.mem[i] = (uint8_t)(i * 131 + 7);
	assert_int_equal(pl_store_block_init(&b, &sim.f, 0), PL_OK);
	s = pl_store_block_store(&b);
	assert_int_equal(s.ops->next(s.ctx, 0, &n), PL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(s.ops->create(s.ctx, &id), PL_OK);
	assert_int_equal(s.ops->append(s.ctx, id, "x", 1), PL_OK);
	assert_int_equal(s.ops->commit(s.ctx, id, &st), PL_OK);
	assert_int_equal(pl_store_block_init(&b, &sim.f, 0), PL_OK);
	assert_int_equal(s.ops->next(s.ctx, 0, &n), PL_OK);
	assert_int_equal(n, id);
	assert_int_equal(sim.overwrites, 0);
	flash_sim_free(&sim);
}

static void test_bad_geometry(void **state)
{
	static flash_sim sim;
	static pl_store_block b;

	(void)state;
	assert_int_equal(flash_sim_init(&sim, SECTOR, 2, 4, NULL), 0);
	assert_int_equal(pl_store_block_init(&b, &sim.f, 0), PL_E_USAGE);
	flash_sim_free(&sim);
	assert_int_equal(flash_sim_init(&sim, SECTOR, 4, 3, NULL), 0); /* odd program unit */
	assert_int_equal(pl_store_block_init(&b, &sim.f, 0), PL_E_USAGE);
	flash_sim_free(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_cut_every_write),
		cmocka_unit_test(test_garbage_flash),
		cmocka_unit_test(test_bad_geometry),
	};

	return cmocka_run_group_tests_name("block store power loss", tests, NULL, NULL);
}
