/*
 * Delivery for the front end: one message through the session driver,
 * with the protocol trace (-v), the failure report on stderr and the log
 * line.  Returns the sysexits code of the outcome.
 */
#ifndef PL_DELIVER_H
#define PL_DELIVER_H

#include "conf.h"
#include "message.h"
#include "session.h"

/* envid: -V, the DSN envelope id, or NULL; DSN conditions come from
 * conf's dsn_notify / dsn_return. */
int pl_deliver(const pl_account_conf *conf, const pl_account *acct, const char *from,
	       const pl_addr_list *rcpts, const pl_msg *m, const char *envid, int verbose);

#endif
