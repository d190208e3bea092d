/*
 * Body normaliser for DATA: LF or lone CR become CRLF, a line starting with
 * "." gets one more "." (RFC 5321 4.5.2), and the end adds a final CRLF if
 * missing plus ".\r\n".  State survives across calls, so a message can be
 * streamed in slices of any size, including one byte at a time.
 *
 * For BDAT (RFC 3030) the same normaliser runs in raw mode: line ends still
 * become CRLF, but no dot-stuffing and no ".\r\n" terminator, because a
 * chunk carries its length instead.
 */
#ifndef PL_BODY_H
#define PL_BODY_H

#include <stddef.h>
#include <stdint.h>

typedef struct pl_body {
	uint8_t at_line_start; /* next byte begins a line */
	uint8_t pending_cr;    /* a CR was seen; its CRLF is written, skip a following LF */
	uint8_t raw;           /* BDAT: no dot-stuffing, no terminator */
} pl_body;

/* Worst-case output bytes per input byte ("." at line start becomes "..";
 * CR or LF becomes CRLF). */
#define PL_BODY_EXPANSION 2
/* Bytes pl_body_finish() may write. */
#define PL_BODY_FINISH_MAX 5

void pl_body_init(pl_body *b);
/* Raw mode for BDAT. */
void pl_body_init_raw(pl_body *b);

/* Normalise in[0..inlen) into out (capacity outcap).  Consumes input only
 * while the worst case fits, so it never splits the output of one byte.
 * Returns bytes consumed; *outlen gets bytes written. */
size_t pl_body_encode(pl_body *b, const uint8_t *in, size_t inlen,
		      uint8_t *out, size_t outcap, size_t *outlen);

/* Write the terminator (CRLF if the last line was unterminated, then
 * ".\r\n"; raw mode: only the CRLF).  out must have PL_BODY_FINISH_MAX
 * bytes.  Returns bytes written. */
size_t pl_body_finish(pl_body *b, uint8_t *out);

#endif
