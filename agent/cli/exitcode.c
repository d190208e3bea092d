#include "exitcode.h"

#include <stdio.h>
#include <sysexits.h>

int pl_exit_code(pl_err e, int reply_code)
{
	switch (e) {
	case PL_OK:
		return EX_OK;
	case PL_E_USAGE:
		return EX_USAGE;
	case PL_E_CONFIG:
	case PL_E_NOCONFIG:
		return EX_CONFIG;
	case PL_E_MESSAGE:
	case PL_E_LIMIT:
		return EX_DATAERR;
	case PL_E_IO:
		return EX_IOERR;
	case PL_E_RESOLVE:
		return EX_NOHOST;
	/* network trouble and 4xx: the caller is invited to retry */
	case PL_E_CONNECT:
	case PL_E_TIMEOUT:
	case PL_E_CLOSED:
	case PL_E_NETWORK:
	case PL_E_TEMPFAIL:
	case PL_E_BUSY:
		return EX_TEMPFAIL;
	case PL_E_TLS_REQUIRED:
		return reply_code / 100 == 4 ? EX_TEMPFAIL : EX_UNAVAILABLE;
	case PL_E_TLS_HANDSHAKE:
	case PL_E_TLS_VERIFY:
	case PL_E_PERMFAIL:
	case PL_E_AUTH_UNAVAILABLE:
		return EX_UNAVAILABLE;
	case PL_E_PROTOCOL:
		return EX_PROTOCOL;
	case PL_E_AUTH_FAILED:
		return reply_code / 100 == 4 ? EX_TEMPFAIL : EX_NOPERM;
	case PL_E_RCPT_REFUSED:
		return EX_NOUSER;
	case PL_E_INTERNAL:
	default:
		return EX_SOFTWARE;
	}
}

int pl_die(int code, const char *fmt, const char *arg)
{
	fputs("postlet: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return code;
}
