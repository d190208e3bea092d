/*
 * Fuzz target: the EHLO capability parser, reached the way a server
 * reaches it: greeting, then the input as the reply to EHLO.  A reference
 * parser in this file recomputes the keyword set; the engine's capability
 * mask must agree with it, and in STARTTLS mode the next command must be
 * STARTTLS exactly when the server offered it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/smtp.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const char *const rcpts[] = { "a@example.org" };
static const struct {
	const char *kw;
	unsigned cap;
} kws[] = {
	{ "STARTTLS", PL_CAP_STARTTLS }, { "PIPELINING", PL_CAP_PIPELINING },
	{ "8BITMIME", PL_CAP_8BITMIME }, { "SIZE", PL_CAP_SIZE }, { "AUTH", PL_CAP_AUTH },
	{ "ENHANCEDSTATUSCODES", PL_CAP_ENHANCEDSTATUSCODES }, { "CHUNKING", PL_CAP_CHUNKING },
	{ "SMTPUTF8", PL_CAP_SMTPUTF8 }, { "DSN", PL_CAP_DSN },
};

/* Keyword of one "250-KEYWORD params" line: up to a space or '='. */
static unsigned ref_line(const char *l, size_t n)
{
	size_t k = 0, i;

	if (n < 4 || memcmp(l, "250", 3) != 0)
		return 0;
	l += 4;
	n -= 4;
	while (k < n && l[k] != ' ' && l[k] != '=')
		k++;
	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (strlen(kws[i].kw) == k && strncasecmp(l, kws[i].kw, k) == 0)
			return kws[i].cap;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char greeting[] = "220 mx.example.org ESMTP\r\n";
	pl_smtp_params p;
	pl_smtp *s = malloc(sizeof(*s));
	uint8_t *tx = malloc(1024);
	unsigned ref = 0;
	size_t n, i, start = 0, lines = 0;
	const uint8_t *d;
	int complete = 0;

	CHECK(s && tx);
	memset(&p, 0, sizeof(p));
	p.ehlo_domain = "client.example.org";
	p.tls_mode = PL_TLS_STARTTLS;
	p.mail.from = "sender@example.org";
	p.mail.rcpts = rcpts;
	p.mail.nrcpt = 1;
	CHECK(pl_smtp_init(s, &p, tx, 1024) == PL_OK);
	pl_smtp_rx(s, (const uint8_t *)greeting, sizeof(greeting) - 1);
	CHECK(pl_smtp_want(s) == PL_WANT_SEND);
	d = pl_smtp_tx_data(s, &n);
	CHECK(n > 5 && memcmp(d, "EHLO ", 5) == 0);
	pl_smtp_tx_done(s, n);

	/* reference: complete lines of the input, up to the reply's last line */
	for (i = 0; i < size && !complete; i++) {
		if (data[i] != '\n')
			continue;
		n = i - start - (i > start && data[i - 1] == '\r');
		if (lines++ > 0)
			ref |= ref_line((const char *)data + start, n);
		complete = n < 4 || data[start + 3] != '-';
		start = i + 1;
	}
	pl_smtp_rx(s, data, size);
	if (pl_smtp_want(s) == PL_FAILED && pl_smtp_error_info(s)->err == PL_E_PROTOCOL) {
		free(tx);
		free(s);
		return 0; /* malformed reply: the reply fuzzer covers that */
	}
	if (!complete || pl_smtp_error_info(s)->err != PL_OK || (size && data[0] != '2'))
		goto out;
	CHECK(pl_smtp_caps(s) == ref);
	d = pl_smtp_tx_data(s, &n);
	if (ref & PL_CAP_STARTTLS)
		CHECK(n == 10 && memcmp(d, "STARTTLS\r\n", 10) == 0);
	else
		CHECK(pl_smtp_error_info(s)->err == PL_E_TLS_REQUIRED);
out:
	free(tx);
	free(s);
	return 0;
}
