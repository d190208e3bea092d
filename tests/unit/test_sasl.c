/* Unit tests for SASL PLAIN / base64 (engine/sasl.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
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
	static char user[CONFIG_POSTLET_AUTH_USER_MAX + 2], pass[CONFIG_POSTLET_AUTH_SECRET_MAX + 2];
	static char out[4 * ((CONFIG_POSTLET_AUTH_USER_MAX + CONFIG_POSTLET_AUTH_SECRET_MAX + 4) / 3) + 1];
	size_t n, need = (CONFIG_POSTLET_AUTH_USER_MAX + CONFIG_POSTLET_AUTH_SECRET_MAX + 2 + 2) / 3 * 4;

	(void)state;
	/* any bytes (but NUL), up to the Kconfig limits */
	memset(user, 0xc3, CONFIG_POSTLET_AUTH_USER_MAX);
	user[CONFIG_POSTLET_AUTH_USER_MAX] = '\0';
	memset(pass, '\x01', CONFIG_POSTLET_AUTH_SECRET_MAX);
	pass[CONFIG_POSTLET_AUTH_SECRET_MAX] = '\0';
	assert_int_equal(pl_sasl_plain(user, pass, out, sizeof(out), &n), PL_OK);
	assert_int_equal(n, need);
	assert_int_equal(pl_sasl_plain(user, pass, out, need, &n), PL_E_LIMIT);

	user[CONFIG_POSTLET_AUTH_USER_MAX] = 'u';
	user[CONFIG_POSTLET_AUTH_USER_MAX + 1] = '\0';
	assert_int_equal(pl_sasl_plain(user, "p", out, sizeof(out), &n), PL_E_LIMIT);
	pass[CONFIG_POSTLET_AUTH_SECRET_MAX] = 'p';
	pass[CONFIG_POSTLET_AUTH_SECRET_MAX + 1] = '\0';
	assert_int_equal(pl_sasl_plain("u", pass, out, sizeof(out), &n), PL_E_LIMIT);

	assert_int_equal(pl_sasl_plain("user", "pass", out, 16, &n), PL_E_LIMIT);
	assert_int_equal(pl_sasl_plain("user", "pass", out, 17, &n), PL_OK);
}

static void test_unb64(void **state)
{
	uint8_t out[16];
	size_t n;

	(void)state;
	assert_int_equal(pl_sasl_unb64("Zm9vYg==", 8, out, sizeof(out), &n), PL_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "foob", 4);
	assert_int_equal(pl_sasl_unb64("", 0, out, sizeof(out), &n), PL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pl_sasl_unb64("Zm9vYg=", 7, out, sizeof(out), &n), PL_E_PROTOCOL);
	assert_int_equal(pl_sasl_unb64("Zm9v Yg=", 8, out, sizeof(out), &n), PL_E_PROTOCOL);
	assert_int_equal(pl_sasl_unb64("Zm=vYg==", 8, out, sizeof(out), &n), PL_E_PROTOCOL);
	assert_int_equal(pl_sasl_unb64("Zg=a", 4, out, sizeof(out), &n), PL_E_PROTOCOL);
	assert_int_equal(pl_sasl_unb64("Zm9vYmFy", 8, out, 5, &n), PL_E_LIMIT);
}

/* RFC 2195 section 2 */
static void test_cram_md5_rfc2195(void **state)
{
	char out[128];
	size_t n;

	(void)state;
	assert_int_equal(pl_sasl_cram_md5("tim", "tanstaaftanstaaf",
					  "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
					  out, sizeof(out), &n), PL_OK);
	assert_string_equal(out, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	assert_int_equal(pl_sasl_cram_md5("tim", "x", "not base64!", out, sizeof(out), &n),
			 PL_E_PROTOCOL);
	assert_int_equal(pl_sasl_cram_md5("tim", "x", "", out, sizeof(out), &n), PL_E_PROTOCOL);
	assert_int_equal(pl_sasl_cram_md5("tim", "tanstaaftanstaaf",
					  "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
					  out, 48, &n), PL_E_LIMIT);
}

static void test_oauth_messages(void **state)
{
	char out[256];
	size_t n;

	(void)state;
	assert_int_equal(pl_sasl_xoauth2("user", "tok", out, sizeof(out), &n), PL_OK);
	assert_string_equal(out, "dXNlcj11c2VyAWF1dGg9QmVhcmVyIHRvawEB");
	assert_int_equal(pl_sasl_oauthbearer("user", "mx.test", 587, "tok", out, sizeof(out), &n),
			 PL_OK);
	assert_string_equal(out, "bixhPXVzZXIsAWhvc3Q9bXgudGVzdAFwb3J0PTU4NwFhdXRoPUJlYXJlciB0b2sBAQ==");
	/* GS2 escaping of the authzid; host/port left out */
	assert_int_equal(pl_sasl_oauthbearer("a,b=c", NULL, 0, "t", out, sizeof(out), &n), PL_OK);
	assert_string_equal(out, "bixhPWE9MkNiPTNEYywBYXV0aD1CZWFyZXIgdAEB"); /* n,a=a=2Cb=3Dc,\1auth=Bearer t\1\1 */
	assert_int_equal(pl_sasl_xoauth2("user", "a\1b", out, sizeof(out), &n), PL_E_CONFIG);
	assert_int_equal(pl_sasl_oauthbearer("u\1", NULL, 0, "t", out, sizeof(out), &n), PL_E_CONFIG);
	assert_int_equal(pl_sasl_xoauth2("user", "tok", out, 36, &n), PL_E_LIMIT);
	assert_int_equal(pl_sasl_xoauth2("user", "tok", out, 37, &n), PL_OK);
}

static void test_oauth_status(void **state)
{
	char st[32];

	(void)state;
	assert_int_equal(pl_sasl_oauth_status("eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciIsInNjb3BlIjoibWFpbCJ9",
					      st, sizeof(st)), PL_OK);
	assert_string_equal(st, "invalid_token");
	/* {"schemes":"bearer", "status" : "401"} */
	assert_int_equal(pl_sasl_oauth_status("eyJzY2hlbWVzIjoiYmVhcmVyIiwgInN0YXR1cyIgOiAiNDAxIn0=",
					      st, sizeof(st)), PL_OK);
	assert_string_equal(st, "401");
	/* truncated to the caller's buffer */
	assert_int_equal(pl_sasl_oauth_status("eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", st, 6), PL_OK);
	assert_string_equal(st, "inval");
	/* {"status":401} (not a string), not base64, empty */
	assert_int_equal(pl_sasl_oauth_status("eyJzdGF0dXMiOjQwMX0=", st, sizeof(st)), PL_E_PROTOCOL);
	assert_int_equal(pl_sasl_oauth_status("{\"status\":\"x\"}", st, sizeof(st)), PL_E_PROTOCOL);
	assert_int_equal(pl_sasl_oauth_status("", st, sizeof(st)), PL_E_PROTOCOL);
}

static const char *b64of(const char *clear)
{
	static char out[1024];
	size_t n;

	assert_int_equal(pl_sasl_b64(clear, strlen(clear), out, sizeof(out), &n), PL_OK);
	return out;
}

static const char *unb64of(const char *b64)
{
	static char out[1024];
	size_t n;

	assert_int_equal(pl_sasl_unb64(b64, strlen(b64), (uint8_t *)out, sizeof(out) - 1, &n), PL_OK);
	out[n] = '\0';
	return out;
}

/* RFC 5802 section 5 (SCRAM-SHA-1) */
static void test_scram_sha1_rfc5802(void **state)
{
	pl_scram st;
	char out[512];
	const char *why;
	size_t n;

	(void)state;
	assert_int_equal(pl_scram_first(&st, PL_SCRAM_SHA1, "user", "fyko+d2lbbFgONRv9qkxdawL", out,
					sizeof(out), &n), PL_OK);
	assert_string_equal(unb64of(out), "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
	assert_int_equal(pl_scram_final(&st, "user", "pencil",
					b64of("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
					      "s=QSXCR+Q6sek8bf92,i=4096"),
					out, sizeof(out), &n, &why), PL_OK);
	assert_string_equal(unb64of(out), "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
					  "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
	assert_int_equal(pl_scram_verify(&st, b64of("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="), &why), PL_OK);
	assert_true(st.proved);
}

/* RFC 7677 section 3 (SCRAM-SHA-256), then a wrong and a missing proof */
static void test_scram_sha256_rfc7677(void **state)
{
	pl_scram st;
	char out[512];
	const char *why;
	size_t n;

	(void)state;
	assert_int_equal(pl_scram_first(&st, PL_SCRAM_SHA256, "user", "rOprNGfwEbeRWgbNEkqO", out,
					sizeof(out), &n), PL_OK);
	assert_string_equal(out, "biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=");
	assert_int_equal(pl_scram_final(&st, "user", "pencil",
					b64of("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
					      "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
					out, sizeof(out), &n, &why), PL_OK);
	assert_string_equal(unb64of(out), "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
					  "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
	/* one bit off: refused */
	assert_int_equal(pl_scram_verify(&st, b64of("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
					 &why), PL_E_AUTH_FAILED);
	assert_false(st.proved);
	assert_non_null(strstr(why, "server signature"));
	/* truncated signature, an e= error, garbage */
	assert_int_equal(pl_scram_verify(&st, b64of("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5n"), &why),
			 PL_E_AUTH_FAILED);
	assert_int_equal(pl_scram_verify(&st, b64of("e=invalid-proof"), &why), PL_E_AUTH_FAILED);
	assert_int_equal(pl_scram_verify(&st, b64of("x=1"), &why), PL_E_PROTOCOL);
	assert_int_equal(pl_scram_verify(&st, "!!!!", &why), PL_E_PROTOCOL);
	assert_false(st.proved);
	assert_int_equal(pl_scram_verify(&st, b64of("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
					 &why), PL_OK);
	assert_true(st.proved);
}

static pl_err final_with(const char *server_first, const char **why)
{
	pl_scram st;
	char out[512];
	size_t n;

	assert_int_equal(pl_scram_first(&st, PL_SCRAM_SHA256, "user", "rOprNGfwEbeRWgbNEkqO", out,
					sizeof(out), &n), PL_OK);
	return pl_scram_final(&st, "user", "pencil", b64of(server_first), out, sizeof(out), &n, why);
}

#define NONCE "rOprNGfwEbeRWgbNEkqO"
static void test_scram_malformed_server_first(void **state)
{
	char buf[128];
	const char *why;
	pl_scram st;
	size_t n;

	(void)state;
	assert_int_equal(final_with("r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=4096", &why), PL_OK);
	/* extensions after i= are allowed */
	assert_int_equal(final_with("r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=4096,x=y", &why), PL_OK);
	assert_int_equal(final_with("", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("m=ext,r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=4096", &why),
			 PL_E_PROTOCOL);
	assert_non_null(strstr(why, "extension"));
	/* nonce: not ours, only ours, missing */
	assert_int_equal(final_with("r=XOprNGfwEbeRWgbNEkqOx,s=QSXCR+Q6sek8bf92,i=4096", &why),
			 PL_E_PROTOCOL);
	assert_non_null(strstr(why, "nonce"));
	assert_int_equal(final_with("r=" NONCE ",s=QSXCR+Q6sek8bf92,i=4096", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("s=QSXCR+Q6sek8bf92,i=4096", &why), PL_E_PROTOCOL);
	/* salt: missing, empty, not base64; attributes out of order */
	assert_int_equal(final_with("r=" NONCE "x,i=4096", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("r=" NONCE "x,s=,i=4096", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("r=" NONCE "x,s=QSX!,i=4096", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("r=" NONCE "x,i=4096,s=QSXCR+Q6sek8bf92", &why), PL_E_PROTOCOL);
	/* iteration count: zero, empty, signed, junk, huge */
	assert_int_equal(final_with("r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=0", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=-1", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=40x", &why), PL_E_PROTOCOL);
	assert_int_equal(final_with("r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=99999999999999999999999",
				    &why), PL_E_LIMIT);
	/* above the Kconfig bound: refused before any PBKDF2 work */
	snprintf(buf, sizeof(buf), "r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=%d",
		 CONFIG_POSTLET_SCRAM_ITER_MAX + 1);
	assert_int_equal(final_with(buf, &why), PL_E_LIMIT);
	assert_non_null(strstr(why, "CONFIG_POSTLET_SCRAM_ITER_MAX"));
	snprintf(buf, sizeof(buf), "r=" NONCE "x,s=QSXCR+Q6sek8bf92,i=%d", 4097);
	assert_int_equal(final_with(buf, &why), PL_OK);
	/* not base64 at all; NUL inside */
	assert_int_equal(pl_scram_first(&st, PL_SCRAM_SHA256, "user", NONCE, buf, sizeof(buf), &n),
			 PL_OK);
	assert_int_equal(pl_scram_final(&st, "user", "pencil", "r=abc", buf, sizeof(buf), &n, &why),
			 PL_E_PROTOCOL);
	assert_int_equal(pl_scram_final(&st, "user", "pencil", "cj0AeA==", buf, sizeof(buf), &n, &why),
			 PL_E_PROTOCOL);
}

static void test_scram_nonce_and_names(void **state)
{
	pl_scram st;
	char out[256];
	size_t n;

	(void)state;
	assert_false(pl_scram_nonce_ok(NULL));
	assert_false(pl_scram_nonce_ok("short"));
	assert_false(pl_scram_nonce_ok("0123456789abcdef,"));
	assert_false(pl_scram_nonce_ok("0123456789abcdef "));
	assert_true(pl_scram_nonce_ok("0123456789abcdef"));
	assert_int_equal(pl_scram_first(&st, PL_SCRAM_SHA256, "u", "bad,nonce-0123456789", out,
					sizeof(out), &n), PL_E_USAGE);
	/* saslname escaping (RFC 5802 5.1) */
	assert_int_equal(pl_scram_first(&st, PL_SCRAM_SHA256, "a=b,c", "0123456789abcdef", out,
					sizeof(out), &n), PL_OK);
	assert_string_equal(unb64of(out), "n,,n=a=3Db=2Cc,r=0123456789abcdef");
	/* verify before final: never proved */
	assert_int_equal(pl_scram_first(&st, PL_SCRAM_SHA256, "u", "0123456789abcdef", out,
					sizeof(out), &n), PL_OK);
	assert_int_equal(pl_scram_first(&st, PL_SCRAM_SHA256, "u", "0123456789abcdef", out, 20, &n),
			 PL_E_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_b64_buffer_limits),
		cmocka_unit_test(test_b64_long_no_newlines),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_plain_limits),
		cmocka_unit_test(test_unb64),
		cmocka_unit_test(test_cram_md5_rfc2195),
		cmocka_unit_test(test_oauth_messages),
		cmocka_unit_test(test_oauth_status),
		cmocka_unit_test(test_scram_sha1_rfc5802),
		cmocka_unit_test(test_scram_sha256_rfc7677),
		cmocka_unit_test(test_scram_malformed_server_first),
		cmocka_unit_test(test_scram_nonce_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
