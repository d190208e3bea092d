/*
 * Fuzz target: the decoder of an OAuth error challenge (RFC 7628 3.2.2,
 * agent/engine/sasl.c pl_sasl_oauth_status): base64 JSON from the server,
 * of which only the "status" string is kept for the error message.
 *
 * Input: byte 0 = the caller's buffer size (0..255), then the JSON the
 * server "sent"; the harness base64-encodes it, and also hands the raw
 * bytes over as the challenge text (not base64, mostly).
 *
 * Checks: never a write past the caller's exact-size buffer; on success a
 * non-empty printable status shorter than the buffer, from a challenge
 * that has a "status" key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sasl.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void check(const char *challenge, size_t cap, const uint8_t *json, size_t jlen)
{
	char *st = malloc(cap ? cap : 1); /* exact size: ASan sees overruns */
	pl_err e;
	size_t i, n;

	CHECK(st);
	e = pl_sasl_oauth_status(challenge, st, cap);
	CHECK(e == PL_OK || e == PL_E_PROTOCOL);
	if (cap)
		CHECK(memchr(st, 0, cap) != NULL);
	if (e == PL_OK) {
		n = strlen(st);
		CHECK(n > 0 && n < cap);
		for (i = 0; i < n; i++)
			CHECK(st[i] >= 0x20 && st[i] < 0x7f);
		if (json) {
			int found = 0;

			for (i = 0; i + 8 <= jlen && !found; i++)
				found = memcmp(json + i, "\"status\"", 8) == 0;
			CHECK(found);
		}
	}
	free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap, b64cap, n;
	char *b64, *raw;

	if (size < 1)
		return 0;
	cap = data[0];
	data++;
	size--;
	b64cap = (size + 2) / 3 * 4 + 1;
	b64 = malloc(b64cap);
	raw = malloc(size + 1);
	CHECK(b64 && raw);
	CHECK(pl_sasl_b64(data, size, b64, b64cap, &n) == PL_OK);
	check(b64, cap, data, size);
	memcpy(raw, data, size);
	raw[size] = '\0';
	check(raw, cap, NULL, 0);
	free(b64);
	free(raw);
	return 0;
}
