/*
 * Composing the message that travels: headers the sender left out, Bcc
 * removal, and (later) local names and aliases.  Returns 0 or a sysexits
 * code.
 */
#ifndef PL_COMPOSE_H
#define PL_COMPOSE_H

#include "message.h"

/* Add From (with fullname if given), Date and Message-ID when missing;
 * present ones stay untouched. */
int pl_compose_missing_headers(pl_msg *m, const char *from, const char *fullname);

#endif
