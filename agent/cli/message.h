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

/* Longest line RFC 5322 allows, without its CRLF. */
#define PL_LINE_MAX 998

/* Take over data[0..len) (heap, cap bytes) as a message, as pl_msg_read
 * would have produced it. */
pl_err pl_msg_from_data(pl_msg *m, char *data, size_t len, size_t cap);

/* PL_E_MESSAGE if the header block holds a NUL or a CR not followed by LF. */
pl_err pl_msg_check_header(const pl_msg *m);

/* 1 if v holds no control character other than TAB (no CR, LF, ...). */
int pl_hdr_value_ok(const char *v);

/* "Name:value\n" folded before whitespace so lines stay within width
 * where possible; NULL if a word leaves a line over PL_LINE_MAX (or no
 * memory).  value starts with its own leading space. */
char *pl_hdr_fold(const char *name, size_t name_len, const char *value, size_t width);

/* Refold every header field with a line over PL_LINE_MAX; PL_E_LIMIT if
 * one cannot be folded (a single word too long). */
pl_err pl_msg_fold_long_headers(pl_msg *m);

/* Line number (1-based, counting headers) of the first body line over
 * PL_LINE_MAX octets; 0 if none. */
size_t pl_msg_long_body_line(const pl_msg *m);

/* Called for each address of a scanned list: the cleaned address
 * (comments and folding removed, quotes kept) and its byte range
 * [start, end) in the scanned value. */
typedef pl_err (*pl_addr_fn)(void *ctx, const char *addr, size_t len, size_t start, size_t end);

/* Scan an RFC 5322 address list (display names, comments, quoted local
 * parts, groups such as "undisclosed-recipients:;").  PL_E_MESSAGE if
 * malformed or if it holds a control character (CR, LF, ...). */
pl_err pl_addr_scan(const char *value, pl_addr_fn fn, void *ctx);

/* Rewrite hook: append to out the addresses that replace addr; leave out
 * empty to keep addr. */
typedef pl_err (*pl_addr_rewrite_fn)(void *ctx, const char *addr, pl_addr_list *out);

/* Rewrite the addresses of every field called name; fields where nothing
 * changes keep their bytes, changed ones are refolded.  Several
 * replacements of "Name <a>" become "Name <x>, <y>"; of a bare a, "x, y". */
pl_err pl_msg_rewrite_addrs(pl_msg *m, const char *name, pl_addr_rewrite_fn fn, void *ctx);

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
