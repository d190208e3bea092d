/*
 * SASL client messages, as pure functions over caller buffers: the engine
 * (smtp.c) frames them in AUTH lines and 334 answers.  Crypto and base64
 * come from wolfCrypt; nothing here does I/O, allocates or keeps state
 * beyond the caller's pl_scram.
 *
 * Mechanisms: PLAIN (RFC 4616), LOGIN (de facto), CRAM-MD5 (RFC 2195),
 * SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802 / 7677, no channel binding),
 * XOAUTH2 (Google/Microsoft), OAUTHBEARER (RFC 7628).  EXTERNAL needs no
 * message ("=").
 *
 * Conventions: every builder writes base64 without line breaks,
 * NUL-terminated, into out[outcap] and its length (without the NUL) into
 * *outlen; PL_E_LIMIT when it does not fit or an input is over its Kconfig
 * limit (CONFIG_POSTLET_AUTH_USER_MAX / _SECRET_MAX); PL_E_PROTOCOL when
 * a server challenge is malformed.  On failure out may hold partial
 * output: the caller wipes it.  Scratch copies of secrets are wiped before
 * return.  User names are not SASLprep'ed (RFC 4013): they are sent as
 * given, which is what servers storing UTF-8 names as typed expect.
 */
#ifndef PL_SASL_H
#define PL_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"
#include "pl_error.h"

/* Zero memory that held a secret, in a way the optimiser may not drop. */
void pl_wipe(void *p, size_t n);

/* Base64 of in[0..inlen) without line breaks into out (NUL-terminated).
 * PL_E_LIMIT if out is too small. */
pl_err pl_sasl_b64(const void *in, size_t inlen, char *out, size_t outcap, size_t *outlen);

/* Decode base64 text (no whitespace, padding required).  PL_E_PROTOCOL if
 * it is not base64, PL_E_LIMIT if the result would exceed outcap. */
pl_err pl_sasl_unb64(const char *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen);

/* PLAIN: base64 of "\0user\0password" (empty authzid). */
pl_err pl_sasl_plain(const char *user, const char *password, char *out,
		     size_t outcap, size_t *outlen);

/* CRAM-MD5: challenge_b64 is the 334 text; the answer is base64 of
 * "user " + hex HMAC-MD5(password, challenge). */
pl_err pl_sasl_cram_md5(const char *user, const char *password, const char *challenge_b64,
			char *out, size_t outcap, size_t *outlen);

/* XOAUTH2: base64 of "user=U\1auth=Bearer T\1\1".  PL_E_CONFIG if user or
 * token contains \1 (it would end the field). */
pl_err pl_sasl_xoauth2(const char *user, const char *token, char *out, size_t outcap,
		       size_t *outlen);

/* OAUTHBEARER: base64 of the GS2 header "n,a=U," then "\1host=H\1port=P"
 * (only when host is not NULL) and "\1auth=Bearer T\1\1". */
pl_err pl_sasl_oauthbearer(const char *user, const char *host, unsigned port,
			   const char *token, char *out, size_t outcap, size_t *outlen);

/* The "status" member of an OAuth error challenge (base64 JSON, RFC 7628
 * 3.2.2), copied printable into status[cap].  PL_E_PROTOCOL when the
 * challenge is not base64 or has no string "status". */
pl_err pl_sasl_oauth_status(const char *challenge_b64, char *status, size_t cap);

/* ---- SCRAM ---------------------------------------------------------------- */

enum pl_scram_hash { PL_SCRAM_SHA1 = 1, PL_SCRAM_SHA256 = 2 };

/* Client nonce: printable ASCII without ',' (RFC 5802 "printable"). */
#define PL_SCRAM_NONCE_MIN 16
#define PL_SCRAM_NONCE_MAX 64
#define PL_SCRAM_HASH_MAX 32

/* One exchange's state, kept by the caller between the three messages. */
typedef struct pl_scram {
	uint8_t hash;                       /* enum pl_scram_hash */
	uint8_t proved;                     /* server signature verified */
	char nonce[PL_SCRAM_NONCE_MAX + 1]; /* ours */
	uint8_t server_sig[PL_SCRAM_HASH_MAX]; /* what the server must send */
} pl_scram;

/* Whether nonce is usable as a client nonce. */
int pl_scram_nonce_ok(const char *nonce);

/* client-first-message "n,,n=USER,r=NONCE", base64.  The nonce comes from
 * the caller (the driver draws it from pl_port_random), so this stays
 * pure.  PL_E_USAGE for a bad nonce. */
pl_err pl_scram_first(pl_scram *st, enum pl_scram_hash hash, const char *user,
		      const char *nonce, char *out, size_t outcap, size_t *outlen);

/* From the server-first-message (base64 334 text) to the base64
 * client-final-message with the proof; keeps the expected server
 * signature in st.  PL_E_PROTOCOL (malformed, nonce not ours, mandatory
 * extension), PL_E_LIMIT (iteration count above
 * CONFIG_POSTLET_SCRAM_ITER_MAX, output too small).  *why says which. */
pl_err pl_scram_final(pl_scram *st, const char *user, const char *password,
		      const char *server_first_b64, char *out, size_t outcap, size_t *outlen,
		      const char **why);

/* Check the server-final-message (base64): PL_OK and st->proved when
 * "v=" carries the expected signature; PL_E_AUTH_FAILED when it differs or
 * the server sent "e=..."; PL_E_PROTOCOL when it is malformed. */
pl_err pl_scram_verify(pl_scram *st, const char *server_final_b64, const char **why);

#endif
