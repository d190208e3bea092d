#include "reply.h"

#include <string.h>

void pl_reply_init(pl_reply *r)
{
	memset(r, 0, sizeof(*r));
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Validate a finished line: "NNN", "NNN text" or "NNN-text", first digit
 * 2..5 (RFC 5321 4.2), and the same code on every line of one reply. */
static int finish_line(pl_reply *r)
{
	const char *l = r->line;
	int code;

	if (r->len < 3 || !is_digit(l[0]) || !is_digit(l[1]) || !is_digit(l[2]))
		return PL_REPLY_BAD;
	if (l[0] < '2' || l[0] > '5')
		return PL_REPLY_BAD;
	if (r->len > 3 && l[3] != ' ' && l[3] != '-')
		return PL_REPLY_BAD;
	code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	if (r->lines > 0 && code != r->code)
		return PL_REPLY_BAD;
	/* bounded, so a server cannot keep one reply going forever */
	if (r->lines >= CONFIG_POSTLET_REPLY_LINES_MAX)
		return PL_REPLY_BAD;
	r->code = code;
	r->lines++;
	if (r->len > 3 && l[3] == '-')
		return PL_REPLY_LINE;
	r->lines = 0;
	return PL_REPLY_DONE;
}

int pl_reply_push(pl_reply *r, uint8_t byte)
{
	if (r->saw_cr && byte != '\n')
		return PL_REPLY_BAD; /* bare CR inside a reply line */
	if (byte == '\r') {
		r->saw_cr = 1;
		return PL_REPLY_MORE;
	}
	if (byte == '\n') {
		/* Bare LF is tolerated as a line end: some servers send it and
		 * nothing ambiguous follows from accepting it. */
		r->saw_cr = 0;
		int ev;

		r->line[r->len] = '\0';
		ev = finish_line(r);
		r->len = 0;
		return ev;
	}
	if (byte == '\0')
		return PL_REPLY_BAD;
	if (r->len >= CONFIG_POSTLET_REPLY_LINE_MAX)
		return PL_REPLY_BAD;
	r->line[r->len++] = (char)byte;
	r->line[r->len] = '\0';
	return PL_REPLY_MORE;
}

const char *pl_reply_text(const pl_reply *r)
{
	size_t n = strlen(r->line);

	return n > 4 ? r->line + 4 : "";
}

int pl_reply_partial(const pl_reply *r)
{
	return r->len > 0 || r->saw_cr || r->lines > 0;
}
