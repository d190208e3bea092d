/* Unit tests for alert-storm control (agent/queue/storm.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "queue/storm.h"

#define T0 (36120) /* 10:02 UTC on day 0 */

static pl_storm storm;

static void setup_cfg(uint32_t window, uint32_t per_key, uint32_t global, int dedupe)
{
	pl_storm_config c = { window, per_key, global, dedupe };

	pl_storm_init(&storm, &c);
}

static uint32_t content(const char *s)
{
	return pl_storm_hash(PL_STORM_HASH_INIT, s, strlen(s));
}

static int ndigests(int64_t now, pl_storm_digest *last)
{
	pl_storm_digest d;
	int n = 0;

	while (pl_storm_next_digest(&storm, now, &d)) {
		n++;
		if (last)
			*last = d;
	}
	return n;
}

/* 1000 identical alerts in a burst: exactly per_key mails, then one digest
 * when the window closes, and only one. */
static void test_burst_of_1000(void **state)
{
	pl_storm_digest d;
	char text[160];
	int i, sent = 0;

	(void)state;
	setup_cfg(3600, 3, 20, 0);
	for (i = 0; i < 1000; i++) {
		int64_t now = T0 + (int64_t)i * 2 + (i == 999 ? 282 : 0); /* last at 10:40 */

		assert_int_equal(ndigests(now, NULL), 0); /* window still open */
		sent += pl_storm_check(&storm, "disk full on /var", content("disk full on /var"), now) ==
			PL_STORM_SEND;
	}
	assert_int_equal(sent, 3);
	assert_int_equal(ndigests(T0 + 3599, NULL), 0);
	assert_int_equal(ndigests(T0 + 3600, &d), 1);
	assert_int_equal(d.seen, 1000);
	assert_int_equal(d.sent, 3);
	assert_int_equal(d.suppressed, 997);
	assert_int_equal(ndigests(T0 + 7200, NULL), 0);
	pl_storm_digest_text(&d, 1, 0, text, sizeof(text));
	assert_string_equal(text, "disk full on /var: 1000 times between 10:02 and 10:40 (3 mailed, 997 suppressed)");
	pl_storm_digest_text(&d, 1, 60, text, sizeof(text));
	assert_string_equal(text, "disk full on /var: 1000 times between 11:02 and 11:40 (3 mailed, 997 suppressed)");
	pl_storm_digest_text(&d, 0, 0, text, sizeof(text));
	assert_string_equal(text, "disk full on /var: 1000 times in 2280 s (3 mailed, 997 suppressed)");
	/* the next window mails again */
	assert_int_equal(pl_storm_check(&storm, "disk full on /var", 1, T0 + 7200), PL_STORM_SEND);
}

/* With dedupe, identical repeats are not mailed even within the budget;
 * a different text under the same key is. */
static void test_dedupe(void **state)
{
	pl_storm_digest d;
	int i, sent = 0;

	(void)state;
	setup_cfg(600, 3, 20, 1);
	for (i = 0; i < 1000; i++)
		sent += pl_storm_check(&storm, "fan", content("fan 3 stopped"), T0 + i / 10) ==
			PL_STORM_SEND;
	assert_int_equal(sent, 1);
	assert_int_equal(pl_storm_check(&storm, "fan", content("fan 4 stopped"), T0 + 100), PL_STORM_SEND);
	assert_int_equal(ndigests(T0 + 600, &d), 1);
	assert_int_equal(d.seen, 1001);
	assert_int_equal(d.sent, 2);
	assert_int_equal(d.suppressed, 999);
}

static void test_keys_independent(void **state)
{
	int i, a = 0, b = 0;

	(void)state;
	setup_cfg(600, 3, 100, 0);
	for (i = 0; i < 100; i++) {
		a += pl_storm_check(&storm, "key A", (uint32_t)i, T0 + i) == PL_STORM_SEND;
		b += pl_storm_check(&storm, "key B", (uint32_t)i, T0 + i) == PL_STORM_SEND;
	}
	assert_int_equal(a, 3);
	assert_int_equal(b, 3);
	assert_int_equal(ndigests(T0 + 700, NULL), 2);
}

static void test_global_limit(void **state)
{
	char key[16];
	int i, k, sent = 0;

	(void)state;
	setup_cfg(600, 3, 20, 0);
	for (i = 0; i < 5; i++)
		for (k = 0; k < 10; k++) {
			snprintf(key, sizeof(key), "key %d", k);
			sent += pl_storm_check(&storm, key, (uint32_t)i, T0 + i) == PL_STORM_SEND;
		}
	assert_int_equal(sent, 20);
	assert_int_equal(storm.suppressed_total, 30);
	/* every key had suppressed alerts (3 each over budget, or global) */
	assert_int_equal(ndigests(T0 + 600, NULL), 10);
	/* a new global window */
	assert_int_equal(pl_storm_check(&storm, "key 0", 99, T0 + 601), PL_STORM_SEND);
}

/* Table full: new keys fall back to the global budget and the "other"
 * digest; closed idle slots are reused. */
static void test_table_full(void **state)
{
	char key[16], text[160];
	pl_storm_digest d;
	int k, sent = 0;

	(void)state;
	setup_cfg(600, 3, CONFIG_POSTLET_STORM_KEYS + 2, 0);
	for (k = 0; k < CONFIG_POSTLET_STORM_KEYS; k++) {
		snprintf(key, sizeof(key), "k%d", k);
		assert_int_equal(pl_storm_check(&storm, key, 0, T0), PL_STORM_SEND);
	}
	/* no slot: global budget only (2 left), then suppressed as "other" */
	for (k = 0; k < 5; k++) {
		snprintf(key, sizeof(key), "new%d", k);
		sent += pl_storm_check(&storm, key, 0, T0 + 10) == PL_STORM_SEND;
	}
	assert_int_equal(sent, 2);
	assert_int_equal(ndigests(T0 + 609, NULL), 0);
	assert_int_equal(ndigests(T0 + 610, &d), 1);
	assert_true(d.other);
	assert_int_equal(d.suppressed, 3);
	pl_storm_digest_text(&d, 0, 0, text, sizeof(text));
	assert_string_equal(text, "other alerts: 3 times in 0 s (0 mailed, 3 suppressed)");
	/* windows closed with nothing to report: slots are free again */
	assert_int_equal(pl_storm_check(&storm, "fresh", 0, T0 + 700), PL_STORM_SEND);
	assert_int_equal(pl_storm_check(&storm, "fresh", 1, T0 + 700), PL_STORM_SEND);
}

/* A slot with a digest still to report is never taken by a new key. */
static void test_pending_digest_keeps_slot(void **state)
{
	char key[16];
	pl_storm_digest d;
	int k, i;

	(void)state;
	setup_cfg(600, 1, 1000, 0);
	for (k = 0; k < CONFIG_POSTLET_STORM_KEYS; k++) {
		snprintf(key, sizeof(key), "k%d", k);
		for (i = 0; i < 3; i++)
			pl_storm_check(&storm, key, (uint32_t)i, T0);
	}
	/* all windows closed, all with something to report */
	assert_int_equal(pl_storm_check(&storm, "late", 0, T0 + 700), PL_STORM_SEND);
	assert_int_equal(ndigests(T0 + 700, &d), CONFIG_POSTLET_STORM_KEYS);
	assert_int_equal(d.suppressed, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_of_1000),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_keys_independent),
		cmocka_unit_test(test_global_limit),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_pending_digest_keeps_slot),
	};

	return cmocka_run_group_tests_name("alert-storm control", tests, NULL, NULL);
}
