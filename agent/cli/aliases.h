/*
 * Local recipient names: an aliases file in msmtp's format ("local: addr,
 * addr" lines, a "default:" entry for every other local name) or in
 * /etc/aliases format (the same lines, plus continuation lines starting with
 * white space and aliases that name other aliases).  Targets that are not
 * addresses (|command, /file, :include:) cannot be delivered by a relay
 * client and are skipped with a warning.
 */
#ifndef PL_ALIASES_H
#define PL_ALIASES_H

#include <stddef.h>

#include "message.h"
#include "pl_error.h"

typedef struct pl_alias {
	char *name;   /* lower case */
	char *value;  /* the address list as written */
} pl_alias;

typedef struct pl_aliases {
	pl_alias *a;
	size_t n, cap;
} pl_aliases;

/* Load path; PL_E_NOCONFIG if it cannot be read, PL_E_CONFIG with
 * "FILE:LINE: message" in err for a malformed line. */
pl_err pl_aliases_load(const char *path, pl_aliases *al, char *err, size_t errlen);

/* Append what local (a name without '@') stands for to out, following
 * aliases of aliases (at most 8 deep, loops cut).  A name with no alias
 * (and no "default:") is appended as it is, for the caller to qualify.
 * PL_E_MESSAGE if an alias value is not a valid address list. */
pl_err pl_aliases_expand(const pl_aliases *al, const char *local, pl_addr_list *out);

void pl_aliases_free(pl_aliases *al);

#endif
