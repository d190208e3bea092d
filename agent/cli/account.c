#include "account.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "exitcode.h"
#include "pl_config.h"

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
	size_t n;
	int status;

	if (!p)
		return pl_die(EX_OSERR, "cannot run passwordeval command: %s", strerror(errno));
	if (!fgets(out, (int)cap, p))
		out[0] = '\0';
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	while (fgetc(p) != EOF)
		;
	status = pclose(p);
	if (status != 0)
		return pl_die(EX_CONFIG, "passwordeval command failed: %s", cmd);
	if (n == 0)
		return pl_die(EX_CONFIG, "passwordeval command printed no password: %s", cmd);
	return 0;
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
	if (!c->host[0])
		return pl_die(EX_CONFIG, "%s", "no host configured (set 'host' or use --host=)");
	if (c->tls_certcheck == 0)
		return pl_die(EX_CONFIG, "%s",
			      "tls_certcheck off is not supported: trust the server's CA with tls_trust_file");
	if (c->tls == 0)
		a->tls_mode = PL_TLS_OFF;
	else
		a->tls_mode = c->tls_starttls == 0 ? PL_TLS_IMPLICIT : PL_TLS_STARTTLS;
	a->host = c->host;
	a->port = (uint16_t)(c->port ? c->port : a->tls_mode == PL_TLS_IMPLICIT ? 465 : 587);
	a->trust_file = c->tls_trust_file[0] ? c->tls_trust_file : NULL;
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
		if (!c->passwordeval[0])
			return pl_die(EX_CONFIG, "%s",
				      "authentication requested but no 'password' or 'passwordeval' configured");
		int rc = eval_password(c->passwordeval, password, pwcap);

		if (rc)
			return rc;
		a->password = password;
	}
	return 0;
}
