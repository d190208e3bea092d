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

#endif
