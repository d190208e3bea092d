/*
 * Fuzz target: the body normaliser (agent/engine/body.c), streamed in
 * slices and into output windows whose sizes the input chooses.
 *
 * Property: the output is pure CRLF lines ending in ".\r\n"; un-stuffing
 * it (drop the terminator, drop one leading '.' per line) gives back the
 * input with every CR, LF and CRLF turned into CRLF and a final CRLF added
 * when the input did not end a line.
 *
 * Input: byte 0 seeds the slice and window sizes, the rest is the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/body.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* The reference: CRLF-normalise in, add the missing final line end. */
static size_t normalise(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '\r' || in[i] == '\n') {
			if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
				i++;
			out[o++] = '\r';
			out[o++] = '\n';
		} else {
			out[o++] = in[i];
		}
	}
	if (o && !(o >= 2 && out[o - 2] == '\r' && out[o - 1] == '\n')) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* Undo dot-stuffing; checks the framing on the way. */
static size_t unstuff(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;

	CHECK(len >= 3 && memcmp(in + len - 3, ".\r\n", 3) == 0);
	CHECK(len == 3 || (len >= 5 && in[len - 5] == '\r' && in[len - 4] == '\n'));
	len -= 3;
	while (i < len) {
		size_t e = i;

		while (e < len && in[e] != '\r' && in[e] != '\n')
			e++;
		CHECK(e + 1 < len && in[e] == '\r' && in[e + 1] == '\n'); /* no bare CR/LF */
		if (in[i] == '.') {
			CHECK(e > i + 1); /* a lone "." would end the data */
			i++;
		}
		memcpy(out + o, in + i, e + 2 - i);
		o += e + 2 - i;
		i = e + 2;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t seed, *out, *ref, *back;
	size_t in_off = 0, o = 0, cap, rl, bl;
	int stalled = 0;
	pl_body b;

	if (size < 1)
		return 0;
	seed = data[0];
	data++;
	size--;
	cap = 2 * size + PL_BODY_FINISH_MAX;
	out = malloc(cap);
	ref = malloc(2 * size + 2);
	back = malloc(cap);
	CHECK(out && ref && back);

	pl_body_init(&b);
	while (in_off < size) {
		size_t slice = 1 + (seed + in_off) % 17, win = (seed >> 4) + (in_off % 5), got, used;
		uint8_t *w;

		if (stalled)
			win += PL_BODY_EXPANSION; /* a window too small for one byte: grow it */
		if (slice > size - in_off)
			slice = size - in_off;
		if (win > cap - o)
			win = cap - o;
		/* an exact-size window: ASan sees a write past what we allowed */
		w = malloc(win ? win : 1);
		CHECK(w);
		used = pl_body_encode(&b, data + in_off, slice, w, win, &got);
		CHECK(got <= win && used <= slice);
		CHECK(win < PL_BODY_EXPANSION || used > 0); /* progress when it fits */
		memcpy(out + o, w, got);
		free(w);
		o += got;
		in_off += used;
		stalled = used == 0;
	}
	o += pl_body_finish(&b, out + o);
	CHECK(o <= cap);

	rl = normalise(data, size, ref);
	bl = unstuff(out, o, back);
	CHECK(bl == rl && memcmp(back, ref, rl) == 0);
	free(out);
	free(ref);
	free(back);
	return 0;
}
