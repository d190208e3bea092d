/*
 * SMTP reply assembler: turns server bytes into reply lines, one byte at a
 * time, with a bounded line buffer.  It knows nothing of what was asked; the
 * engine decides what a reply means.
 */
#ifndef PL_REPLY_H
#define PL_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"

typedef struct pl_reply {
	char line[CONFIG_POSTLET_REPLY_LINE_MAX + 1]; /* current line, NUL-terminated, no CRLF */
	size_t len;
	int code;        /* code of the reply being assembled (from its first line) */
	int lines;       /* lines seen so far in this reply */
	int saw_cr;      /* last byte was CR */
} pl_reply;

enum pl_reply_event {
	PL_REPLY_MORE = 0,      /* byte absorbed, line not complete */
	PL_REPLY_LINE = 1,      /* a continuation line ("250-...") is complete in line[] */
	PL_REPLY_DONE = 2,      /* the last line ("250 ...") is complete in line[] */
	PL_REPLY_BAD = -1,      /* malformed: bad code, code changed, NUL, bare CR,
				 * line too long, too many lines */
};

void pl_reply_init(pl_reply *r);

/* Feed one byte; see enum pl_reply_event.  After LINE or DONE, line[]
 * holds the complete line until the next call. After DONE, code holds the
 * reply code and the next byte starts a new reply. */
int pl_reply_push(pl_reply *r, uint8_t byte);

/* Text of the current line after "NNN-" / "NNN " (may be empty). */
const char *pl_reply_text(const pl_reply *r);

/* True while a line or multi-line reply is partly received. */
int pl_reply_partial(const pl_reply *r);

#endif
