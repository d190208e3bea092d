/* Unit tests for the SMTP reply assembler (engine/reply.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/reply.h"

/* Push bytes; return PL_REPLY_BAD as soon as a byte is refused, else the
 * event of the last byte. */
static int push_all(pl_reply *r, const char *s, size_t n)
{
	size_t i;
	int ev = PL_REPLY_MORE;

	for (i = 0; i < n; i++) {
		ev = pl_reply_push(r, (uint8_t)s[i]);
		if (ev == PL_REPLY_BAD)
			return ev;
	}
	return ev;
}

#define PUSH(r, lit) push_all((r), (lit), sizeof(lit) - 1)

static void test_single_line(void **state)
{
	pl_reply r;

	(void)state;
	pl_reply_init(&r);
	assert_false(pl_reply_partial(&r));
	assert_int_equal(PUSH(&r, "220 mx.test ESMTP"), PL_REPLY_MORE);
	assert_true(pl_reply_partial(&r));
	assert_int_equal(PUSH(&r, "\r"), PL_REPLY_MORE);
	assert_int_equal(PUSH(&r, "\n"), PL_REPLY_DONE);
	assert_int_equal(r.code, 220);
	assert_string_equal(r.line, "220 mx.test ESMTP");
	assert_string_equal(pl_reply_text(&r), "mx.test ESMTP");
	assert_false(pl_reply_partial(&r));
}

static void test_multi_line(void **state)
{
	pl_reply r;

	(void)state;
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "250-mx.test\r\n"), PL_REPLY_LINE);
	assert_string_equal(pl_reply_text(&r), "mx.test");
	assert_true(pl_reply_partial(&r));
	assert_int_equal(PUSH(&r, "250-PIPELINING\r\n"), PL_REPLY_LINE);
	assert_string_equal(pl_reply_text(&r), "PIPELINING");
	assert_int_equal(PUSH(&r, "250 SIZE 100\r\n"), PL_REPLY_DONE);
	assert_string_equal(pl_reply_text(&r), "SIZE 100");
	assert_int_equal(r.code, 250);
	assert_false(pl_reply_partial(&r));
	/* next reply may have another code */
	assert_int_equal(PUSH(&r, "354 go\r\n"), PL_REPLY_DONE);
	assert_int_equal(r.code, 354);
}

static void test_code_only_and_empty_text(void **state)
{
	pl_reply r;

	(void)state;
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "250\r\n"), PL_REPLY_DONE);
	assert_string_equal(pl_reply_text(&r), "");
	assert_int_equal(PUSH(&r, "250 \r\n"), PL_REPLY_DONE);
	assert_string_equal(pl_reply_text(&r), "");
	assert_int_equal(PUSH(&r, "250-\r\n"), PL_REPLY_LINE);
	assert_int_equal(PUSH(&r, "250 x\r\n"), PL_REPLY_DONE);
	assert_string_equal(pl_reply_text(&r), "x");
}

static void test_code_change_is_bad(void **state)
{
	pl_reply r;

	(void)state;
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "250-x\r\n"), PL_REPLY_LINE);
	assert_int_equal(PUSH(&r, "251 y\r\n"), PL_REPLY_BAD);
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "250-x\r\n"), PL_REPLY_LINE);
	assert_int_equal(PUSH(&r, "350-y\r\n"), PL_REPLY_BAD);
}

static void test_bad_codes(void **state)
{
	static const char *const bad[] = {
		"\r\n", "2\r\n", "25\r\n", "25a ok\r\n", "a50 ok\r\n", "150 ok\r\n", "650 ok\r\n",
		"050 ok\r\n", "250x\r\n", "250_ok\r\n", " 250 ok\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pl_reply r;

		pl_reply_init(&r);
		if (push_all(&r, bad[i], strlen(bad[i])) != PL_REPLY_BAD)
			fail_msg("accepted malformed reply \"%s\"", bad[i]);
	}
}

static void test_nul_and_bare_cr(void **state)
{
	pl_reply r;

	(void)state;
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "220 a"), PL_REPLY_MORE);
	assert_int_equal(pl_reply_push(&r, 0), PL_REPLY_BAD);
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "220 a\rb\r\n"), PL_REPLY_BAD);
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "220 a\r\r\n"), PL_REPLY_BAD);
}

static void test_bare_lf(void **state)
{
	pl_reply r;

	(void)state;
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "250-a\n"), PL_REPLY_LINE);
	assert_int_equal(PUSH(&r, "250 b\n"), PL_REPLY_DONE);
	assert_string_equal(r.line, "250 b");
}

static void test_line_length_limit(void **state)
{
	char line[CONFIG_POSTLET_REPLY_LINE_MAX + 4];
	pl_reply r;
	size_t i;

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, "250 ", 4);
	/* exactly the limit (excluding CRLF) is accepted */
	pl_reply_init(&r);
	for (i = 0; i < CONFIG_POSTLET_REPLY_LINE_MAX; i++)
		assert_int_equal(pl_reply_push(&r, (uint8_t)line[i]), PL_REPLY_MORE);
	assert_int_equal(PUSH(&r, "\r\n"), PL_REPLY_DONE);
	assert_int_equal(strlen(r.line), CONFIG_POSTLET_REPLY_LINE_MAX);
	assert_int_equal(strlen(pl_reply_text(&r)), CONFIG_POSTLET_REPLY_LINE_MAX - 4);
	/* one more byte is refused */
	pl_reply_init(&r);
	for (i = 0; i < CONFIG_POSTLET_REPLY_LINE_MAX; i++)
		assert_int_equal(pl_reply_push(&r, (uint8_t)line[i]), PL_REPLY_MORE);
	assert_int_equal(pl_reply_push(&r, 'x'), PL_REPLY_BAD);
}

/* A reply may have CONFIG_POSTLET_REPLY_LINES_MAX lines, no more; the
 * count starts again with the next reply. */
static void test_line_count_limit(void **state)
{
	pl_reply r;
	int i, round;

	(void)state;
	pl_reply_init(&r);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < CONFIG_POSTLET_REPLY_LINES_MAX - 1; i++)
			assert_int_equal(PUSH(&r, "250-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
					 PL_REPLY_LINE);
		assert_int_equal(PUSH(&r, "250 end\r\n"), PL_REPLY_DONE);
	}
	for (i = 0; i < CONFIG_POSTLET_REPLY_LINES_MAX; i++)
		assert_int_equal(PUSH(&r, "250-x\r\n"), PL_REPLY_LINE);
	/* one line too many, final or not */
	assert_int_equal(PUSH(&r, "250 end\r\n"), PL_REPLY_BAD);
	pl_reply_init(&r);
	for (i = 0; i < CONFIG_POSTLET_REPLY_LINES_MAX; i++)
		assert_int_equal(PUSH(&r, "250-x\r\n"), PL_REPLY_LINE);
	assert_int_equal(PUSH(&r, "250-x\r\n"), PL_REPLY_BAD);
}

static void test_high_bytes_in_text(void **state)
{
	pl_reply r;

	(void)state;
	pl_reply_init(&r);
	assert_int_equal(PUSH(&r, "220 \xc3\xa9t\xe9\r\n"), PL_REPLY_DONE);
	assert_string_equal(pl_reply_text(&r), "\xc3\xa9t\xe9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_multi_line),
		cmocka_unit_test(test_code_only_and_empty_text),
		cmocka_unit_test(test_code_change_is_bad),
		cmocka_unit_test(test_bad_codes),
		cmocka_unit_test(test_nul_and_bare_cr),
		cmocka_unit_test(test_bare_lf),
		cmocka_unit_test(test_line_length_limit),
		cmocka_unit_test(test_line_count_limit),
		cmocka_unit_test(test_high_bytes_in_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
