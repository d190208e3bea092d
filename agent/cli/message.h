/*
 * Message handling for the sendmail front end: read the message, find
 * recipients in its headers (-t), drop Bcc, add missing From/Date/
 * Message-ID.  POSIX front-end code: heap allocation allowed, every size
 * bounded.
 */
#ifndef PL_MESSAGE_H
#define PL_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pl_error.h"

typedef struct pl_msg {
	char *data;
	size_t len, cap;
	size_t header_len;      /* bytes of the header block incl. the blank line; 0 if none */
	int has_8bit;
} pl_msg;

typedef struct pl_addr_list {
	char **addr;
	size_t n, cap;
} pl_addr_list;

/* Read the message from in.  Without ignore_dots (sendmail's -i), a line
 * holding only "." ends the input.  PL_E_LIMIT beyond max bytes, PL_E_IO on
 * a read error. */
pl_err pl_msg_read(FILE *in, int ignore_dots, size_t max, pl_msg *m);

/* Value of the first header named name (case-insensitive), unfolded, in a
 * new string; NULL when absent. */
char *pl_msg_header(const pl_msg *m, const char *name);

/* Append the addresses of every To, Cc and Bcc header to list (-t). */
pl_err pl_msg_header_rcpts(const pl_msg *m, pl_addr_list *list);

/* Remove every Bcc header (with continuation lines). */
void pl_msg_remove_header(pl_msg *m, const char *name);

/* Parse an RFC 5322 address list ("A <a@x>, b@y (c), g: d@z;") and
 * append the bare addresses.  PL_E_MESSAGE if malformed. */
pl_err pl_addr_parse_list(const char *value, pl_addr_list *list);

pl_err pl_addr_list_add(pl_addr_list *list, const char *addr, size_t len);
void pl_addr_list_free(pl_addr_list *list);

/* Insert a header line ("Name: value\n"; the body encoder sends CRLF) at
 * the top of the header block. */
pl_err pl_msg_prepend_header(pl_msg *m, const char *name, const char *value);

void pl_msg_free(pl_msg *m);

#endif
