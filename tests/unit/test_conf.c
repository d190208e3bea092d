/* Unit tests for agent/cli/conf.c (msmtprc-compatible configuration). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "pl_error.h"

#define TEST_HOME "/home/tester"

/* Write content to a fresh temp file with the given mode; path receives its
 * name (caller unlinks). */
static void write_conf(char path[64], const char *content, mode_t mode)
{
	size_t len = strlen(content);
	int fd;

	strcpy(path, "/tmp/test_conf_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* Load content as a config file; returns the pl_conf_load result. */
static pl_err load_str(const char *content, mode_t mode, const char *account,
		       pl_account_conf *out, char *err, size_t errlen,
		       char path[64])
{
	pl_err e;

	write_conf(path, content, mode);
	e = pl_conf_load(path, account, out, err, errlen);
	assert_int_equal(unlink(path), 0);
	return e;
}

static int setup_home(void **state)
{
	(void)state;
	return setenv("HOME", TEST_HOME, 1);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' does not contain '%s'", hay, needle);
}

/* ------------------------------------------------------------------------ */

static void test_clear(void **state)
{
	pl_account_conf a;

	(void)state;
	memset(&a, 0x5a, sizeof(a));
	pl_conf_clear(&a);
	assert_string_equal(a.name, "");
	assert_string_equal(a.host, "");
	assert_string_equal(a.password, "");
	assert_int_equal(a.port, 0);
	assert_int_equal(a.tls, -1);
	assert_int_equal(a.tls_starttls, -1);
	assert_int_equal(a.tls_certcheck, -1);
	assert_int_equal(a.auth, PL_CONF_AUTH_UNSET);
	assert_int_equal(a.timeout_s, 0);
	assert_int_equal(a.set_from_header, -1);
}

static const char typical_rc[] =
	"# Typical msmtp configuration\n"
	"defaults\n"
	"auth           on\n"
	"tls            on\n"
	"tls_trust_file /etc/ssl/certs/ca-certificates.crt\n"
	"logfile        ~/.msmtp.log\n"
	"syslog         off\n"
	"\n"
	"# Work account\n"
	"account        work\n"
	"host           smtp.example.com\n"
	"port           587\n"
	"tls_starttls   on\n"
	"from           alice@example.com\n"
	"user           alice\n"
	"passwordeval   \"gpg -q --for-your-eyes-only --decrypt ~/.pw.gpg\"\n"
	"\n"
	"account default : work\n";

static void test_typical_starttls(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(typical_rc, 0600, NULL, &a, err, sizeof(err),
				  path), PL_OK);
	assert_string_equal(a.name, "default");
	assert_string_equal(a.host, "smtp.example.com");
	assert_int_equal(a.port, 587);
	assert_int_equal(a.tls, 1);
	assert_int_equal(a.tls_starttls, 1);
	assert_int_equal(a.tls_certcheck, -1);
	assert_int_equal(a.auth, PL_CONF_AUTH_ON);
	assert_string_equal(a.tls_trust_file,
			    "/etc/ssl/certs/ca-certificates.crt");
	assert_string_equal(a.logfile, TEST_HOME "/.msmtp.log");
	assert_string_equal(a.from, "alice@example.com");
	assert_string_equal(a.user, "alice");
	assert_string_equal(a.password, "");
	/* passwordeval is a command, not a path: no ~ expansion */
	assert_string_equal(a.passwordeval,
			    "gpg -q --for-your-eyes-only --decrypt ~/.pw.gpg");

	assert_int_equal(load_str(typical_rc, 0600, "work", &a, err,
				  sizeof(err), path), PL_OK);
	assert_string_equal(a.name, "work");
	assert_string_equal(a.host, "smtp.example.com");
	assert_int_equal(a.port, 587);
}

static void test_inherit_two_bases(void **state)
{
	static const char rc[] =
		"defaults\n"
		"timeout 30\n"
		"account a\n"
		"host a.example\n"
		"port 25\n"
		"user ua\n"
		"account b\n"
		"host b.example\n"
		"from b@example.org\n"
		"tls off\n"
		"account c : a, b\n"
		"port 2525\n";
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(rc, 0600, "c", &a, err, sizeof(err), path),
			 PL_OK);
	assert_string_equal(a.name, "c");
	assert_string_equal(a.host, "b.example");   /* later base wins */
	assert_string_equal(a.user, "ua");          /* only in a */
	assert_string_equal(a.from, "b@example.org"); /* only in b */
	assert_int_equal(a.tls, 0);
	assert_int_equal(a.port, 2525);             /* own setting wins */
	assert_int_equal(a.timeout_s, 30);          /* from defaults */

	/* the base is not modified by the derived account */
	assert_int_equal(load_str(rc, 0600, "a", &a, err, sizeof(err), path),
			 PL_OK);
	assert_int_equal(a.port, 25);
	assert_string_equal(a.host, "a.example");
	assert_int_equal(a.tls, -1);
}

static void test_inherit_unknown_base(void **state)
{
	static const char rc[] =
		"account a\n"
		"host a.example\n"
		"account c : a, ghost\n";
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	assert_contains(err, path);
	assert_contains(err, ":3:");
	assert_contains(err, "'ghost'");
}

static void test_duplicate_account(void **state)
{
	static const char rc[] =
		"account a\n"
		"host a.example\n"
		"account a\n";
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	assert_contains(err, ":3:");
	assert_contains(err, "account 'a' is already defined");
}

static void test_defaults_only_later(void **state)
{
	static const char rc[] =
		"account early\n"
		"host early.example\n"
		"defaults\n"
		"port 465\n"
		"tls on\n"
		"account late\n"
		"host late.example\n"
		"defaults\n"
		"from me@example.org\n"
		"account later\n"
		"host later.example\n";
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(rc, 0600, "early", &a, err, sizeof(err),
				  path), PL_OK);
	assert_int_equal(a.port, 0);
	assert_int_equal(a.tls, -1);
	assert_string_equal(a.from, "");

	assert_int_equal(load_str(rc, 0600, "late", &a, err, sizeof(err),
				  path), PL_OK);
	assert_int_equal(a.port, 465);
	assert_int_equal(a.tls, 1);
	assert_string_equal(a.from, "");

	/* a second defaults section adds to the first */
	assert_int_equal(load_str(rc, 0600, "later", &a, err, sizeof(err),
				  path), PL_OK);
	assert_int_equal(a.port, 465);
	assert_int_equal(a.tls, 1);
	assert_string_equal(a.from, "me@example.org");

	/* no "default" account: the first account is selected */
	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err),
				  path), PL_OK);
	assert_string_equal(a.name, "early");
}

static void test_defaults_only_file(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str("defaults\nhost only.example\n", 0600, NULL,
				  &a, err, sizeof(err), path), PL_OK);
	assert_string_equal(a.name, "");
	assert_string_equal(a.host, "only.example");
}

static void test_settings_before_section(void **state)
{
	/* msmtp 1.2 compatibility: an implicit account named "default" */
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str("host bare.example\nport 26\n", 0600, NULL,
				  &a, err, sizeof(err), path), PL_OK);
	assert_string_equal(a.name, "default");
	assert_string_equal(a.host, "bare.example");
	assert_int_equal(a.port, 26);
}

static void test_quoted_values(void **state)
{
	static const char rc[] =
		"account q\n"
		"password \"p a\\\"s\\\\s\"   \n"
		"from \"  spaced  \"\n"
		"user   plain#notacomment\n"
		"  # indented comment\n"
		"domain \"\"\n";
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(rc, 0600, "q", &a, err, sizeof(err), path),
			 PL_OK);
	assert_string_equal(a.password, "p a\"s\\s");
	assert_string_equal(a.from, "  spaced  ");
	assert_string_equal(a.user, "plain#notacomment");
	assert_string_equal(a.domain, "");
}

static void test_quote_errors(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str("account q\nuser \"open\n", 0600, NULL, &a,
				  err, sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":2:");
	assert_contains(err, "unterminated double quote");

	assert_int_equal(load_str("account q\nuser \"a\\nb\"\n", 0600, NULL,
				  &a, err, sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":2:");
	assert_contains(err, "invalid escape");

	assert_int_equal(load_str("account q\nuser \"a\" b\n", 0600, NULL, &a,
				  err, sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, "after closing quote");
}

static void test_crlf(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str("# c\r\naccount w\r\nhost h.example \r\n"
				  "tls on\r\nport 25", 0600, NULL, &a, err,
				  sizeof(err), path), PL_OK);
	assert_string_equal(a.host, "h.example");
	assert_int_equal(a.tls, 1);
	assert_int_equal(a.port, 25);   /* last line without newline */
}

static void test_unknown_key(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char path[64];
	char want[128];

	(void)state;
	assert_int_equal(load_str("account x\nhost h\nhots typo\n", 0600,
				  NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	snprintf(want, sizeof(want), "%s:3: unknown key 'hots'", path);
	assert_string_equal(err, want);
	/* out is left all-unset on failure */
	assert_string_equal(a.host, "");
}

static void test_bad_port(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str("account x\nport 65536\n", 0600, NULL, &a,
				  err, sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":2:");
	assert_contains(err, "'65536' for 'port'");

	pl_conf_clear(&a);
	assert_int_equal(pl_conf_set(&a, "port", "0", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_int_equal(pl_conf_set(&a, "port", "25x", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_int_equal(pl_conf_set(&a, "port", "-1", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_int_equal(pl_conf_set(&a, "port", "", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_int_equal(pl_conf_set(&a, "port", "99999999999999999999", err,
				     sizeof(err)), PL_E_CONFIG);
	assert_int_equal(a.port, 0);
	assert_int_equal(pl_conf_set(&a, "port", "65535", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(a.port, 65535);
}

static void test_unsupported_auth(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str("account x\nauth digest-md5\n", 0600, NULL, &a,
				  err, sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":2: authentication method 'digest-md5' is not "
			     "supported yet");

	pl_conf_clear(&a);
	assert_int_equal(pl_conf_set(&a, "auth", "scram-sha-256-plus", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_string_equal(err,
		"authentication method 'scram-sha-256-plus' is not supported yet");
	assert_int_equal(pl_conf_set(&a, "auth", "bogus", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_contains(err, "invalid value 'bogus' for 'auth'");
	assert_int_equal(a.auth, PL_CONF_AUTH_UNSET);
}

static void test_refused_keys(void **state)
{
	static const char *const refused[] = {
		"tls_crl_file", "proxy_host", "proxy_port", "socket",
		"eval",
	};
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str("account x\nhost h\ntls_crl_file "
				  "/x.pem\n", 0600, NULL, &a, err,
				  sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":3: 'tls_crl_file' is not supported yet");

	pl_conf_clear(&a);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = '\0';
		assert_int_equal(pl_conf_set(&a, refused[i], "x", err,
					     sizeof(err)), PL_E_CONFIG);
		assert_contains(err, refused[i]);
		assert_contains(err, "not supported");
	}
}

static void test_ignored_keys(void **state)
{
	static const char rc[] =
		"defaults\n"
		"dsn_notify off\n"
		"remove_bcc_headers on\n"
		"undisclosed_recipients off\n"
		"protocol smtp\n"
		"account x\n"
		"host h.example\n";
	pl_account_conf a, ref;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err), path),
			 PL_OK);
	pl_conf_clear(&ref);
	memcpy(ref.name, "x", 2);
	memcpy(ref.host, "h.example", 10);
	memcpy(ref.dsn_notify, "off", 4); /* stored, checked by the front end */
	assert_memory_equal(&a, &ref, sizeof(a));

	assert_int_equal(load_str("account x\nprotocol lmtp\n", 0600, NULL, &a,
				  err, sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":2: protocol 'lmtp' is not supported");

	assert_int_equal(load_str("account x\nundisclosed_recipients on\n",
				  0600, NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	assert_contains(err, "not supported yet");
}

static void test_permissions(void **state)
{
	static const char rc[] =
		"account x\n"
		"host h.example\n"
		"password s3cret\n";
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(rc, 0644, NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	assert_contains(err, path);
	assert_contains(err, "contains secrets and therefore must have no more "
			     "than user read/write permissions");
	assert_string_equal(a.password, "");

	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err), path),
			 PL_OK);
	assert_string_equal(a.password, "s3cret");

	/* password in defaults counts too */
	assert_int_equal(load_str("defaults\npassword p\naccount x\n", 0640,
				  NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	assert_contains(err, "permissions");

	/* an OAuth token is a secret like a password */
	assert_int_equal(load_str("account x\noauth_token ya29.t\n", 0644, NULL, &a, err,
				  sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, "permissions");
	assert_int_equal(load_str("account x\noauth_token ya29.t\n", 0600, NULL, &a, err,
				  sizeof(err), path), PL_OK);
	assert_string_equal(a.oauth_token, "ya29.t");

	/* no secrets: a world-readable file is fine */
	assert_int_equal(load_str("account x\nhost h.example\n", 0644, NULL, &a,
				  err, sizeof(err), path), PL_OK);
	assert_string_equal(a.host, "h.example");
}

/* Credentials up to the engine's Kconfig limits, never cut. */
static void test_credential_limits(void **state)
{
	static char v[CONFIG_POSTLET_AUTH_SECRET_MAX + 2];
	pl_account_conf a;
	char err[256] = "";

	(void)state;
	pl_conf_clear(&a);
	memset(v, 'p', CONFIG_POSTLET_AUTH_SECRET_MAX);
	assert_int_equal(pl_conf_set(&a, "password", v, err, sizeof(err)), PL_OK);
	assert_int_equal(strlen(a.password), CONFIG_POSTLET_AUTH_SECRET_MAX);
	assert_int_equal(pl_conf_set(&a, "oauth_token", v, err, sizeof(err)), PL_OK);
	v[CONFIG_POSTLET_AUTH_SECRET_MAX] = 'p';
	assert_int_equal(pl_conf_set(&a, "password", v, err, sizeof(err)), PL_E_CONFIG);
	assert_contains(err, "too long");
	assert_int_equal(strlen(a.password), CONFIG_POSTLET_AUTH_SECRET_MAX); /* unchanged */
	assert_int_equal(pl_conf_set(&a, "oauth_token", v, err, sizeof(err)), PL_E_CONFIG);
	v[CONFIG_POSTLET_AUTH_USER_MAX] = '\0';
	assert_int_equal(pl_conf_set(&a, "user", v, err, sizeof(err)), PL_OK);
	v[CONFIG_POSTLET_AUTH_USER_MAX] = 'u';
	v[CONFIG_POSTLET_AUTH_USER_MAX + 1] = '\0';
	assert_int_equal(pl_conf_set(&a, "user", v, err, sizeof(err)), PL_E_CONFIG);
}

static void test_dev_null(void **state)
{
	pl_account_conf a;
	char err[256] = "unchanged";

	(void)state;
	memset(&a, 0x33, sizeof(a));
	assert_int_equal(pl_conf_load("/dev/null", NULL, &a, err, sizeof(err)),
			 PL_OK);
	assert_string_equal(a.name, "");
	assert_string_equal(a.host, "");
	assert_int_equal(a.port, 0);
	assert_int_equal(a.tls, -1);
	assert_int_equal(a.auth, PL_CONF_AUTH_UNSET);
	assert_int_equal(a.set_from_header, -1);
}

static void test_missing_file(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char want[256];
	const char *path = "/nonexistent/postlet/msmtprc";

	(void)state;
	assert_int_equal(pl_conf_load(path, NULL, &a, err, sizeof(err)),
			 PL_E_NOCONFIG);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, want);
}

static void test_unknown_account(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char want[128];
	char path[64];

	(void)state;
	assert_int_equal(load_str(typical_rc, 0600, "nope", &a, err,
				  sizeof(err), path), PL_E_CONFIG);
	snprintf(want, sizeof(want), "%s: account 'nope' not found", path);
	assert_string_equal(err, want);
	assert_string_equal(a.host, "");
}

static void test_long_value(void **state)
{
	char rc[600];
	char big[PL_CONF_PATH_MAX + 8];
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	/* 256 bytes does not fit host[256] (needs the NUL) */
	snprintf(rc, sizeof(rc), "account x\nhost %0256d\n", 0);
	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	assert_contains(err, ":2: value for 'host' is too long");

	/* 255 bytes fits exactly */
	snprintf(rc, sizeof(rc), "account x\nhost %0255d\n", 0);
	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err), path),
			 PL_OK);
	assert_int_equal(strlen(a.host), 255);

	/* account names are bounded too */
	snprintf(rc, sizeof(rc), "account %070d\n", 0);
	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	assert_contains(err, ":1: account name is too long");

	/* ~ expansion that overflows the path field */
	pl_conf_clear(&a);
	memset(big, 'd', sizeof(big) - 1);
	big[0] = '~';
	big[1] = '/';
	big[PL_CONF_PATH_MAX - 8] = '\0';
	assert_int_equal(pl_conf_set(&a, "logfile", big, err, sizeof(err)),
			 PL_E_CONFIG);
	assert_string_equal(err, "value for 'logfile' is too long (at most "
				 "1023 bytes)");
	assert_string_equal(a.logfile, "");
}

static void test_long_line(void **state)
{
	char *rc = malloc(5000);
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_non_null(rc);
	strcpy(rc, "account x\nuser ");
	memset(rc + strlen(rc), 'u', 4500);
	strcpy(rc + 15 + 4500, "\n");
	assert_int_equal(load_str(rc, 0600, NULL, &a, err, sizeof(err), path),
			 PL_E_CONFIG);
	assert_contains(err, ":2: line is too long");
	free(rc);
}

static void test_set_each_kind(void **state)
{
	pl_account_conf a;
	char err[256] = "";

	(void)state;
	pl_conf_clear(&a);

	/* strings */
	assert_int_equal(pl_conf_set(&a, "host", "mx.example", err,
				     sizeof(err)), PL_OK);
	assert_string_equal(a.host, "mx.example");
	assert_int_equal(pl_conf_set(&a, "host", "", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_string_equal(err, "'host' needs a value");
	assert_int_equal(pl_conf_set(&a, "user", "bob", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(pl_conf_set(&a, "password", "pw", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(pl_conf_set(&a, "from", "b@x.org", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(pl_conf_set(&a, "domain", "client.x.org", err,
				     sizeof(err)), PL_OK);
	assert_int_equal(pl_conf_set(&a, "maildomain", "x.org", err,
				     sizeof(err)), PL_OK);
	assert_int_equal(pl_conf_set(&a, "passwordeval", "pass show x", err,
				     sizeof(err)), PL_OK);
	assert_string_equal(a.user, "bob");
	assert_string_equal(a.password, "pw");
	assert_string_equal(a.from, "b@x.org");
	assert_string_equal(a.domain, "client.x.org");
	assert_string_equal(a.maildomain, "x.org");
	assert_string_equal(a.passwordeval, "pass show x");

	/* paths */
	assert_int_equal(pl_conf_set(&a, "tls_trust_file", "~/ca.pem", err,
				     sizeof(err)), PL_OK);
	assert_string_equal(a.tls_trust_file, TEST_HOME "/ca.pem");
	assert_int_equal(pl_conf_set(&a, "logfile", "~", err, sizeof(err)),
			 PL_OK);
	assert_string_equal(a.logfile, TEST_HOME);
	assert_int_equal(pl_conf_set(&a, "logfile", "~other/x", err,
				     sizeof(err)), PL_OK);
	assert_string_equal(a.logfile, "~other/x");

	/* booleans */
	assert_int_equal(pl_conf_set(&a, "tls", "on", err, sizeof(err)), PL_OK);
	assert_int_equal(a.tls, 1);
	assert_int_equal(pl_conf_set(&a, "tls_starttls", "off", err,
				     sizeof(err)), PL_OK);
	assert_int_equal(a.tls_starttls, 0);
	assert_int_equal(pl_conf_set(&a, "tls_certcheck", "", err,
				     sizeof(err)), PL_OK);
	assert_int_equal(a.tls_certcheck, 1);
	assert_int_equal(pl_conf_set(&a, "tls", "yes", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_string_equal(err, "invalid value 'yes' for 'tls' "
				 "(expected on or off)");
	assert_int_equal(a.tls, 1);

	/* auth */
	assert_int_equal(pl_conf_set(&a, "auth", "plain", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(a.auth, PL_CONF_AUTH_PLAIN);
	assert_int_equal(pl_conf_set(&a, "auth", "LOGIN", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(a.auth, PL_CONF_AUTH_LOGIN);
	{
		static const struct {
			const char *v;
			enum pl_conf_auth a;
		} mechs[] = {
			{ "cram-md5", PL_CONF_AUTH_CRAM_MD5 },
			{ "SCRAM-SHA-1", PL_CONF_AUTH_SCRAM_SHA1 },
			{ "scram-sha-256", PL_CONF_AUTH_SCRAM_SHA256 },
			{ "xoauth2", PL_CONF_AUTH_XOAUTH2 },
			{ "oauthbearer", PL_CONF_AUTH_OAUTHBEARER },
			{ "external", PL_CONF_AUTH_EXTERNAL },
		};
		for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
			assert_int_equal(pl_conf_set(&a, "auth", mechs[i].v, err, sizeof(err)),
					 PL_OK);
			assert_int_equal(a.auth, mechs[i].a);
		}
	}
	assert_int_equal(pl_conf_set(&a, "oauth_token", "ya29.token", err, sizeof(err)), PL_OK);
	assert_string_equal(a.oauth_token, "ya29.token");
	assert_int_equal(pl_conf_set(&a, "auth", "off", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(a.auth, PL_CONF_AUTH_OFF);
	assert_int_equal(pl_conf_set(&a, "auth", "", err, sizeof(err)), PL_OK);
	assert_int_equal(a.auth, PL_CONF_AUTH_ON);

	/* timeout */
	assert_int_equal(pl_conf_set(&a, "timeout", "30", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(a.timeout_s, 30);
	assert_int_equal(pl_conf_set(&a, "timeout", "0", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_int_equal(pl_conf_set(&a, "timeout", "1m", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_int_equal(a.timeout_s, 30);
	assert_int_equal(pl_conf_set(&a, "timeout", "off", err, sizeof(err)),
			 PL_OK);
	assert_int_equal(a.timeout_s, 0);

	/* set_from_header */
	assert_int_equal(pl_conf_set(&a, "set_from_header", "on", err,
				     sizeof(err)), PL_OK);
	assert_int_equal(a.set_from_header, 1);
	assert_int_equal(pl_conf_set(&a, "set_from_header", "off", err,
				     sizeof(err)), PL_OK);
	assert_int_equal(a.set_from_header, 0);
	assert_int_equal(pl_conf_set(&a, "set_from_header", "auto", err,
				     sizeof(err)), PL_OK);
	assert_int_equal(a.set_from_header, -1);
	assert_int_equal(pl_conf_set(&a, "set_from_header", "maybe", err,
				     sizeof(err)), PL_E_CONFIG);

	/* unknown, structural keys */
	assert_int_equal(pl_conf_set(&a, "colour", "red", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_string_equal(err, "unknown key 'colour'");
	assert_int_equal(pl_conf_set(&a, "account", "x", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_string_equal(err, "unknown key 'account'");
	assert_string_equal(a.name, "");

	/* NULL value behaves as empty */
	assert_int_equal(pl_conf_set(&a, "tls", NULL, err, sizeof(err)), PL_OK);
	assert_int_equal(a.tls, 1);
}

static void test_merge(void **state)
{
	pl_account_conf base, top;

	(void)state;
	pl_conf_clear(&base);
	pl_conf_clear(&top);
	memcpy(base.name, "base", 5);
	memcpy(base.host, "base.example", 13);
	memcpy(base.user, "baseuser", 9);
	base.port = 25;
	base.tls = 1;
	base.tls_certcheck = 1;
	base.auth = PL_CONF_AUTH_LOGIN;
	base.timeout_s = 10;
	base.set_from_header = 1;

	memcpy(top.name, "top", 4);
	memcpy(top.host, "top.example", 12);
	memcpy(top.from, "t@example.org", 14);
	top.port = 587;
	top.tls = 0;            /* explicit off overrides on */
	top.tls_starttls = 1;
	top.set_from_header = 0;

	pl_conf_merge(&base, &top);
	assert_string_equal(base.name, "base");        /* never merged */
	assert_string_equal(base.host, "top.example");
	assert_string_equal(base.user, "baseuser");    /* unset in top */
	assert_string_equal(base.from, "t@example.org");
	assert_int_equal(base.port, 587);
	assert_int_equal(base.tls, 0);
	assert_int_equal(base.tls_starttls, 1);
	assert_int_equal(base.tls_certcheck, 1);       /* -1 in top */
	assert_int_equal(base.auth, PL_CONF_AUTH_LOGIN); /* UNSET in top */
	assert_int_equal(base.timeout_s, 10);          /* 0 in top */
	assert_int_equal(base.set_from_header, 0);

	top.auth = PL_CONF_AUTH_OFF;
	top.timeout_s = 99;
	pl_conf_merge(&base, &top);
	assert_int_equal(base.auth, PL_CONF_AUTH_OFF);
	assert_int_equal(base.timeout_s, 99);
}

static void test_syntax_errors(void **state)
{
	pl_account_conf a;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str("defaults x\n", 0600, NULL, &a, err,
				  sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":1: 'defaults' does not take a value");

	assert_int_equal(load_str("account\n", 0600, NULL, &a, err,
				  sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":1: missing account name");

	assert_int_equal(load_str("account a\naccount b : \n", 0600, NULL, &a,
				  err, sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":2: missing account name");

	assert_int_equal(load_str("account a\nhost\n", 0600, NULL, &a, err,
				  sizeof(err), path), PL_E_CONFIG);
	assert_contains(err, ":2: 'host' needs a value");
}

static void test_nul_byte(void **state)
{
	static const char rc[] = "account a\nhost x\0y\n";
	pl_account_conf a;
	char err[256] = "";
	char path[64];
	int fd;

	(void)state;
	strcpy(path, "/tmp/test_conf_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, rc, sizeof(rc) - 1), (ssize_t)sizeof(rc) - 1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(pl_conf_load(path, NULL, &a, err, sizeof(err)),
			 PL_E_CONFIG);
	assert_int_equal(unlink(path), 0);
	assert_contains(err, ":2: line contains a NUL byte");
}

static void test_directory(void **state)
{
	pl_account_conf a;
	char err[256] = "";

	(void)state;
	assert_int_equal(pl_conf_load("/tmp", NULL, &a, err, sizeof(err)),
			 PL_E_NOCONFIG);
	assert_contains(err, "/tmp: ");
}

static void test_small_err_buffer(void **state)
{
	pl_account_conf a;
	char err[8];
	char path[64];

	(void)state;
	memset(err, 'z', sizeof(err));
	assert_int_equal(load_str("bogus 1\n", 0600, NULL, &a, err,
				  sizeof(err), path), PL_E_CONFIG);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	/* and a NULL buffer is tolerated */
	assert_int_equal(load_str("bogus 1\n", 0600, NULL, &a, NULL, 0, path),
			 PL_E_CONFIG);
}

/* The sendmail drop-in keys: aliases, syslog, password_file, password_env. */
static void test_dropin_keys(void **state)
{
	static const char rc[] =
		"defaults\n"
		"syslog LOG_MAIL\n"
		"aliases ~/aliases\n"
		"password_file ~/.pw\n"
		"account x\n"
		"host h.example\n"
		"password_env SMTP_PW\n"
		"account y : x\n"
		"syslog\n";
	pl_account_conf a, top;
	char err[256] = "";
	char path[64];

	(void)state;
	assert_int_equal(load_str(rc, 0600, "x", &a, err, sizeof(err), path), PL_OK);
	assert_string_equal(a.syslog, "LOG_MAIL");
	assert_string_equal(a.aliases, TEST_HOME "/aliases");
	assert_string_equal(a.password_file, TEST_HOME "/.pw");
	assert_string_equal(a.password_env, "SMTP_PW");
	/* an empty boolean means on, and on means LOG_USER as in msmtp */
	assert_int_equal(load_str(rc, 0600, "y", &a, err, sizeof(err), path), PL_OK);
	assert_string_equal(a.syslog, "LOG_USER");
	assert_string_equal(a.password_env, "SMTP_PW");

	assert_int_equal(pl_conf_set(&a, "syslog", "off", err, sizeof(err)), PL_OK);
	assert_string_equal(a.syslog, "off");
	assert_int_equal(pl_conf_set(&a, "syslog", "local3", err, sizeof(err)), PL_OK);
	assert_string_equal(a.syslog, "LOG_LOCAL3");
	assert_int_equal(pl_conf_set(&a, "syslog", "LOG_KERN", err, sizeof(err)),
			 PL_E_CONFIG);
	assert_contains(err, "invalid value 'LOG_KERN' for 'syslog'");
	assert_string_equal(a.syslog, "LOG_LOCAL3");

	/* the command line overlays each of them */
	pl_conf_clear(&top);
	assert_int_equal(pl_conf_set(&top, "aliases", "/etc/aliases", err, sizeof(err)), PL_OK);
	assert_int_equal(pl_conf_set(&top, "password_env", "OTHER", err, sizeof(err)), PL_OK);
	pl_conf_merge(&a, &top);
	assert_string_equal(a.aliases, "/etc/aliases");
	assert_string_equal(a.password_env, "OTHER");
	assert_string_equal(a.syslog, "LOG_LOCAL3");
	assert_string_equal(a.password_file, TEST_HOME "/.pw");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_typical_starttls),
		cmocka_unit_test(test_inherit_two_bases),
		cmocka_unit_test(test_inherit_unknown_base),
		cmocka_unit_test(test_duplicate_account),
		cmocka_unit_test(test_defaults_only_later),
		cmocka_unit_test(test_defaults_only_file),
		cmocka_unit_test(test_settings_before_section),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_quote_errors),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_unsupported_auth),
		cmocka_unit_test(test_credential_limits),
		cmocka_unit_test(test_refused_keys),
		cmocka_unit_test(test_ignored_keys),
		cmocka_unit_test(test_dropin_keys),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_dev_null),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unknown_account),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_set_each_kind),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_small_err_buffer),
	};

	return cmocka_run_group_tests(tests, setup_home, NULL);
}
