/*
 * Composing what travels: the envelope (sender qualified, local recipients
 * through aliases) and the message (Bcc removed, local names in To/Cc
 * rewritten, From/Date/Message-ID added when missing, over-long header
 * lines folded, a text body with over-long lines re-encoded
 * quoted-printable, what cannot be fixed refused), and the complete
 * message of `postlet alert`.
 * Each int function returns 0 or a sysexits code after printing why.
 */
#ifndef PL_COMPOSE_H
#define PL_COMPOSE_H

#include <stddef.h>

#include "aliases.h"
#include "conf.h"
#include "message.h"

/* addr without '@' -> addr@maildomain (else @domain); otherwise unchanged.
 * A new heap string, NULL without memory. */
char *pl_compose_qualify(const pl_account_conf *c, const char *addr);

/* Envelope sender: opt (-f/-r) or 'from' or the login name, as one valid
 * address, qualified, into out[cap]. */
int pl_compose_sender(const pl_account_conf *c, const char *opt, char *out, size_t cap);

/* Replace local names in rcpts by their aliases, qualify what stays
 * local, drop duplicates. */
int pl_compose_rcpts(const pl_account_conf *c, const pl_aliases *al, pl_addr_list *rcpts);

/* The message hygiene above, in place.  fullname: -F, or NULL. */
int pl_compose_message(const pl_account_conf *c, const pl_aliases *al, pl_msg *m,
		       const char *from, const char *fullname);

/* Add From (per set_from_header), Date and Message-ID when missing;
 * present ones stay untouched. */
int pl_compose_missing_headers(const pl_account_conf *c, pl_msg *m, const char *from,
			       const char *fullname);

/* text as a header phrase or unstructured value: as is when plain ASCII,
 * else RFC 2047 UTF-8 "B" encoded words (quoted string for a phrase with
 * specials).  A new heap string; NULL with *bad set if text is not UTF-8
 * or holds a control character. */
char *pl_compose_encode_words(const char *text, int phrase, int *bad);

/* Priorities of `postlet alert --priority`. */
enum pl_priority { PL_PRIO_NONE = 0, PL_PRIO_HIGH, PL_PRIO_NORMAL, PL_PRIO_LOW };

/* Build the whole alert message around body[0..len): headers, MIME UTF-8
 * text (7bit when it can be, else base64).  Into m (heap). */
int pl_compose_alert(const pl_account_conf *c, const char *from, const pl_addr_list *to,
		     const char *subject, enum pl_priority prio, const char *body, size_t len,
		     pl_msg *m);

#endif
