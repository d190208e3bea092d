#include "message.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "pl_config.h"

static pl_err grow(pl_msg *m, size_t need)
{
	size_t cap = m->cap ? m->cap : 4096;
	char *p;

	while (cap < need)
		cap *= 2;
	if (cap == m->cap)
		return PL_OK;
	p = realloc(m->data, cap);
	if (!p)
		return PL_E_IO;
	m->data = p;
	m->cap = cap;
	return PL_OK;
}

/* A header line is "name:" with printable non-space name characters. */
static int header_line(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ':')
			return i > 0;
		if (c <= 0x20 || c >= 0x7f)
			return 0;
	}
	return 0;
}

static size_t line_end(const pl_msg *m, size_t off)
{
	const char *nl = memchr(m->data + off, '\n', m->len - off);

	return nl ? (size_t)(nl - m->data) + 1 : m->len;
}

static int blank_line(const char *p, size_t len)
{
	return len == 0 || (len == 1 && p[0] == '\n') || (len == 2 && p[0] == '\r' && p[1] == '\n');
}

/* Find the header block: header lines and continuations up to a blank line. */
static void find_headers(pl_msg *m)
{
	size_t off = 0;

	m->header_len = 0;
	while (off < m->len) {
		size_t end = line_end(m, off);
		const char *p = m->data + off;

		if (blank_line(p, end - off)) {
			m->header_len = end;
			return;
		}
		if (!(off > 0 && (p[0] == ' ' || p[0] == '\t')) && !header_line(p, end - off))
			return; /* not a header: the message has no header block */
		off = end;
	}
	m->header_len = m->len; /* headers only, no body */
}

/* NUL-terminate, note 8-bit content, find the header block. */
static pl_err finish(pl_msg *m)
{
	size_t i;

	if (grow(m, m->len + 1))
		return PL_E_IO;
	m->data[m->len] = '\0';
	m->has_8bit = 0;
	for (i = 0; i < m->len; i++)
		if ((unsigned char)m->data[i] >= 0x80)
			m->has_8bit = 1;
	find_headers(m);
	return PL_OK;
}

pl_err pl_msg_read(FILE *in, int ignore_dots, size_t max, pl_msg *m)
{
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;
	pl_err e = PL_OK;

	memset(m, 0, sizeof(*m));
	while ((n = getline(&line, &lcap, in)) > 0) {
		/* compare by length: a NUL inside the line must not make it look short */
		if (!ignore_dots && line[0] == '.' &&
		    (n == 1 || (n == 2 && line[1] == '\n') ||
		     (n == 3 && line[1] == '\r' && line[2] == '\n')))
			break;
		if (m->len + (size_t)n > max) {
			e = PL_E_LIMIT;
			break;
		}
		e = grow(m, m->len + (size_t)n + 1);
		if (e)
			break;
		memcpy(m->data + m->len, line, (size_t)n);
		m->len += (size_t)n;
	}
	if (!e && ferror(in))
		e = PL_E_IO;
	free(line);
	if (e)
		return e;
	return finish(m);
}

pl_err pl_msg_from_data(pl_msg *m, char *data, size_t len, size_t cap)
{
	memset(m, 0, sizeof(*m));
	m->data = data;
	m->len = len;
	m->cap = cap;
	return finish(m);
}

/* Walk the headers: calls fn for each header whose name matches, with the
 * offsets of the whole field (first line through continuations). */
static size_t field_end(const pl_msg *m, size_t off)
{
	size_t end = line_end(m, off);

	while (end < m->header_len && (m->data[end] == ' ' || m->data[end] == '\t'))
		end = line_end(m, end);
	return end;
}

static int name_is(const pl_msg *m, size_t off, const char *name)
{
	size_t n = strlen(name);

	return off + n < m->header_len && strncasecmp(m->data + off, name, n) == 0 &&
	       m->data[off + n] == ':';
}

/* Unfolded value of the field at [off, end): CR/LF removed. */
static char *field_value(const pl_msg *m, size_t off, size_t end, size_t name_len)
{
	char *v = malloc(end - off);
	size_t i, o = 0;

	if (!v)
		return NULL;
	for (i = off + name_len + 1; i < end; i++)
		if (m->data[i] != '\r' && m->data[i] != '\n')
			v[o++] = m->data[i];
	v[o] = '\0';
	return v;
}

char *pl_msg_header(const pl_msg *m, const char *name)
{
	size_t off = 0;

	while (off < m->header_len) {
		size_t end = field_end(m, off);

		if (name_is(m, off, name))
			return field_value(m, off, end, strlen(name));
		off = end;
	}
	return NULL;
}

pl_err pl_msg_header_rcpts(const pl_msg *m, pl_addr_list *list)
{
	static const char *const names[] = { "To", "Cc", "Bcc" };
	size_t off = 0, i;

	while (off < m->header_len) {
		size_t end = field_end(m, off);

		for (i = 0; i < 3; i++) {
			char *v;
			pl_err e;

			if (!name_is(m, off, names[i]))
				continue;
			v = field_value(m, off, end, strlen(names[i]));
			if (!v)
				return PL_E_IO;
			e = pl_addr_parse_list(v, list);
			free(v);
			if (e)
				return e;
		}
		off = end;
	}
	return PL_OK;
}

void pl_msg_remove_header(pl_msg *m, const char *name)
{
	size_t off = 0;

	while (off < m->header_len) {
		size_t end = field_end(m, off);

		if (name_is(m, off, name)) {
			memmove(m->data + off, m->data + end, m->len - end + 1);
			m->len -= end - off;
			m->header_len -= end - off;
			continue;
		}
		off = end;
	}
}

pl_err pl_addr_list_add(pl_addr_list *list, const char *addr, size_t len)
{
	char *copy;

	if (len == 0)
		return PL_OK;
	if (len > CONFIG_POSTLET_ADDR_MAX)
		return PL_E_MESSAGE;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		char **p = realloc(list->addr, cap * sizeof(*p));

		if (!p)
			return PL_E_IO;
		list->addr = p;
		list->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return PL_E_IO;
	memcpy(copy, addr, len);
	copy[len] = '\0';
	list->addr[list->n++] = copy;
	return PL_OK;
}

void pl_addr_list_free(pl_addr_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->addr[i]);
	free(list->addr);
	memset(list, 0, sizeof(*list));
}

/*
 * One pass over an RFC 5322 address list.  Outside quotes and comments: ','
 * separates mailboxes, '<...>' holds the address (the display name before
 * it is dropped; an obsolete route "@a,@b:" inside is dropped too), "name:"
 * opens a group and ';' closes it.  Without angle brackets the mailbox's
 * bare text (minus comments and spaces) is the address.  Control
 * characters (CR, LF, NUL can only arrive from a caller's string, as the
 * header reader unfolds) are refused: they would let one address smuggle
 * a command or a header line.
 */
pl_err pl_addr_scan(const char *v, pl_addr_fn fn, void *ctx)
{
	char bare[CONFIG_POSTLET_ADDR_MAX + 1], angle[CONFIG_POSTLET_ADDR_MAX + 1];
	size_t blen = 0, alen = 0, bstart = 0, bend = 0, astart = 0, aend = 0;
	const char *base = v;
	int depth = 0, quoted = 0, in_angle = 0, had_angle = 0;
	pl_err e;

	for (;; v++) {
		unsigned char c = (unsigned char)*v;
		size_t at = (size_t)(v - base), *len;
		char *buf;

		if (c == '\0' || (!quoted && !depth && !in_angle && (c == ',' || c == ';'))) {
			if (quoted || depth || in_angle)
				return PL_E_MESSAGE;
			e = PL_OK;
			if (had_angle && alen)
				e = fn(ctx, angle, alen, astart, aend);
			else if (!had_angle && blen)
				e = fn(ctx, bare, blen, bstart, bend);
			if (e || c == '\0')
				return e;
			blen = alen = 0;
			had_angle = 0;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return PL_E_MESSAGE;
		if (!quoted && c == '(') {
			depth++;
			continue;
		}
		if (depth) {
			if (c == ')')
				depth--;
			else if (c == '\\' && v[1])
				v++;
			continue;
		}
		if (!quoted && c == '<' && !in_angle) {
			in_angle = had_angle = 1;
			alen = 0;
			continue;
		}
		if (!quoted && c == '>' && in_angle) {
			in_angle = 0;
			continue;
		}
		if (!quoted && c == ':') {
			if (in_angle)
				alen = 0; /* obsolete route "<@a,@b:user@x>" */
			else
				blen = 0; /* "group:" */
			continue;
		}
		if (!quoted && (c == ' ' || c == '\t'))
			continue;
		buf = in_angle ? angle : bare;
		len = in_angle ? &alen : &blen;
		if (*len == 0)
			*(in_angle ? &astart : &bstart) = at;
		if (c == '"')
			quoted = !quoted;
		else if (quoted && c == '\\' && v[1])
			c = (unsigned char)*++v;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return PL_E_MESSAGE;
		if (*len >= CONFIG_POSTLET_ADDR_MAX)
			return PL_E_MESSAGE;
		buf[(*len)++] = (char)c;
		*(in_angle ? &aend : &bend) = (size_t)(v - base) + 1;
	}
}

static pl_err add_to_list(void *ctx, const char *addr, size_t len, size_t start, size_t end)
{
	(void)start;
	(void)end;
	return pl_addr_list_add(ctx, addr, len);
}

pl_err pl_addr_parse_list(const char *v, pl_addr_list *list)
{
	return pl_addr_scan(v, add_to_list, list);
}

pl_err pl_msg_prepend_header(pl_msg *m, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	size_t add = nl + 2 + vl + 1;
	int need_blank = m->header_len == 0;
	pl_err e;

	if (need_blank)
		add++;
	e = grow(m, m->len + add + 1);
	if (e)
		return e;
	memmove(m->data + add, m->data, m->len + 1);
	/* "name: value\n" goes in front of the existing (terminated) text */
	memcpy(m->data, name, nl);
	memcpy(m->data + nl, ": ", 2);
	memcpy(m->data + nl + 2, value, vl);
	m->data[nl + 2 + vl] = '\n';
	if (need_blank)
		m->data[add - 1] = '\n';
	m->len += add;
	m->header_len += add;
	return PL_OK;
}

void pl_msg_free(pl_msg *m)
{
	free(m->data);
	memset(m, 0, sizeof(*m));
}

pl_err pl_msg_check_header(const pl_msg *m)
{
	size_t i;

	for (i = 0; i < m->header_len; i++) {
		char c = m->data[i];

		/* the body encoder would turn a lone CR into a line break: a new
		 * header line nobody wrote */
		if (c == '\0' || (c == '\r' && (i + 1 >= m->len || m->data[i + 1] != '\n')))
			return PL_E_MESSAGE;
	}
	return PL_OK;
}

int pl_hdr_value_ok(const char *v)
{
	for (; *v; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return 0;
	return 1;
}

/* Replace the field at [off, end) with text (which ends in "\n"). */
static pl_err replace_range(pl_msg *m, size_t off, size_t end, const char *text)
{
	size_t tl = strlen(text), old = end - off;
	pl_err e;

	if (tl > old) {
		e = grow(m, m->len + tl - old + 1);
		if (e)
			return e;
	}
	memmove(m->data + off + tl, m->data + end, m->len - end + 1);
	memcpy(m->data + off, text, tl);
	m->len = m->len - old + tl;
	m->header_len = m->header_len - old + tl;
	return PL_OK;
}

char *pl_hdr_fold(const char *name, size_t name_len, const char *value, size_t width)
{
	size_t vl = strlen(value), cap = name_len + 2 * vl + 4, o, i, line_start = 0, cand = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	memcpy(out, name, name_len);
	out[name_len] = ':';
	o = name_len + 1;
	for (i = 0; i < vl; i++) {
		char c = value[i];

		/* a break goes before whitespace that follows text on this line */
		if ((c == ' ' || c == '\t') && o > line_start + (line_start ? 1 : name_len + 2) &&
		    out[o - 1] != ' ' && out[o - 1] != '\t')
			cand = o;
		out[o++] = c;
		if (o - line_start > width && cand > line_start) {
			memmove(out + cand + 1, out + cand, o - cand);
			out[cand] = '\n';
			o++;
			line_start = cand + 1;
			cand = 0;
		}
		if (o - line_start > PL_LINE_MAX) {
			free(out);
			return NULL;
		}
	}
	out[o++] = '\n';
	out[o] = '\0';
	return out;
}

/* Name of the field at off (bytes before the colon). */
static size_t name_len_at(const pl_msg *m, size_t off)
{
	const char *c = memchr(m->data + off, ':', m->header_len - off);

	return c ? (size_t)(c - (m->data + off)) : 0;
}

pl_err pl_msg_fold_long_headers(pl_msg *m)
{
	size_t off = 0;

	while (off < m->header_len) {
		size_t end = field_end(m, off), l, longest = 0, nl;

		for (l = off; l < end; l = line_end(m, l)) {
			size_t le = line_end(m, l), n = le - l;

			n -= n && m->data[le - 1] == '\n';
			n -= n && m->data[le - 2] == '\r';
			if (n > longest)
				longest = n;
		}
		nl = name_len_at(m, off);
		if (longest > PL_LINE_MAX && nl) {
			char *v = field_value(m, off, end, nl), *f;
			pl_err e;

			if (!v)
				return PL_E_IO;
			f = pl_hdr_fold(m->data + off, nl, v, 78);
			free(v);
			if (!f)
				return PL_E_LIMIT; /* one word longer than a line may be */
			e = replace_range(m, off, end, f);
			end = off + strlen(f);
			free(f);
			if (e)
				return e;
		}
		off = end;
	}
	return PL_OK;
}

size_t pl_msg_long_body_line(const pl_msg *m)
{
	size_t off = m->header_len, line = 1;

	/* count header lines so the number matches what an editor shows */
	for (size_t i = 0; i < m->header_len; i++)
		line += m->data[i] == '\n';
	while (off < m->len) {
		size_t end = line_end(m, off), n = end - off;

		n -= n && m->data[end - 1] == '\n';
		n -= n && m->data[end - 2] == '\r';
		if (n > PL_LINE_MAX)
			return line;
		off = end;
		line++;
	}
	return 0;
}

struct rewrite_ctx {
	const char *value;
	char *out;
	size_t olen, ocap, copied;
	int changed;
	pl_addr_rewrite_fn fn;
	void *fn_ctx;
};

static pl_err out_put(struct rewrite_ctx *r, const char *p, size_t n)
{
	if (r->olen + n + 1 > r->ocap) {
		size_t cap = (r->olen + n + 1) * 2;
		char *q = realloc(r->out, cap);

		if (!q)
			return PL_E_IO;
		r->out = q;
		r->ocap = cap;
	}
	memcpy(r->out + r->olen, p, n);
	r->olen += n;
	r->out[r->olen] = '\0';
	return PL_OK;
}

static pl_err rewrite_one(void *ctx, const char *addr, size_t len, size_t start, size_t end)
{
	struct rewrite_ctx *r = ctx;
	char a[CONFIG_POSTLET_ADDR_MAX + 1];
	pl_addr_list rep = { 0 };
	int angle = start > 0 && r->value[start - 1] == '<';
	size_t i;
	pl_err e;

	memcpy(a, addr, len);
	a[len] = '\0';
	e = r->fn(r->fn_ctx, a, &rep);
	if (!e && rep.n && !(rep.n == 1 && strcmp(rep.addr[0], a) == 0)) {
		e = out_put(r, r->value + r->copied, start - r->copied);
		for (i = 0; i < rep.n && !e; i++) {
			if (i)
				e = out_put(r, angle ? ">, <" : ", ", angle ? 4 : 2);
			if (!e)
				e = out_put(r, rep.addr[i], strlen(rep.addr[i]));
		}
		r->copied = end;
		r->changed = 1;
	}
	pl_addr_list_free(&rep);
	return e;
}

pl_err pl_msg_rewrite_addrs(pl_msg *m, const char *name, pl_addr_rewrite_fn fn, void *ctx)
{
	size_t off = 0;

	while (off < m->header_len) {
		size_t end = field_end(m, off);

		if (name_is(m, off, name)) {
			struct rewrite_ctx r;
			char *v = field_value(m, off, end, strlen(name)), *f;
			pl_err e;

			if (!v)
				return PL_E_IO;
			memset(&r, 0, sizeof(r));
			r.value = v;
			r.fn = fn;
			r.fn_ctx = ctx;
			e = pl_addr_scan(v, rewrite_one, &r);
			if (!e && r.changed)
				e = out_put(&r, v + r.copied, strlen(v + r.copied));
			free(v);
			if (e || !r.changed) {
				free(r.out);
				if (e)
					return e;
				off = end;
				continue;
			}
			f = pl_hdr_fold(m->data + off, strlen(name), r.out, 78);
			free(r.out);
			if (!f)
				return PL_E_LIMIT;
			e = replace_range(m, off, end, f);
			end = off + strlen(f);
			free(f);
			if (e)
				return e;
		}
		off = end;
	}
	return PL_OK;
}
