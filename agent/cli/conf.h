/*
 * msmtprc-compatible configuration for the postlet front end (POSIX only).
 *
 * Syntax (as msmtp): one "key value" per line, '#' comments, blank lines;
 * "defaults" starts settings inherited by every later account; "account NAME"
 * starts an account; "account NAME : BASE[, BASE2...]" starts from copies of
 * earlier accounts; "account default : NAME" makes NAME the default.  A value
 * may be enclosed in double quotes (\" and \\ escapes inside).  Boolean
 * values are on/off, as in msmtp; an empty boolean value means "on".
 *
 * Every key is also settable from the command line (pl_conf_set), which is
 * how --host=... style long options are implemented.
 */
#ifndef PL_CONF_H
#define PL_CONF_H

#include <stddef.h>

#include "pl_config.h"
#include "pl_error.h"

#define PL_CONF_NAME_MAX 64
/* credentials: the engine's Kconfig limits, plus the NUL */
#define PL_CONF_USER_MAX (CONFIG_POSTLET_AUTH_USER_MAX + 1)
#define PL_CONF_SECRET_MAX (CONFIG_POSTLET_AUTH_SECRET_MAX + 1)
#define PL_CONF_STR_MAX 256
#define PL_CONF_PATH_MAX 1024

enum pl_conf_auth {
	PL_CONF_AUTH_UNSET = 0,
	PL_CONF_AUTH_OFF,     /* "auth off" */
	PL_CONF_AUTH_ON,      /* "auth on": best mechanism the server offers */
	PL_CONF_AUTH_PLAIN,   /* "auth plain" */
	PL_CONF_AUTH_LOGIN,   /* "auth login" */
	PL_CONF_AUTH_CRAM_MD5,      /* "auth cram-md5" */
	PL_CONF_AUTH_SCRAM_SHA1,    /* "auth scram-sha-1" */
	PL_CONF_AUTH_SCRAM_SHA256,  /* "auth scram-sha-256" */
	PL_CONF_AUTH_XOAUTH2,       /* "auth xoauth2": the secret is an OAuth token */
	PL_CONF_AUTH_OAUTHBEARER,   /* "auth oauthbearer": likewise */
	PL_CONF_AUTH_EXTERNAL,      /* "auth external": TLS client certificate */
	PL_CONF_AUTH__COUNT         /* not a value: how many there are */
};

/* "on", "plain", "scram-sha-256" ... for an enum pl_conf_auth value. */
const char *pl_conf_auth_name(enum pl_conf_auth a);

/* Tri-state for booleans: -1 = not set (use the built-in default). */
typedef struct pl_account_conf {
	char name[PL_CONF_NAME_MAX];
	char host[PL_CONF_STR_MAX];
	unsigned port;                       /* 0 = not set */
	int tls;                             /* -1, 0 off, 1 on */
	int tls_starttls;                    /* -1, 0 off (implicit TLS), 1 on */
	int tls_certcheck;                   /* -1, 0, 1 */
	char tls_trust_file[PL_CONF_PATH_MAX]; /* PEM file or hashed directory */
	char tls_fingerprint[PL_CONF_PATH_MAX]; /* SHA-256 AA:BB:.., comma-separated list */
	char tls_pin_spki[PL_CONF_PATH_MAX];  /* base64 SPKI SHA-256, comma-separated */
	char tls_cert_file[PL_CONF_PATH_MAX];  /* client certificate (PEM) */
	char tls_key_file[PL_CONF_PATH_MAX];   /* its key (PEM) */
	char tls_host_override[PL_CONF_STR_MAX]; /* name to verify instead of host */
	int tls_session_cache;               /* -1, 0, 1: keep TLS state between runs */
	enum pl_conf_auth auth;
	char user[PL_CONF_USER_MAX];
	char password[PL_CONF_SECRET_MAX];
	char oauth_token[PL_CONF_SECRET_MAX]; /* for auth xoauth2/oauthbearer */
	char passwordeval[PL_CONF_PATH_MAX];
	char from[PL_CONF_STR_MAX];
	char domain[PL_CONF_STR_MAX];        /* EHLO argument */
	char maildomain[PL_CONF_STR_MAX];    /* qualifies bare local names */
	char logfile[PL_CONF_PATH_MAX];
	unsigned timeout_s;                  /* 0 = not set */
	int set_from_header;                 /* -1 unset, 0 off, 1 on (auto=-1) */
	/* sendmail drop-in (issue 5) */
	char aliases[PL_CONF_PATH_MAX];      /* msmtp or /etc/aliases format */
	char syslog[PL_CONF_NAME_MAX];       /* "" unset, "off", or LOG_<FACILITY> */
	char password_file[PL_CONF_PATH_MAX];/* first line is the password */
	char password_env[PL_CONF_NAME_MAX]; /* environment variable with the password */
	char dsn_notify[64];                 /* off, never, or success,failure,delay */
	char dsn_return[16];                 /* off, headers (hdrs), full */
	/* queue (issue 6) */
	int queue;                           /* -1 unset (on), 0 off, 1 on */
	char queue_dir[PL_CONF_PATH_MAX];    /* spool directory */
	unsigned queue_expiry_s;             /* 0 = not set */
} pl_account_conf;

/* Reset every field to "not set" (strings empty, tri-states -1, numbers 0). */
void pl_conf_clear(pl_account_conf *a);

/*
 * Load path and return the settings of account `account` (NULL or "" means
 * the account named "default", falling back to the first account, falling
 * back to the "defaults" section when the file defines no account).  A file
 * that is "/dev/null" or empty yields an all-unset result and PL_OK.
 *
 * On failure returns PL_E_NOCONFIG (cannot open/read), PL_E_CONFIG (syntax,
 * unknown key, bad value, unknown account, inheritance from an unknown
 * account) and writes "FILE:LINE: message" (or "FILE: message") to err.
 *
 * Security: if the file contains a password and is readable or writable by
 * group or others, refuse it with PL_E_CONFIG, as msmtp does.
 */
pl_err pl_conf_load(const char *path, const char *account, pl_account_conf *out,
		    char *err, size_t errlen);

/*
 * Set one key (same names and value syntax as the file) on a; used by the
 * parser and by long options ("--tls-trust-file=X" arrives here as key
 * "tls_trust_file": callers turn '-' into '_').  Returns PL_E_CONFIG with a
 * message (without file/line) for an unknown key or bad value.
 */
pl_err pl_conf_set(pl_account_conf *a, const char *key, const char *value,
		   char *err, size_t errlen);

/* Overlay: every field that is set in top replaces the one in base. */
void pl_conf_merge(pl_account_conf *base, const pl_account_conf *top);

#endif
