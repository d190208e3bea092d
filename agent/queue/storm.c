/* Alert-storm control: see storm.h. */
#include <stdio.h>
#include <string.h>

#include "storm.h"

void pl_storm_defaults(pl_storm_config *cfg)
{
	cfg->window_s = CONFIG_POSTLET_STORM_WINDOW_S;
	cfg->per_key = CONFIG_POSTLET_STORM_PER_KEY;
	cfg->global = CONFIG_POSTLET_STORM_GLOBAL;
	cfg->dedupe = PL_ENABLE_STORM_DEDUPE;
}

void pl_storm_init(pl_storm *s, const pl_storm_config *cfg)
{
	memset(s, 0, sizeof(*s));
	if (cfg)
		s->cfg = *cfg;
	else
		pl_storm_defaults(&s->cfg);
}

uint32_t pl_storm_hash(uint32_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

static uint32_t window(const pl_storm *s)
{
	return s->cfg.window_s ? s->cfg.window_s : CONFIG_POSTLET_STORM_WINDOW_S;
}

static int closed(const pl_storm *s, const pl_storm_slot *k, int64_t now)
{
	return now - k->start >= (int64_t)window(s);
}

static void open_window(pl_storm_slot *k, int64_t now)
{
	k->start = now;
	k->first = now;
	k->seen = k->sent = k->suppressed = 0;
}

/* The slot of key, a new one, or NULL when the table is full. */
static pl_storm_slot *slot_for(pl_storm *s, const char *key, uint32_t h, int64_t now)
{
	pl_storm_slot *spare = NULL;
	size_t i;

	for (i = 0; i < CONFIG_POSTLET_STORM_KEYS; i++) {
		pl_storm_slot *k = &s->slot[i];

		if (k->used && k->hash == h && strncmp(k->key, key, sizeof(k->key) - 1) == 0)
			return k;
		/* free, or idle: window closed and nothing left to report */
		if (!spare && (!k->used || (closed(s, k, now) && k->suppressed == 0)))
			spare = k;
	}
	if (spare) {
		memset(spare, 0, sizeof(*spare));
		spare->used = 1;
		spare->hash = h;
		strncpy(spare->key, key, sizeof(spare->key) - 1);
		open_window(spare, now);
	}
	return spare;
}

static int global_allows(pl_storm *s, int64_t now)
{
	if (!s->gopen || now - s->gstart >= (int64_t)window(s)) {
		s->gopen = 1;
		s->gstart = now;
		s->gsent = 0;
	}
	return s->gsent < s->cfg.global;
}

static pl_storm_verdict suppress(pl_storm *s, pl_storm_slot *k, int64_t now)
{
	if (k->seen == 0 && k->suppressed == 0)
		open_window(k, now);
	k->seen++;
	k->suppressed++;
	k->last = now;
	s->suppressed_total++;
	return PL_STORM_SUPPRESS;
}

pl_storm_verdict pl_storm_check(pl_storm *s, const char *key, uint32_t content, int64_t now)
{
	uint32_t h = pl_storm_hash(PL_STORM_HASH_INIT, key, strlen(key));
	pl_storm_slot *k = slot_for(s, key, h, now);

	if (!k) {
		if (global_allows(s, now)) {
			s->gsent++;
			return PL_STORM_SEND;
		}
		return suppress(s, &s->other, now);
	}
	if (closed(s, k, now))
		open_window(k, now); /* its digest, if any, was taken before */
	if ((s->cfg.dedupe && k->sent && content == k->last_content) || k->sent >= s->cfg.per_key ||
	    !global_allows(s, now))
		return suppress(s, k, now);
	k->seen++;
	k->sent++;
	k->last = now;
	k->last_content = content;
	s->gsent++;
	return PL_STORM_SEND;
}

static void take(pl_storm_slot *k, pl_storm_digest *d, int other)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->key, k->key, sizeof(d->key));
	d->other = other;
	d->first = k->first;
	d->last = k->last;
	d->seen = k->seen;
	d->sent = k->sent;
	d->suppressed = k->suppressed;
	k->seen = k->sent = k->suppressed = 0;
}

int pl_storm_next_digest(pl_storm *s, int64_t now, pl_storm_digest *d)
{
	size_t i;

	for (i = 0; i < CONFIG_POSTLET_STORM_KEYS; i++) {
		pl_storm_slot *k = &s->slot[i];

		if (k->used && k->suppressed && closed(s, k, now)) {
			take(k, d, 0);
			return 1;
		}
	}
	if (s->other.suppressed && closed(s, &s->other, now)) {
		take(&s->other, d, 1);
		return 1;
	}
	return 0;
}

static void hhmm(char out[6], int64_t t, int off_min)
{
	int64_t m = ((t + (int64_t)off_min * 60) / 60) % 1440;

	if (m < 0)
		m += 1440;
	snprintf(out, 6, "%02d:%02d", (int)(m / 60), (int)(m % 60));
}

size_t pl_storm_digest_text(const pl_storm_digest *d, int wall, int utc_offset_min, char *buf,
			    size_t cap)
{
	const char *what = d->other ? "other alerts" : d->key;
	int n;

	if (wall) {
		char a[6], b[6];

		hhmm(a, d->first, utc_offset_min);
		hhmm(b, d->last, utc_offset_min);
		n = snprintf(buf, cap, "%s: %lu times between %s and %s (%lu mailed, %lu suppressed)",
			     what, (unsigned long)d->seen, a, b, (unsigned long)d->sent,
			     (unsigned long)d->suppressed);
	} else {
		n = snprintf(buf, cap, "%s: %lu times in %lu s (%lu mailed, %lu suppressed)", what,
			     (unsigned long)d->seen, (unsigned long)(d->last - d->first),
			     (unsigned long)d->sent, (unsigned long)d->suppressed);
	}
	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}
