#include "body.h"

void pl_body_init(pl_body *b)
{
	b->at_line_start = 1;
	b->pending_cr = 0;
	b->raw = 0;
}

void pl_body_init_raw(pl_body *b)
{
	pl_body_init(b);
	b->raw = 1;
}

size_t pl_body_encode(pl_body *b, const uint8_t *in, size_t inlen,
		      uint8_t *out, size_t outcap, size_t *outlen)
{
	size_t i = 0, o = 0;

	while (i < inlen && outcap - o >= PL_BODY_EXPANSION) {
		uint8_t c = in[i++];

		if (c == '\n' && b->pending_cr) {
			/* the CRLF for this pair was written at the CR */
			b->pending_cr = 0;
			continue;
		}
		b->pending_cr = 0;
		if (c == '\r' || c == '\n') {
			/* lone CR, lone LF and CRLF all end a line; never
			 * send a bare CR or LF (RFC 5321 2.3.8) */
			out[o++] = '\r';
			out[o++] = '\n';
			b->pending_cr = (c == '\r');
			b->at_line_start = 1;
			continue;
		}
		if (c == '.' && b->at_line_start && !b->raw)
			out[o++] = '.';
		out[o++] = c;
		b->at_line_start = 0;
	}
	*outlen = o;
	return i;
}

size_t pl_body_finish(pl_body *b, uint8_t *out)
{
	size_t o = 0;

	if (!b->at_line_start) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	if (!b->raw) {
		out[o++] = '.';
		out[o++] = '\r';
		out[o++] = '\n';
	}
	b->at_line_start = 1;
	b->pending_cr = 0;
	return o;
}
