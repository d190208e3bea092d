/*
 * postlet front end: a sendmail-compatible command line over the session
 * driver.  Reads the message, works out the envelope, sends, and maps the
 * outcome to one exit code and one line on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "account.h"
#include "compose.h"
#include "conf.h"
#include "deliver.h"
#include "exitcode.h"
#include "message.h"
#include "pl_config.h"
#include "port.h"

#ifndef POSTLET_VERSION
#define POSTLET_VERSION "0.1.0"
#endif
#define MESSAGE_MAX ((size_t)64 * 1024 * 1024)

struct options {
	const char *conf_path;
	const char *account;
	const char *from;
	const char *fullname;
	int read_rcpts;       /* -t */
	int ignore_dots;      /* -i, -oi */
	int verbose;
	pl_account_conf cli;  /* --key=value settings */
	char **rcpts;
	int nrcpt;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: postlet [-C file] [-a account] [-f from] [-F name] [-t] [-i] [-v]\n"
		"               [--key=value ...] [--] recipient...\n"
		"Reads a message on standard input and submits it over SMTP.\n"
		"Every configuration key is also an option: --host=H --port=N --tls=on|off\n"
		"--tls-starttls=on|off --tls-trust-file=F --auth=on|off|plain|login --user=U\n"
		"--password=P --passwordeval=CMD --from=A --domain=D --timeout=S\n");
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
				return pl_die(EX_USAGE, "option %s needs a value", a);
			continue;
		case 'C':
		case 'a':
		case 'f':
		case 'r':
		case 'F':
			v = flag_value(argc, argv, &i, a + 2);
			if (!v)
				return pl_die(EX_USAGE, "option %s needs a value", a);
			if (a[1] == 'C')
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

static int run(struct options *o)
{
	pl_account_conf conf;
	pl_account acct;
	pl_msg m;
	pl_addr_list rcpts = { 0 };
	char password[PL_CONF_STR_MAX], domain[256];
	const char *from;
	pl_err e = PL_OK;
	int rc, i;

	memset(&acct, 0, sizeof(acct));
	rc = pl_cli_load_config(o->conf_path, o->account, &conf);
	if (rc)
		return rc;
	pl_conf_merge(&conf, &o->cli);
	rc = pl_cli_resolve_account(&conf, &acct, password, sizeof(password));
	if (rc)
		return rc;
	from = o->from ? o->from : conf.from;
	if (!from[0])
		return pl_die(EX_USAGE, "%s", "no envelope sender: set 'from' or use -f");
	pl_cli_ehlo_domain(&conf, domain, sizeof(domain));
	acct.ehlo_domain = domain;

	e = pl_msg_read(stdin, o->ignore_dots, MESSAGE_MAX, &m);
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
	/* Bcc never travels, with or without -t (msmtp's remove_bcc_headers) */
	pl_msg_remove_header(&m, "Bcc");
	rc = pl_compose_missing_headers(&m, from, o->fullname);
	if (rc)
		goto out;
	rc = pl_deliver(&conf, &acct, from, &rcpts, &m, o->verbose);
out:
	memset(password, 0, sizeof(password));
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
