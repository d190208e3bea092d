/*
 * RAM store: pl_store_ops over a byte array the caller provides (static
 * storage on firmware).  No allocation; contents are lost at reset.
 *
 * Bounds: at most max_msgs committed records (CONFIG_POSTLET_QUEUE_MAX_COUNT
 * when 0 is given) and the array's size in bytes, each record's header
 * (id, length, a copy of its state: about 150 bytes) included.  One record may be open (created,
 * not committed) at a time; a second create returns PL_E_BUSY.
 *
 * Full policy: when a create or append would exceed either bound, committed
 * records are dropped to make room: the lowest priority first, the oldest
 * first within a priority; a locked record (being delivered) is never
 * dropped.  Each drop is counted (pl_store_ram_counters).  When nothing can
 * be dropped the call fails with PL_E_LIMIT and the open record stays as
 * it was.
 */
#ifndef PL_STORE_RAM_H
#define PL_STORE_RAM_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"
#include "port.h"
#include "store_counters.h"

typedef struct pl_store_ram {
	uint8_t *mem;
	size_t cap;               /* bytes of mem usable (aligned down) */
	size_t used;              /* bytes in use, records packed from 0 */
	uint32_t max_msgs;
	uint32_t count;           /* committed records */
	uint32_t next_id;
	pl_store_id open_id;      /* 0 = none open */
	pl_store_counters c;
} pl_store_ram;

extern const pl_store_ops pl_store_ram_ops;

/* Suggested array size for callers that follow Kconfig. */
#define PL_STORE_RAM_BYTES CONFIG_POSTLET_QUEUE_RAM_BYTES

/* mem must stay valid as long as the store is used; max_msgs 0 = Kconfig. */
pl_err pl_store_ram_init(pl_store_ram *r, void *mem, size_t size, uint32_t max_msgs);

static inline pl_store pl_store_ram_store(pl_store_ram *r)
{
	pl_store s = { &pl_store_ram_ops, r };
	return s;
}

const pl_store_counters *pl_store_ram_counters(const pl_store_ram *r);

#endif
