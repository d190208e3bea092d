/*
 * TLS settings of an account (msmtprc keys) into the driver's pl_account:
 * pins, tls_certcheck, client certificate, tls_host_override.
 */
#ifndef PL_CLI_TLS_ACCOUNT_H
#define PL_CLI_TLS_ACCOUNT_H

#include "conf.h"
#include "session.h"

/* Returns 0, or a sysexits code after printing the reason on stderr.
 * "tls_certcheck off" is honoured only when set explicitly and then
 * prints a warning on every run.  Pins live in static storage. */
int pl_cli_tls_account(const pl_account_conf *c, pl_account *a);

/* With "tls_session_cache on", pl_cli_tls_account() loaded the server's
 * state record (resumption ticket, key-exchange group) into a->tls_cache
 * from $XDG_CACHE_HOME/postlet (default ~/.cache/postlet); call this after
 * the send to write it back (atomically, mode 0600) or delete it when the
 * session failed.  A no-op otherwise. */
void pl_cli_tls_state_save(void);

#endif
