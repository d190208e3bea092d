/* The one mapping from postlet errors to sendmail/sysexits exit codes, and
 * the one way the front end reports a fatal error. */
#ifndef PL_EXITCODE_H
#define PL_EXITCODE_H

#include "pl_error.h"

/* reply_code: the server's reply code behind the error, 0 if none. */
int pl_exit_code(pl_err e, int reply_code);

/* Print "postlet: " fmt (with one %s argument) on stderr; return code. */
int pl_die(int code, const char *fmt, const char *arg);

#endif
