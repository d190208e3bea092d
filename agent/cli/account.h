/*
 * Account resolution for the front end: which configuration file, the
 * account in it, where the password comes from, and the pl_account the
 * session driver needs.  Each function returns 0 or a sysexits code after
 * printing the reason.
 */
#ifndef PL_ACCOUNT_H
#define PL_ACCOUNT_H

#include <stddef.h>

#include "conf.h"
#include "session.h"

#define PL_SYSTEM_CONF "/etc/postlet.conf"
#define PL_USER_CONF ".postletrc"

/* Load conf_path, else ~/.postletrc, else /etc/postlet.conf (none of them
 * is fine: everything may come from the command line). */
int pl_cli_load_config(const char *conf_path, const char *account, pl_account_conf *acct);

/* Settle defaults and fill a from c; a password from a secondary source
 * (passwordeval, ...) lands in password[pwcap], which the caller wipes. */
int pl_cli_resolve_account(pl_account_conf *c, pl_account *a, char *password, size_t pwcap);

/* The EHLO argument: 'domain', else a dotted host name, else localhost. */
void pl_cli_ehlo_domain(const pl_account_conf *c, char *out, size_t cap);

#endif
