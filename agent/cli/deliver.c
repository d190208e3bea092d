#include "deliver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "compose.h"
#include "engine/sasl.h"
#include "exitcode.h"
#include "tls_account.h"

/* See main.c: the queue's hook is used once its branch has landed. */
#if defined(__has_include)
#if __has_include("queue_cli.h")
#include "queue_cli.h"
#define PL_HAVE_QUEUE_CLI 1
#endif
#endif
#ifndef PL_HAVE_QUEUE_CLI
#define PL_HAVE_QUEUE_CLI 0
#endif

struct reader_ctx {
	const pl_msg *m;
	size_t off;
};

static long read_message(void *ctx, uint8_t *buf, size_t cap)
{
	struct reader_ctx *r = ctx;
	size_t n = r->m->len - r->off;

	if (n > cap)
		n = cap;
	memcpy(buf, r->m->data + r->off, n);
	r->off += n;
	return (long)n;
}

static void trace_stderr(void *ctx, char dir, const uint8_t *data, size_t len)
{
	size_t i, start = 0;

	(void)ctx;
	for (i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		fprintf(stderr, "%s %.*s\n", dir == 'C' ? "-->" : "<--",
			(int)(i - start - (i > start && data[i - 1] == '\r')), (const char *)data + start);
		start = i + 1;
	}
	if (start < len)
		fprintf(stderr, "%s %.*s\n", dir == 'C' ? "-->" : "<--", (int)(len - start),
			(const char *)data + start);
}

static void report_failure(const pl_session *s, pl_err e)
{
	const pl_smtp_error *err = pl_smtp_error_info(&s->smtp);

	if (err->code)
		fprintf(stderr, "postlet: %s at %s: server said: %s\n", pl_strerror(e),
			pl_stage_name(err->stage), err->text);
	else
		fprintf(stderr, "postlet: %s at %s: %s\n", pl_strerror(e),
			pl_stage_name(err->stage), err->text[0] ? err->text : pl_strerror(e));
	if (e == PL_E_TLS_REQUIRED)
		fprintf(stderr, "postlet: TLS was required; no credentials or mail were sent\n");
}

static int facility(const char *name)
{
	static const struct {
		const char *name;
		int value;
	} map[] = {
		{ "LOG_USER", LOG_USER },     { "LOG_MAIL", LOG_MAIL },
		{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
		{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
		{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
		{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(name, map[i].name) == 0)
			return map[i].value;
	return LOG_USER;
}

void pl_cli_log_text(const pl_account_conf *c, int prio, const char *line)
{
	if (c->logfile[0]) {
		FILE *f = strcmp(c->logfile, "-") == 0 ? stdout : fopen(c->logfile, "a");
		time_t t = time(NULL);
		struct tm tm;
		char when[32];

		if (f) {
			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%b %d %H:%M:%S", &tm);
			fprintf(f, "%s %s\n", when, line);
			if (f != stdout)
				fclose(f);
		} else {
			fprintf(stderr, "postlet: cannot open log file %s: %s\n", c->logfile,
				strerror(errno));
		}
	}
	if (c->syslog[0] && strcmp(c->syslog, "off") != 0) {
		openlog("postlet", LOG_PID, facility(c->syslog));
		syslog(prio, "%s", line);
		closelog();
	}
}

/* One line per message, to the logfile and/or syslog: who, to whom, how
 * big, what the server said, how long it took, the exit code. */
static void log_line(const pl_account_conf *c, const char *from, const pl_addr_list *rcpts,
		     size_t size, pl_err e, int code, const char *reply, long ms)
{
	char *line = NULL;
	size_t len = 0, i;
	FILE *m;

	if (!c->logfile[0] && (!c->syslog[0] || strcmp(c->syslog, "off") == 0))
		return;
	m = open_memstream(&line, &len);
	if (!m)
		return;
	fprintf(m, "host=%s from=%s recipients=", c->host, from);
	for (i = 0; i < rcpts->n; i++)
		fprintf(m, "%s%s", i ? "," : "", rcpts->addr[i]);
	fprintf(m, " size=%zu smtpstatus=%d", size, code);
	if (reply && reply[0])
		fprintf(m, " smtpmsg='%s'", reply);
	fprintf(m, " time=%ldms exitcode=%d%s%s", ms, pl_exit_code(e, code), e ? " error=" : "",
		e ? pl_strerror(e) : "");
	fclose(m);
	pl_cli_log_text(c, e ? LOG_ERR : LOG_INFO, line);
	free(line);
}

/* SIZE= counts the message as sent, with CRLF line ends (RFC 1870). */
static uint64_t wire_size(const pl_msg *m)
{
	uint64_t n = m->len;
	size_t i;

	for (i = 0; i < m->len; i++)
		if ((m->data[i] == '\n' && (i == 0 || m->data[i - 1] != '\r')) ||
		    (m->data[i] == '\r' && (i + 1 == m->len || m->data[i + 1] != '\n')))
			n++;
	if (m->len && m->data[m->len - 1] != '\n' && m->data[m->len - 1] != '\r')
		n += 2; /* the engine ends the last line */
	return n;
}

/* dsn_notify / dsn_return (msmtp syntax, -N / -R) into the message. */
static int dsn_options(const pl_account_conf *c, pl_message *m)
{
	static const struct {
		const char *word;
		unsigned bit;
	} words[] = { { "never", PL_DSN_NEVER }, { "success", PL_DSN_SUCCESS },
		      { "failure", PL_DSN_FAILURE }, { "delay", PL_DSN_DELAY } };
	const char *p = c->dsn_notify;
	const char *r = c->dsn_return;

	while (*p && strcmp(c->dsn_notify, "off") != 0) {
		size_t n = strcspn(p, ","), k;

		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (strlen(words[k].word) == n && strncasecmp(p, words[k].word, n) == 0)
				break;
		if (k == sizeof(words) / sizeof(words[0]))
			return pl_die(EX_USAGE, "dsn_notify '%s': expected off, never, or a list of "
						"success, failure, delay", c->dsn_notify);
		m->dsn_notify |= words[k].bit;
		p += n + (p[n] == ',');
	}
	if ((m->dsn_notify & PL_DSN_NEVER) && m->dsn_notify != PL_DSN_NEVER)
		return pl_die(EX_USAGE, "%s",
			      "dsn_notify: 'never' cannot be combined with other conditions");
	if (strcasecmp(r, "full") == 0)
		m->dsn_ret = PL_DSN_RET_FULL;
	else if (strcasecmp(r, "hdrs") == 0 || strcasecmp(r, "headers") == 0)
		m->dsn_ret = PL_DSN_RET_HDRS;
	else if (*r && strcmp(r, "off") != 0)
		return pl_die(EX_USAGE, "dsn_return '%s': expected off, headers or full", r);
	return 0;
}

/* The message as the session reads it: envelope, SIZE= hint, 8-bit flag
 * and a reader over m from its start (DSN fields are left as they are). */
static void message_of(pl_message *msg, struct reader_ctx *r, const char *from,
		       const pl_addr_list *rcpts, const pl_msg *m)
{
	r->m = m;
	r->off = 0;
	msg->from = from;
	msg->rcpts = (const char *const *)rcpts->addr;
	msg->nrcpt = rcpts->n;
	msg->size_hint = wire_size(m);
	msg->body_8bit = m->has_8bit;
	msg->read = read_message;
	msg->read_ctx = r;
}

/* The log line of one message: the server's reply when it failed, its
 * 250 otherwise; t0 is when the attempt started. */
static void log_outcome(const pl_account_conf *conf, const pl_session *s, const char *from,
			const pl_addr_list *rcpts, size_t size, pl_err e, const struct timespec *t0)
{
	const pl_smtp_error *err = pl_smtp_error_info(&s->smtp);
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_line(conf, from, rcpts, size, e, e ? err->code : s->smtp.last_code,
		 e && err->code ? err->text : NULL,
		 (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

int pl_deliver(const pl_account_conf *conf, const pl_account *acct, const char *from,
	       const pl_addr_list *rcpts, const pl_msg *m, const char *envid, int verbose)
{
	static pl_session session; /* ~5 KiB of buffers: keep them off the stack */
	struct reader_ctx reader;
	pl_message msg = { 0 };
	struct timespec t0;
	pl_err e;
	int rc;

	message_of(&msg, &reader, from, rcpts, m);
	msg.dsn_envid = envid;
	rc = dsn_options(conf, &msg);
	if (rc)
		return rc;
	session.trace = verbose ? trace_stderr : NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = pl_session_send(&session, acct, &msg);
	pl_cli_tls_state_save();
#if PL_HAVE_QUEUE_CLI
	{
		/* QUEUE HOOK: a temporary failure is queued (exit 0, as an MTA);
		 * a success flushes what is due */
		int qrc = pl_queue_cli_after_send(conf, acct, e, &session.smtp, &msg,
						  (const uint8_t *)m->data, m->len, verbose);

		if (qrc >= 0)
			return qrc;
	}
#endif
	if (verbose)
		fprintf(stderr, "postlet: %u round trips, %lu bytes sent, %lu received%s%s\n",
			session.link.waits, session.link.bytes_out, session.link.bytes_in,
			session.tls_info[0] ? ", " : "", session.tls_info);
	log_outcome(conf, &session, from, rcpts, m->len, e, &t0);
	if (e) {
		report_failure(&session, e);
		return pl_exit_code(e, pl_smtp_error_info(&session.smtp)->code);
	}
	if (pl_smtp_rcpt_accepted(&session.smtp) < rcpts->n) {
		/* delivered to some; name the others and say so in the exit code */
		size_t k;
		int worst = 0;

		for (k = 0; k < rcpts->n; k++) {
			int code = pl_smtp_rcpt_code(&session.smtp, k);

			if (code / 100 != 2) {
				fprintf(stderr, "postlet: recipient %s refused (%d)\n", rcpts->addr[k], code);
				worst = worst / 100 == 5 ? worst : code;
			}
		}
		return worst / 100 == 4 ? EX_TEMPFAIL : EX_NOUSER;
	}
	return EX_OK;
}

int pl_cli_submit(pl_cli *c, const char *from, pl_addr_list *rcpts, pl_msg *m)
{
	int rc = pl_compose_rcpts(&c->conf, &c->aliases, rcpts);

	if (rc)
		return rc;
	if (rcpts->n == 0)
		return pl_die(EX_USAGE, "%s", "no recipients given");
	rc = pl_compose_message(&c->conf, &c->aliases, m, from, c->fullname);
	if (rc)
		return rc;
	/* the queue's hook (temporary failure -> spool) is inside pl_deliver */
	return pl_deliver(&c->conf, &c->acct, from, rcpts, m, c->dsn_envid, c->verbose);
}

/* A transaction that failed because the server had dropped the idle
 * connection before reading it (closed, reset, or 421 on its first
 * command): nothing of the message was taken, so a new connection may
 * carry it. */
static int dropped_idle(const pl_session *s, pl_err e)
{
	const pl_smtp_error *err = pl_smtp_error_info(&s->smtp);

	if (err->stage != PL_STAGE_MAIL && err->stage != PL_STAGE_RSET)
		return 0;
	return e == PL_E_CLOSED || e == PL_E_NETWORK || err->code == 421;
}

void pl_deliver_session_close(pl_session *s, int *open, int verbose)
{
	if (!*open)
		return;
	pl_session_close(s);
	*open = 0;
	pl_cli_tls_state_save();
	if (verbose)
		fprintf(stderr, "postlet: connection closed: %u round trips, %lu bytes sent, %lu received%s%s\n",
			s->link.waits, s->link.bytes_out, s->link.bytes_in,
			s->tls_info[0] ? ", " : "", s->tls_info);
}

pl_err pl_deliver_session(pl_session *s, int *open, const pl_account_conf *conf,
			  const pl_account *acct, const char *from, const pl_addr_list *rcpts,
			  const pl_msg *m, const pl_message *dsn, int verbose)
{
	struct reader_ctx reader;
	pl_message dflt = { 0 }, msg = *dsn;
	struct timespec t0;
	int fresh = 0, attempt;
	pl_err e = PL_OK;

	/* what the caller did not ask for comes from dsn_notify / dsn_return */
	if (dsn_options(conf, &dflt))
		return PL_E_CONFIG;
	if (!msg.dsn_notify)
		msg.dsn_notify = dflt.dsn_notify;
	if (!msg.dsn_ret)
		msg.dsn_ret = dflt.dsn_ret;
	message_of(&msg, &reader, from, rcpts, m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (attempt = 0; attempt < 2; attempt++) {
		if (*open && !pl_session_usable(s))
			pl_deliver_session_close(s, open, verbose);
		if (!*open) {
			s->trace = verbose ? trace_stderr : NULL;
			*open = 1; /* close after every open, successful or not */
			e = pl_session_open(s, acct);
			if (e) {
				pl_deliver_session_close(s, open, verbose);
				break;
			}
			fresh = 1;
		}
		reader.off = 0;
		e = pl_session_transact(s, &msg);
		if (e == PL_OK || fresh || !dropped_idle(s, e))
			break;
		pl_deliver_session_close(s, open, verbose);
	}
	log_outcome(conf, s, from, rcpts, m->len, e, &t0);
	if (e)
		report_failure(s, e);
	return e;
}
