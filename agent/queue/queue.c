/*
 * The mail queue's state machine (see queue.h for the contract and the
 * record layout).  Design notes:
 *   - the store guarantees atomic commit/set_state/remove; the queue only
 *     orders its calls so that a crash at any point loses nothing: a new
 *     record for the recipients left is committed before the old one goes;
 *   - state is re-read after the lock: another process may have delivered
 *     or retried the record since we looked;
 *   - one failed connect defers every due record of the flush without
 *     trying again (the server is down for all of them).
 */
#include "queue.h"

#include <string.h>

#include "engine/smtp.h"

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static const uint8_t magic[4] = { 'P', 'L', 'Q', '1' };

/* The record header (layout in queue.h) for env with nrcpt recipients. */
static void encode_hdr(uint8_t *hdr, const pl_queue_envelope *env, size_t nrcpt, size_t envlen,
		       uint64_t len)
{
	memset(hdr, 0, PL_QUEUE_HDR_SIZE);
	memcpy(hdr, magic, sizeof(magic));
	hdr[4] = (uint8_t)env->flags;
	hdr[5] = (uint8_t)env->dsn_notify;
	hdr[6] = (uint8_t)env->dsn_ret;
	hdr[7] = env->priority;
	put16(hdr + 8, (uint32_t)nrcpt);
	put16(hdr + 10, (uint32_t)envlen);
	put64(hdr + 16, len);
	put64(hdr + 24, env->size_hint);
}

void pl_queue_init(pl_queue *q, const pl_store *store)
{
	memset(q, 0, sizeof(*q));
	q->store = *store;
	q->backoff_base_s = CONFIG_POSTLET_QUEUE_BACKOFF_BASE_S;
	q->backoff_max_s = CONFIG_POSTLET_QUEUE_BACKOFF_MAX_S;
	q->expiry_s = CONFIG_POSTLET_QUEUE_EXPIRY_S;
	q->max_count = CONFIG_POSTLET_QUEUE_MAX_COUNT;
	q->max_bytes = CONFIG_POSTLET_QUEUE_MAX_BYTES;
}

int64_t pl_queue_now(pl_queue *q)
{
	int64_t t;
	int off;

	if (q->now)
		return q->now(q->now_ctx);
	if (pl_port_wall_clock(&t, &off) == PL_OK)
		return t;
	return (int64_t)(pl_port_monotonic_ms() / 1000u);
}

uint32_t pl_queue_backoff(const pl_queue *q, uint32_t attempts)
{
	uint64_t d = q->backoff_base_s ? q->backoff_base_s : 1;

	while (attempts > 1 && d < q->backoff_max_s) {
		d *= 2;
		attempts--;
	}
	return d > q->backoff_max_s ? q->backoff_max_s : (uint32_t)d;
}

int pl_queue_ambiguous(pl_err e, const pl_smtp_error *info)
{
	/* a reply was read: the server said what happened */
	return e != PL_OK && info && info->stage == PL_STAGE_BODY && info->code == 0 &&
	       (e == PL_E_CLOSED || e == PL_E_NETWORK || e == PL_E_TIMEOUT ||
		e == PL_E_PROTOCOL);
}

int pl_queue_temporary(pl_err e, const pl_smtp_error *info)
{
	(void)info;
	switch (e) {
	case PL_OK:
	case PL_E_PERMFAIL:      /* 5xx */
	case PL_E_RCPT_REFUSED:  /* every recipient refused for good */
	case PL_E_MESSAGE:       /* an envelope no server will take */
	case PL_E_LIMIT:
	case PL_E_USAGE:
		return 0;
	default:
		/* network, 4xx, TLS and authentication trouble are the
		 * connection's, not the message's: keep it until it expires */
		return 1;
	}
}

/* ---- small string helpers (no stdio) ------------------------------------ */

struct sbuf {
	char *p;
	size_t cap, len;
};

static void sb_str(struct sbuf *b, const char *s)
{
	while (s && *s && b->len + 1 < b->cap)
		b->p[b->len++] = *s++;
	b->p[b->len] = '\0';
}

static void sb_uint(struct sbuf *b, unsigned long v)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && b->len + 1 < b->cap)
		b->p[b->len++] = d[--n];
	b->p[b->len] = '\0';
}

/* "451 4.3.0 text" or "stage: reason", one line. */
static void describe(char *out, size_t cap, pl_err e, const pl_smtp_error *info)
{
	struct sbuf b = { out, cap, 0 };

	out[0] = '\0';
	if (info && info->code) {
		/* the reply text usually starts with its code already */
		if (!(info->text[0] >= '2' && info->text[0] <= '5')) {
			sb_uint(&b, (unsigned long)info->code);
			sb_str(&b, " ");
		}
		sb_str(&b, info->text);
	} else {
		if (info)
			sb_str(&b, pl_stage_name(info->stage));
		sb_str(&b, ": ");
		sb_str(&b, info && info->text[0] ? info->text : pl_strerror(e));
	}
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = ' ';
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		size_t i = 0;

		while (i < n && hay[i] &&
		       (hay[i] | 0x20) == (needle[i] | 0x20))
			i++;
		if (i == n)
			return 1;
	}
	return n == 0;
}

/* ---- enqueue ------------------------------------------------------------- */

/* The full policy: the oldest record of the lowest priority, if that is
 * not above prio, is dropped (PL_STORE_DROPPED) and counted. */
static pl_err drop_one(pl_queue *q, uint8_t prio)
{
	const pl_store_ops *ops = q->store.ops;
	pl_store_id id = 0, victim = 0;
	unsigned best = 256;
	pl_store_state st;

	while (ops->next(q->store.ctx, id, &id) == PL_OK && id) {
		/* oldest first: only a strictly lower priority replaces it */
		if (ops->get_state(q->store.ctx, id, &st) == PL_OK && st.priority < best) {
			best = st.priority;
			victim = id;
		}
	}
	if (!victim || best > prio || ops->lock(q->store.ctx, victim) != PL_OK)
		return PL_E_LIMIT;
	if (ops->remove(q->store.ctx, victim, PL_STORE_DROPPED) == PL_OK)
		q->dropped++;
	ops->unlock(q->store.ctx, victim);
	return PL_OK;
}

static int bad_addr(const char *a)
{
	for (; *a; a++)
		if ((unsigned char)*a < 0x20 || *a == 0x7f)
			return 1;
	return 0;
}

pl_err pl_queue_put(pl_queue *q, const pl_queue_envelope *env, const void *data, size_t len,
		    pl_err first_err, const pl_smtp_error *first_try, pl_store_id *idp)
{
	const pl_store_ops *ops = q->store.ops;
	uint8_t hdr[PL_QUEUE_HDR_SIZE];
	const char *envid = env->dsn_envid ? env->dsn_envid : "";
	size_t envlen, i;
	pl_store_state st;
	pl_store_id id = 0;
	uint32_t count;
	uint64_t bytes;
	pl_err e;

	if (idp)
		*idp = 0;
	if (!env->from || env->nrcpt == 0 || env->nrcpt > CONFIG_POSTLET_MAX_RCPT ||
	    bad_addr(env->from) || bad_addr(envid))
		return PL_E_MESSAGE;
	envlen = strlen(env->from) + 1 + strlen(envid) + 1;
	for (i = 0; i < env->nrcpt; i++) {
		if (!env->rcpts[i] || !env->rcpts[i][0] || bad_addr(env->rcpts[i]))
			return PL_E_MESSAGE;
		envlen += strlen(env->rcpts[i]) + 1;
	}
	if (envlen > CONFIG_POSTLET_QUEUE_ENVELOPE_MAX)
		return PL_E_LIMIT;
	if (PL_QUEUE_HDR_SIZE + envlen + len > q->max_bytes)
		return PL_E_LIMIT;
	for (;;) {
		e = ops->usage(q->store.ctx, &count, &bytes);
		if (e)
			return e;
		if (count + 1 <= q->max_count &&
		    bytes + PL_QUEUE_HDR_SIZE + envlen + len <= q->max_bytes)
			break;
		if (!q->drop_when_full || drop_one(q, env->priority) != PL_OK)
			return PL_E_LIMIT;
	}

	encode_hdr(hdr, env, env->nrcpt, envlen, len);

	e = ops->create(q->store.ctx, &id);
	if (e)
		return e;
	e = ops->append(q->store.ctx, id, hdr, sizeof(hdr));
	if (!e)
		e = ops->append(q->store.ctx, id, env->from, strlen(env->from) + 1);
	if (!e)
		e = ops->append(q->store.ctx, id, envid, strlen(envid) + 1);
	for (i = 0; !e && i < env->nrcpt; i++)
		e = ops->append(q->store.ctx, id, env->rcpts[i], strlen(env->rcpts[i]) + 1);
	if (!e && len)
		e = ops->append(q->store.ctx, id, data, len);
	if (e) {
		ops->discard(q->store.ctx, id);
		return e;
	}
	memset(&st, 0, sizeof(st));
	st.created = pl_queue_now(q);
	st.next_try = st.created;
	st.priority = env->priority;
	if (first_err != PL_OK) {
		st.attempts = 1;
		st.next_try = st.created + pl_queue_backoff(q, 1);
		st.last_code = first_try ? (uint16_t)first_try->code : 0;
		describe(st.last_error, sizeof(st.last_error), first_err, first_try);
		if (pl_queue_ambiguous(first_err, first_try))
			st.flags |= PL_STORE_F_AMBIGUOUS;
	}
	e = ops->commit(q->store.ctx, id, &st);
	if (e) {
		ops->discard(q->store.ctx, id);
		return e;
	}
	if (idp)
		*idp = id;
	return PL_OK;
}

/* ---- reading records ------------------------------------------------------ */

static pl_err read_full(pl_queue *q, pl_store_id id, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		long n = q->store.ops->read(q->store.ctx, id, off, p, len);

		if (n < 0)
			return (pl_err)-n;
		if (n == 0)
			return PL_E_MESSAGE; /* shorter than its header says */
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return PL_OK;
}

/* Header and envelope of id into e (strings into q->env).  PL_E_MESSAGE:
 * the record is there but is not one we wrote; PL_E_IO and others: it
 * could not be read now. */
static pl_err load(pl_queue *q, pl_store_id id, pl_queue_entry *e)
{
	uint8_t hdr[PL_QUEUE_HDR_SIZE];
	size_t envlen, nrcpt, i, k;
	const char *p, *end;
	pl_err err;

	memset(e, 0, sizeof(*e));
	e->id = id;
	err = read_full(q, id, 0, hdr, sizeof(hdr));
	if (err)
		return err;
	nrcpt = get16(hdr + 8);
	envlen = get16(hdr + 10);
	if (memcmp(hdr, magic, sizeof(magic)) != 0 || nrcpt == 0 || nrcpt > CONFIG_POSTLET_MAX_RCPT ||
	    envlen < nrcpt + 2 || envlen > CONFIG_POSTLET_QUEUE_ENVELOPE_MAX)
		return PL_E_MESSAGE;
	err = read_full(q, id, PL_QUEUE_HDR_SIZE, q->env, envlen);
	if (err)
		return err;
	if (q->env[envlen - 1] != '\0')
		return PL_E_MESSAGE;
	/* sender, envid, recipients: exactly nrcpt + 2 strings */
	p = q->env;
	end = q->env + envlen;
	for (k = 0; k < nrcpt + 2; k++) {
		if (p >= end)
			return PL_E_MESSAGE;
		if (k >= 2) {
			if (!*p)
				return PL_E_MESSAGE;
			q->rcpts[k - 2] = p;
		}
		p += strlen(p) + 1;
	}
	if (p != end)
		return PL_E_MESSAGE;
	e->env.from = q->env;
	e->env.dsn_envid = q->env + strlen(q->env) + 1;
	e->env.rcpts = q->rcpts;
	e->env.nrcpt = nrcpt;
	e->env.flags = hdr[4];
	e->env.dsn_notify = hdr[5];
	e->env.dsn_ret = (pl_dsn_ret)hdr[6];
	e->env.priority = hdr[7];
	e->env.size_hint = get64(hdr + 24);
	e->size = get64(hdr + 16);
	for (i = 0; i < nrcpt; i++)
		q->sub[i] = q->rcpts[i];
	return q->store.ops->get_state(q->store.ctx, id, &e->state);
}

static uint64_t msg_offset(const pl_queue_entry *e)
{
	size_t envlen = strlen(e->env.from) + strlen(e->env.dsn_envid) + 2;

	for (size_t i = 0; i < e->env.nrcpt; i++)
		envlen += strlen(e->env.rcpts[i]) + 1;
	return PL_QUEUE_HDR_SIZE + envlen;
}

pl_err pl_queue_next(pl_queue *q, pl_store_id after, pl_queue_entry *e)
{
	pl_store_id id = after;

	for (;;) {
		pl_err err = q->store.ops->next(q->store.ctx, id, &id);

		if (err)
			return err;
		if (id == 0) {
			memset(e, 0, sizeof(*e));
			return PL_OK;
		}
		if (load(q, id, e) == PL_OK)
			return PL_OK;
		/* gone since listed, or unreadable: the flush deals with it */
	}
}

long pl_queue_read_message(pl_queue *q, pl_store_id id, uint64_t off, void *buf, size_t cap)
{
	pl_queue_entry e;
	pl_err err = load(q, id, &e);

	if (err)
		return -(long)err;
	if (off >= e.size)
		return 0;
	if (cap > e.size - off)
		cap = (size_t)(e.size - off);
	return q->store.ops->read(q->store.ctx, id, msg_offset(&e) + off, buf, cap);
}

/* ---- delivery -------------------------------------------------------------- */

static long reader(void *ctx, uint8_t *buf, size_t cap)
{
	pl_queue *q = ctx;
	long n;

	if (q->rd_off >= q->rd_end)
		return 0;
	if (cap > q->rd_end - q->rd_off)
		cap = (size_t)(q->rd_end - q->rd_off);
	n = q->store.ops->read(q->store.ctx, q->rd_id, q->rd_off, buf, cap);
	if (n == 0)
		return -(long)PL_E_IO; /* the record ended early: never send it half */
	if (n > 0)
		q->rd_off += (uint64_t)n;
	return n;
}

static int selected(const pl_queue_entry *e, const pl_queue_filter *f)
{
	size_t i;

	if (!f)
		return 1;
	if (f->sender && f->sender[0] && !contains_ci(e->env.from, f->sender))
		return 0;
	if (f->rcpt && f->rcpt[0]) {
		for (i = 0; i < e->env.nrcpt; i++)
			if (contains_ci(e->env.rcpts[i], f->rcpt))
				return 1;
		return 0;
	}
	return 1;
}

static void bounce(pl_queue *q, const pl_queue_entry *e, const char *reason)
{
	if (q->bounce && !(e->env.flags & PL_QUEUE_F_BOUNCE) && e->env.from[0])
		q->bounce(q->bounce_ctx, q, e, reason);
}

static void told(pl_queue *q, const pl_queue_entry *e, pl_err err, const pl_smtp_error *info,
		 int final)
{
	if (q->attempt)
		q->attempt(q->attempt_ctx, e, err, info, final);
}

/* Not due: its next try is ahead, but not further than the longest
 * backoff (further means the clock restarted: try it now). */
static int waiting(const pl_queue *q, const pl_store_state *st, int64_t now)
{
	return st->next_try > now && st->next_try - now <= (int64_t)q->backoff_max_s;
}

/* Keep for later: attempts + 1, backoff, last error; or give up when
 * that was the last attempt allowed. */
static void defer(pl_queue *q, pl_queue_entry *e, pl_err err, const pl_smtp_error *info,
		  int64_t now, pl_queue_stats *st)
{
	e->state.attempts++;
	e->state.next_try = now + pl_queue_backoff(q, e->state.attempts);
	e->state.last_code = info ? (uint16_t)info->code : 0;
	describe(e->state.last_error, sizeof(e->state.last_error), err, info);
	st->last_err = err;
	if (q->max_attempts && e->state.attempts >= q->max_attempts) {
		bounce(q, e, e->state.last_error);
		st->expired++;
		(void)q->store.ops->remove(q->store.ctx, e->id, PL_STORE_EXPIRED);
		told(q, e, err, info, 1);
		return;
	}
	if (pl_queue_ambiguous(err, info)) {
		e->state.flags |= PL_STORE_F_AMBIGUOUS;
		st->ambiguous++;
	}
	(void)q->store.ops->set_state(q->store.ctx, e->id, &e->state);
	st->deferred++;
	told(q, e, err, info, 0);
}

/* Copy the message of e into a new record for the recipients in sub[0..n). */
static pl_err requeue(pl_queue *q, pl_queue_entry *e, size_t n, pl_err err,
		      const pl_smtp_error *info, int64_t now)
{
	const pl_store_ops *ops = q->store.ops;
	const pl_queue_envelope env = e->env;
	uint8_t hdr[PL_QUEUE_HDR_SIZE], buf[256];
	uint64_t off = msg_offset(e), left = e->size;
	pl_store_state st = e->state;
	pl_store_id id;
	size_t envlen, i;
	pl_err r;

	envlen = strlen(env.from) + strlen(env.dsn_envid) + 2;
	for (i = 0; i < n; i++)
		envlen += strlen(q->sub[i]) + 1;
	encode_hdr(hdr, &env, n, envlen, e->size);
	r = ops->create(q->store.ctx, &id);
	if (r)
		return r;
	r = ops->append(q->store.ctx, id, hdr, sizeof(hdr));
	if (!r)
		r = ops->append(q->store.ctx, id, env.from, strlen(env.from) + 1);
	if (!r)
		r = ops->append(q->store.ctx, id, env.dsn_envid, strlen(env.dsn_envid) + 1);
	for (i = 0; !r && i < n; i++)
		r = ops->append(q->store.ctx, id, q->sub[i], strlen(q->sub[i]) + 1);
	while (!r && left) {
		long got = ops->read(q->store.ctx, e->id, off, buf,
				     left < sizeof(buf) ? (size_t)left : sizeof(buf));

		if (got <= 0) {
			r = got < 0 ? (pl_err)-got : PL_E_IO;
			break;
		}
		r = ops->append(q->store.ctx, id, buf, (size_t)got);
		off += (uint64_t)got;
		left -= (uint64_t)got;
	}
	st.attempts++;
	st.next_try = now + pl_queue_backoff(q, st.attempts);
	st.last_code = info ? (uint16_t)info->code : 0;
	describe(st.last_error, sizeof(st.last_error), err, info);
	if (!r)
		r = ops->commit(q->store.ctx, id, &st);
	if (r)
		ops->discard(q->store.ctx, id);
	return r;
}

/* Accepted for some recipients: bounce the refused, keep the deferred. */
static void partial(pl_queue *q, pl_session *s, pl_queue_entry *e, int64_t now,
		    pl_queue_stats *st)
{
	pl_smtp_error info = *pl_smtp_error_info(&s->smtp);
	size_t i, ntemp = 0;
	int perm = 0;

	for (i = 0; i < e->env.nrcpt; i++) {
		int code = pl_smtp_rcpt_code(&s->smtp, i);

		if (code / 100 == 2)
			continue;
		if (code / 100 == 5) {
			perm = code;
			continue;
		}
		q->sub[ntemp++] = e->env.rcpts[i];
		info.code = code;
	}
	if (ntemp && requeue(q, e, ntemp, PL_E_TEMPFAIL, &info, now) != PL_OK) {
		/* cannot split it: keep the whole message (some get it twice) */
		defer(q, e, PL_E_TEMPFAIL, &info, now, st);
		return;
	}
	if (perm) {
		char why[96];
		struct sbuf b = { why, sizeof(why), 0 };

		sb_str(&b, "some recipients refused (");
		sb_uint(&b, (unsigned long)perm);
		sb_str(&b, ")");
		bounce(q, e, why);
		st->bounced++;
	}
	st->sent++;
	(void)q->store.ops->remove(q->store.ctx, e->id, PL_STORE_DELIVERED);
	e->state.attempts++;
	told(q, e, PL_OK, &info, 1);
}

struct flush {
	pl_queue *q;
	pl_session *s;
	const pl_account *a;
	pl_queue_stats *st;
	int open;             /* a session is open */
	unsigned opens;       /* attempts to open */
	pl_err down;          /* connect failed: defer the rest with this */
	pl_smtp_error down_info;
};

static void deliver(struct flush *f, pl_queue_entry *e, int64_t now)
{
	pl_queue *q = f->q;
	pl_message m;
	pl_err err;

	if (f->open && !pl_session_usable(f->s)) {
		pl_session_close(f->s);
		f->open = 0;
	}
	if (!f->open && !f->down) {
		if (f->opens >= PL_QUEUE_OPENS_MAX) {
			f->down = PL_E_NETWORK;
			memset(&f->down_info, 0, sizeof(f->down_info));
		} else {
			f->opens++;
			f->s->trace = q->trace;
			f->s->trace_ctx = q->trace_ctx;
			err = pl_session_open(f->s, f->a);
			if (err) {
				f->down = err;
				f->down_info = *pl_smtp_error_info(&f->s->smtp);
				pl_session_close(f->s);
			} else {
				f->open = 1;
				f->st->connections++;
			}
		}
	}
	if (f->down) {
		defer(q, e, f->down, &f->down_info, now, f->st);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.from = e->env.from;
	m.rcpts = e->env.rcpts;
	m.nrcpt = e->env.nrcpt;
	m.size_hint = e->env.size_hint;
	m.body_8bit = (e->env.flags & PL_QUEUE_F_8BIT) != 0;
	m.dsn_notify = e->env.dsn_notify;
	m.dsn_ret = e->env.dsn_ret;
	m.dsn_envid = e->env.dsn_envid[0] ? e->env.dsn_envid : NULL;
	m.dsn_orcpt = (e->env.flags & PL_QUEUE_F_ORCPT) != 0;
	m.read = reader;
	m.read_ctx = q;
	q->rd_id = e->id;
	q->rd_off = msg_offset(e);
	q->rd_end = q->rd_off + e->size;
	f->st->tried++;
	err = pl_session_transact(f->s, &m);
	if (err == PL_OK) {
		if (pl_smtp_rcpt_accepted(&f->s->smtp) < e->env.nrcpt) {
			partial(q, f->s, e, now, f->st);
			return;
		}
		f->st->sent++;
		(void)q->store.ops->remove(q->store.ctx, e->id, PL_STORE_DELIVERED);
		e->state.attempts++;
		told(q, e, PL_OK, pl_smtp_error_info(&f->s->smtp), 1);
		return;
	}
	if (!pl_queue_temporary(err, pl_smtp_error_info(&f->s->smtp))) {
		char why[sizeof(e->state.last_error)];

		describe(why, sizeof(why), err, pl_smtp_error_info(&f->s->smtp));
		bounce(q, e, why);
		f->st->bounced++;
		f->st->last_err = err;
		(void)q->store.ops->remove(q->store.ctx, e->id, PL_STORE_EXPIRED);
		e->state.attempts++;
		told(q, e, err, pl_smtp_error_info(&f->s->smtp), 1);
		return;
	}
	defer(q, e, err, pl_smtp_error_info(&f->s->smtp), now, f->st);
}

/* One record: lock, look again, expire or deliver, unlock. */
static void handle(struct flush *f, pl_store_id id, const pl_queue_filter *flt, int64_t now)
{
	pl_queue *q = f->q;
	const pl_store_ops *ops = q->store.ops;
	pl_queue_entry e;
	pl_err err;

	err = ops->lock(q->store.ctx, id);
	if (err == PL_E_BUSY) {
		f->st->busy++;
		return;
	}
	if (err)
		return;
	/* as it is now that it is ours: delivered or retried meanwhile? */
	err = load(q, id, &e);
	if (err == PL_E_MESSAGE) {
		/* the store vouched for it but the envelope is not ours: set
		 * it aside, never send it (a read error just waits) */
		(void)ops->remove(q->store.ctx, id, PL_STORE_EXPIRED);
		goto out;
	}
	if (err || !selected(&e, flt))
		goto out;
	if (now - e.state.created >= (int64_t)q->expiry_s) {
		char why[96];
		struct sbuf b = { why, sizeof(why), 0 };

		sb_str(&b, "expired after ");
		sb_uint(&b, (unsigned long)e.state.attempts);
		sb_str(&b, " attempts; last error: ");
		sb_str(&b, e.state.last_error[0] ? e.state.last_error : "none");
		bounce(q, &e, why);
		f->st->expired++;
		(void)ops->remove(q->store.ctx, id, PL_STORE_EXPIRED);
		told(q, &e, PL_E_TEMPFAIL, NULL, 1);
		goto out;
	}
	if (!(flt && flt->force) && waiting(q, &e.state, now))
		goto out;
	deliver(f, &e, now);
out:
	ops->unlock(q->store.ctx, id);
}

pl_err pl_queue_flush(pl_queue *q, pl_session *s, const pl_account *a,
		      const pl_queue_filter *flt, pl_queue_stats *st)
{
	const pl_store_ops *ops = q->store.ops;
	struct flush f;
	pl_store_id id = 0;
	pl_err err = PL_OK;

	memset(st, 0, sizeof(*st));
	memset(&f, 0, sizeof(f));
	f.q = q;
	f.s = s;
	f.a = a;
	f.st = st;
	for (;;) {
		pl_store_state state;
		int64_t now = pl_queue_now(q);

		err = ops->next(q->store.ctx, id, &id);
		if (err || id == 0)
			break;
		st->seen++;
		/* a cheap look first: most records of a backlog are not due */
		if (ops->get_state(q->store.ctx, id, &state) != PL_OK)
			continue;
		if (!(flt && flt->force) && waiting(q, &state, now) &&
		    now - state.created < (int64_t)q->expiry_s)
			continue;
		handle(&f, id, flt, now);
	}
	if (f.open)
		pl_session_close(s);
	return err;
}
