/*
 * sendmail -bs: the caller speaks SMTP to us on stdin/stdout (nullmailer's
 * way of handing over mail).  Each accepted message is relayed through the
 * configured account before the final reply, so a 250 means the relay took
 * it, and a failure comes back as 451 (retry) or 554.  No AUTH or STARTTLS
 * is offered: the caller is a local process that already runs as the user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "cli.h"
#include "compose.h"
#include "exitcode.h"
#include "pl_config.h"

#define CMD_MAX 1000     /* RFC 5321 4.5.3.1.4: 512; be lenient with parameters */
#define RCPTS_MAX 1000   /* RFC 5321 4.5.3.1.8 asks for at least 100 */

static void reply(FILE *out, const char *line)
{
	fputs(line, out);
	fputs("\r\n", out);
	fflush(out);
}

/* "FROM:<addr> params" after the verb: the address between the brackets
 * (brackets optional, as many clients are sloppy), validated. */
static int path_arg(const char *p, const char *kw, char *addr, size_t cap)
{
	const char *s, *e;
	size_t n = strlen(kw);

	if (strncasecmp(p, kw, n) != 0)
		return -1;
	p += n;
	while (*p == ' ')
		p++;
	if (*p == '<') {
		s = ++p;
		e = strchr(p, '>');
		if (!e)
			return -1;
	} else {
		s = p;
		e = p + strcspn(p, " ");
	}
	if ((size_t)(e - s) >= cap || (size_t)(e - s) > CONFIG_POSTLET_ADDR_MAX)
		return -1;
	memcpy(addr, s, (size_t)(e - s));
	addr[e - s] = '\0';
	return pl_hdr_value_ok(addr) ? 0 : -1;
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

static void reset(char *from, pl_addr_list *rcpts, int *have_from)
{
	from[0] = '\0';
	*have_from = 0;
	pl_addr_list_free(rcpts);
}

int pl_cli_serve_smtp(pl_cli *c, FILE *in, FILE *out)
{
	char *line = NULL, from[CONFIG_POSTLET_ADDR_MAX + 1], addr[CONFIG_POSTLET_ADDR_MAX + 1];
	char qfrom[CONFIG_POSTLET_ADDR_MAX + 1], buf[CMD_MAX + 64];
	size_t lcap = 0;
	ssize_t n;
	pl_addr_list rcpts = { 0 };
	int have_from = 0;

	/* stdout carries the dialogue: "logfile -" must not write into it */
	if (strcmp(c->conf.logfile, "-") == 0)
		snprintf(c->conf.logfile, sizeof(c->conf.logfile), "/dev/stderr");
	snprintf(buf, sizeof(buf), "220 %s postlet ESMTP (relaying through %s)", c->ehlo,
		 c->conf.host);
	reply(out, buf);
	from[0] = '\0';
	while ((n = getline(&line, &lcap, in)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if ((size_t)n > CMD_MAX || strlen(line) != (size_t)n) {
			reply(out, "500 5.5.2 Line too long or NUL in command");
			continue;
		}
		if (strncasecmp(line, "EHLO", 4) == 0 && (line[4] == ' ' || !line[4])) {
			reset(from, &rcpts, &have_from);
			snprintf(buf, sizeof(buf), "250-%s", c->ehlo);
			reply(out, buf);
			reply(out, "250-8BITMIME");
			reply(out, "250-ENHANCEDSTATUSCODES");
			snprintf(buf, sizeof(buf), "250 SIZE %zu", PL_CLI_MESSAGE_MAX);
			reply(out, buf);
		} else if (strncasecmp(line, "HELO", 4) == 0 && (line[4] == ' ' || !line[4])) {
			reset(from, &rcpts, &have_from);
			snprintf(buf, sizeof(buf), "250 %s", c->ehlo);
			reply(out, buf);
		} else if (strncasecmp(line, "MAIL ", 5) == 0) {
			if (have_from) {
				reply(out, "503 5.5.1 Sender already given");
			} else if (path_arg(line + 5, "FROM:", addr, sizeof(addr)) != 0) {
				reply(out, "501 5.1.7 Bad sender address syntax");
			} else if (pl_compose_sender(&c->conf, addr, qfrom, sizeof(qfrom)) != 0) {
				reply(out, "553 5.1.7 Sender address rejected");
			} else {
				memcpy(from, qfrom, strlen(qfrom) + 1);
				have_from = 1;
				reply(out, "250 2.1.0 Ok");
			}
		} else if (strncasecmp(line, "RCPT ", 5) == 0) {
			if (!have_from)
				reply(out, "503 5.5.1 Need MAIL first");
			else if (path_arg(line + 5, "TO:", addr, sizeof(addr)) != 0 || !addr[0] ||
				 pl_addr_parse_list(addr, &rcpts) != PL_OK)
				reply(out, "501 5.1.3 Bad recipient address syntax");
			else if (rcpts.n > RCPTS_MAX)
				reply(out, "452 4.5.3 Too many recipients");
			else
				reply(out, "250 2.1.5 Ok");
		} else if (strcasecmp(line, "DATA") == 0) {
			pl_msg m;
			int too_big, rc;

			if (!have_from || rcpts.n == 0) {
				reply(out, "503 5.5.1 Need MAIL and RCPT first");
				continue;
			}
			reply(out, "354 End data with <CR><LF>.<CR><LF>");
			if (read_data(in, &m, &too_big) != 0)
				break;
			if (too_big) {
				reply(out, "552 5.3.4 Message too big");
			} else {
				rc = pl_cli_submit(c, from, &rcpts, &m);
				pl_msg_free(&m);
				if (rc == EX_OK)
					reply(out, "250 2.0.0 Ok: relayed");
				else if (rc == EX_TEMPFAIL)
					reply(out, "451 4.4.0 Relay failed for now; try again later");
				else if (rc == EX_DATAERR)
					reply(out, "554 5.6.0 Message refused: malformed");
				else
					reply(out, "554 5.0.0 Relay failed; see postlet's error output");
			}
			reset(from, &rcpts, &have_from);
		} else if (strcasecmp(line, "RSET") == 0) {
			reset(from, &rcpts, &have_from);
			reply(out, "250 2.0.0 Ok");
		} else if (strncasecmp(line, "NOOP", 4) == 0) {
			reply(out, "250 2.0.0 Ok");
		} else if (strncasecmp(line, "VRFY", 4) == 0) {
			reply(out, "252 2.5.2 Cannot verify; send some mail");
		} else if (strcasecmp(line, "QUIT") == 0) {
			reply(out, "221 2.0.0 Bye");
			break;
		} else {
			reply(out, "502 5.5.2 Command not implemented");
		}
	}
	free(line);
	pl_addr_list_free(&rcpts);
	return EX_OK;
}
