/*
 * Fuzz target: the msmtprc parser (agent/cli/conf.c) on a hostile file,
 * and pl_conf_set() as the long options (--key=value) reach it.
 *
 * Input: byte 0 picks the account to select and the file mode; the rest
 * is the file.  The file lives in a memfd, so no disk is touched.  Besides
 * memory safety: every result is a defined error with a message, every
 * string field comes back NUL-terminated, and a file with a password that
 * others may read is refused.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define TERMINATED(f) CHECK(memchr((f), '\0', sizeof(f)) != NULL)

static void check_fields(const pl_account_conf *a)
{
	TERMINATED(a->name);
	TERMINATED(a->host);
	TERMINATED(a->tls_trust_file);
	TERMINATED(a->user);
	TERMINATED(a->password);
	TERMINATED(a->passwordeval);
	TERMINATED(a->from);
	TERMINATED(a->domain);
	TERMINATED(a->maildomain);
	TERMINATED(a->logfile);
	CHECK(a->port <= 65535);
	CHECK(a->tls >= -1 && a->tls <= 1 && a->tls_starttls >= -1 && a->tls_starttls <= 1);
	CHECK(a->tls_certcheck >= -1 && a->tls_certcheck <= 1);
	CHECK(a->set_from_header >= -1 && a->set_from_header <= 1);
	CHECK(a->auth >= PL_CONF_AUTH_UNSET && a->auth < PL_CONF_AUTH__COUNT);
}

/* "key=value" from the first line of the input, as a long option. */
static void long_option(const uint8_t *d, size_t n)
{
	char buf[512], err[256];
	const char *eq;
	size_t l = 0;
	pl_account_conf a;
	pl_err e;

	while (l < n && l < sizeof(buf) - 1 && d[l] != '\n' && d[l] != '\0') {
		buf[l] = (char)d[l];
		l++;
	}
	buf[l] = '\0';
	eq = strchr(buf, '=');
	if (!eq)
		return;
	buf[eq - buf] = '\0';
	pl_conf_clear(&a);
	err[0] = '\0';
	e = pl_conf_set(&a, buf, eq + 1, err, sizeof(err));
	CHECK(e == PL_OK || (e == PL_E_CONFIG && err[0]));
	check_fields(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const accounts[] = { NULL, "", "default", "work", "a", "b" };
	char path[64], err[256];
	pl_account_conf out;
	uint8_t sel;
	int fd;
	pl_err e;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	long_option(data, size);

	fd = memfd_create("postlet-fuzz-conf", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(fchmod(fd, (sel & 0x80) ? 0644 : 0600) == 0);
	CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	err[0] = '\0';
	e = pl_conf_load(path, accounts[(sel & 0x7f) % 6], &out, err, sizeof(err));
	CHECK(e == PL_OK || e == PL_E_CONFIG || e == PL_E_NOCONFIG);
	if (e == PL_OK) {
		check_fields(&out);
		/* a secret in a file others can read is refused, whatever the account */
		CHECK(!(sel & 0x80) || !out.password[0]);
	} else {
		CHECK(err[0] != '\0');
		TERMINATED(err);
	}
	close(fd);
	return 0;
}
