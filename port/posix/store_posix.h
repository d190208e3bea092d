/*
 * The queue's durable store on POSIX: a spool directory (port.h,
 * pl_store_ops).
 *
 *   DIR/tmp/ID       a record being written (the name reserves the id)
 *   DIR/q/ID         committed records (8 hex digits), oldest id first
 *   DIR/q/ID.st      the record's state, when it changed since commit
 *   DIR/dead/ID-TAG  dead letters (expired or refused), with ID-TAG.st
 *   DIR/corrupt/     entries that failed their checks, never sent
 *   DIR/.flush       lock held by the process flushing the queue
 *
 * A record file is a 160-byte header (magic, a random 64-bit tag, the
 * payload length, CRC-32 of the payload, the first state, CRC-32 of the
 * header) followed by the payload.  Commit: header written last, fsync,
 * link() into q/ (the single atomic step), fsync q/.  The state file
 * carries the record's tag, so one left behind by an earlier record with
 * the same id is ignored; it is replaced whole (write, fsync, rename).
 * Delivery locks the record file with flock(); a lock taken on a file
 * that was removed meanwhile is detected (inode no longer in q/).  A
 * record whose length or checksum is wrong is moved to corrupt/.
 */
#ifndef PL_STORE_POSIX_H
#define PL_STORE_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"

#define PL_STORE_POSIX_LOCKS 4

typedef struct pl_store_posix {
	char dir[1024];
	int qfd, tmpfd, deadfd, badfd;   /* directory descriptors */
	int flushfd;                     /* .flush while held, else -1 */
	/* the record being written */
	pl_store_id w_id;
	int w_fd;
	uint64_t w_len, w_tag;
	uint32_t w_crc;
	/* read cache: the record last read */
	pl_store_id r_id;
	int r_fd;
	uint64_t r_len;
	/* records locked for delivery */
	struct {
		pl_store_id id;
		int fd;
	} locks[PL_STORE_POSIX_LOCKS];
	unsigned corrupt;                /* entries moved aside by this process */
} pl_store_posix;

extern const pl_store_ops pl_store_posix_ops;

/* Create DIR and its subdirectories (mode 0700) if needed, open them and
 * clear what crashed writers left in tmp/.  PL_E_IO with errno set. */
pl_err pl_store_posix_open(pl_store_posix *sp, const char *dir);
void pl_store_posix_close(pl_store_posix *sp);

/* The flush lock: PL_OK, or PL_E_BUSY while another process flushes. */
pl_err pl_store_posix_flush_lock(pl_store_posix *sp);
void pl_store_posix_flush_unlock(pl_store_posix *sp);

/* Dead letters and corrupt entries on disk. */
void pl_store_posix_counts(pl_store_posix *sp, unsigned *dead, unsigned *corrupt);

/* Validate a record image (header + payload) in memory: 0 if sound,
 * -1 if not.  Used by the reader and by the fuzz target. */
int pl_store_posix_check(const uint8_t *buf, size_t len);

#endif
