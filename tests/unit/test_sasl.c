/* Unit tests for SASL PLAIN / base64 (engine/sasl.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/sasl.h"

static void b64(const char *in, const char *exp)
{
	char out[64];
	size_t n = 12345;

	memset(out, 'Z', sizeof(out));
	assert_int_equal(pl_sasl_b64(in, strlen(in), out, sizeof(out), &n), PL_OK);
	assert_string_equal(out, exp);
	assert_int_equal(n, strlen(exp));
}

/* RFC 4648 section 10 */
static void test_rfc4648_vectors(void **state)
{
	(void)state;
	b64("", "");
	b64("f", "Zg==");
	b64("fo", "Zm8=");
	b64("foo", "Zm9v");
	b64("foob", "Zm9vYg==");
	b64("fooba", "Zm9vYmE=");
	b64("foobar", "Zm9vYmFy");
}

/* Exact fit (4 per 3 plus NUL) works; one byte less is PL_E_LIMIT. */
static void test_b64_buffer_limits(void **state)
{
	char out[16];
	size_t n;

	(void)state;
	assert_int_equal(pl_sasl_b64("foobar", 6, out, 9, &n), PL_OK);
	assert_string_equal(out, "Zm9vYmFy");
	assert_int_equal(pl_sasl_b64("foobar", 6, out, 8, &n), PL_E_LIMIT);
	assert_int_equal(pl_sasl_b64("f", 1, out, 5, &n), PL_OK);
	assert_string_equal(out, "Zg==");
	assert_int_equal(pl_sasl_b64("f", 1, out, 4, &n), PL_E_LIMIT);
	assert_int_equal(pl_sasl_b64("", 0, out, 1, &n), PL_OK);
	assert_string_equal(out, "");
	assert_int_equal(pl_sasl_b64("", 0, out, 0, &n), PL_E_LIMIT);
}

/* No line breaks even for long input. */
static void test_b64_long_no_newlines(void **state)
{
	unsigned char in[300];
	char out[401];
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	assert_int_equal(pl_sasl_b64(in, sizeof(in), out, sizeof(out), &n), PL_OK);
	assert_int_equal(n, 400);
	assert_int_equal(strlen(out), 400);
	assert_null(strchr(out, '\n'));
	assert_null(strchr(out, '\r'));
	assert_memory_equal(out, "AAECAwQF", 8);
}

static void test_plain(void **state)
{
	char out[64];
	size_t n;

	(void)state;
	assert_int_equal(pl_sasl_plain("user", "pass", out, sizeof(out), &n), PL_OK);
	assert_string_equal(out, "AHVzZXIAcGFzcw=="); /* "\0user\0pass" */
	assert_int_equal(n, 16);
	/* RFC 4616 example: authcid "tim", password "tanstaaftanstaaf" */
	assert_int_equal(pl_sasl_plain("tim", "tanstaaftanstaaf", out, sizeof(out), &n), PL_OK);
	assert_string_equal(out, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	assert_int_equal(pl_sasl_plain("", "", out, sizeof(out), &n), PL_OK);
	assert_string_equal(out, "AAA=");
}

static void test_plain_limits(void **state)
{
	char user[257], pass[257];
	char out[4 * ((2 * 255 + 2 + 2) / 3) + 1];
	size_t n;

	(void)state;
	memset(user, 'u', 255);
	user[255] = '\0';
	memset(pass, 'p', 255);
	pass[255] = '\0';
	assert_int_equal(pl_sasl_plain(user, pass, out, sizeof(out), &n), PL_OK);
	assert_int_equal(n, 684);
	assert_int_equal(pl_sasl_plain(user, pass, out, sizeof(out) - 1, &n), PL_E_LIMIT);

	user[255] = 'u';
	user[256] = '\0';
	assert_int_equal(pl_sasl_plain(user, "p", out, sizeof(out), &n), PL_E_LIMIT);
	pass[255] = 'p';
	pass[256] = '\0';
	assert_int_equal(pl_sasl_plain("u", pass, out, sizeof(out), &n), PL_E_LIMIT);

	assert_int_equal(pl_sasl_plain("user", "pass", out, 16, &n), PL_E_LIMIT);
	assert_int_equal(pl_sasl_plain("user", "pass", out, 17, &n), PL_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_b64_buffer_limits),
		cmocka_unit_test(test_b64_long_no_newlines),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_plain_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
