/*
 * msmtprc-compatible configuration parser for the postlet front end.
 *
 * POSIX only.  No global mutable state: everything lives in the caller's
 * structures or in a parser context on the stack (plus one heap array of
 * accounts, freed before returning).
 *
 * Every string copy is bounded; a value that does not fit its field is an
 * error (PL_E_CONFIG), never silently truncated.
 */
#include "conf.h"
#include "pl_error.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Longest configuration line accepted, excluding the line ending. */
#define CONF_LINE_MAX 4096
/* Most accounts one file may define (bounds the heap array). */
#define CONF_ACCOUNTS_MAX 1024
/* Longest piece of a user value quoted back in an error message. */
#define CONF_ECHO_MAX "64"

/* ------------------------------------------------------------------------ */
/* Error helper                                                             */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static pl_err conf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen > 0) {
		va_list ap;

		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return PL_E_CONFIG;
}

/* Zero memory that held secrets; the volatile pointer keeps the compiler
 * from dropping the stores as dead. */
static void conf_scrub(void *ptr, size_t n)
{
	void *(*const volatile wipe)(void *, int, size_t) = memset;

	(void)wipe(ptr, 0, n);
}

/* ------------------------------------------------------------------------ */
/* The key decision table                                                   */

enum conf_kind {
	K_STR,        /* bounded string copied as is */
	K_STR_REQ,    /* bounded string, empty value is an error */
	K_PATH,       /* bounded string, leading "~/" expands to $HOME */
	K_BOOL,       /* on/off (empty = on) into an int tri-state */
	K_PORT,       /* 1..65535 */
	K_TIMEOUT,    /* "off" or 1..CONF_TIMEOUT_MAX seconds */
	K_AUTH,       /* on/off or a mechanism; the rest of msmtp's refused */
	K_FROMHDR,    /* set_from_header: on/off/auto -> 1/0/-1 */
	K_SYSLOG,     /* on/off/LOG_<facility> -> "off" or facility name */
	K_PROTOCOL,   /* only "smtp" accepted, then ignored */
	K_DURATION,   /* N[s|m|h|d], 60 s .. 365 d, into unsigned seconds */
	K_OFF_ONLY,   /* msmtp boolean we accept only when "off", then ignore */
	K_IGNORE,     /* known msmtp key, safe to ignore: accepted, no effect */
	K_REFUSE,     /* known msmtp key, unsafe to ignore: PL_E_CONFIG */
};

/* Upper bound for "timeout": keeps timeout_s * 1000 inside 32 bits. */
#define CONF_TIMEOUT_MAX 1000000u

struct conf_key {
	const char *key;
	enum conf_kind kind;
	size_t off;        /* field offset (stored kinds only) */
	size_t size;       /* field size (string kinds only) */
	const char *why;   /* K_REFUSE / K_OFF_ONLY: message; K_IGNORE: reason */
};

#define FIELD_STR(k, kind, f) \
	{ k, kind, offsetof(pl_account_conf, f), sizeof(((pl_account_conf *)0)->f), NULL }
#define FIELD_INT(k, kind, f) \
	{ k, kind, offsetof(pl_account_conf, f), 0, NULL }
#define NOFIELD(k, kind, why) { k, kind, 0, 0, why }

/*
 * THE decision table: every key postlet understands, in the file and via
 * pl_conf_set().  Anything not listed here is "unknown key".
 *
 * Known msmtp keys are either stored, ignored (only when ignoring cannot
 * weaken security or send mail somewhere the user did not ask for) or
 * refused with a "not supported" error (when ignoring would change trust,
 * routing or privacy behind the user's back).
 */
static const struct conf_key conf_keys[] = {
	/* --- stored --------------------------------------------------- */
	FIELD_STR("host", K_STR_REQ, host),
	FIELD_INT("port", K_PORT, port),
	FIELD_INT("tls", K_BOOL, tls),
	FIELD_INT("tls_starttls", K_BOOL, tls_starttls),
	FIELD_INT("tls_certcheck", K_BOOL, tls_certcheck),
	FIELD_STR("tls_trust_file", K_PATH, tls_trust_file),
	FIELD_STR("tls_fingerprint", K_STR, tls_fingerprint),
	FIELD_STR("tls_pin_spki", K_STR, tls_pin_spki),
	FIELD_STR("tls_cert_file", K_PATH, tls_cert_file),
	FIELD_STR("tls_key_file", K_PATH, tls_key_file),
	FIELD_STR("tls_host_override", K_STR, tls_host_override),
	FIELD_INT("tls_session_cache", K_BOOL, tls_session_cache),
	FIELD_INT("auth", K_AUTH, auth),
	FIELD_STR("user", K_STR, user),
	FIELD_STR("password", K_STR, password),
	FIELD_STR("passwordeval", K_STR, passwordeval),
	FIELD_STR("oauth_token", K_STR, oauth_token),
	FIELD_STR("from", K_STR, from),
	FIELD_STR("domain", K_STR, domain),
	FIELD_STR("maildomain", K_STR, maildomain),
	FIELD_STR("logfile", K_PATH, logfile),
	FIELD_INT("timeout", K_TIMEOUT, timeout_s),
	FIELD_INT("set_from_header", K_FROMHDR, set_from_header),
	FIELD_STR("aliases", K_PATH, aliases),
	FIELD_STR("syslog", K_SYSLOG, syslog),
	FIELD_STR("password_file", K_PATH, password_file),
	FIELD_STR("password_env", K_STR, password_env),
	FIELD_STR("dsn_notify", K_STR, dsn_notify),   /* checked by the front end */
	FIELD_STR("dsn_return", K_STR, dsn_return),
	FIELD_INT("queue", K_BOOL, queue),
	FIELD_STR("queue_dir", K_PATH, queue_dir),
	FIELD_INT("queue_expiry", K_DURATION, queue_expiry_s),

	/* --- accepted with restrictions -------------------------------- */
	/* Only SMTP is implemented; "lmtp" would talk the wrong protocol. */
	NOFIELD("protocol", K_PROTOCOL, NULL),
	/* "on" would hide the recipient list from recipients; ignoring it
	 * would leak every recipient address, so only "off" is accepted. */
	NOFIELD("undisclosed_recipients", K_OFF_ONLY,
		"'undisclosed_recipients on' is not supported yet"),

	/* --- ignored (safe: only logging, DSN requests, headers) ------- */
	NOFIELD("logfile_time_format", K_IGNORE, "logging only"),
	NOFIELD("tls_priorities", K_IGNORE, "TLS library defaults are used"),
	NOFIELD("tls_min_dh_prime_bits", K_IGNORE, "deprecated in msmtp"),
	NOFIELD("auto_from", K_IGNORE, "obsolete msmtp key"),
	NOFIELD("add_missing_from_header", K_IGNORE, "obsolete msmtp key"),
	NOFIELD("add_missing_date_header", K_IGNORE, "header handling"),
	NOFIELD("remove_bcc_headers", K_IGNORE, "header handling"),
	NOFIELD("source_ip", K_IGNORE, "default source address is used"),
	NOFIELD("ntlmdomain", K_IGNORE, "only used by NTLM, which is refused"),

	/* --- refused: ignoring would change trust or routing ----------- */
	NOFIELD("tls_crl_file", K_REFUSE, "'tls_crl_file' is not supported yet"),
	NOFIELD("proxy_host", K_REFUSE, "'proxy_host' is not supported"),
	NOFIELD("proxy_port", K_REFUSE, "'proxy_port' is not supported"),
	NOFIELD("socket", K_REFUSE, "'socket' is not supported"),
	NOFIELD("eval", K_REFUSE, "'eval' is not supported"),
};

static const struct conf_key *conf_find_key(const char *key)
{
	for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		if (strcmp(conf_keys[i].key, key) == 0)
			return &conf_keys[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Value helpers                                                            */

/* on/off, empty = on.  Returns 1, 0, or -1 for an invalid value. */
static int conf_parse_bool(const char *v)
{
	if (v[0] == '\0' || strcmp(v, "on") == 0)
		return 1;
	if (strcmp(v, "off") == 0)
		return 0;
	return -1;
}

/* Decimal digits only, no sign; 0 on success, -1 if invalid or > max. */
static int conf_parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;

	if (v[0] == '\0')
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (n > (max - (unsigned long)(*p - '0')) / 10)
			return -1;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	*out = n;
	return 0;
}

static pl_err conf_copy(char *dst, size_t size, const char *src,
			const char *key, char *err, size_t errlen)
{
	size_t n = strlen(src);

	if (n >= size)
		return conf_fail(err, errlen,
				 "value for '%s' is too long (at most %zu bytes)",
				 key, size - 1);
	memcpy(dst, src, n + 1);
	return PL_OK;
}

/* Copy with "~" / "~/..." expanded to the home directory. */
static pl_err conf_copy_path(char *dst, size_t size, const char *src,
			     const char *key, char *err, size_t errlen)
{
	const char *home;
	size_t hl, rl;

	if (!(src[0] == '~' && (src[1] == '\0' || src[1] == '/')))
		return conf_copy(dst, size, src, key, err, errlen);

	home = getenv("HOME");
	if (!home || home[0] == '\0') {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || home[0] == '\0')
		return conf_fail(err, errlen,
				 "cannot expand '~' in '%s': home directory unknown",
				 key);
	hl = strlen(home);
	rl = strlen(src + 1);
	if (hl + rl >= size)
		return conf_fail(err, errlen,
				 "value for '%s' is too long (at most %zu bytes)",
				 key, size - 1);
	memcpy(dst, home, hl);
	memcpy(dst + hl, src + 1, rl + 1);
	return PL_OK;
}

/* "auth" values, indexed by enum pl_conf_auth (UNSET has none). */
static const char *const conf_auth_names[PL_CONF_AUTH__COUNT] = {
	NULL, "off", "on", "plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256",
	"xoauth2", "oauthbearer", "external",
};

const char *pl_conf_auth_name(enum pl_conf_auth a)
{
	if ((size_t)a < sizeof(conf_auth_names) / sizeof(conf_auth_names[0]) && conf_auth_names[a])
		return conf_auth_names[a];
	return "(default: on when 'user' is set)";
}

/* Authentication mechanisms msmtp knows but postlet does not implement. */
static const char *const conf_auth_unsupported[] = {
	"digest-md5", "scram-sha-1-plus", "scram-sha-256-plus", "gssapi", "ntlm",
};

static pl_err conf_parse_auth(const char *v, enum pl_conf_auth *out,
			      char *err, size_t errlen)
{
	if (v[0] == '\0') {
		*out = PL_CONF_AUTH_ON;
		return PL_OK;
	}
	for (size_t i = 1; i < sizeof(conf_auth_names) / sizeof(conf_auth_names[0]); i++) {
		if (strcasecmp(v, conf_auth_names[i]) == 0) {
			*out = (enum pl_conf_auth)i;
			return PL_OK;
		}
	}
	for (size_t i = 0; i < sizeof(conf_auth_unsupported) /
			       sizeof(conf_auth_unsupported[0]); i++) {
		if (strcasecmp(v, conf_auth_unsupported[i]) == 0)
			return conf_fail(err, errlen,
					 "authentication method '%s' is not supported yet",
					 conf_auth_unsupported[i]);
	}
	return conf_fail(err, errlen,
			 "invalid value '%." CONF_ECHO_MAX "s' for 'auth' (expected on, off, "
			 "plain, login, scram-sha-256, scram-sha-1, cram-md5, xoauth2, "
			 "oauthbearer or external)", v);
}

/* syslog facilities msmtp accepts; "on" means LOG_USER, as in msmtp. */
static const char *const conf_syslog_facilities[] = {
	"LOG_USER", "LOG_MAIL", "LOG_LOCAL0", "LOG_LOCAL1", "LOG_LOCAL2", "LOG_LOCAL3",
	"LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7",
};

static pl_err conf_parse_syslog(char *dst, size_t size, const char *v, char *err,
				size_t errlen)
{
	int b = conf_parse_bool(v);

	if (b >= 0)
		return conf_copy(dst, size, b ? "LOG_USER" : "off", "syslog", err, errlen);
	for (size_t i = 0; i < sizeof(conf_syslog_facilities) / sizeof(conf_syslog_facilities[0]);
	     i++)
		if (strcasecmp(v, conf_syslog_facilities[i]) == 0 ||
		    strcasecmp(v, conf_syslog_facilities[i] + 4) == 0)
			return conf_copy(dst, size, conf_syslog_facilities[i], "syslog", err, errlen);
	return conf_fail(err, errlen,
			 "invalid value '%." CONF_ECHO_MAX "s' for 'syslog' "
			 "(expected on, off, LOG_USER, LOG_MAIL or LOG_LOCAL0..7)", v);
}

/* ------------------------------------------------------------------------ */
/* Public: clear / set / merge                                              */

void pl_conf_clear(pl_account_conf *a)
{
	if (!a)
		return;
	memset(a, 0, sizeof(*a));
	a->tls = -1;
	a->tls_starttls = -1;
	a->tls_certcheck = -1;
	a->tls_session_cache = -1;
	a->auth = PL_CONF_AUTH_UNSET;
	a->set_from_header = -1;
	a->queue = -1;
}

pl_err pl_conf_set(pl_account_conf *a, const char *key, const char *value,
		   char *err, size_t errlen)
{
	const struct conf_key *k;
	unsigned char *base = (unsigned char *)a;
	unsigned long n;
	int b;

	if (!a || !key)
		return conf_fail(err, errlen, "internal error: no account or key");
	if (!value)
		value = "";

	k = conf_find_key(key);
	if (!k)
		return conf_fail(err, errlen, "unknown key '%." CONF_ECHO_MAX "s'",
				 key);

	switch (k->kind) {
	case K_STR_REQ:
		if (value[0] == '\0')
			return conf_fail(err, errlen, "'%s' needs a value", k->key);
		/* fall through */
	case K_STR:
		return conf_copy((char *)(base + k->off), k->size, value, k->key,
				 err, errlen);
	case K_DURATION: {
		static const struct {
			char suffix;
			unsigned long mult;
		} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
		char digits[16];
		size_t len = strlen(value), u;
		unsigned long mult = 1;

		for (u = 0; len > 0 && u < sizeof(units) / sizeof(units[0]); u++)
			if (value[len - 1] == units[u].suffix) {
				mult = units[u].mult;
				len--;
				break;
			}
		if (len == 0 || len >= sizeof(digits))
			return conf_fail(err, errlen, "invalid value '%." CONF_ECHO_MAX "s' for '%s' "
					 "(expected a duration such as 5d, 12h, 90m)", value, k->key);
		memcpy(digits, value, len);
		digits[len] = '\0';
		if (conf_parse_uint(digits, 31536000ul / mult, &n) < 0 || n == 0)
			return conf_fail(err, errlen, "invalid value '%." CONF_ECHO_MAX "s' for '%s' "
					 "(expected a duration from 1s to 365d)", value, k->key);
		*(unsigned *)(void *)(base + k->off) = (unsigned)(n * mult);
		return PL_OK;
	}
	case K_PATH:
		return conf_copy_path((char *)(base + k->off), k->size, value,
				      k->key, err, errlen);
	case K_BOOL:
		b = conf_parse_bool(value);
		if (b < 0)
			return conf_fail(err, errlen,
					 "invalid value '%." CONF_ECHO_MAX "s' for '%s' "
					 "(expected on or off)", value, k->key);
		*(int *)(void *)(base + k->off) = b;
		return PL_OK;
	case K_PORT:
		if (conf_parse_uint(value, 65535, &n) != 0 || n == 0)
			return conf_fail(err, errlen,
					 "invalid value '%." CONF_ECHO_MAX "s' for 'port' "
					 "(expected 1..65535)", value);
		a->port = (unsigned)n;
		return PL_OK;
	case K_TIMEOUT:
		if (strcmp(value, "off") == 0) {
			a->timeout_s = 0;
			return PL_OK;
		}
		if (conf_parse_uint(value, CONF_TIMEOUT_MAX, &n) != 0 || n == 0)
			return conf_fail(err, errlen,
					 "invalid value '%." CONF_ECHO_MAX "s' for 'timeout' "
					 "(expected off or 1..%u seconds)", value,
					 CONF_TIMEOUT_MAX);
		a->timeout_s = (unsigned)n;
		return PL_OK;
	case K_AUTH:
		return conf_parse_auth(value, &a->auth, err, errlen);
	case K_FROMHDR:
		if (strcmp(value, "auto") == 0) {
			a->set_from_header = -1;
			return PL_OK;
		}
		b = conf_parse_bool(value);
		if (b < 0)
			return conf_fail(err, errlen,
					 "invalid value '%." CONF_ECHO_MAX "s' for "
					 "'set_from_header' (expected auto, on or off)",
					 value);
		a->set_from_header = b;
		return PL_OK;
	case K_SYSLOG:
		return conf_parse_syslog((char *)(base + k->off), k->size, value, err, errlen);
	case K_PROTOCOL:
		if (strcmp(value, "smtp") == 0)
			return PL_OK;
		if (strcmp(value, "lmtp") == 0)
			return conf_fail(err, errlen,
					 "protocol 'lmtp' is not supported");
		return conf_fail(err, errlen,
				 "invalid value '%." CONF_ECHO_MAX "s' for 'protocol' "
				 "(expected smtp)", value);
	case K_OFF_ONLY:
		b = conf_parse_bool(value);
		if (b == 0)
			return PL_OK;
		if (b > 0)
			return conf_fail(err, errlen, "%s", k->why);
		return conf_fail(err, errlen,
				 "invalid value '%." CONF_ECHO_MAX "s' for '%s' "
				 "(expected on or off)", value, k->key);
	case K_IGNORE:
		return PL_OK;
	case K_REFUSE:
		return conf_fail(err, errlen, "%s", k->why);
	}
	return conf_fail(err, errlen, "internal error: bad key table entry");
}

void pl_conf_merge(pl_account_conf *base, const pl_account_conf *top)
{
	/* The account name is identity, not a setting: it is never merged. */
#define MERGE_STR(f) do { if (top->f[0]) memcpy(base->f, top->f, sizeof(base->f)); } while (0)
#define MERGE_TRI(f) do { if (top->f != -1) base->f = top->f; } while (0)
#define MERGE_NUM(f) do { if (top->f != 0) base->f = top->f; } while (0)
	if (!base || !top)
		return;
	MERGE_STR(host);
	MERGE_NUM(port);
	MERGE_TRI(tls);
	MERGE_TRI(tls_starttls);
	MERGE_TRI(tls_certcheck);
	MERGE_STR(tls_trust_file);
	MERGE_STR(tls_fingerprint);
	MERGE_STR(tls_pin_spki);
	MERGE_STR(tls_cert_file);
	MERGE_STR(tls_key_file);
	MERGE_STR(tls_host_override);
	MERGE_TRI(tls_session_cache);
	if (top->auth != PL_CONF_AUTH_UNSET)
		base->auth = top->auth;
	MERGE_STR(user);
	MERGE_STR(password);
	MERGE_STR(passwordeval);
	MERGE_STR(oauth_token);
	MERGE_STR(from);
	MERGE_STR(domain);
	MERGE_STR(maildomain);
	MERGE_STR(logfile);
	MERGE_NUM(timeout_s);
	MERGE_TRI(set_from_header);
	MERGE_STR(aliases);
	MERGE_STR(syslog);
	MERGE_STR(password_file);
	MERGE_STR(password_env);
	MERGE_STR(dsn_notify);
	MERGE_STR(dsn_return);
	MERGE_TRI(queue);
	MERGE_STR(queue_dir);
	MERGE_NUM(queue_expiry_s);
#undef MERGE_STR
#undef MERGE_TRI
#undef MERGE_NUM
}

/* ------------------------------------------------------------------------ */
/* File parser                                                              */

struct conf_parser {
	const char *path;
	unsigned line;
	pl_account_conf defaults;
	pl_account_conf *accts;   /* heap, n used of cap */
	size_t n, cap;
	int target;               /* -2 none yet, -1 defaults, >=0 account */
	int has_password;
	char *err;
	size_t errlen;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static pl_err conf_line_fail(struct conf_parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return conf_fail(p->err, p->errlen, "%s:%u: %s", p->path, p->line, msg);
}

static int conf_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Read one line (without its LF) into buf.  Returns 1 for a line, 0 at end
 * of file, -1 line too long, -2 NUL byte, -3 read error (errno kept).
 */
static int conf_read_line(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = getc(f);
		if (c == EOF) {
			if (ferror(f))
				return -3;
			if (n == 0)
				return 0;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			return -2;
		if (n + 1 >= size)
			return -1;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return 1;
}

/*
 * Remove optional double quotes from raw (already trimmed) into out.
 * Inside quotes, \" and \\ are the only escapes.
 */
static pl_err conf_unquote(struct conf_parser *p, const char *raw, char *out,
			   size_t size)
{
	size_t n = 0;
	const char *s = raw;

	if (*s != '"') {
		size_t l = strlen(raw);

		if (l >= size)
			return conf_line_fail(p, "line is too long");
		memcpy(out, raw, l + 1);
		return PL_OK;
	}
	s++;
	for (;;) {
		char c = *s++;

		if (c == '\0')
			return conf_line_fail(p, "unterminated double quote");
		if (c == '"')
			break;
		if (c == '\\') {
			c = *s++;
			if (c != '"' && c != '\\')
				return conf_line_fail(p,
					"invalid escape in quoted value "
					"(only \\\" and \\\\ are allowed)");
		}
		if (n + 1 >= size)
			return conf_line_fail(p, "line is too long");
		out[n++] = c;
	}
	while (conf_is_blank(*s))
		s++;
	if (*s != '\0')
		return conf_line_fail(p, "unexpected text after closing quote");
	out[n] = '\0';
	return PL_OK;
}

static pl_account_conf *conf_find_account(struct conf_parser *p,
					  const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->accts[i].name, name) == 0)
			return &p->accts[i];
	}
	return NULL;
}

/* Append a new account starting as a copy of the current defaults. */
static pl_err conf_new_account(struct conf_parser *p, const char *name)
{
	size_t nl = strlen(name);

	if (nl >= PL_CONF_NAME_MAX)
		return conf_line_fail(p,
			"account name is too long (at most %d bytes)",
			PL_CONF_NAME_MAX - 1);
	if (conf_find_account(p, name))
		return conf_line_fail(p, "account '%s' is already defined", name);
	if (p->n >= CONF_ACCOUNTS_MAX)
		return conf_line_fail(p, "too many accounts (at most %d)",
				      CONF_ACCOUNTS_MAX);
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;
		pl_account_conf *na;

		if (ncap > CONF_ACCOUNTS_MAX)
			ncap = CONF_ACCOUNTS_MAX;
		na = realloc(p->accts, ncap * sizeof(*na));
		if (!na)
			return conf_line_fail(p, "out of memory");
		p->accts = na;
		p->cap = ncap;
	}
	p->accts[p->n] = p->defaults;
	memcpy(p->accts[p->n].name, name, nl + 1);
	p->target = (int)p->n;
	p->n++;
	return PL_OK;
}

/* Trim blanks on both ends in place; returns the start. */
static char *conf_trim(char *s)
{
	size_t l;

	while (conf_is_blank(*s))
		s++;
	l = strlen(s);
	while (l > 0 && conf_is_blank(s[l - 1]))
		s[--l] = '\0';
	return s;
}

/* "account NAME" or "account NAME : BASE[, BASE...]"; v is modified. */
static pl_err conf_account_line(struct conf_parser *p, char *v)
{
	char *colon = strchr(v, ':');
	char *name;
	pl_account_conf acc;
	pl_err e;

	if (colon)
		*colon = '\0';
	name = conf_trim(v);
	if (name[0] == '\0')
		return conf_line_fail(p, "missing account name");
	if (strchr(name, ','))
		return conf_line_fail(p, "an account name must not contain "
				      "colons or commas");

	/* Start from the defaults, overlay each base in order. */
	acc = p->defaults;
	if (colon) {
		char *s = colon + 1;

		for (;;) {
			char *comma = strchr(s, ',');
			const pl_account_conf *b;
			char *bn;

			if (comma)
				*comma = '\0';
			bn = conf_trim(s);
			if (bn[0] == '\0')
				return conf_line_fail(p, "missing account name "
						      "in the list after ':'");
			b = conf_find_account(p, bn);
			if (!b)
				return conf_line_fail(p,
					"account '%." CONF_ECHO_MAX "s' is not "
					"defined (yet)", bn);
			pl_conf_merge(&acc, b);
			if (!comma)
				break;
			s = comma + 1;
		}
	}

	e = conf_new_account(p, name);
	if (e == PL_OK) {
		memcpy(acc.name, p->accts[p->n - 1].name, sizeof(acc.name));
		p->accts[p->n - 1] = acc;
	}
	conf_scrub(&acc, sizeof(acc));
	return e;
}

static pl_err conf_parse_line(struct conf_parser *p, char *line,
			      char *val, size_t valsize)
{
	size_t l = strlen(line);
	char *key, *raw;
	char msg[512];
	pl_account_conf *t;
	pl_err e;

	/* CRLF tolerance and trailing blanks. */
	while (l > 0 && (line[l - 1] == '\r' || conf_is_blank(line[l - 1])))
		line[--l] = '\0';
	key = line;
	while (conf_is_blank(*key))
		key++;
	if (*key == '\0' || *key == '#')
		return PL_OK;

	raw = key;
	while (*raw && !conf_is_blank(*raw))
		raw++;
	if (*raw) {
		*raw++ = '\0';
		while (conf_is_blank(*raw))
			raw++;
	}
	e = conf_unquote(p, raw, val, valsize);
	if (e != PL_OK)
		return e;

	if (strcmp(key, "defaults") == 0) {
		if (val[0] != '\0')
			return conf_line_fail(p, "'defaults' does not take a value");
		p->target = -1;
		return PL_OK;
	}
	if (strcmp(key, "account") == 0)
		return conf_account_line(p, val);

	/* msmtp compatibility: settings before any section form an account
	 * named "default". */
	if (p->target == -2) {
		e = conf_new_account(p, "default");
		if (e != PL_OK)
			return e;
	}
	t = p->target == -1 ? &p->defaults : &p->accts[p->target];
	msg[0] = '\0';
	e = pl_conf_set(t, key, val, msg, sizeof(msg));
	if (e != PL_OK)
		return conf_line_fail(p, "%s", msg);
	if ((strcmp(key, "password") == 0 || strcmp(key, "oauth_token") == 0) && val[0] != '\0')
		p->has_password = 1;
	return PL_OK;
}

pl_err pl_conf_load(const char *path, const char *account, pl_account_conf *out,
		    char *err, size_t errlen)
{
	struct conf_parser p;
	char line[CONF_LINE_MAX + 1] = "";
	char val[CONF_LINE_MAX + 1] = "";
	char iobuf[BUFSIZ]; /* stdio's buffer holds the whole file: ours, to scrub */
	const pl_account_conf *sel = NULL;
	struct stat st;
	FILE *f;
	pl_err e = PL_OK;
	int r;

	if (err && errlen > 0)
		err[0] = '\0';
	if (!path || !out)
		return conf_fail(err, errlen, "internal error: no path or output");
	pl_conf_clear(out);

	f = fopen(path, "r");
	if (!f) {
		int saved = errno;

		if (err && errlen > 0)
			(void)snprintf(err, errlen, "%s: %s", path, strerror(saved));
		return PL_E_NOCONFIG;
	}
	(void)setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));

	memset(&p, 0, sizeof(p));
	p.path = path;
	pl_conf_clear(&p.defaults);
	p.target = -2;
	p.err = err;
	p.errlen = errlen;

	for (;;) {
		p.line++;
		r = conf_read_line(f, line, sizeof(line));
		if (r == 0)
			break;
		if (r == -3) {
			int saved = errno;

			if (err && errlen > 0)
				(void)snprintf(err, errlen, "%s: %s", path,
					       strerror(saved));
			e = PL_E_NOCONFIG;
			break;
		}
		if (r == -1) {
			e = conf_line_fail(&p, "line is too long (at most %d bytes)",
					   CONF_LINE_MAX);
			break;
		}
		if (r == -2) {
			e = conf_line_fail(&p, "line contains a NUL byte");
			break;
		}
		e = conf_parse_line(&p, line, val, sizeof(val));
		if (e != PL_OK)
			break;
	}

	/* Permission check on the file we actually read (no TOCTOU). */
	if (e == PL_OK && p.has_password && strcmp(path, "/dev/null") != 0) {
		if (fstat(fileno(f), &st) != 0) {
			int saved = errno;

			if (err && errlen > 0)
				(void)snprintf(err, errlen, "%s: %s", path,
					       strerror(saved));
			e = PL_E_NOCONFIG;
		} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
			e = conf_fail(err, errlen,
				      "%s: contains secrets and therefore must "
				      "have no more than user read/write "
				      "permissions", path);
		}
	}
	(void)fclose(f);

	if (e == PL_OK) {
		if (account && account[0] != '\0') {
			sel = conf_find_account(&p, account);
			if (!sel)
				e = conf_fail(err, errlen,
					      "%s: account '%." CONF_ECHO_MAX
					      "s' not found", path, account);
		} else {
			sel = conf_find_account(&p, "default");
			if (!sel)
				sel = p.n > 0 ? &p.accts[0] : &p.defaults;
		}
		if (sel)
			*out = *sel;
	}

	/* Scrub secrets from the scratch copies before releasing them. */
	if (p.accts) {
		conf_scrub(p.accts, p.cap * sizeof(*p.accts));
		free(p.accts);
	}
	conf_scrub(&p.defaults, sizeof(p.defaults));
	conf_scrub(line, sizeof(line));
	conf_scrub(val, sizeof(val));
	conf_scrub(iobuf, sizeof(iobuf));
	return e;
}
