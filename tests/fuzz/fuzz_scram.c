/*
 * Fuzz target: the SCRAM client's parsing of the server's messages
 * (agent/engine/sasl.c, pl_scram_final and pl_scram_verify).
 *
 * Input: byte 0 = flags (bit 0: SCRAM-SHA-1 instead of SHA-256; bit 1:
 * hand the server-first text to the client as is, not base64-encoded by
 * the harness), then the server-first-message up to the first '\n', then
 * the server-final-message.  The client is "user"/"pencil" with the RFC
 * 5802 nonce.
 *
 * Checks: only the documented results; a proof is produced only for a
 * server nonce that extends ours and an iteration count within
 * CONFIG_POSTLET_SCRAM_ITER_MAX; the proof message is "c=biws,r=NONCE,p=";
 * the server counts as proved only after a "v=" message.  Iteration counts
 * between 65 and the limit (other than the RFC's 4096) are skipped: they
 * cost PBKDF2 time and exercise nothing new.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sasl.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define CNONCE "fyko+d2lbbFgONRv9qkxdawL"

/* Heap copy, NUL-terminated: base64 of data, or data itself. */
static char *text_of(const uint8_t *data, size_t n, int raw)
{
	size_t cap = raw ? n + 1 : (n + 2) / 3 * 4 + 1, len;
	char *t = malloc(cap);

	CHECK(t);
	if (raw) {
		memcpy(t, data, n);
		t[n] = '\0';
	} else {
		CHECK(pl_sasl_b64(data, n, t, cap, &len) == PL_OK);
	}
	return t;
}

/* Any ",i=" (or leading "i=") whose count is expensive but allowed. */
static int slow_count(const uint8_t *m, size_t n)
{
	size_t i, j;

	for (i = 0; i + 1 < n; i++) {
		unsigned long v = 0;

		if (m[i] != 'i' || m[i + 1] != '=' || (i > 0 && m[i - 1] != ','))
			continue;
		for (j = i + 2; j < n && m[j] >= '0' && m[j] <= '9' && v <= CONFIG_POSTLET_SCRAM_ITER_MAX; j++)
			v = v * 10 + (unsigned long)(m[j] - '0');
		if (v > 64 && v != 4096 && v <= CONFIG_POSTLET_SCRAM_ITER_MAX)
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *first, *fin, *nl;
	size_t flen, finlen, n, dl;
	char out[1024], *sf, *sfin;
	uint8_t dec[1024];
	const char *why = NULL;
	pl_scram st;
	int raw;
	pl_err e;

	if (size < 1)
		return 0;
	raw = (data[0] & 2) != 0;
	first = data + 1;
	nl = memchr(first, '\n', size - 1);
	flen = nl ? (size_t)(nl - first) : size - 1;
	fin = nl ? nl + 1 : first + flen;
	finlen = (size_t)(data + size - fin);
	if (slow_count(first, flen))
		return 0;

	CHECK(pl_scram_first(&st, (data[0] & 1) ? PL_SCRAM_SHA1 : PL_SCRAM_SHA256, "user", CNONCE, out,
			     sizeof(out), &n) == PL_OK);
	sf = text_of(first, flen, raw);
	e = pl_scram_final(&st, "user", "pencil", sf, out, sizeof(out), &n, &why);
	CHECK(e == PL_OK || e == PL_E_PROTOCOL || e == PL_E_LIMIT);
	CHECK(why != NULL);
	if (e == PL_OK) {
		const uint8_t *m = first;
		size_t ml = flen, cl = 2 + strlen(CNONCE);

		if (raw) { /* what the client decoded */
			CHECK(pl_sasl_unb64(sf, strlen(sf), dec, sizeof(dec), &ml) == PL_OK);
			m = dec;
		}
		/* the server's nonce extends ours */
		CHECK(ml > cl && memcmp(m, "r=" CNONCE, cl) == 0 && m[cl] != ',');
		CHECK(strlen(out) == n);
		CHECK(pl_sasl_unb64(out, n, dec, sizeof(dec) - 1, &dl) == PL_OK);
		dec[dl] = '\0';
		CHECK(strncmp((char *)dec, "c=biws,r=" CNONCE, 9 + strlen(CNONCE)) == 0);
		CHECK(strstr((char *)dec, ",p=") != NULL);
		CHECK(!st.proved);

		sfin = text_of(fin, finlen, 0);
		e = pl_scram_verify(&st, sfin, &why);
		CHECK(e == PL_OK || e == PL_E_AUTH_FAILED || e == PL_E_PROTOCOL);
		CHECK((e == PL_OK) == (st.proved == 1));
		if (e == PL_OK)
			CHECK(finlen >= 2 && fin[0] == 'v' && fin[1] == '=');
		free(sfin);
	}
	free(sf);
	return 0;
}
