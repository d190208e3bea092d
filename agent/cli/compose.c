#include "compose.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#ifdef WOLFSSL_USER_SETTINGS
#include <wolfssl/wolfcrypt/settings.h>
#else
#include <wolfssl/options.h>
#endif
#include <wolfssl/wolfcrypt/coding.h>

#include "exitcode.h"
#include "pl_config.h"
#include "port.h"

/* Base64 line length for bodies (RFC 2045: at most 76). */
#define B64_LINE_IN 57
/* Bytes of UTF-8 per encoded word: 52 base64 characters + 12 of
 * "=?UTF-8?B?" and "?=" make 64, so even "Subject: " and the first word
 * stay within a 78-character line (RFC 2047 allows 75 per word). */
#define WORD_IN 39

static const char *qualify_domain(const pl_account_conf *c)
{
	return c->maildomain[0] ? c->maildomain : c->domain[0] ? c->domain : NULL;
}

char *pl_compose_qualify(const pl_account_conf *c, const char *addr)
{
	const char *dom = qualify_domain(c);
	char *out;
	size_t n;

	if (strchr(addr, '@') || !dom)
		return strdup(addr);
	n = strlen(addr) + strlen(dom) + 2;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s@%s", addr, dom);
	return out;
}

int pl_compose_sender(const pl_account_conf *c, const char *opt, char *out, size_t cap)
{
	const char *src = opt && opt[0] ? opt : c->from;
	pl_addr_list l = { 0 };
	char *q;
	int rc = 0;

	if (!src[0]) {
		struct passwd *pw = getpwuid(getuid());

		/* sendmail's habit: mail from the caller's login name */
		if (!pw || !qualify_domain(c))
			return pl_die(EX_USAGE, "%s",
				      "no envelope sender: set 'from' or 'maildomain', or use -f");
		src = pw->pw_name;
	}
	if (pl_addr_parse_list(src, &l) != PL_OK || l.n != 1) {
		pl_addr_list_free(&l);
		/* never echo a control character back to the terminal or log */
		return pl_die(EX_DATAERR, "invalid envelope sender '%s' (one address, no control "
			      "characters)", pl_hdr_value_ok(src) ? src : "?");
	}
	q = pl_compose_qualify(c, l.addr[0]);
	pl_addr_list_free(&l);
	if (!q)
		return pl_die(EX_OSERR, "%s", "out of memory");
	if (strlen(q) >= cap || strlen(q) > CONFIG_POSTLET_ADDR_MAX)
		rc = pl_die(EX_DATAERR, "envelope sender '%s' is too long", q);
	else
		memcpy(out, q, strlen(q) + 1);
	free(q);
	return rc;
}

int pl_compose_rcpts(const pl_account_conf *c, const pl_aliases *al, pl_addr_list *rcpts)
{
	pl_addr_list out = { 0 }, exp = { 0 };
	pl_err e = PL_OK;
	size_t i, k;

	for (i = 0; i < rcpts->n && !e; i++) {
		if (strchr(rcpts->addr[i], '@'))
			e = pl_addr_list_add(&exp, rcpts->addr[i], strlen(rcpts->addr[i]));
		else
			e = pl_aliases_expand(al, rcpts->addr[i], &exp);
	}
	for (i = 0; i < exp.n && !e; i++) {
		char *q = pl_compose_qualify(c, exp.addr[i]);
		int dup = 0;

		if (!q) {
			e = PL_E_IO;
			break;
		}
		for (k = 0; k < out.n; k++)
			dup |= strcasecmp(out.addr[k], q) == 0;
		if (!dup)
			e = pl_addr_list_add(&out, q, strlen(q));
		free(q);
	}
	pl_addr_list_free(&exp);
	if (e) {
		pl_addr_list_free(&out);
		return pl_die(pl_exit_code(e, 0), "%s",
			      e == PL_E_MESSAGE ? "invalid address in an alias"
						: "out of memory expanding recipients");
	}
	pl_addr_list_free(rcpts);
	*rcpts = out;
	return 0;
}

struct rewrite {
	const pl_account_conf *c;
	const pl_aliases *al;   /* NULL: qualify only */
};

/* Header rewrite: a local name becomes its aliases, qualified. */
static pl_err rewrite_local(void *ctx, const char *addr, pl_addr_list *out)
{
	struct rewrite *r = ctx;
	pl_addr_list l = { 0 };
	size_t i;
	pl_err e = PL_OK;

	if (strchr(addr, '@'))
		return PL_OK;
	if (r->al)
		e = pl_aliases_expand(r->al, addr, &l);
	else
		e = pl_addr_list_add(&l, addr, strlen(addr));
	for (i = 0; i < l.n && !e; i++) {
		char *q = pl_compose_qualify(r->c, l.addr[i]);

		if (!q)
			e = PL_E_IO;
		else
			e = pl_addr_list_add(out, q, strlen(q));
		free(q);
	}
	pl_addr_list_free(&l);
	return e;
}

static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k, need;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return 0;
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* overlong, surrogate or beyond U+10FFFF */
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

char *pl_compose_encode_words(const char *text, int phrase, int *bad)
{
	size_t n = strlen(text), i, o = 0, cap;
	int ascii = 1, specials = 0;
	char *out;

	*bad = 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*bad = 1;
			return NULL;
		}
		ascii &= c < 0x80;
		specials |= strchr("()<>[]:;@\\,.\"", c) != NULL;
	}
	if (!utf8_ok((const unsigned char *)text, n)) {
		*bad = 1;
		return NULL;
	}
	/* "=?" in plain text would read as an encoded word: encode it too */
	if (ascii && !strstr(text, "=?")) {
		if (!phrase || !specials)
			return strdup(text);
		out = malloc(2 * n + 3);
		if (!out)
			return NULL;
		out[o++] = '"';
		for (i = 0; i < n; i++) {
			if (text[i] == '"' || text[i] == '\\')
				out[o++] = '\\';
			out[o++] = text[i];
		}
		out[o++] = '"';
		out[o] = '\0';
		return out;
	}
	cap = (n / WORD_IN + 1) * 80 + 1;
	out = malloc(cap);
	if (!out)
		return NULL;
	for (i = 0; i < n;) {
		size_t take = n - i < WORD_IN ? n - i : WORD_IN;
		word32 bl = (word32)(cap - o - 16);

		/* never split a UTF-8 sequence between two words */
		while (i + take < n && ((unsigned char)text[i + take] & 0xc0) == 0x80)
			take--;
		o += (size_t)snprintf(out + o, cap - o, "%s=?UTF-8?B?", i ? " " : "");
		if (Base64_Encode_NoNl((const byte *)text + i, (word32)take, (byte *)out + o, &bl) != 0) {
			free(out);
			return NULL;
		}
		o += bl;
		o += (size_t)snprintf(out + o, cap - o, "?=");
		i += take;
	}
	out[o] = '\0';
	return out;
}

static const char *msgid_domain(const pl_account_conf *c, const char *from)
{
	const char *at = strrchr(from, '@');

	if (c->maildomain[0])
		return c->maildomain;
	if (at && at[1])
		return at + 1;
	return c->domain[0] ? c->domain : "localhost";
}

int pl_compose_missing_headers(const pl_account_conf *c, pl_msg *m, const char *from,
			       const char *fullname)
{
	char buf[512];
	char *h = NULL;
	int64_t now;
	int tz;

	if (c->set_from_header == 1)
		pl_msg_remove_header(m, "From");
	if (c->set_from_header != 0)
		h = pl_msg_header(m, "From");
	if (c->set_from_header != 0 && !h) {
		if (fullname && fullname[0]) {
			int bad;
			char *p = pl_compose_encode_words(fullname, 1, &bad);

			if (!p)
				return bad ? pl_die(EX_DATAERR, "%s",
						    "full name (-F) is not UTF-8 text on one line")
					   : EX_OSERR;
			snprintf(buf, sizeof(buf), "%s <%s>", p, from);
			free(p);
		} else {
			snprintf(buf, sizeof(buf), "%s", from);
		}
		if (pl_msg_prepend_header(m, "From", buf))
			return EX_OSERR;
	}
	free(h);
	/* without a trustworthy clock, leave Date: to the server */
	if (!(h = pl_msg_header(m, "Date")) && pl_port_wall_clock(&now, &tz) == PL_OK) {
		time_t t = (time_t)now;
		struct tm tm;

		/* %z: the offset in force at that instant, daylight saving included */
		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S %z", &tm);
		if (pl_msg_prepend_header(m, "Date", buf))
			return EX_OSERR;
	}
	free(h);
	if (!(h = pl_msg_header(m, "Message-ID"))) {
		uint8_t r[12];

		if (pl_port_random(r, sizeof(r)) == PL_OK) {
			size_t i, o = (size_t)snprintf(buf, sizeof(buf), "<");

			for (i = 0; i < sizeof(r); i++)
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%02x", r[i]);
			snprintf(buf + o, sizeof(buf) - o, ".postlet@%s>", msgid_domain(c, from));
			if (pl_msg_prepend_header(m, "Message-ID", buf))
				return EX_OSERR;
		}
	}
	free(h);
	return 0;
}

/* Append fmt to the growing message text. */
struct sb {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (!b->p || b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *q = realloc(b->p, cap);

		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* A body with over-long lines can be re-encoded when it is one plain
 * text part that is not encoded yet (what cron, scripts and mailx send). */
static int qp_possible(const pl_msg *m)
{
	char *ct = pl_msg_header(m, "Content-Type"), *cte = pl_msg_header(m, "Content-Transfer-Encoding");
	const char *p;
	int ok = 1;

	if (ct) {
		for (p = ct; *p == ' ' || *p == '\t'; p++)
			;
		ok = strncasecmp(p, "text/", 5) == 0;
	}
	if (ok && cte) {
		for (p = cte; *p == ' ' || *p == '\t'; p++)
			;
		ok = strncasecmp(p, "7bit", 4) == 0 || strncasecmp(p, "8bit", 4) == 0;
	}
	free(ct);
	free(cte);
	return ok;
}

/* Quoted-printable (RFC 2045 6.7) of the body, lines of at most 76, so a
 * long line arrives whole instead of being refused or broken by a relay. */
static int reencode_qp(pl_msg *m)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *b = (const unsigned char *)m->data + m->header_len;
	size_t n = m->len - m->header_len, i, col = 0;
	int utf8 = utf8_ok(b, n), has_ct;
	struct sb out = { 0 };
	char *h;
	pl_msg nm;

	h = pl_msg_header(m, "Content-Type");
	has_ct = h != NULL;
	free(h);
	pl_msg_remove_header(m, "Content-Transfer-Encoding");
	if (pl_msg_prepend_header(m, "Content-Transfer-Encoding", "quoted-printable"))
		return pl_die(EX_OSERR, "%s", "out of memory");
	if (!has_ct && m->has_8bit &&
	    pl_msg_prepend_header(m, "Content-Type",
				  utf8 ? "text/plain; charset=UTF-8" : "text/plain; charset=unknown-8bit"))
		return pl_die(EX_OSERR, "%s", "out of memory");
	if (!(h = pl_msg_header(m, "MIME-Version")) && pl_msg_prepend_header(m, "MIME-Version", "1.0"))
		return pl_die(EX_OSERR, "%s", "out of memory");
	free(h);
	b = (const unsigned char *)m->data + m->header_len;
	sb_put(&out, m->data, m->header_len);
	for (i = 0; i < n; i++) {
		unsigned char ch = b[i];
		char enc[3];
		size_t w;

		if (ch == '\n' || (ch == '\r' && i + 1 < n && b[i + 1] == '\n')) {
			if (ch == '\r')
				i++;
			sb_str(&out, "\n");
			col = 0;
			continue;
		}
		/* white space at a line end would be stripped on the way: encode it */
		if ((ch >= 33 && ch <= 126 && ch != '=') ||
		    ((ch == ' ' || ch == '\t') && i + 1 < n && b[i + 1] != '\n' && b[i + 1] != '\r')) {
			enc[0] = (char)ch;
			w = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[ch >> 4];
			enc[2] = hex[ch & 15];
			w = 3;
		}
		if (col + w > 75) {
			sb_str(&out, "=\n"); /* soft line break */
			col = 0;
		}
		sb_put(&out, enc, w);
		col += w;
	}
	if (out.oom || pl_msg_from_data(&nm, out.p, out.len, out.cap)) {
		free(out.p);
		return pl_die(EX_OSERR, "%s", "out of memory");
	}
	pl_msg_free(m);
	*m = nm;
	return 0;
}

int pl_compose_message(const pl_account_conf *c, const pl_aliases *al, pl_msg *m,
		       const char *from, const char *fullname)
{
	static const char *const rcpt_fields[] = { "To", "Cc" };
	static const char *const sender_fields[] = { "From", "Sender", "Reply-To" };
	struct rewrite rw = { c, al };
	size_t i, line;
	pl_err e;
	int rc;

	if (pl_msg_check_header(m))
		return pl_die(EX_DATAERR, "%s",
			      "the message header holds a NUL byte or a bare CR; nothing was sent");
	/* numbered as the caller wrote it, before any header changes */
	line = pl_msg_long_body_line(m);
	if (line && !qp_possible(m)) {
		char n[32];

		snprintf(n, sizeof(n), "%zu", line);
		return pl_die(EX_DATAERR,
			      "line %s of the message is longer than 998 octets (RFC 5322) and the "
			      "body is already encoded or multipart; nothing was sent", n);
	}
	if (line) {
		rc = reencode_qp(m);
		if (rc)
			return rc;
	}
	/* Bcc never travels, with or without -t (msmtp's remove_bcc_headers) */
	pl_msg_remove_header(m, "Bcc");
	for (i = 0; i < 2; i++) {
		e = pl_msg_rewrite_addrs(m, rcpt_fields[i], rewrite_local, &rw);
		if (e)
			return pl_die(pl_exit_code(e, 0), "invalid address list in the %s header",
				      rcpt_fields[i]);
	}
	rw.al = NULL;
	for (i = 0; i < 3; i++) {
		e = pl_msg_rewrite_addrs(m, sender_fields[i], rewrite_local, &rw);
		if (e)
			return pl_die(pl_exit_code(e, 0), "invalid address list in the %s header",
				      sender_fields[i]);
	}
	rc = pl_compose_missing_headers(c, m, from, fullname);
	if (rc)
		return rc;
	e = pl_msg_fold_long_headers(m);
	if (e == PL_E_LIMIT)
		return pl_die(EX_DATAERR, "%s",
			      "a header line is longer than 998 octets and has no space to fold at");
	if (e)
		return pl_die(EX_OSERR, "%s", "out of memory");
	return 0;
}

/* A header line, folded at 78 where it can be. */
static void sb_header(struct sb *b, const char *name, const char *value)
{
	size_t n = strlen(value) + 2;
	char *v = malloc(n), *f;

	if (!v) {
		b->oom = 1;
		return;
	}
	snprintf(v, n, " %s", value);
	f = pl_hdr_fold(name, strlen(name), v, 78);
	free(v);
	if (!f) {
		b->oom = 1;
		return;
	}
	sb_str(b, f);
	free(f);
}

int pl_compose_alert(const pl_account_conf *c, const char *from, const pl_addr_list *to,
		     const char *subject, enum pl_priority prio, const char *body, size_t len,
		     pl_msg *m)
{
	static const char *const xprio[] = { NULL, "1 (Highest)", "3 (Normal)", "5 (Lowest)" };
	static const char *const importance[] = { NULL, "high", "normal", "low" };
	struct sb b = { 0 }, tolist = { 0 };
	char *subj;
	size_t i, line = 0, longest = 0;
	int bad, ascii = 1, rc;

	subj = pl_compose_encode_words(subject, 0, &bad);
	if (!subj)
		return bad ? pl_die(EX_DATAERR, "%s", "the subject must be UTF-8 text on one line")
			   : pl_die(EX_OSERR, "%s", "out of memory");
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)body[i];

		ascii &= ch < 0x80;
		if (ch == '\0' || (ch == '\r' && (i + 1 >= len || body[i + 1] != '\n'))) {
			free(subj);
			return pl_die(EX_DATAERR, "%s", "the body holds a NUL byte or a bare CR");
		}
		line = ch == '\n' ? 0 : line + 1;
		longest = line > longest ? line : longest;
	}
	if (!utf8_ok((const unsigned char *)body, len)) {
		free(subj);
		return pl_die(EX_DATAERR, "%s", "the body is not UTF-8 text");
	}
	for (i = 0; i < to->n; i++) {
		if (i)
			sb_str(&tolist, ", ");
		sb_str(&tolist, to->addr[i]);
	}
	sb_header(&b, "From", from);
	sb_header(&b, "To", tolist.p ? tolist.p : "");
	sb_header(&b, "Subject", subj);
	b.oom |= tolist.oom;
	free(tolist.p);
	free(subj);
	sb_str(&b, "MIME-Version: 1.0\n");
	sb_str(&b, "Content-Type: text/plain; charset=UTF-8\n");
	/* scripts and devices send unattended: RFC 3834 says so to autoresponders */
	sb_str(&b, "Auto-Submitted: auto-generated\n");
	if (prio) {
		sb_header(&b, "X-Priority", xprio[prio]);
		sb_header(&b, "Importance", importance[prio]);
	}
	if (ascii && longest <= 76) {
		sb_str(&b, "Content-Transfer-Encoding: 7bit\n\n");
		sb_put(&b, body, len);
	} else {
		/* base64 of the canonical CRLF form: survives any relay, any line length */
		char *crlf = malloc(2 * len + 1);
		size_t cl = 0;

		if (!crlf) {
			free(b.p);
			return pl_die(EX_OSERR, "%s", "out of memory");
		}
		for (i = 0; i < len; i++) {
			if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
				crlf[cl++] = '\r';
			crlf[cl++] = body[i];
		}
		sb_str(&b, "Content-Transfer-Encoding: base64\n\n");
		for (i = 0; i < cl; i += B64_LINE_IN) {
			byte out[B64_LINE_IN / 3 * 4 + 8];
			word32 ol = sizeof(out);
			word32 n = (word32)(cl - i < B64_LINE_IN ? cl - i : B64_LINE_IN);

			if (Base64_Encode_NoNl((const byte *)crlf + i, n, out, &ol) != 0) {
				b.oom = 1;
				break;
			}
			sb_put(&b, (const char *)out, ol);
			sb_str(&b, "\n");
		}
		free(crlf);
	}
	if (b.oom) {
		free(b.p);
		return pl_die(EX_OSERR, "%s", "out of memory");
	}
	if (pl_msg_from_data(m, b.p, b.len, b.cap)) {
		pl_msg_free(m);
		return pl_die(EX_OSERR, "%s", "out of memory");
	}
	rc = pl_compose_missing_headers(c, m, from, NULL);
	return rc;
}
