/*
 * postlet front end: a sendmail-compatible command line over the session
 * driver.  Reads the message, works out the envelope, sends, and maps the
 * outcome to one exit code and one line on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "exitcode.h"
#include "message.h"
#include "pl_config.h"
#include "port.h"
#include "serverinfo.h"
#include "session.h"
#include "tls_account.h"
#include "engine/sasl.h"

#ifndef POSTLET_VERSION
#define POSTLET_VERSION "0.1.0"
#endif
#define MESSAGE_MAX ((size_t)64 * 1024 * 1024)
#define SYSTEM_CONF "/etc/postlet.conf"
#define USER_CONF ".postletrc"

struct options {
	const char *conf_path;
	const char *account;
	const char *from;
	const char *fullname;
	const char *envid;    /* -V: DSN envelope id */
	int read_rcpts;       /* -t */
	int ignore_dots;      /* -i, -oi */
	int verbose;
	int serverinfo;       /* --serverinfo */
	pl_account_conf cli;  /* --key=value settings */
	char **rcpts;
	int nrcpt;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: postlet [-C file] [-a account] [-f from] [-F name] [-t] [-i] [-v]\n"
		"               [-N never|success,failure,delay] [-R full|hdrs] [-V envid]\n"
		"               [--key=value ...] [--] recipient...\n"
		"Reads a message on standard input and submits it over SMTP.\n"
		"Every configuration key is also an option: --host=H --port=N --tls=on|off\n"
		"--tls-starttls=on|off --tls-trust-file=F --auth=on|off|plain|login --user=U\n"
		"--password=P --passwordeval=CMD --from=A --domain=D --timeout=S\n"
		"postlet --serverinfo [options]: show the server's TLS certificate and capabilities\n");
}

static int die(int code, const char *fmt, const char *arg)
{
	fputs("postlet: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return code;
}

/* "--tls-trust-file=x" -> pl_conf_set(cli, "tls_trust_file", "x") */
static int long_option(struct options *o, const char *arg)
{
	char key[64], err[256];
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg), i;

	if (n >= sizeof(key))
		return die(EX_USAGE, "unknown option --%s", arg);
	for (i = 0; i < n; i++)
		key[i] = arg[i] == '-' ? '_' : arg[i];
	key[n] = '\0';
	if (pl_conf_set(&o->cli, key, eq ? eq + 1 : "", err, sizeof(err)) != PL_OK)
		return die(EX_USAGE, "--%s", err);
	return 0;
}

/* Value of a flag that takes one: glued ("-fme@x") or the next argument. */
static const char *flag_value(int argc, char **argv, int *i, const char *glued)
{
	if (*glued)
		return glued;
	if (*i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[1] == '-') {
			int rc;

			if (strcmp(a, "--help") == 0) {
				usage(stdout);
				exit(EX_OK);
			}
			if (strcmp(a, "--version") == 0) {
				printf("postlet %s\n", POSTLET_VERSION);
				exit(EX_OK);
			}
			if (strcmp(a, "--serverinfo") == 0) {
				o->serverinfo = 1;
				continue;
			}
			rc = long_option(o, a + 2);
			if (rc)
				return rc;
			continue;
		}
		switch (a[1]) {
		case 't':
			if (a[2])
				goto unknown;
			o->read_rcpts = 1;
			continue;
		case 'i':
			if (a[2])
				goto unknown;
			o->ignore_dots = 1;
			continue;
		case 'v':
			o->verbose = 1;
			continue;
		case 'o':
			/* -oi as -i; other -oX are sendmail options with no meaning here */
			if (strcmp(a, "-oi") == 0 || strcmp(a, "-oitrue") == 0)
				o->ignore_dots = 1;
			continue;
		case 'b':
			if (strcmp(a, "-bm") == 0)
				continue;
			goto unknown;
		case 'B':
			/* body type: 8-bit bodies are declared from the content itself */
			if (strcmp(a, "-B8BITMIME") == 0 || strcmp(a, "-B7BIT") == 0)
				continue;
			goto unknown;
		case 'G':
		case 'n':
		case 'U':
			/* accepted and ignored, as sendmail callers pass them */
			if (a[2])
				goto unknown;
			continue;
		case 'A':
		case 'L':
		case 'h':
		case 'O':
			/* sendmail options with a value that mean nothing here */
			if (!flag_value(argc, argv, &i, a + 2))
				return die(EX_USAGE, "option %s needs a value", a);
			continue;
		case 'C':
		case 'a':
		case 'f':
		case 'r':
		case 'F':
		case 'N':
		case 'R':
		case 'V':
			v = flag_value(argc, argv, &i, a + 2);
			if (!v)
				return die(EX_USAGE, "option %s needs a value", a);
			if (a[1] == 'N' || a[1] == 'R') {
				/* DSN: same values as the dsn_notify / dsn_return keys */
				if (pl_conf_set(&o->cli, a[1] == 'N' ? "dsn_notify" : "dsn_return", v,
						NULL, 0) != PL_OK)
					return die(EX_USAGE, "bad value for %s", a);
			} else if (a[1] == 'V') {
				o->envid = v;
			} else if (a[1] == 'C')
				o->conf_path = v;
			else if (a[1] == 'a')
				o->account = v;
			else if (a[1] == 'F')
				o->fullname = v;
			else
				o->from = v;
			continue;
		default:
			goto unknown;
		}
unknown:
		return die(EX_USAGE, "unknown option %s (see --help)", a);
	}
	o->rcpts = argv + i;
	o->nrcpt = argc - i;
	return 0;
}

static int load_config(const struct options *o, pl_account_conf *acct)
{
	char err[512], user_path[1024];
	const char *path = o->conf_path, *home = getenv("HOME");
	pl_err e;

	if (!path && home && snprintf(user_path, sizeof(user_path), "%s/%s", home, USER_CONF) <
				     (int)sizeof(user_path) &&
	    access(user_path, F_OK) == 0)
		path = user_path;
	if (!path && access(SYSTEM_CONF, F_OK) == 0)
		path = SYSTEM_CONF;
	pl_conf_clear(acct);
	if (!path) {
		if (o->account)
			return die(EX_CONFIG, "account '%s' requested but no configuration file found",
				   o->account);
		return 0;
	}
	e = pl_conf_load(path, o->account, acct, err, sizeof(err));
	if (e)
		return die(pl_exit_code(e, 0), "%s", err);
	return 0;
}

/* passwordeval: first line of the command's output, as msmtp does. */
static int eval_password(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	char iobuf[512]; /* stdio's copy of the password: ours, to wipe */
	size_t n;
	int status;

	if (!p)
		return die(EX_OSERR, "cannot run passwordeval command: %s", strerror(errno));
	(void)setvbuf(p, iobuf, _IOFBF, sizeof(iobuf));
	if (!fgets(out, (int)cap, p))
		out[0] = '\0';
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	while (fgetc(p) != EOF)
		;
	status = pclose(p);
	pl_wipe(iobuf, sizeof(iobuf));
	if (status != 0)
		return die(EX_CONFIG, "passwordeval command failed: %s", cmd);
	if (n == 0)
		return die(EX_CONFIG, "passwordeval command printed no password: %s", cmd);
	return 0;
}

static void ehlo_domain(const pl_account_conf *c, char *out, size_t cap)
{
	if (c->domain[0]) {
		snprintf(out, cap, "%s", c->domain);
		return;
	}
	/* a dotted host name is a usable FQDN; anything else says localhost */
	if (gethostname(out, cap) != 0 || !strchr(out, '.'))
		snprintf(out, cap, "localhost");
}

static int add_missing_headers(pl_msg *m, const char *from, const char *fullname)
{
	char buf[512];
	char *h;
	int64_t now;
	int tz;

	if (!(h = pl_msg_header(m, "From"))) {
		if (fullname)
			snprintf(buf, sizeof(buf), "%s <%s>", fullname, from);
		else
			snprintf(buf, sizeof(buf), "%s", from);
		if (pl_msg_prepend_header(m, "From", buf))
			return EX_OSERR;
	}
	free(h);
	/* without a trustworthy clock, leave Date: to the server */
	if (!(h = pl_msg_header(m, "Date")) && pl_port_wall_clock(&now, &tz) == PL_OK) {
		time_t t = (time_t)now;
		struct tm tm;
		char date[64];

		localtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S", &tm);
		snprintf(buf, sizeof(buf), "%s %c%02d%02d", date, tz < 0 ? '-' : '+', abs(tz) / 60,
			 abs(tz) % 60);
		if (pl_msg_prepend_header(m, "Date", buf))
			return EX_OSERR;
	}
	free(h);
	if (!(h = pl_msg_header(m, "Message-ID"))) {
		uint8_t r[12];
		const char *dom = strrchr(from, '@');

		if (pl_port_random(r, sizeof(r)) == PL_OK) {
			size_t i, o = (size_t)snprintf(buf, sizeof(buf), "<");

			for (i = 0; i < sizeof(r); i++)
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%02x", r[i]);
			snprintf(buf + o, sizeof(buf) - o, ".postlet@%s>", dom ? dom + 1 : "localhost");
			if (pl_msg_prepend_header(m, "Message-ID", buf))
				return EX_OSERR;
		}
	}
	free(h);
	return 0;
}

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

/* Settle defaults and turn the account into what the driver needs. */
static int resolve_account(pl_account_conf *c, pl_account *a, char *password, size_t pwcap)
{
	int rc;

	if (!c->host[0])
		return die(EX_CONFIG, "%s", "no host configured (set 'host' or use --host=)");
	if (c->tls == 0)
		a->tls_mode = PL_TLS_OFF;
	else
		a->tls_mode = c->tls_starttls == 0 ? PL_TLS_IMPLICIT : PL_TLS_STARTTLS;
	a->host = c->host;
	a->port = (uint16_t)(c->port ? c->port : a->tls_mode == PL_TLS_IMPLICIT ? 465 : 587);
	a->trust_file = c->tls_trust_file[0] ? c->tls_trust_file : NULL;
	if ((rc = pl_cli_tls_account(c, a)) != 0)
		return rc;
	a->timeout_ms = (c->timeout_s ? c->timeout_s : CONFIG_POSTLET_TIMEOUT_S) * 1000u;
	switch (c->auth) {
	case PL_CONF_AUTH_PLAIN:
		a->auth_mechs = PL_AUTH_PLAIN;
		break;
	case PL_CONF_AUTH_LOGIN:
		a->auth_mechs = PL_AUTH_LOGIN;
		break;
	case PL_CONF_AUTH_ON:
		a->auth_mechs = PL_AUTH_PLAIN | PL_AUTH_LOGIN;
		break;
	case PL_CONF_AUTH_UNSET:
		a->auth_mechs = c->user[0] ? PL_AUTH_PLAIN | PL_AUTH_LOGIN : 0;
		break;
	default:
		a->auth_mechs = 0;
	}
	a->user = c->user;
	a->password = c->password;
	if (a->auth_mechs && !c->user[0])
		return die(EX_CONFIG, "%s", "authentication requested but no 'user' configured");
	if (a->auth_mechs && !c->password[0]) {
		if (!c->passwordeval[0])
			return die(EX_CONFIG, "%s",
				   "authentication requested but no 'password' or 'passwordeval' configured");
		rc = eval_password(c->passwordeval, password, pwcap);

		if (rc)
			return rc;
		a->password = password;
	}
	return 0;
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
			return die(EX_USAGE, "dsn_notify '%s': expected off, never, or a list of "
					     "success, failure, delay", c->dsn_notify);
		m->dsn_notify |= words[k].bit;
		p += n + (p[n] == ',');
	}
	if ((m->dsn_notify & PL_DSN_NEVER) && m->dsn_notify != PL_DSN_NEVER)
		return die(EX_USAGE, "%s", "dsn_notify: 'never' cannot be combined with other conditions");
	if (strcasecmp(r, "full") == 0)
		m->dsn_ret = PL_DSN_RET_FULL;
	else if (strcasecmp(r, "hdrs") == 0 || strcasecmp(r, "headers") == 0)
		m->dsn_ret = PL_DSN_RET_HDRS;
	else if (*r && strcmp(r, "off") != 0)
		return die(EX_USAGE, "dsn_return '%s': expected off, headers or full", r);
	return 0;
}

static void log_line(const pl_account_conf *c, const char *from, const pl_addr_list *rcpts,
		     pl_err e, int code)
{
	FILE *f;
	time_t t = time(NULL);
	struct tm tm;
	char when[32];
	size_t i;

	if (!c->logfile[0])
		return;
	f = strcmp(c->logfile, "-") == 0 ? stdout : fopen(c->logfile, "a");
	if (!f) {
		fprintf(stderr, "postlet: cannot open log file %s: %s\n", c->logfile, strerror(errno));
		return;
	}
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%b %d %H:%M:%S", &tm);
	fprintf(f, "%s host=%s from=%s recipients=", when, c->host, from);
	for (i = 0; i < rcpts->n; i++)
		fprintf(f, "%s%s", i ? "," : "", rcpts->addr[i]);
	fprintf(f, " smtpstatus=%d exitcode=%d%s%s\n", code, pl_exit_code(e, code),
		e ? " error=" : "", e ? pl_strerror(e) : "");
	if (f != stdout)
		fclose(f);
}

static int run(struct options *o)
{
	static pl_session session; /* ~5 KiB of buffers: keep them off the stack */
	pl_account_conf conf;
	pl_account acct;
	pl_message msg = { 0 };
	pl_msg m;
	pl_addr_list rcpts = { 0 };
	struct reader_ctx reader;
	char password[PL_CONF_STR_MAX], domain[256];
	const char *from;
	pl_err e;
	int rc, i;

	memset(&acct, 0, sizeof(acct));
	rc = load_config(o, &conf);
	if (rc)
		return rc;
	pl_conf_merge(&conf, &o->cli);
	rc = resolve_account(&conf, &acct, password, sizeof(password));
	if (rc)
		return rc;
	if (o->serverinfo) {
		ehlo_domain(&conf, domain, sizeof(domain));
		acct.ehlo_domain = domain;
		return pl_cli_serverinfo(&acct);
	}
	from = o->from ? o->from : conf.from;
	if (!from[0])
		return die(EX_USAGE, "%s", "no envelope sender: set 'from' or use -f");
	ehlo_domain(&conf, domain, sizeof(domain));
	acct.ehlo_domain = domain;

	e = pl_msg_read(stdin, o->ignore_dots, MESSAGE_MAX, &m);
	if (e) {
		pl_msg_free(&m);
		return die(pl_exit_code(e, 0), "cannot read the message: %s",
			   e == PL_E_LIMIT ? "larger than 64 MiB" : strerror(errno));
	}
	for (i = 0; i < o->nrcpt && !e; i++)
		e = pl_addr_parse_list(o->rcpts[i], &rcpts);
	if (!e && o->read_rcpts)
		e = pl_msg_header_rcpts(&m, &rcpts);
	if (e) {
		rc = die(pl_exit_code(e, 0), "%s", "invalid recipient address");
		goto out;
	}
	if (rcpts.n == 0) {
		rc = die(EX_USAGE, "%s", "no recipients given");
		goto out;
	}
	/* Bcc never travels, with or without -t (msmtp's remove_bcc_headers) */
	pl_msg_remove_header(&m, "Bcc");
	rc = add_missing_headers(&m, from, o->fullname);
	if (rc)
		goto out;

	reader.m = &m;
	reader.off = 0;
	msg.from = from;
	msg.rcpts = (const char *const *)rcpts.addr;
	msg.nrcpt = rcpts.n;
	msg.size_hint = wire_size(&m);
	msg.body_8bit = m.has_8bit;
	msg.read = read_message;
	msg.read_ctx = &reader;
	msg.dsn_envid = o->envid;
	rc = dsn_options(&conf, &msg);
	if (rc)
		goto out;
	session.trace = o->verbose ? trace_stderr : NULL;
	e = pl_session_send(&session, &acct, &msg);
	pl_cli_tls_state_save();
	pl_wipe(password, sizeof(password)); /* memset here could be optimised away */
	if (o->verbose)
		fprintf(stderr, "postlet: %u round trips, %lu bytes sent, %lu received%s%s\n",
			session.link.waits, session.link.bytes_out, session.link.bytes_in,
			session.tls_info[0] ? ", " : "", session.tls_info);
	log_line(&conf, from, &rcpts, e,
		 e ? pl_smtp_error_info(&session.smtp)->code : session.smtp.last_code);
	if (e) {
		report_failure(&session, e);
		rc = pl_exit_code(e, pl_smtp_error_info(&session.smtp)->code);
		goto out;
	}
	if (pl_smtp_rcpt_accepted(&session.smtp) < rcpts.n) {
		/* delivered to some; name the others and say so in the exit code */
		size_t k;
		int worst = 0;

		for (k = 0; k < rcpts.n; k++) {
			int code = pl_smtp_rcpt_code(&session.smtp, k);

			if (code / 100 != 2) {
				fprintf(stderr, "postlet: recipient %s refused (%d)\n", rcpts.addr[k], code);
				worst = worst / 100 == 5 ? worst : code;
			}
		}
		rc = worst / 100 == 4 ? EX_TEMPFAIL : EX_NOUSER;
		goto out;
	}
	rc = EX_OK;
out:
	pl_wipe(&conf, sizeof(conf));
	pl_addr_list_free(&rcpts);
	pl_msg_free(&m);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc;

	memset(&o, 0, sizeof(o));
	pl_conf_clear(&o.cli);
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (o.verbose)
		pl_port_set_log_level(PL_LOG_INFO);
	return run(&o);
}
