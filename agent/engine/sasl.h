/*
 * SASL client messages (RFC 4616 PLAIN, the de-facto LOGIN), base64 from
 * wolfCrypt.  Pure functions over caller buffers; the engine frames them.
 */
#ifndef PL_SASL_H
#define PL_SASL_H

#include <stddef.h>

#include "pl_error.h"

/* Zero memory that held a secret, in a way the optimiser may not drop. */
void pl_wipe(void *p, size_t n);

/* Base64 of in[0..inlen) without line breaks into out (NUL-terminated).
 * PL_E_LIMIT if out is too small. */
pl_err pl_sasl_b64(const void *in, size_t inlen, char *out, size_t outcap, size_t *outlen);

/* Base64 of "\0user\0password" (empty authzid).  Each part at most 255
 * octets (RFC 4616); the clear-text scratch copy is wiped before return. */
pl_err pl_sasl_plain(const char *user, const char *password, char *out,
		     size_t outcap, size_t *outlen);

#endif
