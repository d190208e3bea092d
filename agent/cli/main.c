/*
 * postlet front end: a sendmail-compatible command line over the session
 * driver.  The name it is called by picks the personality (sendmail,
 * mailq, newaliases, postlet); flags pick the mode (-bm send one message,
 * -bs speak SMTP, -bp list the queue, -q flush it, `postlet alert` compose
 * one).  Everything ends in one exit code from agent/cli/exitcode.c and at
 * most one line on stderr per problem.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "account.h"
#include "cli.h"
#include "compose.h"
#include "conf.h"
#include "deliver.h"
#include "exitcode.h"
#include "message.h"
#include "pl_config.h"
#include "port.h"
#include "serverinfo.h"

/* The queue (agent/cli/queue_cli.c) lands from its own branch; until then
 * -bp/-q say there is none.  Once it is here its flags and modes are used. */
#if defined(__has_include)
#if __has_include("queue_cli.h")
#include "queue_cli.h"
#define PL_HAVE_QUEUE_CLI 1
#endif
#endif
#ifndef PL_HAVE_QUEUE_CLI
#define PL_HAVE_QUEUE_CLI 0
#endif

#ifndef POSTLET_VERSION
#define POSTLET_VERSION "0.1.0"
#endif

enum mode {
	MODE_SEND,      /* -bm: read one message, send it */
	MODE_SMTP,      /* -bs */
	MODE_QUEUE_LIST,/* -bp, mailq */
	MODE_QUEUE_RUN, /* -q */
	MODE_ALIASES,   /* -bi, newaliases */
	MODE_ALERT,     /* postlet alert */
};

struct options {
	enum mode mode;
	const char *conf_path;
	const char *account;
	const char *from;
	const char *fullname;
	const char *envid;      /* -V: DSN envelope id */
	const char *queue_arg;  /* what followed -q ("", "R...", "S...", "30m") */
	int read_rcpts;       /* -t */
	int ignore_dots;      /* -i, -oi */
	int verbose;
	int pretend;          /* -P, --pretend */
	int serverinfo;       /* --serverinfo */
	pl_account_conf cli;  /* --key=value settings */
	char **rcpts;
	int nrcpt;
	/* alert */
	pl_addr_list alert_to;
	const char *subject;
	enum pl_priority priority;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: postlet [-C file] [-a account] [-f from] [-F name] [-t] [-i] [-v] [-P]\n"
		"               [-N never|success,failure,delay] [-R full|hdrs] [-V envid]\n"
		"               [--key=value ...] [--] recipient...\n"
		"       postlet --serverinfo [options]  (the server's TLS certificate and capabilities)\n"
		"       postlet -bs | -bp | -q      (SMTP on stdin/stdout, list or flush the queue)\n"
		"       postlet alert --to ADDR --subject TEXT [--priority high|normal|low] < body\n"
		"Reads a message on standard input and submits it over SMTP.\n"
		"Also: -r from, -bm, -B8BITMIME|-B7BIT, -oi, -o*, -O opt=val, -L tag, -A c|m,\n"
		"-G, -h N, -m, -n, -U (accepted, ignored).  Called as mailq: -bp; as newaliases: -bi.\n"
		"Every configuration key is also an option: --host=H --port=N --tls=on|off\n"
		"--tls-starttls=on|off --tls-trust-file=F --user=U --auth=on|off|plain|login|\n"
		"scram-sha-256|scram-sha-1|cram-md5|xoauth2|oauthbearer|external --oauth-token=T\n"
		"--password=P --passwordeval=CMD --password-file=F --password-env=VAR --from=A\n"
		"--domain=D --maildomain=D --aliases=F --logfile=F --syslog=on|off|LOG_x --timeout=S\n");
}

/* "--tls-trust-file=x" -> pl_conf_set(cli, "tls_trust_file", "x") */
static int long_option(struct options *o, const char *arg)
{
	char key[64], err[256];
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg), i;

	if (n >= sizeof(key))
		return pl_die(EX_USAGE, "unknown option --%s", arg);
	for (i = 0; i < n; i++)
		key[i] = arg[i] == '-' ? '_' : arg[i];
	key[n] = '\0';
	if (pl_conf_set(&o->cli, key, eq ? eq + 1 : "", err, sizeof(err)) != PL_OK)
		return pl_die(EX_USAGE, "--%s", err);
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

/* `postlet alert` options: --to, --subject, --priority (each "--x=v" or
 * "--x v").  1 if a was one of them, 0 if not, or a sysexits code. */
static int alert_option(struct options *o, int argc, char **argv, int *i)
{
	static const char *const names[] = { "--to", "--subject", "--priority" };
	const char *a = argv[*i], *v = NULL;
	size_t k, n;

	for (k = 0; k < 3; k++) {
		n = strlen(names[k]);
		if (strncmp(a, names[k], n) == 0 && (a[n] == '=' || a[n] == '\0'))
			break;
	}
	if (k == 3)
		return 0;
	if (a[n] == '=')
		v = a + n + 1;
	else if (*i + 1 < argc)
		v = argv[++*i];
	if (!v)
		return pl_die(EX_USAGE, "option %s needs a value", names[k]);
	if (k == 0) {
		if (pl_addr_parse_list(v, &o->alert_to) != PL_OK)
			return pl_die(EX_DATAERR, "invalid address in --to: %s", v);
	} else if (k == 1) {
		o->subject = v;
	} else if (strcasecmp(v, "high") == 0 || strcasecmp(v, "urgent") == 0) {
		o->priority = PL_PRIO_HIGH;
	} else if (strcasecmp(v, "normal") == 0) {
		o->priority = PL_PRIO_NORMAL;
	} else if (strcasecmp(v, "low") == 0) {
		o->priority = PL_PRIO_LOW;
	} else {
		return pl_die(EX_USAGE, "--priority %s: expected high, normal or low", v);
	}
	return 1;
}

static int parse_args(int argc, char **argv, int first, struct options *o)
{
	int i;

	for (i = first; i < argc; i++) {
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
			if (strcmp(a, "--pretend") == 0) {
				o->pretend = 1;
				continue;
			}
			if (strcmp(a, "--serverinfo") == 0) {
				o->serverinfo = 1;
				continue;
			}
			if (o->mode == MODE_ALERT) {
				rc = alert_option(o, argc, argv, &i);
				if (rc == 1)
					continue;
				if (rc)
					return rc;
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
			if (a[2])
				goto unknown;
			o->verbose = 1;
			continue;
		case 'P':
			if (a[2])
				goto unknown;
			o->pretend = 1;
			continue;
		case 'o':
			/* -oi as -i; other -oX (-oem, -oee, -odi, -odb, -om, ...) are
			 * sendmail options with no meaning for a relay client */
			if (strcmp(a, "-oi") == 0 || strcmp(a, "-oitrue") == 0)
				o->ignore_dots = 1;
			continue;
		case 'b':
			if (strcmp(a, "-bm") == 0)
				o->mode = MODE_SEND;
			else if (strcmp(a, "-bs") == 0)
				o->mode = MODE_SMTP;
			else if (strcmp(a, "-bp") == 0)
				o->mode = MODE_QUEUE_LIST;
			else if (strcmp(a, "-bi") == 0)
				o->mode = MODE_ALIASES;
			else
				goto unknown;
			continue;
		case 'q':
			/* -q, -q30m, -qR<site>, -qS<sender>, -qI<id>: all flush here */
			o->mode = MODE_QUEUE_RUN;
			o->queue_arg = a + 2;
			continue;
		case 'B':
			/* body type: 8-bit bodies are declared from the content itself */
			if (strcmp(a, "-B8BITMIME") == 0 || strcmp(a, "-B7BIT") == 0)
				continue;
			if (strcmp(a, "-B") == 0 && i + 1 < argc &&
			    (strcmp(argv[i + 1], "8BITMIME") == 0 || strcmp(argv[i + 1], "7BIT") == 0)) {
				i++;
				continue;
			}
			goto unknown;
		case 'G':
		case 'n':
		case 'U':
		case 'm':
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
				return pl_die(EX_USAGE, "option %s needs a value", a);
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
				return pl_die(EX_USAGE, "option %s needs a value", a);
			if (a[1] == 'N' || a[1] == 'R') {
				/* DSN: same values as the dsn_notify / dsn_return keys */
				if (pl_conf_set(&o->cli, a[1] == 'N' ? "dsn_notify" : "dsn_return", v,
						NULL, 0) != PL_OK)
					return pl_die(EX_USAGE, "bad value for %s", a);
			} else if (a[1] == 'V')
				o->envid = v;
			else if (a[1] == 'C')
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
		return pl_die(EX_USAGE, "unknown option %s (see --help)", a);
	}
	o->rcpts = argv + i;
	o->nrcpt = argc - i;
	return 0;
}

/* QUEUE HOOK: -bp/mailq and -q dispatch here, before any account is
 * resolved (listing needs none); the queue (agent/cli/queue_cli.c)
 * provides the listing and the flush. */
static int queue_command(struct options *o, pl_cli *c)
{
#if PL_HAVE_QUEUE_CLI
	int rc = pl_cli_load_config(o->conf_path, o->account, &c->conf);

	if (rc)
		return rc;
	pl_conf_merge(&c->conf, &o->cli);
	if (o->mode == MODE_QUEUE_LIST)
		return pl_queue_cli_list(&c->conf);
	rc = pl_cli_setup(c, o->conf_path, o->account, &o->cli);
	if (rc)
		return rc;
	return pl_queue_cli_run(&c->conf, &c->acct, o->verbose);
#else
	(void)c;
	(void)o;
	return pl_die(EX_UNAVAILABLE, "%s", "this build has no mail queue: nothing to list or flush");
#endif
}

static int send_mode(struct options *o, pl_cli *c)
{
	char from[CONFIG_POSTLET_ADDR_MAX + 1];
	pl_addr_list rcpts = { 0 };
	pl_msg m;
	pl_err e = PL_OK;
	int rc, i;

	rc = pl_compose_sender(&c->conf, o->from, from, sizeof(from));
	if (rc)
		return rc;
	e = pl_msg_read(stdin, o->ignore_dots, PL_CLI_MESSAGE_MAX, &m);
	if (e) {
		pl_msg_free(&m);
		return pl_die(pl_exit_code(e, 0), "cannot read the message: %s",
			      e == PL_E_LIMIT ? "larger than 64 MiB" : strerror(errno));
	}
	for (i = 0; i < o->nrcpt && !e; i++)
		e = pl_addr_parse_list(o->rcpts[i], &rcpts);
	if (!e && o->read_rcpts)
		e = pl_msg_header_rcpts(&m, &rcpts);
	if (e) {
		rc = pl_die(pl_exit_code(e, 0), "%s", "invalid recipient address");
		goto out;
	}
	if (rcpts.n == 0) {
		rc = pl_die(EX_USAGE, "%s", "no recipients given");
		goto out;
	}
	rc = pl_cli_submit(c, from, &rcpts, &m);
out:
	pl_addr_list_free(&rcpts);
	pl_msg_free(&m);
	return rc;
}

static int alert_mode(struct options *o, pl_cli *c)
{
	char from[CONFIG_POSTLET_ADDR_MAX + 1];
	pl_msg body, m;
	pl_err e;
	int rc;

	if (o->alert_to.n == 0 || !o->subject)
		return pl_die(EX_USAGE, "%s", "alert needs --to ADDR and --subject TEXT");
	if (o->nrcpt)
		return pl_die(EX_USAGE, "unexpected argument %s (recipients go in --to)", o->rcpts[0]);
	rc = pl_compose_sender(&c->conf, o->from, from, sizeof(from));
	if (rc)
		return rc;
	e = pl_msg_read(stdin, 1, PL_CLI_MESSAGE_MAX, &body);
	if (e) {
		pl_msg_free(&body);
		return pl_die(pl_exit_code(e, 0), "cannot read the body: %s",
			      e == PL_E_LIMIT ? "larger than 64 MiB" : strerror(errno));
	}
	rc = pl_compose_alert(&c->conf, from, &o->alert_to, o->subject, o->priority, body.data,
			      body.len, &m);
	pl_msg_free(&body);
	if (rc)
		return rc;
	rc = pl_cli_submit(c, from, &o->alert_to, &m);
	pl_msg_free(&m);
	return rc;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int main(int argc, char **argv)
{
	static pl_cli cli;
	struct options o;
	const char *me = argc > 0 ? base_name(argv[0]) : "postlet";
	int rc, first = 1;

	memset(&o, 0, sizeof(o));
	pl_conf_clear(&o.cli);
#if PL_HAVE_QUEUE_CLI
	/* the queue takes its flags (-bp, -q..., --daemon, --no-queue) out first */
	rc = pl_queue_cli_args(&argc, argv);
	if (rc)
		return rc;
	if (pl_queue_cli_mode() == PL_QCLI_LIST)
		o.mode = MODE_QUEUE_LIST;
	else if (pl_queue_cli_mode() == PL_QCLI_RUN)
		o.mode = MODE_QUEUE_RUN;
#endif
	/* personality by name, as sendmail, Postfix and msmtp do */
	if (strcmp(me, "mailq") == 0)
		o.mode = MODE_QUEUE_LIST;
	else if (strcmp(me, "newaliases") == 0)
		o.mode = MODE_ALIASES;
	/* as sendmail, "alert" may be a local user: the subcommand is postlet's */
	else if (strcmp(me, "sendmail") != 0 && argc > 1 && strcmp(argv[1], "alert") == 0) {
		o.mode = MODE_ALERT;
		first = 2;
	}
	rc = parse_args(argc, argv, first, &o);
	if (rc)
		goto out;
	if (o.verbose)
		pl_port_set_log_level(PL_LOG_INFO);
	if (o.mode == MODE_ALIASES) {
		/* nothing is compiled: the aliases file is read at each send */
		fprintf(stderr, "postlet: newaliases: nothing to do; the 'aliases' file is read "
				"as it is at each send\n");
		rc = EX_OK;
		goto out;
	}
	if (o.pretend) {
		rc = pl_cli_load_config(o.conf_path, o.account, &cli.conf);
		if (rc)
			goto out;
		pl_conf_merge(&cli.conf, &o.cli);
		pl_cli_print_config(&cli.conf, o.account, stdout);
		rc = EX_OK;
		goto cleanup;
	}
	if (o.mode == MODE_QUEUE_LIST || o.mode == MODE_QUEUE_RUN) {
		rc = queue_command(&o, &cli);
		goto cleanup;
	}
	rc = pl_cli_setup(&cli, o.conf_path, o.account, &o.cli);
	if (rc)
		goto cleanup;
	cli.fullname = o.fullname;
	cli.dsn_envid = o.envid;
	cli.verbose = o.verbose;
	if (o.serverinfo) {
		rc = pl_cli_serverinfo(&cli.acct);
		goto cleanup;
	}
	switch (o.mode) {
	case MODE_SMTP:
		rc = pl_cli_serve_smtp(&cli, stdin, stdout);
		break;
	case MODE_ALERT:
		rc = alert_mode(&o, &cli);
		break;
	default:
		rc = send_mode(&o, &cli);
	}
cleanup:
	pl_cli_cleanup(&cli);
out:
	pl_addr_list_free(&o.alert_to);
	return rc;
}
