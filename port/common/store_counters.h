/*
 * What a firmware store did that the application may want to report:
 * the full policy is explicit, so every message it drops is counted here.
 */
#ifndef PL_STORE_COUNTERS_H
#define PL_STORE_COUNTERS_H

#include <stdint.h>

typedef struct pl_store_counters {
	uint32_t committed;      /* records made visible */
	uint32_t delivered;      /* removed as PL_STORE_DELIVERED */
	uint32_t expired;        /* removed as PL_STORE_EXPIRED */
	uint32_t dropped;        /* dropped by the full policy (or PL_STORE_DROPPED) */
	uint64_t dropped_bytes;  /* their payload bytes */
	uint32_t torn;           /* block store: torn entries discarded at start-up */
	uint32_t erases;         /* block store: sectors erased */
} pl_store_counters;

#endif
