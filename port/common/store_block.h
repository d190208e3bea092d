/*
 * Block store: pl_store_ops over a small flash driver (NOR flash, an
 * internal flash bank, or a raw NVS partition), log-structured so that a
 * power loss at any write leaves every committed record intact.
 *
 * Flash model (NOR semantics): erase sets a whole sector to 0xFF; program
 * only clears bits, in units of prog_size bytes at prog_size-aligned
 * addresses (1, 2, 4 or 8).  A program or erase cut by power loss may
 * leave the unit being written, or the sector being erased, in any state.
 *
 * Layout: each sector starts with a sector entry (its sequence number);
 * entries follow, each a 24-byte header (magic, type, sequence number,
 * record id, length, CRC-32 over header and payload) and a payload:
 *   DATA    a slice of a record's payload (appended as the caller writes)
 *   COMMIT  the record's first state, length, payload CRC and where its
 *           first DATA entry is: the record exists from this entry on
 *   STATE   a replacement state (the newest sequence number wins)
 *   REMOVE  the record is gone (with its fate)
 * Recovery at init scans every sector in sequence order, stops a sector
 * at the first entry whose header or CRC is wrong (a torn write: counted,
 * the rest of that sector is not written again) and rebuilds the RAM
 * index.  Sectors are reclaimed oldest first, so a REMOVE always outlives
 * the entries it cancels: a sector is erased when it is the oldest and no
 * live record starts in it.
 *
 * Full policy: at most max_msgs records (lowest priority, oldest first,
 * are dropped, each with a REMOVE entry); when the flash itself is full,
 * the records that start in the oldest sector are dropped by erasing it
 * (never a locked or the open record: then PL_E_LIMIT).  Both counted.
 * One sector is kept free for STATE and REMOVE entries, so delivering and
 * removing never needs to drop anything.  One record may be open at a time.
 *
 * RAM: the index (28 bytes per record, CONFIG_POSTLET_QUEUE_MAX_COUNT)
 * and 12 bytes per sector (CONFIG_POSTLET_STORE_BLOCK_MAX_SECTORS).
 */
#ifndef PL_STORE_BLOCK_H
#define PL_STORE_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"
#include "port.h"
#include "store_counters.h"

/* The flash driver: each call returns 0 or a negative value on failure
 * (then the store reports PL_E_IO).  Addresses are byte offsets from the
 * start of the store's area. */
typedef struct pl_flash {
	uint32_t sector_size;     /* bytes per erase sector, a multiple of 8 */
	uint32_t sector_count;    /* at least 3 */
	uint32_t prog_size;       /* program unit: 1, 2, 4 or 8 */
	int (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
	int (*program)(void *ctx, uint32_t addr, const void *buf, size_t len);
	int (*erase)(void *ctx, uint32_t sector);
	void *ctx;
} pl_flash;

struct pl_blk_rec {
	pl_store_id id;
	uint32_t len;             /* payload bytes */
	uint32_t first;           /* address of the first DATA entry */
	uint32_t state;           /* address of the newest COMMIT/STATE entry */
	uint32_t crc;             /* payload CRC (running while open) */
	uint8_t priority;
	uint8_t locked;
	uint8_t open;             /* created, not committed */
	uint8_t first_sector;
};

struct pl_blk_sector {
	uint32_t seq;             /* 0 = free (no valid sector entry) */
	uint32_t end;             /* offset of the first unwritten byte */
	uint32_t valid;           /* end of the entries that checked out */
};

typedef struct pl_store_block {
	const pl_flash *f;
	uint32_t max_msgs;
	uint32_t seq;             /* next entry / sector sequence number */
	pl_store_id next_id;
	int head;                 /* sector being written, -1 = none */
	uint32_t nrec;
	struct pl_blk_rec rec[CONFIG_POSTLET_QUEUE_MAX_COUNT + 1];
	struct pl_blk_sector sec[CONFIG_POSTLET_STORE_BLOCK_MAX_SECTORS];
	/* read cursor: where the last read() stopped */
	pl_store_id cur_id;
	uint64_t cur_off;
	uint32_t cur_addr;
	pl_store_counters c;
} pl_store_block;

extern const pl_store_ops pl_store_block_ops;

/* Scan the flash and rebuild the index (an erased or foreign area becomes
 * an empty store).  max_msgs 0 = CONFIG_POSTLET_QUEUE_MAX_COUNT.
 * PL_E_USAGE for a geometry it cannot use, PL_E_IO when the driver fails. */
pl_err pl_store_block_init(pl_store_block *b, const pl_flash *f, uint32_t max_msgs);

static inline pl_store pl_store_block_store(pl_store_block *b)
{
	pl_store s = { &pl_store_block_ops, b };
	return s;
}

const pl_store_counters *pl_store_block_counters(const pl_store_block *b);

#endif
