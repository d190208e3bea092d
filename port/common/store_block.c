/*
 * Block store: an append-only log of entries over erase sectors (see the
 * header for the layout and the guarantees).  Every write goes to the
 * head sector at its end; nothing is ever programmed twice, so a cut
 * write can only damage the entry being written, which its CRC exposes.
 */
#include <string.h>

#include "store_block.h"

#if PL_ENABLE_STORE_BLOCK

#if CONFIG_POSTLET_STORE_BLOCK_MAX_SECTORS > 255
#error "CONFIG_POSTLET_STORE_BLOCK_MAX_SECTORS: at most 255 (sector numbers are kept in a byte)"
#endif

enum { T_SECTOR = 1, T_DATA, T_COMMIT, T_STATE, T_REMOVE };
enum { K_DATA, K_META }; /* who may take the last free sector: META only */

#define MAGIC 0x4c50u     /* "PL" */
#define HDR 24u
#define NONE 0xffffffffu
#define STATE_MAX 120u    /* serialised pl_store_state, longest */
#define COMMIT_FIXED 12u  /* first, length, payload CRC */

struct ent {
	uint8_t type, aux;
	uint32_t seq, id, len, off, crc;
};

/* CRC-32 (IEEE), a nibble at a time: small code, no big table. */
static uint32_t crc32_upd(uint32_t crc, const void *buf, size_t n)
{
	static const uint32_t t[16] = {
		0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
		0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
		0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	const uint8_t *p = buf;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ t[crc & 15];
		crc = (crc >> 4) ^ t[crc & 15];
	}
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(uint8_t *p, int64_t v)
{
	put32(p, (uint32_t)(uint64_t)v);
	put32(p + 4, (uint32_t)((uint64_t)v >> 32));
}

static int64_t get64(const uint8_t *p)
{
	return (int64_t)((uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32);
}

static size_t state_put(uint8_t *p, const pl_store_state *st)
{
	size_t n = strnlen(st->last_error, sizeof(st->last_error) - 1);

	put32(p, st->attempts);
	put64(p + 4, st->created);
	put64(p + 12, st->next_try);
	p[20] = (uint8_t)st->last_code;
	p[21] = (uint8_t)(st->last_code >> 8);
	p[22] = st->priority;
	p[23] = st->flags;
	p[24] = (uint8_t)n;
	memcpy(p + 25, st->last_error, n);
	return 25 + n;
}

static int state_get(const uint8_t *p, size_t len, pl_store_state *st)
{
	memset(st, 0, sizeof(*st));
	if (len < 25 || len < 25u + p[24] || p[24] >= sizeof(st->last_error))
		return -1;
	st->attempts = get32(p);
	st->created = get64(p + 4);
	st->next_try = get64(p + 12);
	st->last_code = (uint16_t)(p[20] | p[21] << 8);
	st->priority = p[22];
	st->flags = p[23];
	memcpy(st->last_error, p + 25, p[24]);
	return 0;
}

static uint32_t esize(const pl_store_block *b, uint32_t len)
{
	uint32_t a = b->f->prog_size;

	return (HDR + len + a - 1) / a * a;
}

static uint32_t ssize(const pl_store_block *b)
{
	return b->f->sector_size;
}

/* ---------------------------------------------------------------- writing */

/* Streams an entry into flash through a small staging buffer, so the driver
 * sees aligned program units and the caller's payload is never copied whole. */
struct writer {
	pl_store_block *b;
	uint32_t addr;
	uint8_t buf[64];
	size_t n;
	int err;
};

static void w_flush(struct writer *w, int last)
{
	size_t a = w->b->f->prog_size, n = w->n;

	if (last)
		while (n % a)
			w->buf[n++] = 0xff;
	else
		n -= n % a;
	if (w->err) {
		w->n = 0; /* a failed write: the rest is not programmed */
		return;
	}
	if (!n)
		return;
	if (w->b->f->program(w->b->f->ctx, w->addr, w->buf, n) != 0)
		w->err = 1;
	w->addr += (uint32_t)n;
	if (n < w->n)
		memmove(w->buf, w->buf + n, w->n - n);
	w->n = n < w->n ? w->n - n : 0;
}

static void w_put(struct writer *w, const void *p, size_t len)
{
	const uint8_t *s = p;

	while (len) {
		size_t k = sizeof(w->buf) - w->n;

		if (k > len)
			k = len;
		memcpy(w->buf + w->n, s, k);
		w->n += k;
		s += k;
		len -= k;
		if (w->n == sizeof(w->buf))
			w_flush(w, 0);
	}
}

/* Write one entry at the head's end: header, then up to two payload parts. */
static pl_err put_entry(pl_store_block *b, uint8_t type, uint8_t aux, uint32_t id, uint32_t off,
			const void *p1, size_t n1, const void *p2, size_t n2, uint32_t *at)
{
	struct pl_blk_sector *s = &b->sec[b->head];
	uint8_t h[HDR];
	struct writer w;
	uint32_t crc;

	h[0] = (uint8_t)MAGIC;
	h[1] = (uint8_t)(MAGIC >> 8);
	h[2] = type;
	h[3] = aux;
	put32(h + 4, b->seq++);
	put32(h + 8, id);
	put32(h + 12, (uint32_t)(n1 + n2));
	put32(h + 16, off);
	crc = crc32_upd(0, h, HDR - 4);
	crc = crc32_upd(crc, p1, n1);
	crc = crc32_upd(crc, p2, n2);
	put32(h + 20, crc);

	w.b = b;
	w.addr = (uint32_t)b->head * ssize(b) + s->end;
	w.n = 0;
	w.err = 0;
	w_put(&w, h, HDR);
	w_put(&w, p1, n1);
	w_put(&w, p2, n2);
	w_flush(&w, 1);
	if (at)
		*at = (uint32_t)b->head * ssize(b) + s->end;
	/* even a failed program used the space: never write there again */
	s->end += esize(b, (uint32_t)(n1 + n2));
	if (!w.err)
		s->valid = s->end;
	return w.err ? PL_E_IO : PL_OK;
}

/* ---------------------------------------------------------------- index */

static struct pl_blk_rec *rec_find(pl_store_block *b, pl_store_id id)
{
	uint32_t i;

	for (i = 0; id && i < b->nrec; i++)
		if (b->rec[i].id == id)
			return &b->rec[i];
	return NULL;
}

static struct pl_blk_rec *committed(pl_store_block *b, pl_store_id id)
{
	struct pl_blk_rec *r = rec_find(b, id);

	return r && !r->open ? r : NULL;
}

static void rec_drop(pl_store_block *b, struct pl_blk_rec *r)
{
	if (b->cur_id == r->id)
		b->cur_id = 0;
	*r = b->rec[--b->nrec];
}

static uint32_t ncommitted(const pl_store_block *b)
{
	uint32_t i, n = 0;

	for (i = 0; i < b->nrec; i++)
		n += !b->rec[i].open;
	return n;
}

/* The used sector with the smallest sequence number above seq, or -1. */
static int sector_after(const pl_store_block *b, uint32_t seq)
{
	uint32_t i;
	int best = -1;

	for (i = 0; i < b->f->sector_count; i++)
		if (b->sec[i].seq > seq && (best < 0 || b->sec[i].seq < b->sec[best].seq))
			best = (int)i;
	return best;
}

/* ---------------------------------------------------------------- space */

static pl_err erase(pl_store_block *b, int s)
{
	b->sec[s].seq = 0;
	b->sec[s].end = NONE; /* unknown until the erase completes */
	if (b->f->erase(b->f->ctx, (uint32_t)s) != 0)
		return PL_E_IO;
	b->sec[s].end = 0;
	b->sec[s].valid = 0;
	b->c.erases++;
	return PL_OK;
}

/* Reclaim the oldest sector: erase it when no live record starts in it,
 * else drop those records (the full policy) unless one is in use. */
static pl_err reclaim(pl_store_block *b)
{
	int o = sector_after(b, 0);
	uint32_t i;

	if (o < 0 || o == b->head)
		return PL_E_LIMIT;
	for (i = 0; i < b->nrec; i++)
		if (b->rec[i].first_sector == o && (b->rec[i].locked || b->rec[i].open))
			return PL_E_LIMIT;
	for (i = 0; i < b->nrec;) {
		if (b->rec[i].first_sector == o) {
			b->c.dropped++;
			b->c.dropped_bytes += b->rec[i].len;
			rec_drop(b, &b->rec[i]);
		} else {
			i++;
		}
	}
	return erase(b, o);
}

static pl_err new_sector(pl_store_block *b, int kind)
{
	for (;;) {
		uint32_t i, nfree = 0;
		int pick = -1;
		pl_err e;

		for (i = 0; i < b->f->sector_count; i++)
			if (b->sec[i].seq == 0) {
				nfree++;
				/* prefer one known to be erased */
				if (pick < 0 || b->sec[i].end == 0)
					pick = (int)i;
			}
		if (nfree > (kind == K_DATA ? 1u : 0u)) {
			if (b->sec[pick].end != 0 && (e = erase(b, pick)) != PL_OK)
				return e;
			b->head = pick;
			b->sec[pick].end = 0;
			b->sec[pick].valid = 0;
			e = put_entry(b, T_SECTOR, 0, 0, 0, NULL, 0, NULL, 0, NULL);
			/* its sequence number is the one just used */
			b->sec[pick].seq = b->seq - 1;
			return e;
		}
		e = reclaim(b);
		if (e)
			return e;
	}
}

/* Make room for an entry of len payload bytes at the head. */
static pl_err room(pl_store_block *b, uint32_t len, int kind)
{
	if (esize(b, len) > ssize(b) - HDR)
		return PL_E_LIMIT;
	if (b->head >= 0 && b->sec[b->head].end + esize(b, len) <= ssize(b))
		return PL_OK;
	return new_sector(b, kind);
}

/* ---------------------------------------------------------------- reading */

static pl_err read_ent(pl_store_block *b, uint32_t addr, struct ent *e)
{
	uint8_t h[HDR];

	if (b->f->read(b->f->ctx, addr, h, HDR) != 0)
		return PL_E_IO;
	if ((h[0] | h[1] << 8) != MAGIC)
		return PL_E_IO;
	e->type = h[2];
	e->aux = h[3];
	e->seq = get32(h + 4);
	e->id = get32(h + 8);
	e->len = get32(h + 12);
	e->off = get32(h + 16);
	e->crc = get32(h + 20);
	return PL_OK;
}

/* A whole entry checked: header sane, fits the sector, CRC right. */
static pl_err check_ent(pl_store_block *b, uint32_t addr, struct ent *e)
{
	uint8_t h[HDR], chunk[64];
	uint32_t crc, pos, in = addr % ssize(b);

	if (read_ent(b, addr, e) || e->type < T_SECTOR || e->type > T_REMOVE ||
	    e->len > ssize(b) - in - HDR || in + esize(b, e->len) > ssize(b))
		return PL_E_IO;
	if (b->f->read(b->f->ctx, addr, h, HDR) != 0)
		return PL_E_IO;
	crc = crc32_upd(0, h, HDR - 4);
	for (pos = 0; pos < e->len;) {
		uint32_t k = e->len - pos > sizeof(chunk) ? (uint32_t)sizeof(chunk) : e->len - pos;

		if (b->f->read(b->f->ctx, addr + HDR + pos, chunk, k) != 0)
			return PL_E_IO;
		crc = crc32_upd(crc, chunk, k);
		pos += k;
	}
	return crc == e->crc ? PL_OK : PL_E_IO;
}

/* The entry after the one at addr in log order (across sectors), NONE at
 * the end of the log. */
static uint32_t next_addr(pl_store_block *b, uint32_t addr, const struct ent *e)
{
	uint32_t s = addr / ssize(b), in = addr % ssize(b) + esize(b, e->len);
	int n;

	if (in < b->sec[s].valid)
		return s * ssize(b) + in;
	n = sector_after(b, b->sec[s].seq);
	if (n < 0)
		return NONE;
	return (uint32_t)n * ssize(b) + esize(b, 0); /* past its sector entry */
}

static pl_err load_state(pl_store_block *b, const struct pl_blk_rec *r, pl_store_state *st)
{
	uint8_t p[COMMIT_FIXED + STATE_MAX];
	struct ent e;
	uint32_t skip;

	if (read_ent(b, r->state, &e) || e.len > sizeof(p))
		return PL_E_IO;
	if (b->f->read(b->f->ctx, r->state + HDR, p, e.len) != 0)
		return PL_E_IO;
	skip = e.type == T_COMMIT ? COMMIT_FIXED : 0;
	if (e.len < skip || state_get(p + skip, e.len - skip, st))
		return PL_E_IO;
	return PL_OK;
}

/* Walk a record's DATA entries from its first, computing the payload CRC:
 * recovery's proof that a committed record is whole. */
static int payload_ok(pl_store_block *b, const struct pl_blk_rec *r, uint32_t want)
{
	uint32_t addr = r->first, have = 0, crc = 0, steps = 0;
	uint8_t chunk[64];
	struct ent e;

	while (have < r->len && addr != NONE && steps++ < 1u << 20) {
		if (read_ent(b, addr, &e))
			return 0;
		if (e.type == T_DATA && e.id == r->id) {
			uint32_t pos;

			if (e.off != have)
				return 0;
			for (pos = 0; pos < e.len;) {
				uint32_t k = e.len - pos > sizeof(chunk) ? (uint32_t)sizeof(chunk)
									 : e.len - pos;

				if (b->f->read(b->f->ctx, addr + HDR + pos, chunk, k) != 0)
					return 0;
				crc = crc32_upd(crc, chunk, k);
				pos += k;
			}
			have += e.len;
		}
		addr = next_addr(b, addr, &e);
	}
	return have == r->len && crc == want;
}

/* ---------------------------------------------------------------- recovery */

static void apply(pl_store_block *b, uint32_t addr, const struct ent *e)
{
	uint8_t p[COMMIT_FIXED + STATE_MAX];
	struct pl_blk_rec *r = rec_find(b, e->id);
	pl_store_state st;

	if (e->type == T_REMOVE) {
		if (r)
			rec_drop(b, r);
		return;
	}
	if (e->type != T_COMMIT && e->type != T_STATE)
		return;
	if (e->len > sizeof(p) || b->f->read(b->f->ctx, addr + HDR, p, e->len) != 0)
		return;
	if (e->type == T_STATE) {
		if (r && !state_get(p, e->len, &st)) {
			r->state = addr;
			r->priority = st.priority;
		}
		return;
	}
	if (e->len < COMMIT_FIXED || state_get(p + COMMIT_FIXED, e->len - COMMIT_FIXED, &st))
		return;
	if (!r) {
		if (b->nrec >= b->max_msgs)
			return; /* more than the bound (it was lowered): left behind */
		r = &b->rec[b->nrec++];
	}
	memset(r, 0, sizeof(*r));
	r->id = e->id;
	r->crc = get32(p + 8);
	r->first = get32(p);
	r->len = get32(p + 4);
	r->state = addr;
	r->priority = st.priority;
	r->first_sector = (uint8_t)((r->first != NONE ? r->first : addr) / ssize(b));
}

static pl_err scan_sector(pl_store_block *b, int s, uint32_t *max_id)
{
	uint32_t in = esize(b, 0), base = (uint32_t)s * ssize(b);
	struct ent e;

	while (in + HDR <= ssize(b)) {
		uint8_t h[HDR];
		size_t i;

		if (b->f->read(b->f->ctx, base + in, h, HDR) != 0)
			return PL_E_IO;
		for (i = 0; i < HDR && h[i] == 0xff; i++)
			;
		if (i == HDR)
			break; /* the clean end of the log in this sector */
		if (check_ent(b, base + in, &e) || e.type == T_SECTOR) {
			b->c.torn++;
			b->sec[s].valid = in;
			b->sec[s].end = ssize(b); /* torn: never written again */
			return PL_OK;
		}
		if (e.seq >= b->seq)
			b->seq = e.seq + 1;
		if (e.id > *max_id)
			*max_id = e.id;
		apply(b, base + in, &e);
		in += esize(b, e.len);
	}
	b->sec[s].end = in;
	b->sec[s].valid = in;
	return PL_OK;
}

pl_err pl_store_block_init(pl_store_block *b, const pl_flash *f, uint32_t max_msgs)
{
	uint32_t i, max_id = 0;
	int s;

	memset(b, 0, sizeof(*b));
	b->f = f;
	b->head = -1;
	b->max_msgs = max_msgs && max_msgs < CONFIG_POSTLET_QUEUE_MAX_COUNT ? max_msgs
									   : CONFIG_POSTLET_QUEUE_MAX_COUNT;
	b->seq = 1;
	if (!f || !f->read || !f->program || !f->erase || f->sector_count < 3 ||
	    f->sector_count > CONFIG_POSTLET_STORE_BLOCK_MAX_SECTORS ||
	    (f->prog_size != 1 && f->prog_size != 2 && f->prog_size != 4 && f->prog_size != 8) ||
	    f->sector_size % 8 || f->sector_size < 256)
		return PL_E_USAGE;

	for (i = 0; i < f->sector_count; i++) {
		struct ent e;

		b->sec[i].seq = 0;
		b->sec[i].end = NONE; /* free but not known to be erased */
		b->sec[i].valid = 0;
		if (!check_ent(b, i * f->sector_size, &e) && e.type == T_SECTOR && e.seq) {
			b->sec[i].seq = e.seq;
			if (e.seq >= b->seq)
				b->seq = e.seq + 1;
		}
	}
	/* replay the log oldest sector first */
	for (s = sector_after(b, 0); s >= 0; s = sector_after(b, b->sec[s].seq)) {
		pl_err e = scan_sector(b, s, &max_id);

		if (e)
			return e;
		b->head = s;
	}
	if (b->head >= 0 && b->sec[b->head].end + HDR > f->sector_size)
		b->head = -1;
	/* a committed record whose payload does not check out is dropped */
	for (i = 0; i < b->nrec;) {
		if (!payload_ok(b, &b->rec[i], b->rec[i].crc)) {
			b->c.torn++;
			rec_drop(b, &b->rec[i]);
		} else {
			i++;
		}
	}
	b->next_id = max_id + 1;
	return PL_OK;
}

/* ---------------------------------------------------------------- ops */

/* Write a REMOVE for id (reclaiming space may drop it first: gone either
 * way, and counted). */
static pl_err remove_id(pl_store_block *b, pl_store_id id, pl_store_fate fate)
{
	struct pl_blk_rec *r;
	pl_err e = room(b, 0, K_META);

	if (e)
		return e;
	r = committed(b, id);
	if (!r)
		return PL_OK;
	e = put_entry(b, T_REMOVE, (uint8_t)fate, r->id, 0, NULL, 0, NULL, 0, NULL);
	if (e)
		return e;
	if (fate == PL_STORE_DELIVERED)
		b->c.delivered++;
	else if (fate == PL_STORE_EXPIRED)
		b->c.expired++;
	else {
		b->c.dropped++;
		b->c.dropped_bytes += r->len;
	}
	rec_drop(b, r);
	return PL_OK;
}

static pl_err blk_create(void *ctx, pl_store_id *id)
{
	pl_store_block *b = ctx;
	struct pl_blk_rec *r;
	uint32_t i;

	for (i = 0; i < b->nrec; i++)
		if (b->rec[i].open)
			return PL_E_BUSY;
	while (ncommitted(b) >= b->max_msgs) {
		struct pl_blk_rec *v = NULL;
		pl_err e;

		for (i = 0; i < b->nrec; i++) {
			r = &b->rec[i];
			if (!r->open && !r->locked &&
			    (!v || r->priority < v->priority ||
			     (r->priority == v->priority && r->id < v->id)))
				v = r;
		}
		if (!v)
			return PL_E_LIMIT;
		e = remove_id(b, v->id, PL_STORE_DROPPED);
		if (e)
			return e;
	}
	r = &b->rec[b->nrec++];
	memset(r, 0, sizeof(*r));
	r->id = b->next_id++;
	r->open = 1;
	r->first = NONE;
	r->first_sector = 0xff;
	r->crc = 0;
	*id = r->id;
	return PL_OK;
}

static pl_err blk_append(void *ctx, pl_store_id id, const void *buf, size_t len)
{
	pl_store_block *b = ctx;
	struct pl_blk_rec *r = rec_find(b, id);
	const uint8_t *p = buf;

	if (!r || !r->open)
		return PL_E_USAGE;
	while (len) {
		uint32_t k, at;
		pl_err e;

		if (b->head < 0 || b->sec[b->head].end + esize(b, 1) > ssize(b)) {
			e = new_sector(b, K_DATA);
			if (e)
				return e;
			r = rec_find(b, id);
		}
		k = ssize(b) - b->sec[b->head].end - HDR;
		k -= k % b->f->prog_size;
		if (k > len)
			k = (uint32_t)len;
		if ((uint64_t)r->len + k > 0x7fffffffu)
			return PL_E_LIMIT;
		e = put_entry(b, T_DATA, 0, id, r->len, p, k, NULL, 0, &at);
		if (e)
			return e;
		if (r->first == NONE) {
			r->first = at;
			r->first_sector = (uint8_t)(at / ssize(b));
		}
		r->crc = crc32_upd(r->crc, p, k);
		r->len += k;
		p += k;
		len -= k;
	}
	return PL_OK;
}

static pl_err blk_commit(void *ctx, pl_store_id id, const pl_store_state *st)
{
	pl_store_block *b = ctx;
	struct pl_blk_rec *r = rec_find(b, id);
	uint8_t p[COMMIT_FIXED + STATE_MAX];
	size_t n;
	uint32_t at;
	pl_err e;

	if (!r || !r->open)
		return PL_E_USAGE;
	put32(p, r->first);
	put32(p + 4, r->len);
	put32(p + 8, r->crc);
	n = COMMIT_FIXED + state_put(p + COMMIT_FIXED, st);
	e = room(b, (uint32_t)n, K_DATA);
	if (e)
		return e;
	r = rec_find(b, id);
	e = put_entry(b, T_COMMIT, 0, id, 0, p, n, NULL, 0, &at);
	if (e)
		return e;
	r->open = 0;
	r->state = at;
	r->priority = st->priority;
	if (r->first == NONE)
		r->first_sector = (uint8_t)(at / ssize(b));
	b->c.committed++;
	return PL_OK;
}

static void blk_discard(void *ctx, pl_store_id id)
{
	pl_store_block *b = ctx;
	struct pl_blk_rec *r = rec_find(b, id);

	/* its DATA entries stay behind as garbage: without a COMMIT they are
	 * never part of a record, and the sector is reclaimed as usual */
	if (r && r->open)
		rec_drop(b, r);
}

static pl_err blk_next(void *ctx, pl_store_id after, pl_store_id *id)
{
	pl_store_block *b = ctx;
	uint32_t i;

	*id = 0;
	for (i = 0; i < b->nrec; i++)
		if (!b->rec[i].open && b->rec[i].id > after && (!*id || b->rec[i].id < *id))
			*id = b->rec[i].id;
	return PL_OK;
}

static long blk_read(void *ctx, pl_store_id id, uint64_t pos, void *buf, size_t cap)
{
	pl_store_block *b = ctx;
	struct pl_blk_rec *r = committed(b, id);
	uint32_t addr, steps = 0;
	struct ent e;

	if (!r)
		return -PL_E_USAGE;
	if (pos >= r->len || !cap)
		return 0;
	addr = b->cur_id == id && b->cur_off <= pos ? b->cur_addr : r->first;
	while (addr != NONE && steps++ < 1u << 20) {
		if (read_ent(b, addr, &e))
			return -PL_E_IO;
		if (e.type == T_DATA && e.id == id && pos >= e.off && pos < (uint64_t)e.off + e.len) {
			uint32_t skip = (uint32_t)(pos - e.off), n = e.len - skip;

			if (n > cap)
				n = (uint32_t)cap;
			if (b->f->read(b->f->ctx, addr + HDR + skip, buf, n) != 0)
				return -PL_E_IO;
			b->cur_id = id;
			b->cur_off = e.off;
			b->cur_addr = addr;
			return (long)n;
		}
		addr = next_addr(b, addr, &e);
	}
	return -PL_E_IO;
}

static pl_err blk_get_state(void *ctx, pl_store_id id, pl_store_state *st)
{
	pl_store_block *b = ctx;
	struct pl_blk_rec *r = committed(b, id);

	return r ? load_state(b, r, st) : PL_E_USAGE;
}

static pl_err blk_set_state(void *ctx, pl_store_id id, const pl_store_state *st)
{
	pl_store_block *b = ctx;
	uint8_t p[STATE_MAX];
	struct pl_blk_rec *r = committed(b, id);
	size_t n;
	uint32_t at;
	pl_err e;

	if (!r)
		return PL_E_USAGE;
	n = state_put(p, st);
	e = room(b, (uint32_t)n, K_META);
	if (e)
		return e;
	r = committed(b, id); /* reclaiming may have moved the index */
	if (!r)
		return PL_E_LIMIT;
	e = put_entry(b, T_STATE, 0, id, 0, p, n, NULL, 0, &at);
	if (e)
		return e;
	r->state = at;
	r->priority = st->priority;
	return PL_OK;
}

static pl_err blk_lock(void *ctx, pl_store_id id)
{
	struct pl_blk_rec *r = committed(ctx, id);

	if (!r)
		return PL_E_USAGE;
	if (r->locked)
		return PL_E_BUSY;
	r->locked = 1;
	return PL_OK;
}

static void blk_unlock(void *ctx, pl_store_id id)
{
	struct pl_blk_rec *r = committed(ctx, id);

	if (r)
		r->locked = 0;
}

static pl_err blk_remove(void *ctx, pl_store_id id, pl_store_fate fate)
{
	pl_store_block *b = ctx;

	if (!committed(b, id))
		return PL_E_USAGE;
	return remove_id(b, id, fate);
}

static pl_err blk_usage(void *ctx, uint32_t *count, uint64_t *bytes)
{
	pl_store_block *b = ctx;
	uint32_t i;

	*count = 0;
	*bytes = 0;
	for (i = 0; i < b->nrec; i++)
		if (!b->rec[i].open) {
			(*count)++;
			*bytes += b->rec[i].len;
		}
	return PL_OK;
}

const pl_store_ops pl_store_block_ops = {
	blk_create, blk_append, blk_commit, blk_discard, blk_next, blk_read,
	blk_get_state, blk_set_state, blk_lock, blk_unlock, blk_remove, blk_usage,
};

const pl_store_counters *pl_store_block_counters(const pl_store_block *b)
{
	return &b->c;
}

#endif
