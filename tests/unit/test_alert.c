/*
 * The alert API without a server (agent/queue/alert.c): what it queues
 * (headers, body, envelope), storm control feeding digests, the outcome
 * of an attempt when the server is unreachable, and its refusals.
 * Delivery against a real server: tests/alert/suite.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "queue/alert.h"
#include "store_ram.h"

static pl_alert_ctx ctx;
static pl_store_ram ram;
static uint8_t mem[16384];
static pl_store store;
static pl_account acct;
static pl_alert_config cfg;
static const char *const rcpts[] = { "ops@example.com" };
static int64_t now_s = 1765000000; /* 2025-12-06 05:46:40 UTC */
static pl_alert_outcome last;
static int outcomes;

static int64_t fake_now(void *c)
{
	(void)c;
	return now_s;
}

static void done(void *c, const pl_alert_outcome *o)
{
	(void)c;
	last = *o;
	outcomes++;
}

static int setup(void **state)
{
	(void)state;
	memset(&acct, 0, sizeof(acct));
	acct.host = "localhost";
	acct.port = 1; /* nothing listens: connection refused */
	acct.tls_mode = PL_TLS_STARTTLS;
	acct.timeout_ms = 2000;
	acct.ehlo_domain = "device.example.com";
	memset(&cfg, 0, sizeof(cfg));
	cfg.from = "device@example.com";
	cfg.rcpts = rcpts;
	cfg.nrcpt = 1;
	cfg.done = done;
	cfg.now = fake_now;
	cfg.now_is_wall = 1;
	cfg.storm.window_s = 600;
	cfg.storm.per_key = 2;
	cfg.storm.global = 20;
	cfg.max_attempts = 3;
	outcomes = 0;
	assert_int_equal(pl_store_ram_init(&ram, mem, sizeof(mem), 8), PL_OK);
	store = pl_store_ram_store(&ram);
	assert_int_equal(pl_alert_init(&ctx, &cfg, &store, &acct), PL_OK);
	return 0;
}

/* The queued message: header fields and the body as given. */
static void message_of(pl_store_id id, char *buf, size_t cap)
{
	pl_queue_entry e;
	long n;

	assert_int_equal(pl_queue_next(&ctx.q, id - 1, &e), PL_OK);
	assert_int_equal(e.id, id);
	assert_string_equal(e.env.from, "device@example.com");
	n = pl_queue_read_message(&ctx.q, id, 0, buf, cap - 1);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void test_compose(void **state)
{
	pl_alert a = { NULL, 0, "disk full on /var", "92% used\n", NULL, NULL, NULL, 50 };
	pl_store_id id;
	char msg[2048];

	(void)state;
	assert_int_equal(pl_alert_send(&ctx, &a, &id), PL_OK);
	assert_true(id != 0);
	message_of(id, msg, sizeof(msg));
	assert_non_null(strstr(msg, "From: <device@example.com>\r\nTo: <ops@example.com>\r\n"
				    "Subject: disk full on /var\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <"));
	assert_non_null(strstr(msg, "@example.com>\r\n"));
	/* the POSIX port has a wall clock: Date: is there */
	assert_non_null(strstr(msg, "\r\nDate: "));
	assert_non_null(strstr(msg, "Auto-Submitted: auto-generated\r\n"));
	assert_null(strstr(msg, "Content-Transfer-Encoding")); /* 7-bit body */
	assert_non_null(strstr(msg, "\r\n\r\n92% used\n"));
}

static void test_subject_8bit_and_refusals(void **state)
{
	pl_alert a = { NULL, 0, "Temp\xc3\xa9rature = 81", "h\xc3\xa9\n", NULL, NULL, NULL, 50 };
	pl_store_id id;
	char msg[2048], big[CONFIG_POSTLET_ALERT_MSG_MAX + 1];

	(void)state;
	assert_int_equal(pl_alert_send(&ctx, &a, &id), PL_OK);
	message_of(id, msg, sizeof(msg));
	assert_non_null(strstr(msg, "Subject: =?UTF-8?Q?Temp=C3=A9rature_=3D_81?=\r\n"));
	assert_non_null(strstr(msg, "Content-Transfer-Encoding: 8bit\r\n"));
	a.subject = "two\r\nlines";
	assert_int_equal(pl_alert_send(&ctx, &a, &id), PL_E_MESSAGE);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a.subject = "big";
	a.body = big;
	assert_int_equal(pl_alert_send(&ctx, &a, &id), PL_E_LIMIT);
}

struct chunks {
	int left;
};

static long body_cb(void *c, uint8_t *buf, size_t cap)
{
	struct chunks *k = c;

	if (!k->left || cap < 6)
		return 0;
	k->left--;
	memcpy(buf, "line\r\n", 6);
	return 6;
}

static void test_body_callback(void **state)
{
	struct chunks k = { 3 };
	pl_alert a = { NULL, 0, "from a callback", NULL, body_cb, &k, NULL, 50 };
	pl_store_id id;
	char msg[2048];

	(void)state;
	assert_int_equal(pl_alert_send(&ctx, &a, &id), PL_OK);
	message_of(id, msg, sizeof(msg));
	assert_non_null(strstr(msg, "\r\n\r\nline\r\nline\r\nline\r\n"));
}

/* Server unreachable: every due alert gets one attempt, reported with
 * its retries left; after max_attempts it is given up (final). */
static void test_unreachable_then_given_up(void **state)
{
	pl_alert a = { NULL, 0, "pump stopped", "pump 2\n", NULL, NULL, NULL, 50 };
	pl_store_id id;
	uint32_t count;
	uint64_t bytes;

	(void)state;
	assert_int_equal(pl_alert_send(&ctx, &a, &id), PL_OK);
	assert_int_equal(pl_alert_poll(&ctx), 0);
	assert_int_equal(outcomes, 1);
	assert_int_equal(last.id, id);
	assert_int_equal(last.err, PL_E_CONNECT);
	assert_int_equal(last.stage, PL_STAGE_CONNECT);
	assert_int_equal(last.attempts, 1);
	assert_int_equal(last.retries_left, 2);
	assert_false(last.final);
	/* not due again before the backoff */
	assert_int_equal(pl_alert_poll(&ctx), 0);
	assert_int_equal(outcomes, 1);
	now_s += 3600;
	pl_alert_poll(&ctx);
	assert_int_equal(last.attempts, 2);
	now_s += 3600;
	pl_alert_poll(&ctx);
	assert_int_equal(last.attempts, 3);
	assert_int_equal(last.retries_left, 0);
	assert_true(last.final);
	assert_int_equal(store.ops->usage(store.ctx, &count, &bytes), PL_OK);
	assert_int_equal(count, 0);
	assert_int_equal(pl_store_ram_counters(&ram)->expired, 1);
	assert_int_equal(ctx.stats.failed, 1);
}

/* 10 identical alerts with 2 per key: 2 queued, 8 folded into a digest
 * that is queued when the window closes, to the default recipients. */
static void test_storm_digest(void **state)
{
	pl_alert a = { NULL, 0, "fan 3 stopped", "rpm 0\n", NULL, NULL, "fan3", 50 };
	pl_store_id id, ids = 0;
	char msg[2048];
	int i, queued = 0;

	(void)state;
	cfg.storm.dedupe = 0;
	assert_int_equal(pl_alert_init(&ctx, &cfg, &store, &acct), PL_OK);
	for (i = 0; i < 10; i++) {
		assert_int_equal(pl_alert_send(&ctx, &a, &id), PL_OK);
		queued += id != 0;
		if (id)
			ids = id;
	}
	assert_int_equal(queued, 2);
	assert_int_equal(ctx.stats.suppressed, 8);
	now_s += 601;
	a.key = "other";
	assert_int_equal(pl_alert_send(&ctx, &a, &id), PL_OK); /* queues the digest first */
	assert_int_equal(ctx.stats.digests, 1);
	message_of(ids + 1, msg, sizeof(msg));
	assert_non_null(strstr(msg, "Subject: [digest] fan3: 10 times between "));
	assert_non_null(strstr(msg, "(2 mailed, 8 suppressed)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_compose, setup),
		cmocka_unit_test_setup(test_subject_8bit_and_refusals, setup),
		cmocka_unit_test_setup(test_body_callback, setup),
		cmocka_unit_test_setup(test_unreachable_then_given_up, setup),
		cmocka_unit_test_setup(test_storm_digest, setup),
	};

	return cmocka_run_group_tests_name("alert API", tests, NULL, NULL);
}
