/* Unit tests for the DATA body normaliser (engine/body.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/body.h"
#include "transcript.h"

/* Encode in slices of `slice` input bytes with a generous output buffer,
 * then finish; compare with exp. */
static void check(const char *in, size_t inlen, size_t slice, const char *exp)
{
	uint8_t out[4096];
	size_t o = 0, off = 0;
	pl_body b;

	pl_body_init(&b);
	while (off < inlen) {
		size_t n = inlen - off < slice ? inlen - off : slice, w, used;

		used = pl_body_encode(&b, (const uint8_t *)in + off, n, out + o, sizeof(out) - o, &w);
		assert_int_equal(used, n);
		off += used;
		o += w;
	}
	o += pl_body_finish(&b, out + o);
	tr_assert_bytes("encoded body", exp, strlen(exp), out, o);
}

static void check_all_slices(const char *in, const char *exp)
{
	size_t n = strlen(in), s;

	for (s = 1; s <= n + 1; s++)
		check(in, n, s, exp);
}

static void test_empty_body(void **state)
{
	(void)state;
	check("", 0, 1, ".\r\n");
}

static void test_lf_to_crlf(void **state)
{
	(void)state;
	check_all_slices("a\nb\n", "a\r\nb\r\n.\r\n");
}

static void test_crlf_kept(void **state)
{
	(void)state;
	check_all_slices("a\r\nb\r\n", "a\r\nb\r\n.\r\n");
}

static void test_lone_cr(void **state)
{
	(void)state;
	check_all_slices("a\rb\r", "a\r\nb\r\n.\r\n");
	check_all_slices("\r\r\n\n", "\r\n\r\n\r\n.\r\n");
}

/* CRLF split across calls: "\r" then "\n" must give one line end. */
static void test_crlf_split_across_calls(void **state)
{
	uint8_t out[64];
	size_t o = 0, w;
	pl_body b;

	(void)state;
	pl_body_init(&b);
	assert_int_equal(pl_body_encode(&b, (const uint8_t *)"x\r", 2, out, sizeof(out), &w), 2);
	o += w;
	assert_int_equal(pl_body_encode(&b, (const uint8_t *)"\n", 1, out + o, sizeof(out) - o, &w), 1);
	assert_int_equal(w, 0);
	o += w;
	assert_int_equal(pl_body_encode(&b, (const uint8_t *)".y", 2, out + o, sizeof(out) - o, &w), 2);
	o += w;
	o += pl_body_finish(&b, out + o);
	tr_assert_bytes("split CRLF", "x\r\n..y\r\n.\r\n", 11, out, o);
}

static void test_dot_stuffing(void **state)
{
	(void)state;
	check_all_slices(".\n", "..\r\n.\r\n");
	check_all_slices("..\n", "...\r\n.\r\n");
	check_all_slices("a.\n.b\n", "a.\r\n..b\r\n.\r\n");
	check_all_slices(".", "..\r\n.\r\n");
	check_all_slices("x\r.\r\n.", "x\r\n..\r\n..\r\n.\r\n");
}

static void test_no_final_newline(void **state)
{
	(void)state;
	check_all_slices("last line", "last line\r\n.\r\n");
}

static void test_binary_and_nul_pass_through(void **state)
{
	(void)state;
	check("\x80\xff", 2, 1, "\x80\xff\r\n.\r\n");
	/* strlen-based exp cannot hold NUL: check by hand */
	{
		uint8_t out[32];
		size_t w, o;
		pl_body b;

		pl_body_init(&b);
		assert_int_equal(pl_body_encode(&b, (const uint8_t *)"\x80\0\n", 3, out, sizeof(out), &w), 3);
		o = w + pl_body_finish(&b, out + w);
		tr_assert_bytes("8-bit", "\x80\0\r\n.\r\n", 7, out, o);
	}
}

/* Output-buffer limits: never split the expansion of one input byte. */
static void test_output_limit(void **state)
{
	uint8_t out[8];
	size_t w;
	pl_body b;

	(void)state;
	pl_body_init(&b);
	assert_int_equal(pl_body_encode(&b, (const uint8_t *)"abc", 3, out, 1, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(pl_body_encode(&b, (const uint8_t *)".abc", 4, out, 2, &w), 1);
	tr_assert_bytes("stuffed dot", "..", 2, out, w);
	assert_int_equal(pl_body_encode(&b, (const uint8_t *)"\n", 1, out, 2, &w), 1);
	tr_assert_bytes("LF", "\r\n", 2, out, w);
	/* each byte needs PL_BODY_EXPANSION free bytes before it is taken */
	assert_int_equal(pl_body_encode(&b, (const uint8_t *)"abc", 3, out, 3, &w), 2);
	assert_int_equal(w, 2);
	assert_int_equal(PL_BODY_FINISH_MAX, 5);
	assert_int_equal(pl_body_finish(&b, out), 5);
	tr_assert_bytes("finish", "\r\n.\r\n", 5, out, 5);
}

/* Every small message over a 4-symbol alphabet, every slice size: output
 * has no bare CR/LF, ends in CRLF.CRLF and un-stuffs to the input. */
static void test_exhaustive_small(void **state)
{
	static const char sym[] = { 'a', '.', '\r', '\n' };
	char in[7];
	unsigned code, len;

	(void)state;
	for (len = 0; len <= 6; len++) {
		unsigned total = 1u << (2 * len);

		for (code = 0; code < total; code++) {
			uint8_t out[64];
			size_t i, o = 0, w, s;
			pl_body b;

			for (i = 0; i < len; i++)
				in[i] = sym[(code >> (2 * i)) & 3];
			for (s = 1; s <= 3; s++) {
				size_t off = 0;

				o = 0;
				pl_body_init(&b);
				while (off < len) {
					size_t n = len - off < s ? len - off : s;

					off += pl_body_encode(&b, (const uint8_t *)in + off, n, out + o,
							      sizeof(out) - o, &w);
					o += w;
				}
				o += pl_body_finish(&b, out + o);
				assert_true(o >= 3);
				assert_memory_equal(out + o - 3, ".\r\n", 3);
				for (i = 0; i < o; i++) {
					if (out[i] == '\r')
						assert_true(i + 1 < o && out[i + 1] == '\n');
					if (out[i] == '\n')
						assert_true(i > 0 && out[i - 1] == '\r');
					/* a line that is exactly "." only at the end */
					if ((i == 0 || out[i - 1] == '\n') && out[i] == '.' &&
					    i + 2 < o && out[i + 1] == '\r')
						assert_int_equal(i + 3, o);
				}
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_lf_to_crlf),
		cmocka_unit_test(test_crlf_kept),
		cmocka_unit_test(test_lone_cr),
		cmocka_unit_test(test_crlf_split_across_calls),
		cmocka_unit_test(test_dot_stuffing),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_binary_and_nul_pass_through),
		cmocka_unit_test(test_output_limit),
		cmocka_unit_test(test_exhaustive_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
