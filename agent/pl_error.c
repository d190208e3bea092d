#include "pl_error.h"

static const char *const messages[PL_E__COUNT] = {
	[PL_OK] = "success",
	[PL_E_USAGE] = "invalid usage",
	[PL_E_CONFIG] = "invalid configuration",
	[PL_E_NOCONFIG] = "configuration file not readable",
	[PL_E_MESSAGE] = "invalid message or address",
	[PL_E_LIMIT] = "size limit exceeded",
	[PL_E_IO] = "local input/output error",
	[PL_E_INTERNAL] = "internal error",
	[PL_E_BUSY] = "in use by another process",
	[PL_E_RESOLVE] = "cannot resolve host name",
	[PL_E_CONNECT] = "cannot connect to server",
	[PL_E_TIMEOUT] = "timed out",
	[PL_E_CLOSED] = "connection closed by server",
	[PL_E_NETWORK] = "network error",
	[PL_E_TLS_REQUIRED] = "TLS required but not available",
	[PL_E_TLS_HANDSHAKE] = "TLS handshake failed",
	[PL_E_TLS_VERIFY] = "server certificate not trusted",
	[PL_E_PROTOCOL] = "SMTP protocol violation by server",
	[PL_E_TEMPFAIL] = "temporary server failure",
	[PL_E_PERMFAIL] = "permanent server failure",
	[PL_E_AUTH_FAILED] = "authentication failed",
	[PL_E_AUTH_UNAVAILABLE] = "no usable authentication mechanism",
	[PL_E_RCPT_REFUSED] = "all recipients refused",
};

const char *pl_strerror(pl_err e)
{
	if ((unsigned)e < PL_E__COUNT && messages[e])
		return messages[e];
	return "unknown error";
}
