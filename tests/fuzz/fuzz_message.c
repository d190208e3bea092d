/*
 * Fuzz target: the message and address parsing of the sendmail front end
 * (agent/cli/message.c): reading the message (with and without -i), header
 * lookup with unfolding, To/Cc/Bcc recipients (-t), Bcc removal, adding a
 * header, and the RFC 5322 address-list parser on its own.
 *
 * Input: byte 0 = flags, then the message.  Checks: every address is
 * bounded and non-empty; no Bcc header survives removal; the header
 * block still parses after a header is prepended.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"
#include "pl_config.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void check_list(const pl_addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		size_t n = strlen(l->addr[i]);

		/* control characters may pass here: the engine refuses them */
		CHECK(n > 0 && n <= CONFIG_POSTLET_ADDR_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_addr_list list = { 0 };
	pl_msg m;
	FILE *in;
	char *h, *v;
	pl_err e;

	if (size < 1)
		return 0;

	/* the address parser alone, on the input as one string */
	v = strndup((const char *)data + 1, size - 1);
	CHECK(v);
	e = pl_addr_parse_list(v, &list);
	CHECK(e == PL_OK || e == PL_E_MESSAGE);
	check_list(&list);
	pl_addr_list_free(&list);
	free(v);

	in = fmemopen((void *)(data + 1), size - 1, "r");
	if (!in)
		return 0; /* fmemopen refuses size 0 on some libcs */
	e = pl_msg_read(in, data[0] & 1, (data[0] & 2) ? 64 : 1u << 20, &m);
	fclose(in);
	CHECK(e == PL_OK || e == PL_E_LIMIT);
	if (e) {
		pl_msg_free(&m);
		return 0;
	}
	CHECK(m.len <= size - 1 && m.header_len <= m.len && m.data[m.len] == '\0');

	h = pl_msg_header(&m, "Subject");
	free(h);
	e = pl_msg_header_rcpts(&m, &list);
	CHECK(e == PL_OK || e == PL_E_MESSAGE);
	check_list(&list);
	pl_addr_list_free(&list);

	pl_msg_remove_header(&m, "Bcc");
	h = pl_msg_header(&m, "Bcc");
	CHECK(h == NULL);
	CHECK(m.header_len <= m.len && m.data[m.len] == '\0');

	if (pl_msg_prepend_header(&m, "X-Fuzz", "1") == PL_OK) {
		h = pl_msg_header(&m, "X-Fuzz");
		CHECK(h && strcmp(h, " 1") == 0); /* value as written, after the colon */
		free(h);
	}
	pl_msg_free(&m);
	return 0;
}
