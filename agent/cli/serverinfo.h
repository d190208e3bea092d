/* postlet --serverinfo (msmtp parity). */
#ifndef PL_CLI_SERVERINFO_H
#define PL_CLI_SERVERINFO_H

#include "session.h"

/* Connect as a send would (same TLS mode and verification), print the TLS
 * version, cipher, certificate facts, pins and the EHLO capabilities the
 * server announces after TLS; no AUTH and no mail.  Returns a sysexits
 * code (0 on success) after printing any error. */
int pl_cli_serverinfo(const pl_account *a);

#endif
