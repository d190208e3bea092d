/*
 * sendmail -bs: the caller speaks SMTP to us on stdin/stdout (nullmailer's
 * way of handing over mail).  The messages of one session are relayed
 * through the configured account over one upstream connection, opened at
 * the first message and closed at QUIT, and the reply to each final "."
 * is the upstream's for that message (its 250, 4xx or 5xx with its text),
 * so the caller keeps the mail until the relay has it.  DSN parameters
 * (RET, ENVID, NOTIFY, ORCPT) travel on as far as the engine carries them.
 * No AUTH or STARTTLS is offered: the caller is a local process that
 * already runs as the user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "cli.h"
#include "compose.h"
#include "deliver.h"
#include "exitcode.h"
#include "pl_config.h"

#define CMD_MAX 1000     /* RFC 5321 4.5.3.1.4: 512; be lenient with parameters */
#define RCPTS_MAX 1000   /* RFC 5321 4.5.3.1.8 asks for at least 100 */
#define ENVID_MAX 100    /* RFC 3461 4.4 */
#define REPLY_MAX 512    /* RFC 5321 4.5.3.1.5 */

/* The caller's current mail transaction. */
struct txn {
	int have_from;
	char from[CONFIG_POSTLET_ADDR_MAX + 1];
	pl_addr_list rcpts;
	/* DSN: the engine takes one NOTIFY for all recipients, and ORCPT only
	 * as "rfc822;<the recipient itself>" */
	pl_dsn_ret ret;
	char envid[ENVID_MAX + 1];
	int notify_set;          /* the first RCPT fixed NOTIFY for the transaction */
	unsigned notify;
	int orcpt_self;          /* every RCPT so far had ORCPT=rfc822;<itself> */
};

static void reply(FILE *out, const char *line)
{
	fputs(line, out);
	fputs("\r\n", out);
	fflush(out);
}

static void txn_reset(struct txn *t)
{
	pl_addr_list_free(&t->rcpts);
	memset(t, 0, sizeof(*t));
}

/* "FROM:<addr> params" after the verb: the address between the brackets
 * (brackets optional, as many clients are sloppy), validated, into addr;
 * returns the parameters after it ("" if none), or NULL. */
static const char *path_arg(const char *p, const char *kw, char *addr, size_t cap)
{
	const char *s, *e, *rest;
	size_t n = strlen(kw);

	if (strncasecmp(p, kw, n) != 0)
		return NULL;
	p += n;
	while (*p == ' ')
		p++;
	if (*p == '<') {
		s = ++p;
		e = strchr(p, '>');
		if (!e)
			return NULL;
		rest = e + 1;
	} else {
		s = p;
		e = p + strcspn(p, " ");
		rest = e;
	}
	if ((size_t)(e - s) >= cap || (size_t)(e - s) > CONFIG_POSTLET_ADDR_MAX)
		return NULL;
	memcpy(addr, s, (size_t)(e - s));
	addr[e - s] = '\0';
	if (!pl_hdr_value_ok(addr) || (*rest && *rest != ' '))
		return NULL;
	while (*rest == ' ')
		rest++;
	return rest;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 3461 xtext ("+HH" for what is not plain printable) into out[cap];
 * -1 when malformed or too long.  Only printable ASCII comes out: that is
 * what ENVID and an rfc822 ORCPT may hold. */
static int xtext_decode(const char *in, char *out, size_t cap)
{
	size_t k = 0;

	for (; *in; in++) {
		int c = (unsigned char)*in;

		if (c == '+') {
			int hi = hex_value(in[1]), lo = hi < 0 ? -1 : hex_value(in[2]);

			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			in += 2;
		} else if (c == '=') {
			return -1;
		}
		if (c < ' ' || c > '~' || k + 1 >= cap)
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return 0;
}

/* MAIL FROM parameters (space-separated, in place): SIZE, BODY, RET,
 * ENVID.  NULL when all are fine, else the reply. */
static const char *mail_params(char *params, struct txn *t)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(params, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *v = strchr(tok, '=');

		if (!v || !v[1])
			return "555 5.5.4 MAIL parameter not recognized";
		*v++ = '\0';
		if (strcasecmp(tok, "SIZE") == 0) {
			char *end;
			unsigned long long n = strtoull(v, &end, 10);

			if (*v < '0' || *v > '9' || *end)
				return "501 5.5.4 Bad SIZE parameter";
			if (n > PL_CLI_MESSAGE_MAX)
				return "552 5.3.4 Message too big";
		} else if (strcasecmp(tok, "BODY") == 0) {
			if (strcasecmp(v, "7BIT") != 0 && strcasecmp(v, "8BITMIME") != 0)
				return "555 5.5.4 BODY must be 7BIT or 8BITMIME";
		} else if (strcasecmp(tok, "RET") == 0) {
			if (t->ret)
				return "501 5.5.4 RET given twice";
			if (strcasecmp(v, "FULL") == 0)
				t->ret = PL_DSN_RET_FULL;
			else if (strcasecmp(v, "HDRS") == 0)
				t->ret = PL_DSN_RET_HDRS;
			else
				return "501 5.5.4 RET must be FULL or HDRS";
		} else if (strcasecmp(tok, "ENVID") == 0) {
			if (t->envid[0])
				return "501 5.5.4 ENVID given twice";
			if (xtext_decode(v, t->envid, sizeof(t->envid)) != 0 || !t->envid[0])
				return "501 5.5.4 Bad ENVID: xtext of printable ASCII, at most 100";
		} else {
			return "555 5.5.4 MAIL parameter not recognized";
		}
	}
	return NULL;
}

/* RCPT TO parameters: NOTIFY, ORCPT.  NULL when fine, else the reply;
 * *notify gets the mask (0 = none given), *orcpt_self whether ORCPT named
 * addr itself as an rfc822 address. */
static const char *rcpt_params(char *params, const char *addr, unsigned *notify,
			       int *orcpt_self)
{
	static const struct {
		const char *word;
		unsigned bit;
	} words[] = { { "NEVER", PL_DSN_NEVER }, { "SUCCESS", PL_DSN_SUCCESS },
		      { "FAILURE", PL_DSN_FAILURE }, { "DELAY", PL_DSN_DELAY } };
	char *save = NULL, *tok, orcpt[CONFIG_POSTLET_ADDR_MAX + 1];
	int have_orcpt = 0;

	*notify = 0;
	*orcpt_self = 0;
	for (tok = strtok_r(params, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *v = strchr(tok, '=');

		if (!v || !v[1])
			return "555 5.5.4 RCPT parameter not recognized";
		*v++ = '\0';
		if (strcasecmp(tok, "NOTIFY") == 0) {
			char *save2 = NULL, *w;
			size_t k;

			if (*notify)
				return "501 5.5.4 NOTIFY given twice";
			for (w = strtok_r(v, ",", &save2); w; w = strtok_r(NULL, ",", &save2)) {
				for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
					if (strcasecmp(w, words[k].word) == 0)
						break;
				if (k == sizeof(words) / sizeof(words[0]))
					return "501 5.5.4 NOTIFY: NEVER, or SUCCESS, FAILURE, DELAY";
				*notify |= words[k].bit;
			}
			if (!*notify || ((*notify & PL_DSN_NEVER) && *notify != PL_DSN_NEVER))
				return "501 5.5.4 NOTIFY=NEVER cannot be combined";
		} else if (strcasecmp(tok, "ORCPT") == 0) {
			char *semi = strchr(v, ';');

			if (have_orcpt)
				return "501 5.5.4 ORCPT given twice";
			if (!semi || semi == v || xtext_decode(semi + 1, orcpt, sizeof(orcpt)) != 0)
				return "501 5.5.4 Bad ORCPT: addr-type;xtext";
			have_orcpt = 1;
			/* an address that aliases would rewrite has no '@' */
			*orcpt_self = (size_t)(semi - v) == 6 && strncasecmp(v, "rfc822", 6) == 0 &&
				      strchr(addr, '@') && strcasecmp(orcpt, addr) == 0;
		} else {
			return "555 5.5.4 RCPT parameter not recognized";
		}
	}
	return NULL;
}

/* DATA: lines up to "." alone, dot-unstuffed, kept with their line ends.
 * Returns 0, or -1 at end of input; *too_big when over the limit (the
 * rest is read and dropped so the dialogue stays in step). */
static int read_data(FILE *in, pl_msg *m, int *too_big)
{
	char *line = NULL, *buf = NULL;
	size_t lcap = 0, len = 0, cap = 0;
	ssize_t n;

	*too_big = 0;
	while ((n = getline(&line, &lcap, in)) > 0) {
		char *p = line;

		if ((n == 2 && line[0] == '.' && line[1] == '\n') ||
		    (n == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n')) {
			free(line);
			if (*too_big) {
				free(buf);
				memset(m, 0, sizeof(*m));
				return 0;
			}
			if (!buf && !(buf = malloc(cap = 1)))
				return -1;
			if (pl_msg_from_data(m, buf, len, cap)) {
				free(buf);
				return -1;
			}
			return 0;
		}
		if (p[0] == '.') {
			p++;
			n--;
		}
		if (*too_big || len + (size_t)n > PL_CLI_MESSAGE_MAX) {
			*too_big = 1;
			continue;
		}
		if (len + (size_t)n + 1 > cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char *q;

			while (nc < len + (size_t)n + 1)
				nc *= 2;
			q = realloc(buf, nc);
			if (!q) {
				*too_big = 1;
				continue;
			}
			buf = q;
			cap = nc;
		}
		memcpy(buf + len, p, (size_t)n);
		len += (size_t)n;
	}
	free(line);
	free(buf);
	return -1;
}

/* MAIL FROM:<addr> params; the reply. */
static const char *mail_command(pl_cli *c, struct txn *t, const char *arg)
{
	char addr[CONFIG_POSTLET_ADDR_MAX + 1], params[CMD_MAX + 1];
	const char *rest, *why;

	if (t->have_from)
		return "503 5.5.1 Sender already given";
	rest = path_arg(arg, "FROM:", addr, sizeof(addr));
	if (!rest || strlen(rest) >= sizeof(params))
		return "501 5.1.7 Bad sender address syntax";
	memcpy(params, rest, strlen(rest) + 1);
	why = mail_params(params, t);
	if (!why && pl_compose_sender(&c->conf, addr, t->from, sizeof(t->from)) != 0)
		why = "553 5.1.7 Sender address rejected";
	if (why) {
		txn_reset(t);
		return why;
	}
	t->have_from = 1;
	return "250 2.1.0 Ok";
}

/* RCPT TO:<addr> params; the reply. */
static const char *rcpt_command(struct txn *t, const char *arg)
{
	char addr[CONFIG_POSTLET_ADDR_MAX + 1], params[CMD_MAX + 1];
	const char *rest, *why;
	unsigned notify;
	int self;

	if (!t->have_from)
		return "503 5.5.1 Need MAIL first";
	rest = path_arg(arg, "TO:", addr, sizeof(addr));
	if (!rest || !addr[0] || strlen(rest) >= sizeof(params))
		return "501 5.1.3 Bad recipient address syntax";
	memcpy(params, rest, strlen(rest) + 1);
	why = rcpt_params(params, addr, &notify, &self);
	if (why)
		return why;
	/* RFC 5321 4.5.3.1.10: the caller sends this one again in another
	 * transaction */
	if (t->notify_set && notify != t->notify)
		return "452 4.5.3 Other NOTIFY than the earlier recipients; send separately";
	if (t->rcpts.n >= RCPTS_MAX)
		return "452 4.5.3 Too many recipients";
	if (pl_addr_parse_list(addr, &t->rcpts) != PL_OK)
		return "501 5.1.3 Bad recipient address syntax";
	t->orcpt_self = t->notify_set ? t->orcpt_self && self : self;
	t->notify = notify;
	t->notify_set = 1;
	return "250 2.1.5 Ok";
}

/* Server text into a reply line: printable ASCII only. */
static void printable(char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~')
			*s = '?';
}

/* The caller's reply for the relayed message: the upstream's own. */
static void upstream_reply(const pl_session *s, pl_err e, const pl_addr_list *rcpts,
			   char *buf, size_t cap)
{
	const pl_smtp_error *err = pl_smtp_error_info(&s->smtp);
	int esc = (pl_smtp_caps(&s->smtp) & PL_CAP_ENHANCEDSTATUSCODES) != 0;
	size_t accepted = pl_smtp_rcpt_accepted(&s->smtp), k, len;
	char code[4];

	if (e == PL_OK && accepted >= rcpts->n) {
		snprintf(buf, cap, "250 %s%s", esc ? "" : "2.0.0 ", pl_reply_text(&s->smtp.reply));
	} else if (e == PL_OK) {
		/* The message went to some: a failure reply would make the caller
		 * send it to them again.  The refused ones are named here, on
		 * standard error and in the log. */
		len = (size_t)snprintf(buf, cap, "250 2.0.0 Relayed to %zu of %zu recipients; refused:",
				       accepted, rcpts->n);
		for (k = 0; k < rcpts->n; k++) {
			int c = pl_smtp_rcpt_code(&s->smtp, k);

			if (c / 100 == 2)
				continue;
			fprintf(stderr, "postlet: recipient %s refused (%d)\n", rcpts->addr[k], c);
			if (len < cap)
				len += (size_t)snprintf(buf + len, cap - len, " %s (%d)", rcpts->addr[k], c);
		}
	} else if (e == PL_E_CONFIG || e == PL_E_NOCONFIG) {
		snprintf(buf, cap, "451 4.3.5 Relay not possible: local configuration error");
	} else if (snprintf(code, sizeof(code), "%03d", err->code) == 3 && err->code / 100 >= 4 &&
		   err->code / 100 <= 5 && err->code != 421 && strncmp(err->text, code, 3) == 0 &&
		   (err->stage == PL_STAGE_MAIL || err->stage == PL_STAGE_RCPT ||
		    err->stage == PL_STAGE_DATA || err->stage == PL_STAGE_BODY)) {
		/* the server refused the transaction: its words */
		if (err->enhanced[0])
			snprintf(buf, cap, "%s", err->text);
		else
			snprintf(buf, cap, "%s %d.0.0 %s", code, err->code / 100,
				 err->text[3] ? err->text + 4 : "Refused by the relay");
	} else {
		int tmp = pl_exit_code(e, err->code) == EX_TEMPFAIL;

		snprintf(buf, cap, "%s Relay failed%s at %s: %s", tmp ? "451 4.4.0" : "554 5.0.0",
			 tmp ? " for now" : "", pl_stage_name(err->stage),
			 err->text[0] ? err->text : pl_strerror(e));
	}
	printable(buf);
}

/* Reply for a message refused before it could be relayed (aliases,
 * message hygiene): the sysexits code of that refusal. */
static void local_reply(int rc, char *buf, size_t cap)
{
	if (rc == EX_DATAERR)
		snprintf(buf, cap, "554 5.6.0 Message refused: malformed");
	else if (rc == EX_TEMPFAIL || rc == EX_CONFIG || rc == EX_OSERR || rc == EX_IOERR)
		snprintf(buf, cap, "451 4.3.0 Local error; try again later");
	else
		snprintf(buf, cap, "554 5.0.0 Message refused; see postlet's error output");
}

/* Compose and relay the transaction's message; the reply into buf. */
static void relay(pl_cli *c, pl_session *s, int *open, struct txn *t, pl_msg *m, char *buf,
		  size_t cap)
{
	pl_message msg = { 0 };
	pl_err e;
	int rc;

	rc = pl_compose_rcpts(&c->conf, &c->aliases, &t->rcpts);
	if (!rc && t->rcpts.n == 0)
		rc = pl_die(EX_DATAERR, "%s", "no recipients left after the aliases");
	if (!rc)
		rc = pl_compose_message(&c->conf, &c->aliases, m, t->from, c->fullname);
	if (rc) {
		local_reply(rc, buf, cap);
		return;
	}
	msg.dsn_notify = t->notify;
	msg.dsn_ret = t->ret;
	msg.dsn_envid = t->envid[0] ? t->envid : c->dsn_envid;
	msg.dsn_orcpt = t->orcpt_self;
	e = pl_deliver_session(s, open, &c->conf, &c->acct, t->from, &t->rcpts, m, &msg,
			       c->verbose);
	upstream_reply(s, e, &t->rcpts, buf, cap);
}

int pl_cli_serve_smtp(pl_cli *c, FILE *in, FILE *out)
{
	static pl_session upstream; /* buffers off the stack, as in pl_deliver */
	static struct txn t;
	char *line = NULL, buf[CMD_MAX + 64];
	size_t lcap = 0;
	ssize_t n;
	int open = 0;

	/* stdout carries the dialogue: "logfile -" must not write into it */
	if (strcmp(c->conf.logfile, "-") == 0)
		snprintf(c->conf.logfile, sizeof(c->conf.logfile), "/dev/stderr");
	snprintf(buf, sizeof(buf), "220 %s postlet ESMTP (relaying through %s)", c->ehlo,
		 c->conf.host);
	reply(out, buf);
	while ((n = getline(&line, &lcap, in)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if ((size_t)n > CMD_MAX || strlen(line) != (size_t)n) {
			reply(out, "500 5.5.2 Line too long or NUL in command");
			continue;
		}
		if (strncasecmp(line, "EHLO", 4) == 0 && (line[4] == ' ' || !line[4])) {
			txn_reset(&t);
			snprintf(buf, sizeof(buf), "250-%s", c->ehlo);
			reply(out, buf);
			reply(out, "250-8BITMIME");
			reply(out, "250-ENHANCEDSTATUSCODES");
			/* passed on with each message; dropped by the engine only
			 * when the relay itself does not offer DSN */
			reply(out, "250-DSN");
			snprintf(buf, sizeof(buf), "250 SIZE %zu", PL_CLI_MESSAGE_MAX);
			reply(out, buf);
		} else if (strncasecmp(line, "HELO", 4) == 0 && (line[4] == ' ' || !line[4])) {
			txn_reset(&t);
			snprintf(buf, sizeof(buf), "250 %s", c->ehlo);
			reply(out, buf);
		} else if (strncasecmp(line, "MAIL ", 5) == 0) {
			reply(out, mail_command(c, &t, line + 5));
		} else if (strncasecmp(line, "RCPT ", 5) == 0) {
			reply(out, rcpt_command(&t, line + 5));
		} else if (strcasecmp(line, "DATA") == 0) {
			pl_msg m;
			int too_big;

			if (!t.have_from || t.rcpts.n == 0) {
				reply(out, "503 5.5.1 Need MAIL and RCPT first");
				continue;
			}
			reply(out, "354 End data with <CR><LF>.<CR><LF>");
			if (read_data(in, &m, &too_big) != 0)
				break;
			if (too_big) {
				reply(out, "552 5.3.4 Message too big");
			} else {
				char r[REPLY_MAX + 1];

				relay(c, &upstream, &open, &t, &m, r, sizeof(r));
				pl_msg_free(&m);
				reply(out, r);
			}
			txn_reset(&t);
		} else if (strcasecmp(line, "RSET") == 0) {
			txn_reset(&t);
			reply(out, "250 2.0.0 Ok");
		} else if (strncasecmp(line, "NOOP", 4) == 0) {
			reply(out, "250 2.0.0 Ok");
		} else if (strncasecmp(line, "VRFY", 4) == 0) {
			reply(out, "252 2.5.2 Cannot verify; send some mail");
		} else if (strcasecmp(line, "QUIT") == 0) {
			/* the upstream first, so that the caller's 221 means all is done */
			pl_deliver_session_close(&upstream, &open, c->verbose);
			reply(out, "221 2.0.0 Bye");
			break;
		} else {
			reply(out, "502 5.5.2 Command not implemented");
		}
	}
	pl_deliver_session_close(&upstream, &open, c->verbose);
	free(line);
	txn_reset(&t);
	return EX_OK;
}
