/*
 * Shared helpers for the cmocka unit tests: byte-exact comparison that
 * prints both sides (escaped) before failing.  Header-only, everything
 * static inline so unused helpers do not trip -Werror.
 */
#ifndef PL_TEST_TRANSCRIPT_H
#define PL_TEST_TRANSCRIPT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* Print bytes with C escapes, long runs abbreviated to keep logs readable. */
static inline void tr_print_escaped(const char *label, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	fprintf(stderr, "  %s (%zu bytes): \"", label, len);
	for (i = 0; i < len; i++) {
		if (i == 2048) {
			fprintf(stderr, "...[%zu more]", len - i);
			break;
		}
		if (p[i] == '\r')
			fputs("\\r", stderr);
		else if (p[i] == '\n')
			fputs("\\n\"\n      \"", stderr);
		else if (p[i] == '\\')
			fputs("\\\\", stderr);
		else if (p[i] == '"')
			fputs("\\\"", stderr);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(stderr, "\\x%02x", p[i]);
		else
			fputc(p[i], stderr);
	}
	fputs("\"\n", stderr);
}

/* Assert two byte strings are identical; on mismatch print both and the
 * first differing offset. */
#define tr_assert_bytes(what, exp, explen, act, actlen)                                  \
	tr_assert_bytes_at(what, exp, explen, act, actlen, __FILE__, __LINE__)

static inline void tr_assert_bytes_at(const char *what, const void *exp, size_t explen,
				      const void *act, size_t actlen, const char *file, int line)
{
	const unsigned char *e = exp, *a = act;
	size_t i;

	if (explen == actlen && (explen == 0 || memcmp(exp, act, explen) == 0))
		return;
	for (i = 0; i < explen && i < actlen && e[i] == a[i]; i++)
		;
	fprintf(stderr, "%s:%d: %s: byte mismatch at offset %zu\n", file, line, what, i);
	tr_print_escaped("expected", exp, explen);
	tr_print_escaped("actual  ", act, actlen);
	assert_int_equal(explen, actlen);
	assert_memory_equal(exp, act, explen);
}

/* memmem without _GNU_SOURCE. */
static inline const void *tr_memmem(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
	const unsigned char *h = hay;
	size_t i;

	if (nlen == 0)
		return hay;
	for (i = 0; i + nlen <= hlen; i++)
		if (memcmp(h + i, needle, nlen) == 0)
			return h + i;
	return NULL;
}

#endif
