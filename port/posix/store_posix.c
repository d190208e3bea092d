/*
 * Spool directory store for the queue (see store_posix.h for the layout).
 *
 * Design notes:
 *   - ids are allocated as 1 + the largest id in q/ and tmp/, reserved by
 *     creating tmp/ID with O_EXCL, then checked against q/ once more (a
 *     record committed between our two directory scans);
 *   - the record file is complete and synced before link() puts it in q/,
 *     so a reader never sees half a record whatever moment the writer
 *     dies; a tmp/ name still linked into q/ (died after link) or older
 *     than a minute and unlocked (died while writing) is removed on open;
 *   - the header's CRC is checked on every open, the payload's before
 *     each delivery (lock), so a damaged file is never sent.
 */
#include "store_posix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define HDR_SIZE 160u
#define STATE_SIZE 128u
#define SIDE_SIZE 148u
#define STALE_S 60

static const uint8_t rec_magic[4] = { 'P', 'L', 'S', 'R' };
static const uint8_t st_magic[4] = { 'P', 'L', 'S', 'S' };

/* ---- CRC-32 (IEEE), table built on first use ----------------------------- */

static uint32_t crc_table[256];

static uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!crc_table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- little-endian fields ------------------------------------------------- */

static void le_put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le_get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void state_put(uint8_t *p, const pl_store_state *st)
{
	memset(p, 0, STATE_SIZE);
	le_put(p, st->attempts, 4);
	le_put(p + 4, (uint64_t)st->created, 8);
	le_put(p + 12, (uint64_t)st->next_try, 8);
	le_put(p + 20, st->last_code, 2);
	p[22] = st->priority;
	p[23] = st->flags;
	memcpy(p + 24, st->last_error, sizeof(st->last_error));
	p[24 + sizeof(st->last_error) - 1] = 0;
}

static void state_get(const uint8_t *p, pl_store_state *st)
{
	memset(st, 0, sizeof(*st));
	st->attempts = (uint32_t)le_get(p, 4);
	st->created = (int64_t)le_get(p + 4, 8);
	st->next_try = (int64_t)le_get(p + 12, 8);
	st->last_code = (uint16_t)le_get(p + 20, 2);
	st->priority = p[22];
	st->flags = p[23];
	memcpy(st->last_error, p + 24, sizeof(st->last_error));
	st->last_error[sizeof(st->last_error) - 1] = 0;
}

/*
 * Record header:
 *   0 "PLSR"  4 version 1  8 tag  16 payload length  24 payload CRC
 *   28 header CRC (over 0..27 and 32..159)  32 first state (128 bytes)
 */
static uint32_t hdr_crc(const uint8_t *h)
{
	return crc32_update(crc32_update(0, h, 28), h + 32, HDR_SIZE - 32);
}

static int hdr_ok(const uint8_t *h, uint64_t file_size)
{
	return memcmp(h, rec_magic, 4) == 0 && le_get(h + 4, 4) == 1 &&
	       le_get(h + 28, 4) == hdr_crc(h) && file_size >= HDR_SIZE &&
	       le_get(h + 16, 8) == file_size - HDR_SIZE;
}

int pl_store_posix_check(const uint8_t *buf, size_t len)
{
	if (len < HDR_SIZE || !hdr_ok(buf, len))
		return -1;
	return crc32_update(0, buf + HDR_SIZE, len - HDR_SIZE) == le_get(buf + 24, 4) ? 0 : -1;
}

/* ---- file helpers --------------------------------------------------------- */

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		if (off >= 0)
			off += n;
	}
	return 0;
}

static long read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	do {
		n = pread(fd, buf, len, (off_t)off);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : (long)n;
}

static int read_exact(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		long n = read_at(fd, p, len, off);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void name_of(char *out, size_t cap, pl_store_id id)
{
	snprintf(out, cap, "%08x", (unsigned)id);
}

/* "0000002a" -> 42; 0 for any other name */
static pl_store_id id_of(const char *name)
{
	pl_store_id id = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char c = name[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return 0;
		id = id << 4 | d;
	}
	return name[8] == '\0' ? id : 0;
}

static int open_dir(int at, const char *name)
{
	if (mkdirat(at, name, 0700) < 0 && errno != EEXIST)
		return -1;
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* mkdir -p for the spool's parents (~/.local/share/postlet/queue) */
static int make_path(const char *path)
{
	char p[1024];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(p))
		return -1;
	memcpy(p, path, n + 1);
	for (size_t i = 1; i < n; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		p[i] = '/';
	}
	return mkdir(p, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* A fresh directory stream over fd (the fd stays open): each scan starts
 * at the top, as dup'ed descriptors share the offset of the last scan. */
static DIR *scan_dir(int fd)
{
	int dfd = dup(fd);
	DIR *dir;

	if (dfd < 0)
		return NULL;
	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return NULL;
	}
	rewinddir(dir);
	return dir;
}

/* Largest id named in directory fd (any suffix after 8 hex digits). */
static pl_store_id max_id(int fd)
{
	pl_store_id max = 0;
	struct dirent *d;
	DIR *dir;

	dir = scan_dir(fd);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		char n[9];
		pl_store_id id;

		if (strlen(d->d_name) < 8)
			continue;
		memcpy(n, d->d_name, 8);
		n[8] = '\0';
		id = id_of(n);
		if (id > max)
			max = id;
	}
	closedir(dir);
	return max;
}

static void sync_dir(int fd)
{
	(void)fsync(fd);
}

/* Move q/NAME (and its state) aside into directory to. */
static void move_aside(pl_store_posix *sp, pl_store_id id, int to, uint64_t tag)
{
	char n[16], dst[48], st[24];

	name_of(n, sizeof(n), id);
	snprintf(dst, sizeof(dst), "%s-%016llx", n, (unsigned long long)tag);
	snprintf(st, sizeof(st), "%s.st", n);
	if (renameat(sp->qfd, n, to, dst) == 0) {
		char dst_st[56];

		snprintf(dst_st, sizeof(dst_st), "%s.st", dst);
		if (renameat(sp->qfd, st, to, dst_st) < 0)
			(void)unlinkat(sp->qfd, st, 0);
		sync_dir(to);
		sync_dir(sp->qfd);
	}
}

static void quarantine(pl_store_posix *sp, pl_store_id id)
{
	uint64_t t;

	/* unique: the id may be reused and land here again */
	if (pl_port_random(&t, sizeof(t)) != PL_OK)
		t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

	if (sp->r_id == id) {
		close(sp->r_fd);
		sp->r_id = 0;
		sp->r_fd = -1;
	}
	move_aside(sp, id, sp->badfd, t);
	sp->corrupt++;
}

/* Clear what dead writers left in tmp/ and orphan state files in q/. */
static void sweep(pl_store_posix *sp)
{
	struct dirent *d;
	DIR *dir;
	time_t now = time(NULL);

	dir = scan_dir(sp->tmpfd);
	if (!dir)
		return;
	while ((d = readdir(dir)) != NULL) {
		struct stat sb;
		int fd;

		if (d->d_name[0] == '.')
			continue;
		if (fstatat(sp->tmpfd, d->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (sb.st_nlink > 1) {
			/* died between link() into q/ and unlinking this name */
			(void)unlinkat(sp->tmpfd, d->d_name, 0);
			continue;
		}
		if (now - sb.st_mtime < STALE_S)
			continue;
		fd = openat(sp->tmpfd, d->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		/* a live writer holds its lock until commit or discard */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			(void)unlinkat(sp->tmpfd, d->d_name, 0);
		close(fd);
	}
	closedir(dir);
}

/* ---- open / close ---------------------------------------------------------- */

pl_err pl_store_posix_open(pl_store_posix *sp, const char *dir)
{
	int dfd;

	memset(sp, 0, sizeof(*sp));
	sp->qfd = sp->tmpfd = sp->deadfd = sp->badfd = -1;
	sp->flushfd = sp->w_fd = sp->r_fd = -1;
	for (int i = 0; i < PL_STORE_POSIX_LOCKS; i++)
		sp->locks[i].fd = -1;
	if (strlen(dir) >= sizeof(sp->dir))
		return PL_E_CONFIG;
	memcpy(sp->dir, dir, strlen(dir) + 1);
	if (make_path(dir) < 0)
		return PL_E_IO;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return PL_E_IO;
	sp->qfd = open_dir(dfd, "q");
	sp->tmpfd = open_dir(dfd, "tmp");
	sp->deadfd = open_dir(dfd, "dead");
	sp->badfd = open_dir(dfd, "corrupt");
	close(dfd);
	if (sp->qfd < 0 || sp->tmpfd < 0 || sp->deadfd < 0 || sp->badfd < 0) {
		int keep = errno;

		pl_store_posix_close(sp);
		errno = keep;
		return PL_E_IO;
	}
	sweep(sp);
	return PL_OK;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void pl_store_posix_close(pl_store_posix *sp)
{
	for (int i = 0; i < PL_STORE_POSIX_LOCKS; i++)
		close_fd(&sp->locks[i].fd);
	close_fd(&sp->w_fd);
	close_fd(&sp->r_fd);
	close_fd(&sp->flushfd);
	close_fd(&sp->qfd);
	close_fd(&sp->tmpfd);
	close_fd(&sp->deadfd);
	close_fd(&sp->badfd);
}

pl_err pl_store_posix_flush_lock(pl_store_posix *sp)
{
	char p[1100];
	int fd;

	if (sp->flushfd >= 0)
		return PL_OK;
	snprintf(p, sizeof(p), "%s/.flush", sp->dir);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return PL_E_IO;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return errno == EWOULDBLOCK ? PL_E_BUSY : PL_E_IO;
	}
	sp->flushfd = fd;
	return PL_OK;
}

void pl_store_posix_flush_unlock(pl_store_posix *sp)
{
	close_fd(&sp->flushfd);
}

static unsigned count_entries(int fd)
{
	unsigned n = 0;
	struct dirent *d;
	DIR *dir;

	dir = scan_dir(fd);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		size_t l = strlen(d->d_name);

		if (d->d_name[0] != '.' && !(l > 3 && strcmp(d->d_name + l - 3, ".st") == 0))
			n++;
	}
	closedir(dir);
	return n;
}

void pl_store_posix_counts(pl_store_posix *sp, unsigned *dead, unsigned *corrupt)
{
	*dead = count_entries(sp->deadfd);
	*corrupt = count_entries(sp->badfd);
}

/* ---- writing ---------------------------------------------------------------- */

static pl_err st_create(void *ctx, pl_store_id *idp)
{
	pl_store_posix *sp = ctx;
	pl_store_id id;
	char n[16];
	uint8_t zero[HDR_SIZE];
	int fd = -1;

	if (sp->w_fd >= 0)
		return PL_E_USAGE; /* one record at a time */
	id = max_id(sp->qfd);
	if (max_id(sp->tmpfd) > id)
		id = max_id(sp->tmpfd);
	for (int tries = 0; tries < 1000; tries++) {
		struct stat sb;

		id++;
		if (id == 0)
			id = 1;
		name_of(n, sizeof(n), id);
		fd = openat(sp->tmpfd, n, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return PL_E_IO;
		}
		if (fstatat(sp->qfd, n, &sb, 0) == 0) {
			/* committed between our scans: not ours to reuse */
			close(fd);
			(void)unlinkat(sp->tmpfd, n, 0);
			fd = -1;
			continue;
		}
		break;
	}
	if (fd < 0)
		return PL_E_IO;
	(void)flock(fd, LOCK_EX | LOCK_NB); /* tells sweep() we are alive */
	memset(zero, 0, sizeof(zero));
	if (write_all(fd, zero, sizeof(zero), -1) < 0) {
		close(fd);
		(void)unlinkat(sp->tmpfd, n, 0);
		return PL_E_IO;
	}
	if (pl_port_random(&sp->w_tag, sizeof(sp->w_tag)) != PL_OK)
		sp->w_tag = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	sp->w_id = id;
	sp->w_fd = fd;
	sp->w_len = 0;
	sp->w_crc = 0;
	*idp = id;
	return PL_OK;
}

static pl_err st_append(void *ctx, pl_store_id id, const void *buf, size_t len)
{
	pl_store_posix *sp = ctx;

	if (sp->w_fd < 0 || id != sp->w_id)
		return PL_E_USAGE;
	if (write_all(sp->w_fd, buf, len, -1) < 0)
		return PL_E_IO;
	sp->w_crc = crc32_update(sp->w_crc, buf, len);
	sp->w_len += len;
	return PL_OK;
}

static void st_discard(void *ctx, pl_store_id id)
{
	pl_store_posix *sp = ctx;
	char n[16];

	if (sp->w_fd < 0 || id != sp->w_id)
		return;
	name_of(n, sizeof(n), id);
	(void)unlinkat(sp->tmpfd, n, 0);
	close_fd(&sp->w_fd);
	sp->w_id = 0;
}

static pl_err st_commit(void *ctx, pl_store_id id, const pl_store_state *st)
{
	pl_store_posix *sp = ctx;
	uint8_t h[HDR_SIZE];
	char n[16], s[24];

	if (sp->w_fd < 0 || id != sp->w_id)
		return PL_E_USAGE;
	memset(h, 0, sizeof(h));
	memcpy(h, rec_magic, 4);
	le_put(h + 4, 1, 4);
	le_put(h + 8, sp->w_tag, 8);
	le_put(h + 16, sp->w_len, 8);
	le_put(h + 24, sp->w_crc, 4);
	state_put(h + 32, st);
	le_put(h + 28, hdr_crc(h), 4);
	if (write_all(sp->w_fd, h, sizeof(h), 0) < 0 || fdatasync(sp->w_fd) < 0)
		return PL_E_IO;
	name_of(n, sizeof(n), id);
	/* a state file an earlier record with this id left would not match
	 * our tag anyway; remove it so it does not linger */
	snprintf(s, sizeof(s), "%s.st", n);
	(void)unlinkat(sp->qfd, s, 0);
	if (linkat(sp->tmpfd, n, sp->qfd, n, 0) < 0)
		return PL_E_IO;
	sync_dir(sp->qfd);
	(void)unlinkat(sp->tmpfd, n, 0);
	close_fd(&sp->w_fd);
	sp->w_id = 0;
	return PL_OK;
}

/* ---- reading ------------------------------------------------------------------- */

static pl_err st_next(void *ctx, pl_store_id after, pl_store_id *idp)
{
	pl_store_posix *sp = ctx;
	pl_store_id best = 0;
	struct dirent *d;
	DIR *dir;

	*idp = 0;
	dir = scan_dir(sp->qfd);
	if (!dir)
		return PL_E_IO;
	while ((d = readdir(dir)) != NULL) {
		pl_store_id id = id_of(d->d_name);

		if (id > after && (best == 0 || id < best))
			best = id;
	}
	closedir(dir);
	*idp = best;
	return PL_OK;
}

/* Open q/ID and check its header; the descriptor and payload length. */
static int open_record(pl_store_posix *sp, pl_store_id id, uint8_t *h, uint64_t *len)
{
	char n[16];
	struct stat sb;
	int fd;

	name_of(n, sizeof(n), id);
	fd = openat(sp->qfd, n, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || read_exact(fd, h, HDR_SIZE, 0) < 0 ||
	    !hdr_ok(h, (uint64_t)sb.st_size)) {
		close(fd);
		quarantine(sp, id);
		errno = EBADMSG;
		return -1;
	}
	*len = (uint64_t)sb.st_size - HDR_SIZE;
	return fd;
}

static long st_read(void *ctx, pl_store_id id, uint64_t off, void *buf, size_t cap)
{
	pl_store_posix *sp = ctx;
	long n;

	if (sp->r_id != id) {
		uint8_t h[HDR_SIZE];
		uint64_t len;
		int fd = open_record(sp, id, h, &len);

		if (fd < 0)
			return -(long)PL_E_IO;
		close_fd(&sp->r_fd);
		sp->r_fd = fd;
		sp->r_id = id;
		sp->r_len = len;
	}
	if (off >= sp->r_len)
		return 0;
	if (cap > sp->r_len - off)
		cap = (size_t)(sp->r_len - off);
	n = read_at(sp->r_fd, buf, cap, HDR_SIZE + off);
	return n < 0 ? -(long)PL_E_IO : n;
}

static pl_err st_get_state(void *ctx, pl_store_id id, pl_store_state *st)
{
	pl_store_posix *sp = ctx;
	uint8_t h[HDR_SIZE], s[SIDE_SIZE];
	uint64_t len;
	char n[24];
	int fd = open_record(sp, id, h, &len);

	if (fd < 0)
		return PL_E_IO;
	close(fd);
	state_get(h + 32, st);
	snprintf(n, sizeof(n), "%08x.st", (unsigned)id);
	fd = openat(sp->qfd, n, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return PL_OK; /* never changed since commit */
	if (read_exact(fd, s, SIDE_SIZE, 0) == 0 && memcmp(s, st_magic, 4) == 0 &&
	    le_get(s + 4, 4) == 1 && memcmp(s + 8, h + 8, 8) == 0 &&
	    le_get(s + 144, 4) == crc32_update(0, s, 144))
		state_get(s + 16, st);
	close(fd);
	return PL_OK;
}

static pl_err st_set_state(void *ctx, pl_store_id id, const pl_store_state *st)
{
	pl_store_posix *sp = ctx;
	uint8_t h[HDR_SIZE], s[SIDE_SIZE];
	uint64_t len, r;
	char tmp[48], n[24];
	int fd = open_record(sp, id, h, &len);

	if (fd < 0)
		return PL_E_IO;
	close(fd);
	memset(s, 0, sizeof(s));
	memcpy(s, st_magic, 4);
	le_put(s + 4, 1, 4);
	memcpy(s + 8, h + 8, 8);
	state_put(s + 16, st);
	le_put(s + 144, crc32_update(0, s, 144), 4);
	if (pl_port_random(&r, sizeof(r)) != PL_OK)
		r = (uint64_t)getpid();
	snprintf(tmp, sizeof(tmp), "st.%08x.%016llx", (unsigned)id, (unsigned long long)r);
	snprintf(n, sizeof(n), "%08x.st", (unsigned)id);
	fd = openat(sp->tmpfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return PL_E_IO;
	if (write_all(fd, s, sizeof(s), -1) < 0 || fdatasync(fd) < 0 ||
	    renameat(sp->tmpfd, tmp, sp->qfd, n) < 0) {
		close(fd);
		(void)unlinkat(sp->tmpfd, tmp, 0);
		return PL_E_IO;
	}
	close(fd);
	return PL_OK;
}

/* ---- delivery lock ---------------------------------------------------------- */

static int lock_slot(pl_store_posix *sp, pl_store_id id)
{
	for (int i = 0; i < PL_STORE_POSIX_LOCKS; i++)
		if (sp->locks[i].fd >= 0 && sp->locks[i].id == id)
			return i;
	return -1;
}

/* The whole payload against its CRC. */
static int payload_ok(int fd, const uint8_t *h, uint64_t len)
{
	uint8_t buf[8192];
	uint64_t off = 0;
	uint32_t crc = 0;

	while (off < len) {
		long n = read_at(fd, buf, len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf),
				 HDR_SIZE + off);

		if (n <= 0)
			return 0;
		crc = crc32_update(crc, buf, (size_t)n);
		off += (uint64_t)n;
	}
	return crc == le_get(h + 24, 4);
}

static pl_err st_lock(void *ctx, pl_store_id id)
{
	pl_store_posix *sp = ctx;
	uint8_t h[HDR_SIZE];
	uint64_t len;
	struct stat a, b;
	char n[16];
	int fd, slot = -1;

	if (lock_slot(sp, id) >= 0)
		return PL_E_BUSY; /* already ours: not twice */
	for (int i = 0; i < PL_STORE_POSIX_LOCKS; i++)
		if (sp->locks[i].fd < 0) {
			slot = i;
			break;
		}
	if (slot < 0)
		return PL_E_LIMIT;
	fd = open_record(sp, id, h, &len);
	if (fd < 0)
		return PL_E_IO;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;

		close(fd);
		return busy ? PL_E_BUSY : PL_E_IO;
	}
	/* the holder before us may have removed it: is this still q/ID? */
	name_of(n, sizeof(n), id);
	if (fstat(fd, &a) < 0 || fstatat(sp->qfd, n, &b, AT_SYMLINK_NOFOLLOW) < 0 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return PL_E_IO;
	}
	if (!payload_ok(fd, h, len)) {
		close(fd);
		quarantine(sp, id);
		return PL_E_IO;
	}
	sp->locks[slot].id = id;
	sp->locks[slot].fd = fd;
	if (sp->r_id == id) {
		/* read what we locked, not an earlier file with this id */
		close_fd(&sp->r_fd);
		sp->r_id = 0;
	}
	return PL_OK;
}

static void st_unlock(void *ctx, pl_store_id id)
{
	pl_store_posix *sp = ctx;
	int i = lock_slot(sp, id);

	if (i >= 0)
		close_fd(&sp->locks[i].fd);
	if (sp->r_id == id) {
		close_fd(&sp->r_fd);
		sp->r_id = 0;
	}
}

static pl_err st_remove(void *ctx, pl_store_id id, pl_store_fate fate)
{
	pl_store_posix *sp = ctx;
	uint8_t h[HDR_SIZE];
	uint64_t len;
	char n[16], s[24];
	int fd;

	if (sp->r_id == id) {
		close_fd(&sp->r_fd);
		sp->r_id = 0;
	}
	name_of(n, sizeof(n), id);
	if (fate != PL_STORE_DELIVERED) {
		fd = open_record(sp, id, h, &len);
		if (fd < 0)
			return PL_E_IO;
		close(fd);
		move_aside(sp, id, sp->deadfd, le_get(h + 8, 8));
		return PL_OK;
	}
	/* the record file is the commit point: it goes first */
	if (unlinkat(sp->qfd, n, 0) < 0)
		return errno == ENOENT ? PL_OK : PL_E_IO;
	snprintf(s, sizeof(s), "%s.st", n);
	(void)unlinkat(sp->qfd, s, 0);
	sync_dir(sp->qfd);
	return PL_OK;
}

static pl_err st_usage(void *ctx, uint32_t *count, uint64_t *bytes)
{
	pl_store_posix *sp = ctx;
	struct dirent *d;
	DIR *dir;

	*count = 0;
	*bytes = 0;
	dir = scan_dir(sp->qfd);
	if (!dir)
		return PL_E_IO;
	while ((d = readdir(dir)) != NULL) {
		struct stat sb;

		if (!id_of(d->d_name) || fstatat(sp->qfd, d->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		(*count)++;
		if ((uint64_t)sb.st_size > HDR_SIZE)
			*bytes += (uint64_t)sb.st_size - HDR_SIZE;
	}
	closedir(dir);
	return PL_OK;
}

const pl_store_ops pl_store_posix_ops = {
	.create = st_create,
	.append = st_append,
	.commit = st_commit,
	.discard = st_discard,
	.next = st_next,
	.read = st_read,
	.get_state = st_get_state,
	.set_state = st_set_state,
	.lock = st_lock,
	.unlock = st_unlock,
	.remove = st_remove,
	.usage = st_usage,
};
