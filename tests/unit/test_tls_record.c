/*
 * TLS glue without a network: pin parsing (tls_fingerprint / tls_pin_spki
 * formats) and the state record that carries a server's session between
 * runs, which comes from a file and is therefore hostile input: every
 * truncation and every flipped byte must be refused, never crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tls/tls.h"

#ifdef WOLFSSL_USER_SETTINGS
#include <wolfssl/wolfcrypt/settings.h>
#else
#include <wolfssl/options.h>
#endif
#include <wolfssl/wolfcrypt/hash.h>

static const char fp_hex[] =
	"3F:B3:32:05:47:D6:27:03:02:C3:37:6F:2C:D9:24:A1:19:F4:7C:A6:11:6F:E1:BE:F7:C8:73:EB:F7:46:FB:AB";

static void test_pin_fingerprint(void **state)
{
	pl_tls_pin p;
	char plain[80];
	size_t i, o = 0;

	(void)state;
	assert_int_equal(pl_tls_pin_parse(fp_hex, strlen(fp_hex), PL_TLS_PIN_CERT_SHA256, &p), PL_OK);
	assert_int_equal(p.kind, PL_TLS_PIN_CERT_SHA256);
	assert_int_equal(p.sha256[0], 0x3f);
	assert_int_equal(p.sha256[31], 0xab);
	/* colons are optional, lower case is fine */
	for (i = 0; fp_hex[i]; i++)
		if (fp_hex[i] != ':')
			plain[o++] = (char)(fp_hex[i] | 0x20);
	plain[o] = '\0';
	assert_int_equal(pl_tls_pin_parse(plain, o, PL_TLS_PIN_CERT_SHA256, &p), PL_OK);
	assert_int_equal(p.sha256[31], 0xab);
	/* SHA-1 (20 bytes), too long, odd digit count, non-hex, leading colon */
	assert_int_equal(pl_tls_pin_parse(fp_hex, 59, PL_TLS_PIN_CERT_SHA256, &p), PL_E_CONFIG);
	assert_int_equal(pl_tls_pin_parse("AB:CD", 5, PL_TLS_PIN_CERT_SHA256, &p), PL_E_CONFIG);
	assert_int_equal(pl_tls_pin_parse("ABC", 3, PL_TLS_PIN_CERT_SHA256, &p), PL_E_CONFIG);
	assert_int_equal(pl_tls_pin_parse("ZZ", 2, PL_TLS_PIN_CERT_SHA256, &p), PL_E_CONFIG);
	assert_int_equal(pl_tls_pin_parse(":3F", 3, PL_TLS_PIN_CERT_SHA256, &p), PL_E_CONFIG);
}

static void test_pin_spki(void **state)
{
	static const char b64[] = "kQ3HlkW77Os3f+hkvx7pCKd2BiDRhPK2igK9dz+PS+s=";
	char pref[64];
	pl_tls_pin p;

	(void)state;
	assert_int_equal(pl_tls_pin_parse(b64, strlen(b64), PL_TLS_PIN_SPKI_SHA256, &p), PL_OK);
	assert_int_equal(p.kind, PL_TLS_PIN_SPKI_SHA256);
	assert_int_equal(p.sha256[0], 0x91);
	snprintf(pref, sizeof(pref), "sha256//%s", b64);
	assert_int_equal(pl_tls_pin_parse(pref, strlen(pref), PL_TLS_PIN_SPKI_SHA256, &p), PL_OK);
	assert_int_equal(pl_tls_pin_parse(b64, 43, PL_TLS_PIN_SPKI_SHA256, &p), PL_E_CONFIG);
	assert_int_equal(pl_tls_pin_parse("!!!!", 4, PL_TLS_PIN_SPKI_SHA256, &p), PL_E_CONFIG);
	/* 33 bytes of base64 (48 chars) is not a SHA-256 */
	assert_int_equal(pl_tls_pin_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 48,
					  PL_TLS_PIN_SPKI_SHA256, &p),
			 PL_E_CONFIG);
}

/* A record with a key and a group but no session (what a TLS 1.2 server
 * without tickets leaves): exported, imported, and then attacked. */
static void test_record_roundtrip_and_damage(void **state)
{
	pl_tls_cache c, d;
	uint8_t rec[PL_TLS_RECORD_MAX], bad[PL_TLS_RECORD_MAX];
	size_t n, i;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	snprintf(c.key, sizeof(c.key), "mail.example|587|0|/etc/ssl/ca.pem:1:2:0|-|");
	c.group = 24; /* secp384r1 */
	n = pl_tls_cache_export(&c, rec, sizeof(rec));
	assert_true(n > 32);
	assert_int_equal(pl_tls_cache_import(&d, rec, n), PL_OK);
	assert_string_equal(d.key, c.key);
	assert_int_equal(d.group, 24);
	assert_null(d.session);
	/* too small a buffer: nothing written */
	assert_int_equal(pl_tls_cache_export(&c, rec, n - 1), 0);

	for (i = 0; i < n; i++) {
		assert_int_equal(pl_tls_cache_import(&d, rec, i), PL_E_PROTOCOL);
		assert_int_equal(d.key[0], '\0');
		memcpy(bad, rec, n);
		bad[i] ^= 0x01;
		assert_int_equal(pl_tls_cache_import(&d, bad, n), PL_E_PROTOCOL);
		assert_int_equal(d.group, 0);
	}
	/* an empty cache exports nothing */
	pl_tls_cache_clear(&c);
	assert_int_equal(pl_tls_cache_export(&c, rec, sizeof(rec)), 0);
}

/* A record whose checksum is right but whose lengths lie, or whose
 * session bytes are garbage (a file written by someone else). */
static void test_record_consistent_lies(void **state)
{
	uint8_t rec[256];
	size_t n;
	pl_tls_cache d;

	(void)state;
	memset(&d, 0, sizeof(d));
	memcpy(rec, "PLTLS1", 6);
	rec[6] = 3;
	memcpy(rec + 7, "k|1", 3);
	rec[10] = 0;
	rec[11] = 29;
	/* session length 40, 40 bytes of garbage */
	rec[12] = 0;
	rec[13] = 40;
	memset(rec + 14, 0xA5, 40);
	n = 14 + 40;
	assert_int_equal(wc_Sha256Hash(rec, (word32)n, rec + n), 0);
	assert_int_equal(pl_tls_cache_import(&d, rec, n + 32), PL_E_PROTOCOL);
	assert_null(d.session);
	/* key length beyond the record */
	rec[6] = 200;
	assert_int_equal(wc_Sha256Hash(rec, (word32)n, rec + n), 0);
	assert_int_equal(pl_tls_cache_import(&d, rec, n + 32), PL_E_PROTOCOL);
	/* key length 0 */
	rec[6] = 0;
	assert_int_equal(wc_Sha256Hash(rec, (word32)n, rec + n), 0);
	assert_int_equal(pl_tls_cache_import(&d, rec, n + 32), PL_E_PROTOCOL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_fingerprint),
		cmocka_unit_test(test_pin_spki),
		cmocka_unit_test(test_record_roundtrip_and_damage),
		cmocka_unit_test(test_record_consistent_lies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
