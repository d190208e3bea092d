/*
 * Fuzz target: the reply assembler (agent/engine/reply.c), byte by byte,
 * checked against the grammar it promises: a line never exceeds
 * CONFIG_POSTLET_REPLY_LINE_MAX, every completed line is "NNN", "NNN text"
 * or "NNN-text" with a 2xx-5xx code, all lines of one reply share the
 * code, and NUL or a bare CR is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reply.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_reply *r = malloc(sizeof(*r)); /* exact size: ASan sees overruns */
	int code = 0, prev_cr = 0;
	size_t i, len = 0;

	CHECK(r);
	pl_reply_init(r);
	for (i = 0; i < size; i++) {
		uint8_t b = data[i];
		int ev = pl_reply_push(r, b);

		if (ev == PL_REPLY_BAD) {
			/* only for a reason the grammar gives */
			CHECK(b == 0 || (prev_cr && b != '\n') || len >= CONFIG_POSTLET_REPLY_LINE_MAX ||
			      b == '\n');
			break;
		}
		CHECK(r->len <= CONFIG_POSTLET_REPLY_LINE_MAX);
		if (ev == PL_REPLY_MORE) {
			CHECK(b != '\n');
			prev_cr = b == '\r';
			if (!prev_cr)
				len++;
			CHECK(pl_reply_partial(r));
			continue;
		}
		/* a line is complete */
		CHECK(b == '\n');
		{
			const char *l = r->line, *t = pl_reply_text(r);
			size_t ll = strlen(l);

			CHECK(ll == len && ll >= 3);
			CHECK(l[0] >= '2' && l[0] <= '5' && l[1] >= '0' && l[1] <= '9' &&
			      l[2] >= '0' && l[2] <= '9');
			CHECK(ll == 3 || l[3] == ' ' || l[3] == '-');
			CHECK(*t == '\0' || (t == l + 4 && ll > 4));
			CHECK(r->code == (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0'));
			if (code)
				CHECK(r->code == code);
			CHECK((ev == PL_REPLY_LINE) == (ll > 3 && l[3] == '-'));
		}
		code = ev == PL_REPLY_LINE ? r->code : 0;
		len = 0;
		prev_cr = 0;
	}
	free(r);
	return 0;
}
