#include "account.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "engine/sasl.h"
#include "exitcode.h"
#include "pl_config.h"
#include "queue/queue.h"
#include "tls_account.h"

int pl_cli_load_config(const char *conf_path, const char *account, pl_account_conf *acct)
{
	char err[512], user_path[1024];
	const char *path = conf_path, *home = getenv("HOME");
	pl_err e;

	if (!path && home && snprintf(user_path, sizeof(user_path), "%s/%s", home, PL_USER_CONF) <
				     (int)sizeof(user_path) &&
	    access(user_path, F_OK) == 0)
		path = user_path;
	if (!path && access(PL_SYSTEM_CONF, F_OK) == 0)
		path = PL_SYSTEM_CONF;
	pl_conf_clear(acct);
	if (!path) {
		if (account)
			return pl_die(EX_CONFIG,
				      "account '%s' requested but no configuration file found", account);
		return 0;
	}
	e = pl_conf_load(path, account, acct, err, sizeof(err));
	if (e)
		return pl_die(pl_exit_code(e, 0), "%s", err);
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
		return pl_die(EX_OSERR, "cannot run passwordeval command: %s", strerror(errno));
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
		return pl_die(EX_CONFIG, "passwordeval command failed: %s", cmd);
	if (n == 0)
		return pl_die(EX_CONFIG, "passwordeval command printed no password: %s", cmd);
	return 0;
}

/* A file holding a secret must be private, as msmtp demands of its rc. */
static FILE *open_private(const char *path, const char *what)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char msg[1200];

	if (!f) {
		snprintf(msg, sizeof(msg), "cannot open %s %s: %s", what, path, strerror(errno));
		pl_die(EX_CONFIG, "%s", msg);
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || (st.st_mode & (S_IRWXG | S_IRWXO))) {
		fclose(f);
		pl_die(EX_CONFIG, "%s is readable or writable by group or others; "
		       "refusing it (chmod 600)", path);
		return NULL;
	}
	return f;
}

/* password_file: its first line. */
static int file_password(const char *path, char *out, size_t cap)
{
	FILE *f = open_private(path, "password_file");
	char iobuf[512]; /* stdio's copy of the password: ours, to wipe */
	size_t n;

	if (!f)
		return EX_CONFIG;
	(void)setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	if (!fgets(out, (int)cap, f))
		out[0] = '\0';
	fclose(f);
	pl_wipe(iobuf, sizeof(iobuf));
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (n == 0)
		return pl_die(EX_CONFIG, "password_file %s holds no password", path);
	return 0;
}

/* Next whitespace-separated token of a .netrc, quotes not supported (as
 * in most netrc readers); 0 at the end. */
static int netrc_token(FILE *f, char *tok, size_t cap)
{
	int ch;
	size_t n = 0;

	while ((ch = fgetc(f)) != EOF && isspace(ch))
		;
	if (ch == EOF)
		return 0;
	do {
		if (n + 1 < cap)
			tok[n++] = (char)ch;
	} while ((ch = fgetc(f)) != EOF && !isspace(ch));
	tok[n] = '\0';
	return 1;
}

/* ~/.netrc: "machine HOST login USER password PW" (or "default ..."). */
static int netrc_password(const pl_account_conf *c, char *out, size_t cap)
{
	char path[1024], tok[PL_CONF_STR_MAX], machine[PL_CONF_STR_MAX] = "", login[PL_CONF_STR_MAX] = "";
	char pw[PL_CONF_STR_MAX] = "", iobuf[1024];
	const char *home = getenv("HOME");
	int in_entry = 0, found = 0;
	FILE *f;

	if (!home || snprintf(path, sizeof(path), "%s/.netrc", home) >= (int)sizeof(path) ||
	    access(path, F_OK) != 0)
		return -1;
	f = open_private(path, "~/.netrc");
	if (!f)
		return EX_CONFIG;
	(void)setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	for (;;) {
		int more = netrc_token(f, tok, sizeof(tok));

		if (!more || strcmp(tok, "machine") == 0 || strcmp(tok, "default") == 0) {
			/* close the previous entry */
			if (in_entry && pw[0] && (!login[0] || strcmp(login, c->user) == 0) &&
			    (strcmp(machine, "*") == 0 || strcasecmp(machine, c->host) == 0)) {
				snprintf(out, cap, "%s", pw);
				found = 1;
				break;
			}
			if (!more)
				break;
			in_entry = 1;
			login[0] = pw[0] = '\0';
			if (strcmp(tok, "default") == 0)
				snprintf(machine, sizeof(machine), "*");
			else if (!netrc_token(f, machine, sizeof(machine)))
				break;
		} else if (strcmp(tok, "login") == 0) {
			if (!netrc_token(f, login, sizeof(login)))
				break;
		} else if (strcmp(tok, "password") == 0) {
			if (!netrc_token(f, pw, sizeof(pw)))
				break;
		} else if (strcmp(tok, "macdef") == 0) {
			int ch, prev = 0;

			/* a macro runs to the next empty line */
			while ((ch = fgetc(f)) != EOF && !(ch == '\n' && prev == '\n'))
				prev = ch;
			in_entry = 0;
		}
	}
	fclose(f);
	pl_wipe(iobuf, sizeof(iobuf));
	pl_wipe(pw, sizeof(pw));
	pl_wipe(tok, sizeof(tok));
	return found ? 0 : -1;
}

/* The password when 'password' is not set: passwordeval, password_file,
 * password_env, then ~/.netrc. */
static int password_source(const pl_account_conf *c, char *out, size_t cap)
{
	int rc;

	if (c->passwordeval[0])
		return eval_password(c->passwordeval, out, cap);
	if (c->password_file[0])
		return file_password(c->password_file, out, cap);
	if (c->password_env[0]) {
		const char *v = getenv(c->password_env);

		if (!v || !v[0])
			return pl_die(EX_CONFIG, "password_env: environment variable %s is not set",
				      c->password_env);
		if (strlen(v) >= cap)
			return pl_die(EX_CONFIG, "password in %s is too long", c->password_env);
		memcpy(out, v, strlen(v) + 1);
		return 0;
	}
	rc = netrc_password(c, out, cap);
	if (rc >= 0)
		return rc;
	return pl_die(EX_CONFIG, "%s",
		      "authentication requested but no password: set 'password', 'passwordeval', "
		      "'password_file' or 'password_env', or add the host to ~/.netrc");
}

void pl_cli_ehlo_domain(const pl_account_conf *c, char *out, size_t cap)
{
	if (c->domain[0]) {
		snprintf(out, cap, "%s", c->domain);
		return;
	}
	/* a dotted host name is a usable FQDN; anything else says localhost */
	if (gethostname(out, cap) != 0 || !strchr(out, '.'))
		snprintf(out, cap, "localhost");
}

int pl_cli_resolve_account(pl_account_conf *c, pl_account *a, char *password, size_t pwcap)
{
	int rc;

	if (!c->host[0])
		return pl_die(EX_CONFIG, "%s", "no host configured (set 'host' or use --host=)");
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
		return pl_die(EX_CONFIG, "%s", "authentication requested but no 'user' configured");
	if (a->auth_mechs && !c->password[0]) {
		rc = password_source(c, password, pwcap);

		if (rc)
			return rc;
		a->password = password;
	}
	return 0;
}

int pl_cli_setup(pl_cli *c, const char *conf_path, const char *account,
		 const pl_account_conf *cli)
{
	char err[512];
	pl_err e;
	int rc;

	rc = pl_cli_load_config(conf_path, account, &c->conf);
	if (rc)
		return rc;
	pl_conf_merge(&c->conf, cli);
	rc = pl_cli_resolve_account(&c->conf, &c->acct, c->password, sizeof(c->password));
	if (rc)
		return rc;
	pl_cli_ehlo_domain(&c->conf, c->ehlo, sizeof(c->ehlo));
	c->acct.ehlo_domain = c->ehlo;
	if (c->conf.aliases[0]) {
		e = pl_aliases_load(c->conf.aliases, &c->aliases, err, sizeof(err));
		if (e)
			return pl_die(pl_exit_code(e, 0), "%s", err);
	}
	return 0;
}

void pl_cli_cleanup(pl_cli *c)
{
	pl_aliases_free(&c->aliases);
	/* secrets do not outlive the run, even in a core dump */
	pl_wipe(c->password, sizeof(c->password));
	pl_wipe(&c->conf, sizeof(c->conf));
}

void pl_cli_print_config(const pl_account_conf *c, const char *account, FILE *f)
{
	static const char *const auth[] = { "(default: on when 'user' is set)", "off", "on",
					    "plain", "login" };
	int implicit = c->tls != 0 && c->tls_starttls == 0;
	unsigned port = c->port ? c->port : implicit ? 465 : 587;
	char ehlo[256];

	pl_cli_ehlo_domain(c, ehlo, sizeof(ehlo));
#define SHOW(k, v) fprintf(f, "%-16s = %s\n", k, v)
	SHOW("account", account ? account : c->name[0] ? c->name : "(none)");
	SHOW("host", c->host[0] ? c->host : "(not set)");
	fprintf(f, "%-16s = %u\n", "port", port);
	SHOW("tls", c->tls == 0 ? "off" : implicit ? "on (implicit TLS)" : "on (STARTTLS)");
	SHOW("tls_trust_file", c->tls_trust_file[0] ? c->tls_trust_file : "(system default)");
	SHOW("tls_certcheck", c->tls_certcheck == 0 ? "off (warned at each run)" : "on");
	SHOW("auth", (unsigned)c->auth < sizeof(auth) / sizeof(auth[0]) ? auth[c->auth] : "?");
	SHOW("user", c->user);
	SHOW("password", c->password[0] ? "********" : "");
	SHOW("passwordeval", c->passwordeval);
	SHOW("password_file", c->password_file);
	SHOW("password_env", c->password_env);
	SHOW("from", c->from);
	SHOW("domain", ehlo);
	SHOW("maildomain", c->maildomain);
	SHOW("set_from_header", c->set_from_header == 1 ? "on" :
				c->set_from_header == 0 ? "off" : "auto");
	SHOW("aliases", c->aliases);
	SHOW("logfile", c->logfile);
	SHOW("syslog", c->syslog[0] ? c->syslog : "off");
	fprintf(f, "%-16s = %u\n", "timeout", c->timeout_s ? c->timeout_s : CONFIG_POSTLET_TIMEOUT_S);
	SHOW("queue", c->queue == 0 ? "off" : "on");
	SHOW("queue_dir", c->queue_dir[0] ? c->queue_dir : "(default: see postlet(8))");
	fprintf(f, "%-16s = %us\n", "queue_expiry",
		c->queue_expiry_s ? c->queue_expiry_s : (unsigned)CONFIG_POSTLET_QUEUE_EXPIRY_S);
#undef SHOW
}
