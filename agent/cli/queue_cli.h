/*
 * The queue on Unix: what the sendmail personality does with a message the
 * server could not take now, and the queue commands.
 *
 *   - after a send: a temporary failure (4xx, network, timeout, an
 *     interrupted TLS handshake, unresolvable host) is written to the
 *     spool and the run exits 0 with a note; a permanent one (5xx) is not
 *     queued, exits non-zero and sends the sender a bounce notice; a
 *     success flushes what is due;
 *   - postlet -q: flush every queued message now; -qR<rcpt>/-qS<sender>:
 *     only those; -q30m / --daemon[=30m]: flush what is due, sleep, repeat;
 *   - postlet -bp / mailq: list the queue;
 *   - --no-queue or "queue off": never queue (exit 75 as before).
 */
#ifndef PL_QUEUE_CLI_H
#define PL_QUEUE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "session.h"

enum { PL_QCLI_SEND = 0, PL_QCLI_LIST, PL_QCLI_RUN };

/* Take the queue's flags out of argv (-bp, -q..., --daemon[=T],
 * --no-queue) up to the first recipient.  0 or a sysexits code. */
int pl_queue_cli_args(int *argc, char **argv);

/* PL_QCLI_LIST (-bp), PL_QCLI_RUN (-q...) or PL_QCLI_SEND. */
int pl_queue_cli_mode(void);

/* The spool directory for conf into out: queue_dir, else
 * /var/spool/postlet for root, else $XDG_DATA_HOME/postlet/queue
 * (~/.local/share/postlet/queue).  0 or -1 if it does not fit. */
int pl_queue_cli_dir(const pl_account_conf *conf, char *out, size_t cap);

int pl_queue_cli_list(const pl_account_conf *conf);
int pl_queue_cli_run(const pl_account_conf *conf, const pl_account *acct, int verbose);

/* After the first attempt of msg (data/len as handed to the session):
 * the exit code when the queue decided the outcome, or -1 to let the
 * caller report e as without a queue. */
int pl_queue_cli_after_send(const pl_account_conf *conf, const pl_account *acct, pl_err e,
			    const pl_smtp *smtp, const pl_message *msg, const uint8_t *data,
			    size_t len, int verbose);

#endif
