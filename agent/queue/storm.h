/*
 * Alert-storm control: pure logic (no I/O, no allocation, time passed in).
 *
 * Each alert has a key (the caller's, or its subject).  Per key, alerts
 * are counted in windows of window_s seconds starting at the key's first
 * alert; within a window at most per_key are mailed, and with dedupe an
 * alert identical (same content hash) to the last one mailed is not
 * mailed again.  Over all keys at most global are mailed per window.
 * What is not mailed is counted; when a key's window closes with
 * suppressed alerts, one digest reports them:
 *   "disk full on /var: 412 times between 10:02 and 10:40 (3 mailed, 409 suppressed)"
 *
 * The key table is bounded (CONFIG_POSTLET_STORM_KEYS).  A new key takes a
 * free slot or one whose window has closed with nothing to report; when
 * there is none, the alert is limited by the global budget only and, if
 * suppressed, counted in the "other alerts" digest.
 *
 * Use: before pl_storm_check() at time now, take every digest that is due
 * at now with pl_storm_next_digest() (a closed window is reset by the
 * next check of its key).
 */
#ifndef PL_STORM_H
#define PL_STORM_H

#include <stddef.h>
#include <stdint.h>

#include "pl_config.h"

#define PL_STORM_KEY_MAX 64 /* bytes of a key kept for the digest */

typedef struct pl_storm_config {
	uint32_t window_s;   /* 0 = CONFIG_POSTLET_STORM_WINDOW_S */
	uint32_t per_key;    /* alerts mailed per key per window */
	uint32_t global;     /* alerts mailed per window, all keys */
	int dedupe;          /* suppress an identical repeat */
} pl_storm_config;

typedef struct pl_storm_slot {
	uint32_t hash;       /* of the whole key */
	uint8_t used;
	char key[PL_STORM_KEY_MAX];
	int64_t start;       /* window start */
	int64_t first, last; /* first and last alert in the window */
	uint32_t seen, sent, suppressed;
	uint32_t last_content;
} pl_storm_slot;

typedef struct pl_storm {
	pl_storm_config cfg;
	int64_t gstart;      /* global window */
	uint32_t gsent;
	uint8_t gopen;
	pl_storm_slot slot[CONFIG_POSTLET_STORM_KEYS];
	pl_storm_slot other; /* alerts whose key found no slot */
	uint32_t suppressed_total;
} pl_storm;

typedef enum pl_storm_verdict {
	PL_STORM_SEND = 0,
	PL_STORM_SUPPRESS,
} pl_storm_verdict;

typedef struct pl_storm_digest {
	char key[PL_STORM_KEY_MAX]; /* "" for the other-alerts digest */
	int other;
	int64_t first, last;
	uint32_t seen, sent, suppressed;
} pl_storm_digest;

/* Kconfig defaults. */
void pl_storm_defaults(pl_storm_config *cfg);
/* cfg NULL = Kconfig defaults; the config may be changed later in s->cfg. */
void pl_storm_init(pl_storm *s, const pl_storm_config *cfg);

/* FNV-1a, for keys and content: h = pl_storm_hash(h, data, len), start
 * with PL_STORM_HASH_INIT. */
#define PL_STORM_HASH_INIT 2166136261u
uint32_t pl_storm_hash(uint32_t h, const void *data, size_t len);

pl_storm_verdict pl_storm_check(pl_storm *s, const char *key, uint32_t content, int64_t now);

/* A digest whose window has closed by now: 1 and *d filled (the key's
 * counters are cleared), or 0. */
int pl_storm_next_digest(pl_storm *s, int64_t now, pl_storm_digest *d);

/* One line for a digest.  wall: times are seconds since the epoch and
 * are shown as HH:MM at utc_offset_min; else only the span is given. */
size_t pl_storm_digest_text(const pl_storm_digest *d, int wall, int utc_offset_min, char *buf,
			    size_t cap);

#endif
