/*
 * Fuzz target: the SASL message builders (agent/engine/sasl.c) and the
 * AUTH dialogue's challenges.  Base64 output must fit the caller's buffer
 * exactly as promised (PL_E_LIMIT otherwise), decode back to the input,
 * and PLAIN must be "\0user\0password" within the Kconfig credential
 * limits (CONFIG_POSTLET_AUTH_USER_MAX / _SECRET_MAX).
 * The server's 334 challenges themselves reach the engine in fuzz_engine.
 *
 * Input: byte 0 = output capacity, then the data; a NUL splits user from
 * password for PLAIN.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef WOLFSSL_USER_SETTINGS
#include <wolfssl/wolfcrypt/settings.h>
#else
#include <wolfssl/options.h>
#endif
#include <wolfssl/wolfcrypt/coding.h>

#include "engine/sasl.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void check_roundtrip(const char *b64, size_t blen, const uint8_t *want, size_t wlen)
{
	uint8_t *dec = malloc(wlen + 4);
	word32 dl = (word32)(wlen + 4);

	CHECK(dec);
	CHECK(strlen(b64) == blen && blen == (wlen + 2) / 3 * 4);
	if (wlen) {
		CHECK(Base64_Decode((const byte *)b64, (word32)blen, dec, &dl) == 0);
		CHECK(dl == wlen && memcmp(dec, want, wlen) == 0);
	}
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap, n, ul, pl;
	char *out, *user, *pass;
	const uint8_t *nul;
	pl_err e;

	if (size < 1)
		return 0;
	cap = data[0] * 4u; /* 0..1020: below, at and above what is needed */
	data++;
	size--;
	out = malloc(cap ? cap : 1); /* exact size: ASan sees overruns */
	CHECK(out);

	e = pl_sasl_b64(data, size, out, cap, &n);
	if ((size + 2) / 3 * 4 + 1 > cap)
		CHECK(e == PL_E_LIMIT);
	else {
		CHECK(e == PL_OK);
		check_roundtrip(out, n, data, size);
	}

	nul = memchr(data, 0, size);
	ul = nul ? (size_t)(nul - data) : size;
	user = strndup((const char *)data, ul);
	pass = nul ? strndup((const char *)nul + 1, size - ul - 1) : strdup("");
	CHECK(user && pass);
	pl = strlen(pass);
	e = pl_sasl_plain(user, pass, out, cap, &n);
	if (ul > CONFIG_POSTLET_AUTH_USER_MAX || pl > CONFIG_POSTLET_AUTH_SECRET_MAX ||
	    (ul + pl + 4) / 3 * 4 + 1 > cap) {
		CHECK(e == PL_E_LIMIT);
	} else {
		uint8_t msg[CONFIG_POSTLET_AUTH_USER_MAX + CONFIG_POSTLET_AUTH_SECRET_MAX + 2];

		CHECK(e == PL_OK);
		msg[0] = 0;
		memcpy(msg + 1, user, ul);
		msg[1 + ul] = 0;
		memcpy(msg + 2 + ul, pass, pl);
		check_roundtrip(out, n, msg, ul + pl + 2);
	}
	free(user);
	free(pass);
	free(out);
	return 0;
}
