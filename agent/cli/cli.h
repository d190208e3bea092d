/*
 * The front end's state for one run: the merged configuration, the
 * account the driver gets, the aliases, and the per-run options shared by
 * the sendmail, -bs and alert modes.
 */
#ifndef PL_CLI_H
#define PL_CLI_H

#include "aliases.h"
#include "conf.h"
#include "message.h"
#include "session.h"

#define PL_CLI_MESSAGE_MAX ((size_t)64 * 1024 * 1024)

typedef struct pl_cli {
	pl_account_conf conf;             /* file, then command line on top */
	pl_account acct;                  /* what the session driver needs */
	pl_aliases aliases;
	char password[PL_CONF_SECRET_MAX]; /* from a secondary source; wiped by pl_cli_cleanup */
	char ehlo[256];
	const char *fullname;             /* -F */
	const char *dsn_envid;            /* -V */
	int verbose;                      /* -v */
} pl_cli;

/* Load the configuration (conf_path or the default files), put cli on
 * top, resolve the account and load the aliases.  0 or a sysexits code. */
int pl_cli_setup(pl_cli *c, const char *conf_path, const char *account,
		 const pl_account_conf *cli);

void pl_cli_cleanup(pl_cli *c);

/* Expand and qualify rcpts, compose m, send it; the exit code of the
 * outcome.  from: the qualified envelope sender. */
int pl_cli_submit(pl_cli *c, const char *from, pl_addr_list *rcpts, pl_msg *m);

/* -bs: speak SMTP with the caller on in/out, relaying each message. */
int pl_cli_serve_smtp(pl_cli *c, FILE *in, FILE *out);

/* --pretend: the resolved configuration, secrets masked. */
void pl_cli_print_config(const pl_account_conf *c, const char *account, FILE *f);

#endif
