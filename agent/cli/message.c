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

pl_err pl_msg_read(FILE *in, int ignore_dots, size_t max, pl_msg *m)
{
	char *line = NULL;
	size_t lcap = 0, i;
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
	if (grow(m, m->len + 1))
		return PL_E_IO;
	m->data[m->len] = '\0';
	for (i = 0; i < m->len; i++)
		if ((unsigned char)m->data[i] >= 0x80)
			m->has_8bit = 1;
	find_headers(m);
	return PL_OK;
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
 * One pass over the address list.  Outside quotes and comments: ','
 * separates mailboxes, '<...>' holds the address (the display name before
 * it is dropped), "name:" opens a group and ';' closes it.  Without angle
 * brackets the mailbox's bare text (minus comments and spaces) is the
 * address.
 */
pl_err pl_addr_parse_list(const char *v, pl_addr_list *list)
{
	char bare[CONFIG_POSTLET_ADDR_MAX + 1], angle[CONFIG_POSTLET_ADDR_MAX + 1];
	size_t blen = 0, alen = 0;
	int depth = 0, quoted = 0, in_angle = 0, had_angle = 0;
	pl_err e;

	for (;; v++) {
		char c = *v;
		char *buf = in_angle ? angle : bare;
		size_t *len = in_angle ? &alen : &blen;

		if (c == '\0' || (!quoted && !depth && !in_angle && (c == ',' || c == ';'))) {
			if (quoted || depth || in_angle)
				return PL_E_MESSAGE;
			e = had_angle ? pl_addr_list_add(list, angle, alen)
				      : pl_addr_list_add(list, bare, blen);
			if (e || c == '\0')
				return e;
			blen = alen = 0;
			had_angle = 0;
			continue;
		}
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
		if (!quoted && !in_angle && c == ':') {
			blen = 0; /* "group:" */
			continue;
		}
		if (!quoted && (c == ' ' || c == '\t'))
			continue;
		if (c == '"')
			quoted = !quoted;
		else if (quoted && c == '\\' && v[1])
			c = *++v;
		if (*len >= CONFIG_POSTLET_ADDR_MAX)
			return PL_E_MESSAGE;
		buf[(*len)++] = c;
	}
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
