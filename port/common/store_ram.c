/*
 * RAM store: records packed from the start of the caller's array in
 * creation order, compacted on removal (memmove: the array is small and
 * removal is rare next to reading).  Ids grow with creation and only one
 * record is open at a time, so id order is commit order and next() is a
 * scan for the smallest id above the given one.
 */
#include <string.h>

#include "store_ram.h"

#if PL_ENABLE_STORE_RAM

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

struct ram_rec {
	uint32_t id;
	uint32_t len;             /* payload bytes */
	uint8_t committed;
	uint8_t locked;
	pl_store_state st;
};

#define HDR ALIGN8(sizeof(struct ram_rec))

static size_t rec_size(const struct ram_rec *h)
{
	return HDR + ALIGN8((size_t)h->len);
}

static void get_hdr(const pl_store_ram *r, size_t off, struct ram_rec *h)
{
	memcpy(h, r->mem + off, sizeof(*h));
}

static void put_hdr(pl_store_ram *r, size_t off, const struct ram_rec *h)
{
	memcpy(r->mem + off, h, sizeof(*h));
}

/* Offset of record id, or (size_t)-1. */
static size_t find(const pl_store_ram *r, pl_store_id id, struct ram_rec *h)
{
	size_t off = 0;

	while (off < r->used) {
		get_hdr(r, off, h);
		if (h->id == id)
			return off;
		off += rec_size(h);
	}
	return (size_t)-1;
}

static void cut(pl_store_ram *r, size_t off, const struct ram_rec *h)
{
	size_t sz = rec_size(h);

	memmove(r->mem + off, r->mem + off + sz, r->used - off - sz);
	r->used -= sz;
	if (h->committed)
		r->count--;
}

/* The full policy's victim: lowest priority, then oldest; never locked. */
static size_t pick_victim(const pl_store_ram *r, struct ram_rec *out)
{
	size_t off = 0, best = (size_t)-1;
	struct ram_rec h;

	while (off < r->used) {
		get_hdr(r, off, &h);
		if (h.committed && !h.locked &&
		    (best == (size_t)-1 || h.st.priority < out->st.priority)) {
			best = off;
			*out = h;
		}
		off += rec_size(&h);
	}
	return best;
}

static pl_err make_room(pl_store_ram *r, size_t bytes, int slot)
{
	while (r->cap - r->used < bytes || (slot && r->count >= r->max_msgs)) {
		struct ram_rec v;
		size_t off = pick_victim(r, &v);

		if (off == (size_t)-1)
			return PL_E_LIMIT;
		r->c.dropped++;
		r->c.dropped_bytes += v.len;
		cut(r, off, &v);
	}
	return PL_OK;
}

static pl_err ram_create(void *ctx, pl_store_id *id)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	pl_err e;

	if (r->open_id)
		return PL_E_BUSY;
	e = make_room(r, HDR, 1);
	if (e)
		return e;
	memset(&h, 0, sizeof(h));
	h.id = r->next_id++;
	if (r->next_id == 0)
		r->next_id = 1;
	put_hdr(r, r->used, &h);
	r->used += HDR;
	r->open_id = h.id;
	*id = h.id;
	return PL_OK;
}

static pl_err ram_append(void *ctx, pl_store_id id, const void *buf, size_t len)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	size_t off, grow;
	pl_err e;

	if (!id || id != r->open_id)
		return PL_E_USAGE;
	off = find(r, id, &h);
	if (off == (size_t)-1)
		return PL_E_INTERNAL;
	if (len > r->cap || h.len + len > UINT32_MAX)
		return PL_E_LIMIT;
	grow = ALIGN8((size_t)h.len + len) - ALIGN8((size_t)h.len);
	e = make_room(r, grow, 0);
	if (e)
		return e;
	off = find(r, id, &h); /* drops move it down */
	if (len)
		memcpy(r->mem + off + HDR + h.len, buf, len);
	h.len += (uint32_t)len;
	put_hdr(r, off, &h);
	r->used += grow;
	return PL_OK;
}

static pl_err ram_commit(void *ctx, pl_store_id id, const pl_store_state *st)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	size_t off;

	if (!id || id != r->open_id)
		return PL_E_USAGE;
	off = find(r, id, &h);
	if (off == (size_t)-1)
		return PL_E_INTERNAL;
	h.st = *st;
	h.committed = 1;
	put_hdr(r, off, &h);
	r->open_id = 0;
	r->count++;
	r->c.committed++;
	return PL_OK;
}

static void ram_discard(void *ctx, pl_store_id id)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	size_t off;

	if (!id || id != r->open_id)
		return;
	off = find(r, id, &h);
	if (off != (size_t)-1)
		cut(r, off, &h);
	r->open_id = 0;
}

static pl_err ram_next(void *ctx, pl_store_id after, pl_store_id *id)
{
	pl_store_ram *r = ctx;
	size_t off = 0;
	struct ram_rec h;

	*id = 0;
	while (off < r->used) {
		get_hdr(r, off, &h);
		if (h.committed && h.id > after && (*id == 0 || h.id < *id))
			*id = h.id;
		off += rec_size(&h);
	}
	return PL_OK;
}

/* A committed record's header, or (size_t)-1. */
static size_t find_committed(const pl_store_ram *r, pl_store_id id, struct ram_rec *h)
{
	size_t off = id ? find(r, id, h) : (size_t)-1;

	return off != (size_t)-1 && h->committed ? off : (size_t)-1;
}

static long ram_read(void *ctx, pl_store_id id, uint64_t pos, void *buf, size_t cap)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	size_t off = find_committed(r, id, &h), n;

	if (off == (size_t)-1)
		return -PL_E_USAGE;
	if (pos >= h.len)
		return 0;
	n = (size_t)(h.len - pos);
	if (n > cap)
		n = cap;
	if (n > (size_t)0x7fffffff)
		n = 0x7fffffff;
	memcpy(buf, r->mem + off + HDR + (size_t)pos, n);
	return (long)n;
}

static pl_err ram_get_state(void *ctx, pl_store_id id, pl_store_state *st)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;

	if (find_committed(r, id, &h) == (size_t)-1)
		return PL_E_USAGE;
	*st = h.st;
	return PL_OK;
}

static pl_err ram_set_state(void *ctx, pl_store_id id, const pl_store_state *st)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	size_t off = find_committed(r, id, &h);

	if (off == (size_t)-1)
		return PL_E_USAGE;
	h.st = *st;
	h.st.last_error[sizeof(h.st.last_error) - 1] = '\0';
	put_hdr(r, off, &h);
	return PL_OK;
}

static pl_err ram_lock(void *ctx, pl_store_id id)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	size_t off = find_committed(r, id, &h);

	if (off == (size_t)-1)
		return PL_E_USAGE;
	if (h.locked)
		return PL_E_BUSY;
	h.locked = 1;
	put_hdr(r, off, &h);
	return PL_OK;
}

static void ram_unlock(void *ctx, pl_store_id id)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	size_t off = find_committed(r, id, &h);

	if (off == (size_t)-1)
		return;
	h.locked = 0;
	put_hdr(r, off, &h);
}

static pl_err ram_remove(void *ctx, pl_store_id id, pl_store_fate fate)
{
	pl_store_ram *r = ctx;
	struct ram_rec h;
	size_t off = find_committed(r, id, &h);

	if (off == (size_t)-1)
		return PL_E_USAGE;
	if (fate == PL_STORE_DELIVERED)
		r->c.delivered++;
	else if (fate == PL_STORE_EXPIRED)
		r->c.expired++; /* no dead-letter area in RAM: counted only */
	else {
		r->c.dropped++;
		r->c.dropped_bytes += h.len;
	}
	cut(r, off, &h);
	return PL_OK;
}

static pl_err ram_usage(void *ctx, uint32_t *count, uint64_t *bytes)
{
	pl_store_ram *r = ctx;
	size_t off = 0;
	struct ram_rec h;

	*count = 0;
	*bytes = 0;
	while (off < r->used) {
		get_hdr(r, off, &h);
		if (h.committed) {
			(*count)++;
			*bytes += h.len;
		}
		off += rec_size(&h);
	}
	return PL_OK;
}

const pl_store_ops pl_store_ram_ops = {
	ram_create, ram_append, ram_commit, ram_discard, ram_next, ram_read,
	ram_get_state, ram_set_state, ram_lock, ram_unlock, ram_remove, ram_usage,
};

pl_err pl_store_ram_init(pl_store_ram *r, void *mem, size_t size, uint32_t max_msgs)
{
	memset(r, 0, sizeof(*r));
	if (!mem || size < 2 * HDR)
		return PL_E_USAGE;
	r->mem = mem;
	r->cap = size & ~(size_t)7u;
	r->max_msgs = max_msgs ? max_msgs : CONFIG_POSTLET_QUEUE_MAX_COUNT;
	r->next_id = 1;
	return PL_OK;
}

const pl_store_counters *pl_store_ram_counters(const pl_store_ram *r)
{
	return &r->c;
}

#endif
