/*
 * postlet: one error convention for agent/ and port/.
 *
 * Every function that can fail returns a pl_err (0 = success) or, where it
 * also returns a byte count, a negative pl_err.  Mapping to sysexits lives in
 * exactly one place (agent/cli/exitcode.c); firmware callers read the enum.
 */
#ifndef PL_ERROR_H
#define PL_ERROR_H

typedef enum pl_err {
	PL_OK = 0,

	/* local */
	PL_E_USAGE,          /* bad call or command line */
	PL_E_CONFIG,         /* invalid configuration */
	PL_E_NOCONFIG,       /* configuration file missing or unreadable */
	PL_E_MESSAGE,        /* malformed message or address from the caller */
	PL_E_LIMIT,          /* an explicit size limit would be exceeded */
	PL_E_IO,             /* local read/write failure */
	PL_E_INTERNAL,       /* bug or impossible state */
	PL_E_BUSY,           /* held by another process (queue lock) */

	/* network (port layer) */
	PL_E_RESOLVE,        /* host name did not resolve */
	PL_E_CONNECT,        /* connection refused or unreachable */
	PL_E_TIMEOUT,        /* a bounded wait ran out */
	PL_E_CLOSED,         /* peer closed the connection */
	PL_E_NETWORK,        /* other send/recv failure */

	/* TLS */
	PL_E_TLS_REQUIRED,   /* TLS required but STARTTLS not offered or refused */
	PL_E_TLS_HANDSHAKE,  /* handshake failed (protocol, version, cipher) */
	PL_E_TLS_VERIFY,     /* certificate chain or host name not trusted */

	/* server */
	PL_E_PROTOCOL,       /* malformed or unexpected server bytes */
	PL_E_TEMPFAIL,       /* 4xx reply */
	PL_E_PERMFAIL,       /* 5xx reply */
	PL_E_AUTH_FAILED,    /* credentials refused (535 and friends) */
	PL_E_AUTH_UNAVAILABLE, /* no mechanism both sides support, or AUTH not offered */
	PL_E_RCPT_REFUSED,   /* every recipient refused permanently */

	PL_E__COUNT
} pl_err;

/* Short English description of an error, never NULL. */
const char *pl_strerror(pl_err e);

#endif
