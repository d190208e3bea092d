/*
 * Fault injection under the POSIX port: fail the Nth call.
 *
 * Linked into a test build of postlet with -Wl,--wrap=<call> for every call
 * below, so port/posix/port_posix.c (and through it the wolfSSL I/O
 * callbacks in agent/tls, which reach the network only via agent/link.c and
 * the port) calls these wrappers instead of libc.  Every wrapped call is
 * numbered from 1 in the order the program makes it.
 *
 * Environment:
 *   PL_FAULT_N=N        inject at call N (0 or unset: count only)
 *   PL_FAULT_V=V        which fault, from the call's list of kinds (mod len)
 *   PL_FAULT_REPORT=F   at exit, write "calls TOTAL", one "call I TYPE" line
 *                       per call, "injected I TYPE KIND" and "fds N" (open
 *                       descriptors the process did not inherit) to F
 * A descriptor still open at exit is a leak: the report says so and the
 * process exits 98 instead of its own status.
 *
 * Hook for file I/O (the queue): pl_fault_point(type, nkinds) counts one
 * call of `type` and returns 1 + the kind index when this call is the one
 * to fail, 0 otherwise; a wrapper for write/fsync/rename calls it and fails
 * with the matching errno.  Add the kinds to kinds[] below.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

int __real_socket(int, int, int);
int __real_connect(int, const struct sockaddr *, socklen_t);
ssize_t __real_send(int, const void *, size_t, int);
ssize_t __real_recv(int, void *, size_t, int);
int __real_poll(struct pollfd *, nfds_t, int);
int __real_clock_gettime(clockid_t, struct timespec *);
ssize_t __real_getrandom(void *, size_t, unsigned);
time_t __real_time(time_t *);
/* _FORTIFY_SOURCE (the default host build) turns these calls into the
 * checking variants, so those are wrapped too */
int __real___poll_chk(struct pollfd *, nfds_t, int, size_t);
ssize_t __real___recv_chk(int, void *, size_t, size_t, int);

/* The kinds of failure per call type; PL_FAULT_V picks one. */
static const struct {
	const char *type;
	const char *kinds[4];
	int n;
} kinds[] = {
	{ "socket", { "emfile" }, 1 },
	{ "connect", { "refused", "eintr" }, 2 },
	{ "send", { "short", "reset", "eintr", "eagain" }, 4 },
	{ "recv", { "short", "eof", "reset", "eintr" }, 4 },
	{ "poll", { "timeout", "eintr" }, 2 },
	{ "clock", { "jump", "fail" }, 2 },
	{ "random", { "enosys", "eintr" }, 2 },
	{ "time", { "fail" }, 1 },
	/* file I/O of the queue's spool (tests/fault/store_fault.c) */
	{ "write", { "eio", "enospc", "short", "eintr" }, 4 },
	{ "fsync", { "eio" }, 1 },
	{ "link", { "eio" }, 1 },
	{ "rename", { "eio" }, 1 },
	{ "open", { "emfile", "eacces" }, 2 },
};

#define MAX_LOG 4096
static unsigned long calls, inject_at, variant;
static int configured;
static unsigned char call_type[MAX_LOG];
static int injected_type = -1, injected_kind = -1;
static unsigned long injected_at;
static int64_t clock_skew_s; /* a "jump" moves the clock a day ahead for good */

static void configure(void)
{
	const char *n = getenv("PL_FAULT_N"), *v = getenv("PL_FAULT_V");

	configured = 1;
	inject_at = n ? strtoul(n, NULL, 10) : 0;
	variant = v ? strtoul(v, NULL, 10) : 0;
}

static int type_index(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].type, type) == 0)
			return (int)i;
	abort();
}

/* Count one call; 1 + kind index if this one fails, else 0. */
int pl_fault_point(const char *type, int nkinds);
int pl_fault_point(const char *type, int nkinds)
{
	int t = type_index(type);

	(void)nkinds;
	if (!configured)
		configure();
	calls++;
	if (calls <= MAX_LOG)
		call_type[calls - 1] = (unsigned char)t;
	if (calls != inject_at)
		return 0;
	injected_type = t;
	injected_kind = (int)(variant % (unsigned long)kinds[t].n);
	injected_at = calls;
	return 1 + injected_kind;
}

static int hit(const char *type)
{
	return pl_fault_point(type, 0) - 1; /* -1: no fault, else the kind */
}

int __wrap_socket(int domain, int type, int proto)
{
	if (hit("socket") == 0) {
		errno = EMFILE;
		return -1;
	}
	return __real_socket(domain, type, proto);
}

int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int k = hit("connect"), rc;

	if (k == 0) {
		errno = ECONNREFUSED;
		return -1;
	}
	rc = __real_connect(fd, sa, len);
	if (k == 1 && rc != 0 && errno == EINPROGRESS)
		errno = EINTR; /* interrupted: the connection goes on in the background */
	return rc;
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	switch (hit("send")) {
	case 0:
		return __real_send(fd, buf, len > 1 ? len / 2 : len, flags);
	case 1:
		errno = ECONNRESET;
		return -1;
	case 2:
		errno = EINTR;
		return -1;
	case 3:
		errno = EAGAIN;
		return -1;
	default:
		return __real_send(fd, buf, len, flags);
	}
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	switch (hit("recv")) {
	case 0:
		return __real_recv(fd, buf, len ? 1 : 0, flags);
	case 1:
		return 0;
	case 2:
		errno = ECONNRESET;
		return -1;
	case 3:
		errno = EINTR;
		return -1;
	default:
		return __real_recv(fd, buf, len, flags);
	}
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	switch (hit("poll")) {
	case 0:
		/* the wait ran out: no readiness, and the clock says so */
		clock_skew_s += (int64_t)timeout / 1000 + 1;
		return 0;
	case 1:
		errno = EINTR;
		return -1;
	default:
		return __real_poll(fds, n, timeout);
	}
}

int __wrap___poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	switch (hit("poll")) {
	case 0:
		clock_skew_s += (int64_t)timeout / 1000 + 1;
		return 0;
	case 1:
		errno = EINTR;
		return -1;
	default:
		return __real___poll_chk(fds, n, timeout, fdslen);
	}
}

ssize_t __wrap___recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	switch (hit("recv")) {
	case 0:
		return __real___recv_chk(fd, buf, len ? 1 : 0, buflen, flags);
	case 1:
		return 0;
	case 2:
		errno = ECONNRESET;
		return -1;
	case 3:
		errno = EINTR;
		return -1;
	default:
		return __real___recv_chk(fd, buf, len, buflen, flags);
	}
}

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	int k = hit("clock"), rc;

	if (k == 1) {
		errno = EINVAL;
		return -1;
	}
	if (k == 0)
		clock_skew_s += 86400;
	rc = __real_clock_gettime(id, ts);
	if (rc == 0 && id == CLOCK_MONOTONIC)
		ts->tv_sec += clock_skew_s;
	return rc;
}

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
	switch (hit("random")) {
	case 0:
		errno = ENOSYS;
		return -1;
	case 1:
		errno = EINTR;
		return -1;
	default:
		return __real_getrandom(buf, len, flags);
	}
}

time_t __wrap_time(time_t *t)
{
	if (hit("time") == 0) {
		if (t)
			*t = (time_t)-1;
		return (time_t)-1;
	}
	return __real_time(t);
}

/* Descriptors open before main (inherited from the caller) are not ours. */
#define FD_TRACK 1024
static unsigned char inherited[FD_TRACK];

static int open_fds(char *list, size_t cap, int snapshot)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0, self = d ? dirfd(d) : -1;
	size_t o = 0;

	list[0] = '\0';
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		int fd;
		char path[64], target[128];
		ssize_t l;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == self)
			continue;
		if (snapshot) {
			if (fd < FD_TRACK)
				inherited[fd] = 1;
			continue;
		}
		if (fd <= 2 || (fd < FD_TRACK && inherited[fd]))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		l = readlink(path, target, sizeof(target) - 1);
		target[l > 0 ? l : 0] = '\0';
		if (o < cap)
			o += (size_t)snprintf(list + o, cap - o, " %d:%s", fd, target);
		n++;
	}
	closedir(d);
	return n;
}

__attribute__((constructor)) static void snapshot(void)
{
	char none[1];

	(void)open_fds(none, 0, 1);
}

static int unhex(const char *h, unsigned char *out, size_t cap)
{
	size_t n = 0;

	for (; h[0] && h[1] && h[0] != ',' && n < cap; h += 2) {
		unsigned v;

		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (unsigned char)v;
	}
	return (int)n;
}

/*
 * PL_FAULT_SECRETS=hex[,hex...]: after main returned, search every
 * writable mapping (heap, stack, data) for each secret, i.e. what a core
 * dump taken now would show.  Hex, so the environment itself does not hold
 * the secret.  Prints "secret K at REGION" lines; exits 97 if any is found.
 */
static int scan_secrets(void)
{
	const char *list = getenv("PL_FAULT_SECRETS");
	unsigned char secret[8][300];
	int len[8], ns = 0, found = 0, k;
	FILE *maps;
	char line[512];

	while (list && *list && ns < 8) {
		len[ns] = unhex(list, secret[ns], sizeof(secret[ns]));
		if (len[ns] > 0)
			ns++;
		list = strchr(list, ',');
		list = list ? list + 1 : NULL;
	}
	if (!ns || !(maps = fopen("/proc/self/maps", "r")))
		return 0;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		char perm[8], name[256] = "";

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perm, name) < 3)
			continue;
		if (perm[0] != 'r' || perm[1] != 'w' || hi - lo > (64ul << 20) ||
		    strcmp(name, "[vvar]") == 0)
			continue;
		for (k = 0; k < ns; k++) {
			const unsigned char *p = (const unsigned char *)lo, *end = (const unsigned char *)hi;

			while (p < end && (p = memmem(p, (size_t)(end - p), secret[k], (size_t)len[k]))) {
				/* our own copies in this scanner do not count */
				if (p < (unsigned char *)secret || p >= (unsigned char *)secret + sizeof(secret)) {
					fprintf(stderr, "port_fault: secret %d still in memory at %s+0x%lx\n", k,
						name[0] ? name : "[anon]", (unsigned long)(p - (const unsigned char *)lo));
					found++;
				}
				p++;
			}
		}
	}
	fclose(maps);
	return found;
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("PL_FAULT_REPORT");
	char fdlist[512];
	int nfd = open_fds(fdlist, sizeof(fdlist), 0);
	FILE *f;
	unsigned long i;

	if (path && (f = fopen(path, "w")) != NULL) {
		fprintf(f, "calls %lu\n", calls);
		for (i = 0; i < calls && i < MAX_LOG; i++)
			fprintf(f, "call %lu %s\n", i + 1, kinds[call_type[i]].type);
		if (injected_type >= 0)
			fprintf(f, "injected %lu %s %s\n", injected_at, kinds[injected_type].type,
				kinds[injected_type].kinds[injected_kind]);
		fprintf(f, "fds %d%s\n", nfd, fdlist);
		fclose(f);
	}
	if (nfd) {
		fprintf(stderr, "port_fault: %d descriptor(s) left open at exit:%s\n", nfd, fdlist);
		_exit(98);
	}
	if (scan_secrets())
		_exit(97);
}
