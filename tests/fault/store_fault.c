/*
 * Fault injection for the queue's file I/O (port/posix/store_posix.c):
 * linked with port_fault.c into $(O)/fault/postlet-store with
 * -Wl,--wrap for each call below, numbered with the network calls by
 * pl_fault_point().  tests/queue/faults.sh sweeps them over queueing a
 * message and flushing it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

int pl_fault_point(const char *type, int nkinds);

ssize_t __real_write(int, const void *, size_t);
ssize_t __real_pwrite(int, const void *, size_t, off_t);
int __real_fsync(int);
int __real_fdatasync(int);
int __real_linkat(int, const char *, int, const char *, int);
int __real_renameat(int, const char *, int, const char *);
int __real_openat(int, const char *, int, ...);

static int hit(const char *type)
{
	return pl_fault_point(type, 0) - 1;
}

/* -1 with errno for kinds eio, enospc, eintr; 1 for a short write */
static int write_fault(size_t *len)
{
	switch (hit("write")) {
	case 0:
		errno = EIO;
		return -1;
	case 1:
		errno = ENOSPC;
		return -1;
	case 2:
		*len = *len > 1 ? *len / 2 : *len;
		return 0;
	case 3:
		errno = EINTR;
		return -1;
	default:
		return 0;
	}
}

ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
	if (fd > 2 && write_fault(&len) < 0)
		return -1;
	return __real_write(fd, buf, len);
}

ssize_t __wrap_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (write_fault(&len) < 0)
		return -1;
	return __real_pwrite(fd, buf, len, off);
}

int __wrap_fsync(int fd)
{
	if (hit("fsync") == 0) {
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
}

int __wrap_fdatasync(int fd)
{
	if (hit("fsync") == 0) {
		errno = EIO;
		return -1;
	}
	return __real_fdatasync(fd);
}

int __wrap_linkat(int a, const char *p, int b, const char *q, int flags)
{
	if (hit("link") == 0) {
		errno = EIO;
		return -1;
	}
	return __real_linkat(a, p, b, q, flags);
}

int __wrap_renameat(int a, const char *p, int b, const char *q)
{
	if (hit("rename") == 0) {
		errno = EIO;
		return -1;
	}
	return __real_renameat(a, p, b, q);
}

int __wrap_openat(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	switch (hit("open")) {
	case 0:
		errno = EMFILE;
		return -1;
	case 1:
		errno = EACCES;
		return -1;
	default:
		return __real_openat(dir, path, flags, mode);
	}
}
