#include "tls_account.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static pl_tls_pin pins[PL_TLS_PINS_MAX];
static pl_tls_cache cache;
static char state_path[PL_CONF_PATH_MAX]; /* "" = no state file */

static void wipe(void *p, size_t n)
{
	void *(*const volatile w)(void *, int, size_t) = memset;

	(void)w(p, 0, n);
}

static void state_warn(const char *why)
{
	fprintf(stderr, "postlet: warning: ignoring TLS state file %s: %s\n", state_path, why);
}

/* A directory only we can write, created if missing. */
static int private_dir(const char *d)
{
	struct stat st;

	if (mkdir(d, 0700) != 0 && errno != EEXIST)
		return 0;
	return stat(d, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & 022);
}

/* $XDG_CACHE_HOME/postlet/tls-HOST-PORT-MODE, or ~/.cache/postlet/... */
static int state_file_path(const pl_account *a)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char dir[PL_CONF_PATH_MAX - 128], host[64];
	size_t i;
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s", xdg);
	else if (home && home[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/.cache", home);
	else
		return 0;
	if (n < 0 || (size_t)n >= sizeof(dir) - 9)
		return 0;
	if (!xdg || xdg[0] != '/')
		(void)mkdir(dir, 0700);
	memcpy(dir + n, "/postlet", sizeof("/postlet")); /* room checked above */
	if (!private_dir(dir)) {
		fprintf(stderr, "postlet: warning: not keeping TLS state: %s is not a private "
				"directory of this user\n", dir);
		return 0;
	}
	for (i = 0; i < sizeof(host) - 1 && a->host[i]; i++) {
		char ch = a->host[i];

		host[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ? ch : '_';
	}
	host[i] = '\0';
	snprintf(state_path, sizeof(state_path), "%s/tls-%s-%u-%s", dir, host, (unsigned)a->port,
		 a->tls_mode == PL_TLS_IMPLICIT ? "tls" : "starttls");
	return 1;
}

/* Only a regular file of ours, private, sane size and self-consistent is
 * used; anything else is ignored with a warning and never trusted. */
static void state_load(void)
{
	static uint8_t buf[PL_TLS_RECORD_MAX];
	struct stat st;
	ssize_t n;
	int fd = open(state_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		if (errno != ENOENT)
			state_warn(strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		state_warn("not a regular file");
	else if (st.st_uid != geteuid())
		state_warn("owned by another user");
	else if (st.st_mode & 077)
		state_warn("readable or writable by group or others");
	else if (st.st_size > (off_t)sizeof(buf))
		state_warn("too large");
	else if ((n = read(fd, buf, sizeof(buf))) < 0 || n != st.st_size)
		state_warn("cannot read it");
	else if (pl_tls_cache_import(&cache, buf, (size_t)n) != PL_OK)
		state_warn("damaged or truncated");
	close(fd);
	wipe(buf, sizeof(buf));
}

void pl_cli_tls_state_save(void)
{
	static uint8_t buf[PL_TLS_RECORD_MAX];
	char tmp[sizeof(state_path) + 16];
	size_t n;
	int fd, ok;

	if (!state_path[0])
		return;
	n = pl_tls_cache_export(&cache, buf, sizeof(buf));
	pl_tls_cache_clear(&cache);
	if (n == 0) {
		(void)unlink(state_path); /* failed or unverifiable: forget the server */
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", state_path);
	fd = mkstemp(tmp); /* mode 0600 */
	ok = fd >= 0 && write(fd, buf, n) == (ssize_t)n && fsync(fd) == 0;
	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	if (ok)
		ok = rename(tmp, state_path) == 0;
	if (!ok) {
		fprintf(stderr, "postlet: warning: cannot write TLS state file %s: %s\n", state_path,
			strerror(errno));
		if (fd >= 0)
			(void)unlink(tmp);
	}
	wipe(buf, n);
}

/* "A, B C" -> pins; list separators are commas and blanks. */
static int parse_pins(const char *key, const char *list, pl_tls_pin_kind kind, size_t *n)
{
	const char *p = list;

	while (*p) {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (!len)
			break;
		if (*n == PL_TLS_PINS_MAX) {
			fprintf(stderr, "postlet: at most %d pins in tls_fingerprint and tls_pin_spki\n",
				PL_TLS_PINS_MAX);
			return EX_CONFIG;
		}
		if (pl_tls_pin_parse(p, len, kind, &pins[*n]) != PL_OK) {
			fprintf(stderr, "postlet: invalid %s '%.*s': expected %s\n", key, (int)len, p,
				kind == PL_TLS_PIN_CERT_SHA256
					? "a SHA-256 fingerprint, 32 hex bytes AA:BB:... (SHA-1 and MD5 are not accepted)"
					: "base64 of a SHA-256 digest (44 characters)");
			return EX_CONFIG;
		}
		(*n)++;
		p += len;
	}
	return 0;
}

int pl_cli_tls_account(const pl_account_conf *c, pl_account *a)
{
	size_t n = 0;
	int rc;

	rc = parse_pins("tls_fingerprint", c->tls_fingerprint, PL_TLS_PIN_CERT_SHA256, &n);
	if (!rc)
		rc = parse_pins("tls_pin_spki", c->tls_pin_spki, PL_TLS_PIN_SPKI_SHA256, &n);
	if (rc)
		return rc;
	a->tls_pins = n ? pins : NULL;
	a->tls_npins = n;
	a->tls_no_verify = c->tls_certcheck == 0;
	if (a->tls_no_verify && a->tls_mode != PL_TLS_OFF)
		fprintf(stderr, "postlet: warning: tls_certcheck is off: the server's certificate is "
				"NOT verified, so anyone on the path can impersonate it and read the "
				"password and the mail\n");
	if (a->tls_no_verify && n)
		fprintf(stderr, "postlet: warning: tls_certcheck off also disables the configured pins\n");
	a->tls_cert_file = c->tls_cert_file[0] ? c->tls_cert_file : NULL;
	a->tls_key_file = c->tls_key_file[0] ? c->tls_key_file : NULL;
	if (a->tls_key_file && !a->tls_cert_file) {
		fprintf(stderr, "postlet: tls_key_file is set but tls_cert_file is not\n");
		return EX_CONFIG;
	}
	if (!a->tls_key_file && a->tls_cert_file)
		a->tls_key_file = a->tls_cert_file; /* key and certificate in one PEM file */
	if (c->tls_host_override[0])
		a->tls_name = c->tls_host_override;
	state_path[0] = '\0';
	if (c->tls_session_cache == 1 && a->tls_mode != PL_TLS_OFF && state_file_path(a)) {
		state_load();
		a->tls_cache = &cache;
	}
	return 0;
}
