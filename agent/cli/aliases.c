#include "aliases.h"

#include "pl_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALIAS_DEPTH_MAX 8
#define ALIAS_LINE_MAX 65536

static pl_err add_alias(pl_aliases *al, const char *name, size_t nl, const char *value)
{
	pl_alias *a;
	size_t i;

	if (al->n == al->cap) {
		size_t cap = al->cap ? al->cap * 2 : 16;

		a = realloc(al->a, cap * sizeof(*a));
		if (!a)
			return PL_E_IO;
		al->a = a;
		al->cap = cap;
	}
	a = &al->a[al->n];
	a->name = malloc(nl + 1);
	a->value = strdup(value);
	if (!a->name || !a->value) {
		free(a->name);
		free(a->value);
		return PL_E_IO;
	}
	for (i = 0; i < nl; i++)
		a->name[i] = (char)tolower((unsigned char)name[i]);
	a->name[nl] = '\0';
	al->n++;
	return PL_OK;
}

/* One logical entry "name: value" (continuations already joined). */
static pl_err parse_entry(pl_aliases *al, const char *path, unsigned lineno, char *entry,
			  char *err, size_t errlen)
{
	char *colon = strchr(entry, ':'), *v;
	size_t nl;

	if (!colon || colon == entry) {
		snprintf(err, errlen, "%s:%u: expected 'name: address, ...'", path, lineno);
		return PL_E_CONFIG;
	}
	nl = (size_t)(colon - entry);
	while (nl && (entry[nl - 1] == ' ' || entry[nl - 1] == '\t'))
		nl--;
	for (size_t i = 0; i < nl; i++)
		if (entry[i] == ' ' || entry[i] == '\t' || entry[i] == '@') {
			snprintf(err, errlen, "%s:%u: an alias name is a local name, without "
				 "spaces or '@'", path, lineno);
			return PL_E_CONFIG;
		}
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (!pl_hdr_value_ok(v)) {
		snprintf(err, errlen, "%s:%u: control character in alias value", path, lineno);
		return PL_E_CONFIG;
	}
	return add_alias(al, entry, nl, v);
}

pl_err pl_aliases_load(const char *path, pl_aliases *al, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *entry = NULL;
	size_t lcap = 0, elen = 0;
	unsigned lineno = 0, entry_line = 0;
	ssize_t n;
	pl_err e = PL_OK;

	memset(al, 0, sizeof(*al));
	if (!f) {
		snprintf(err, errlen, "cannot open aliases file %s: %s", path, strerror(errno));
		return PL_E_NOCONFIG;
	}
	entry = malloc(ALIAS_LINE_MAX + 1);
	if (!entry) {
		fclose(f);
		return PL_E_IO;
	}
	while ((n = getline(&line, &lcap, f)) >= 0 && !e) {
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (strlen(line) != (size_t)n) {
			snprintf(err, errlen, "%s:%u: NUL byte", path, lineno);
			e = PL_E_CONFIG;
			break;
		}
		if (line[0] == '#')
			continue;
		if (line[0] == ' ' || line[0] == '\t') {
			char *p = line;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0' || *p == '#')
				continue;
			if (!elen) {
				snprintf(err, errlen, "%s:%u: continuation line without an entry",
					 path, lineno);
				e = PL_E_CONFIG;
				break;
			}
			/* aliases(5): a line starting with white space continues the entry */
			if (elen + 1 + strlen(p) > ALIAS_LINE_MAX) {
				snprintf(err, errlen, "%s:%u: entry too long", path, lineno);
				e = PL_E_CONFIG;
				break;
			}
			entry[elen++] = ' ';
			memcpy(entry + elen, p, strlen(p) + 1);
			elen += strlen(p);
			continue;
		}
		if (elen)
			e = parse_entry(al, path, entry_line, entry, err, errlen);
		elen = 0;
		if (e || line[0] == '\0')
			continue;
		if ((size_t)n > ALIAS_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: entry too long", path, lineno);
			e = PL_E_CONFIG;
			break;
		}
		memcpy(entry, line, (size_t)n + 1);
		elen = (size_t)n;
		entry_line = lineno;
	}
	if (!e && elen)
		e = parse_entry(al, path, entry_line, entry, err, errlen);
	if (!e && ferror(f)) {
		snprintf(err, errlen, "cannot read aliases file %s: %s", path, strerror(errno));
		e = PL_E_NOCONFIG;
	}
	free(line);
	free(entry);
	fclose(f);
	if (e)
		pl_aliases_free(al);
	return e;
}

static const pl_alias *find(const pl_aliases *al, const char *name)
{
	for (size_t i = 0; i < al->n; i++)
		if (strcasecmp(al->a[i].name, name) == 0)
			return &al->a[i];
	return NULL;
}

static int in_list(const pl_addr_list *l, const char *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->addr[i], a) == 0)
			return 1;
	return 0;
}

struct walk {
	const pl_aliases *al;
	pl_addr_list *out;
	pl_addr_list seen;   /* names on the way down: cuts loops */
	int depth;
	size_t hits;         /* usable targets met so far */
};

static pl_err expand(struct walk *w, const char *name);

static pl_err target(void *ctx, const char *addr, size_t len, size_t start, size_t end)
{
	struct walk *w = ctx;
	char a[CONFIG_POSTLET_ADDR_MAX + 1];

	(void)start;
	(void)end;
	memcpy(a, addr, len);
	a[len] = '\0';
	/* ":include:/x" reaches here as "/x": the scanner reads it as a group */
	if (a[0] == '|' || a[0] == '/' || (a[0] == '"' && (a[1] == '|' || a[1] == '/'))) {
		fprintf(stderr, "postlet: alias target %s is not an address; skipped\n", a);
		return PL_OK;
	}
	w->hits++;
	if (strchr(a, '@'))
		return in_list(w->out, a) ? PL_OK : pl_addr_list_add(w->out, a, len);
	return expand(w, a);
}

static pl_err expand(struct walk *w, const char *name)
{
	const pl_alias *al = find(w->al, name);
	size_t before = w->hits;
	pl_err e;

	if (!al)
		al = find(w->al, "default");
	/* no alias, a loop, or too deep: the name stays a local name */
	if (!al || in_list(&w->seen, name) || w->depth >= ALIAS_DEPTH_MAX)
		return in_list(w->out, name) ? PL_OK : pl_addr_list_add(w->out, name, strlen(name));
	e = pl_addr_list_add(&w->seen, name, strlen(name));
	if (e)
		return e;
	w->depth++;
	e = pl_addr_scan(al->value, target, w);
	w->depth--;
	if (!e && w->hits == before && !in_list(w->out, name))
		e = pl_addr_list_add(w->out, name, strlen(name)); /* nothing usable */
	return e;
}

pl_err pl_aliases_expand(const pl_aliases *al, const char *local, pl_addr_list *out)
{
	struct walk w;
	pl_err e;

	memset(&w, 0, sizeof(w));
	w.al = al;
	w.out = out;
	e = expand(&w, local);
	pl_addr_list_free(&w.seen);
	return e;
}

void pl_aliases_free(pl_aliases *al)
{
	for (size_t i = 0; i < al->n; i++) {
		free(al->a[i].name);
		free(al->a[i].value);
	}
	free(al->a);
	memset(al, 0, sizeof(*al));
}
