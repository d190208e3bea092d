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

/* One line to the logfile (with a time stamp) and to syslog at prio,
 * with the configured facility; nothing when neither is set. */
void pl_cli_log_text(const pl_account_conf *c, int prio, const char *line);

/* envid: -V, the DSN envelope id, or NULL; DSN conditions come from
 * conf's dsn_notify / dsn_return. */
int pl_deliver(const pl_account_conf *conf, const pl_account *acct, const char *from,
	       const pl_addr_list *rcpts, const pl_msg *m, const char *envid, int verbose);

/* -bs: one message over *s, one connection for many messages.  The
 * connection is opened here when *open is 0 or it is no longer usable (and
 * once more when a reused one turns out to have been dropped by the server
 * while idle); close it with pl_deliver_session_close().  dsn: the
 * caller's DSN request (what it leaves zero comes from the configuration;
 * its other fields are not used).  Logged like pl_deliver, never
 * queued: the caller's reply carries the outcome.  Returns PL_OK or the
 * error, details in pl_smtp_error_info(&s->smtp). */
pl_err pl_deliver_session(pl_session *s, int *open, const pl_account_conf *conf,
			  const pl_account *acct, const char *from, const pl_addr_list *rcpts,
			  const pl_msg *m, const pl_message *dsn, int verbose);

/* QUIT and close when *open, keep the TLS session state; with verbose,
 * the connection's round trips and bytes. */
void pl_deliver_session_close(pl_session *s, int *open, int verbose);

#endif
