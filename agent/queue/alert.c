/*
 * Firmware alert API (alert.h): composition, storm control, queueing via
 * the queue core, and a delivery loop that reports every outcome.
 */
#include <stdio.h>
#include <string.h>

#include "queue/alert.h"

#if PL_ENABLE_ALERT

/* ---- composing ------------------------------------------------------------ */

struct out {
	char *p;
	size_t cap, len;
	int over;
};

static void o_put(struct out *o, const char *s, size_t n)
{
	if (o->over || n > o->cap - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void o_str(struct out *o, const char *s)
{
	o_put(o, s, strlen(s));
}

static int has_8bit(const char *s, size_t n)
{
	while (n--)
		if ((unsigned char)*s++ >= 0x80)
			return 1;
	return 0;
}

static int bad_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Subject as an RFC 2047 encoded word when it has 8-bit bytes (UTF-8). */
static void o_subject(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!has_8bit(s, strlen(s))) {
		o_str(o, s);
		return;
	}
	o_str(o, "=?UTF-8?Q?");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3] = { '=', hex[c >> 4], hex[c & 15] };

		if (c == ' ')
			o_put(o, "_", 1);
		else if (c >= 0x80 || c == '=' || c == '?' || c == '_')
			o_put(o, e, 3);
		else
			o_put(o, (const char *)&c, 1);
	}
	o_str(o, "?=");
}

/* RFC 5322 date from epoch seconds and an offset in minutes. */
static void o_date(struct out *o, int64_t t, int off_min)
{
	static const char wd[] = "SunMonTueWedThuFriSat";
	static const char mo[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int64_t s = t + (int64_t)off_min * 60, days = s / 86400, rem = s % 86400, z, era, doe, yoe, y,
		doy, mp, d, m;
	char buf[40];
	int a = off_min < 0 ? -off_min : off_min;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	/* civil date from days since 1970-01-01 (H. Hinnant's algorithm) */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, sizeof(buf), "%.3s, %02d %.3s %04d %02d:%02d:%02d %c%02d%02d",
		 wd + 3 * (size_t)(((days % 7) + 11) % 7), (int)d, mo + 3 * (size_t)(m - 1), (int)y,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), off_min < 0 ? '-' : '+',
		 a / 60, a % 60);
	o_str(o, buf);
}

static void o_msgid(pl_alert_ctx *ctx, struct out *o)
{
	static const char hex[] = "0123456789abcdef";
	const char *dom = ctx->cfg.msgid_domain;
	uint8_t r[12];
	char buf[48];
	size_t i;

	if (!dom) {
		dom = strrchr(ctx->cfg.from, '@');
		dom = dom && dom[1] ? dom + 1 : "postlet.invalid";
	}
	if (pl_port_random(r, sizeof(r)) != PL_OK) {
		/* no randomness: unique enough on this device, never empty */
		int64_t t = pl_queue_now(&ctx->q);

		memset(r, 0, sizeof(r));
		memcpy(r, &t, sizeof(t) < sizeof(r) ? sizeof(t) : sizeof(r));
	}
	o_str(o, "<");
	for (i = 0; i < sizeof(r); i++) {
		char h[2] = { hex[r[i] >> 4], hex[r[i] & 15] };

		o_put(o, h, 2);
	}
	snprintf(buf, sizeof(buf), ".%lu@", (unsigned long)++ctx->msgid_seq);
	o_str(o, buf);
	o_str(o, dom);
	o_str(o, ">");
}

/* Whether times are wall-clock epoch seconds (Date:, digest HH:MM,
 * expiry by age). */
static int wall(const pl_alert_ctx *ctx, int *off_min)
{
	int64_t t;

	*off_min = 0;
	if (ctx->cfg.now)
		return ctx->cfg.now_is_wall;
	return pl_port_wall_clock(&t, off_min) == PL_OK;
}

static pl_err compose(pl_alert_ctx *ctx, const char *const *rcpts, size_t nrcpt,
		      const char *subject, const char *body, pl_reader rd, void *rd_ctx,
		      size_t *len, int *eight)
{
	struct out o = { ctx->msg, sizeof(ctx->msg), 0, 0 };
	size_t i, hdr_end;
	int64_t t;
	int off;

	o_str(&o, "From: ");
	if (ctx->cfg.from_name && ctx->cfg.from_name[0]) {
		o_str(&o, "\"");
		o_str(&o, ctx->cfg.from_name);
		o_str(&o, "\" ");
	}
	o_str(&o, "<");
	o_str(&o, ctx->cfg.from);
	o_str(&o, ">\r\nTo: ");
	for (i = 0; i < nrcpt; i++) {
		o_str(&o, i ? ", <" : "<");
		o_str(&o, rcpts[i]);
		o_str(&o, ">");
	}
	o_str(&o, "\r\nSubject: ");
	o_subject(&o, subject);
	/* without a trustworthy clock, no Date: the server adds one */
	if (pl_port_wall_clock(&t, &off) == PL_OK) {
		o_str(&o, "\r\nDate: ");
		o_date(&o, t, off);
	}
	o_str(&o, "\r\nMessage-ID: ");
	o_msgid(ctx, &o);
	o_str(&o, "\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
		  "Content-Type: text/plain; charset=utf-8\r\n");
	hdr_end = o.len;
	o_str(&o, "Content-Transfer-Encoding: 8bit\r\n\r\n");
	if (o.over)
		return PL_E_LIMIT;
	i = o.len;
	if (body) {
		o_str(&o, body);
	} else if (rd) {
		for (;;) {
			long n = rd(rd_ctx, (uint8_t *)o.p + o.len, o.cap - o.len);

			if (n < 0)
				return (pl_err)-n;
			if (n == 0)
				break;
			o.len += (size_t)n;
			if (o.len == o.cap) {
				uint8_t probe;

				/* full: fine only if the body ends exactly here */
				n = rd(rd_ctx, &probe, 1);
				if (n != 0)
					return n < 0 ? (pl_err)-n : PL_E_LIMIT;
				break;
			}
		}
	}
	if (o.over)
		return PL_E_LIMIT;
	*eight = has_8bit(o.p + i, o.len - i);
	if (!*eight) {
		/* 7-bit body: drop the Content-Transfer-Encoding line */
		size_t cte = strlen("Content-Transfer-Encoding: 8bit\r\n");

		memmove(o.p + hdr_end, o.p + hdr_end + cte, o.len - hdr_end - cte);
		o.len -= cte;
	}
	*len = o.len;
	return PL_OK;
}

static pl_err enqueue(pl_alert_ctx *ctx, const char *const *rcpts, size_t nrcpt,
		      const char *subject, const char *body, pl_reader rd, void *rd_ctx,
		      uint8_t priority, pl_store_id *id)
{
	pl_queue_envelope env;
	size_t len = 0;
	int eight = 0;
	pl_err e = compose(ctx, rcpts, nrcpt, subject, body, rd, rd_ctx, &len, &eight);

	if (e)
		return e;
	memset(&env, 0, sizeof(env));
	env.from = ctx->cfg.from;
	env.rcpts = rcpts;
	env.nrcpt = nrcpt;
	env.flags = eight ? PL_QUEUE_F_8BIT : 0;
	env.priority = priority;
	e = pl_queue_put(&ctx->q, &env, ctx->msg, len, PL_OK, NULL, id);
	if (!e)
		ctx->stats.queued++;
	return e;
}

/* Queue the digests whose window has closed. */
static void digests(pl_alert_ctx *ctx, int64_t now)
{
	pl_storm_digest d;
	char subject[PL_STORM_KEY_MAX + 112], body[PL_STORM_KEY_MAX + 400];
	int off, w = wall(ctx, &off);

	while (pl_storm_next_digest(&ctx->storm, now, &d)) {
		char line[PL_STORM_KEY_MAX + 96];

		pl_storm_digest_text(&d, w, off, line, sizeof(line));
		snprintf(subject, sizeof(subject), "[digest] %s", line);
		snprintf(body, sizeof(body),
			 "%s\r\n\r\nAlert-storm control mailed %lu of these and suppressed %lu\r\n"
			 "(at most %lu per key and %lu in all per %lu s window).\r\n",
			 line, (unsigned long)d.sent, (unsigned long)d.suppressed,
			 (unsigned long)ctx->storm.cfg.per_key, (unsigned long)ctx->storm.cfg.global,
			 (unsigned long)ctx->storm.cfg.window_s);
		/* a control character in a caller's key must not break the header */
		for (char *p = subject; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		if (enqueue(ctx, ctx->cfg.rcpts, ctx->cfg.nrcpt, subject, body, NULL, NULL, 128, NULL) ==
		    PL_OK)
			ctx->stats.digests++;
	}
}

/* ---- delivery: the queue's flush, each attempt reported ------------------------ */

static void attempt_done(void *c, const pl_queue_entry *e, pl_err err, const pl_smtp_error *info,
			 int final)
{
	pl_alert_ctx *ctx = c;
	pl_alert_outcome o;

	memset(&o, 0, sizeof(o));
	o.id = e->id;
	o.err = err;
	o.attempts = e->state.attempts;
	o.final = final;
	if (info && err) {
		o.stage = info->stage;
		o.code = info->code;
		memcpy(o.enhanced, info->enhanced, sizeof(o.enhanced));
		o.enhanced[sizeof(o.enhanced) - 1] = '\0';
	}
	if (err == PL_OK) {
		o.code = ctx->session.smtp.last_code; /* the server's 250 */
		ctx->stats.delivered++;
	} else if (final) {
		ctx->stats.failed++;
	} else {
		o.ambiguous = pl_queue_ambiguous(err, info);
		o.retries_left = ctx->cfg.max_attempts - o.attempts;
		ctx->stats.deferred++;
	}
	if (ctx->cfg.done)
		ctx->cfg.done(ctx->cfg.done_ctx, &o);
}

static int deliver(pl_alert_ctx *ctx, int force)
{
	pl_queue_filter flt;
	pl_queue_stats st;
	pl_err err;

	digests(ctx, pl_queue_now(&ctx->q));
	memset(&flt, 0, sizeof(flt));
	flt.force = force;
	err = pl_queue_flush(&ctx->q, &ctx->session, ctx->acct, &flt, &st);
	return err ? -(int)err : (int)st.sent;
}

/* ---- public: init and send -------------------------------------------------- */

pl_err pl_alert_init(pl_alert_ctx *ctx, const pl_alert_config *cfg, const pl_store *store,
		     const pl_account *acct)
{
	memset(ctx, 0, sizeof(*ctx));
	if (!cfg || !cfg->from || !cfg->from[0] || !cfg->rcpts || !cfg->nrcpt ||
	    cfg->nrcpt > CONFIG_POSTLET_ALERT_MAX_RCPT || !store || !store->ops || !acct)
		return PL_E_USAGE;
	ctx->cfg = *cfg;
	ctx->acct = acct;
	if (!ctx->cfg.max_attempts)
		ctx->cfg.max_attempts = CONFIG_POSTLET_ALERT_MAX_ATTEMPTS;
	if (!ctx->cfg.storm.window_s)
		pl_storm_defaults(&ctx->cfg.storm);
	pl_storm_init(&ctx->storm, &ctx->cfg.storm);
	pl_queue_init(&ctx->q, store);
	/* the store's own bounds and full policy decide, not the Unix limits */
	ctx->q.max_count = UINT32_MAX;
	ctx->q.max_bytes = UINT64_MAX;
	if (cfg->backoff_base_s)
		ctx->q.backoff_base_s = cfg->backoff_base_s;
	if (cfg->backoff_max_s)
		ctx->q.backoff_max_s = cfg->backoff_max_s;
	ctx->q.now = cfg->now;
	ctx->q.now_ctx = cfg->now_ctx;
	ctx->q.max_attempts = ctx->cfg.max_attempts;
	ctx->q.attempt = attempt_done;
	ctx->q.attempt_ctx = ctx;
	ctx->q.trace = cfg->trace;
	ctx->q.trace_ctx = cfg->trace_ctx;
	return PL_OK;
}

pl_err pl_alert_send(pl_alert_ctx *ctx, const pl_alert *a, pl_store_id *id)
{
	const char *const *rcpts = a->rcpts ? a->rcpts : ctx->cfg.rcpts;
	size_t nrcpt = a->rcpts ? a->nrcpt : ctx->cfg.nrcpt;
	int64_t now = pl_queue_now(&ctx->q);
	const char *key = a->key ? a->key : a->subject;
	uint32_t h;

	if (id)
		*id = 0;
	if (!a->subject || bad_text(a->subject) || !nrcpt || nrcpt > CONFIG_POSTLET_ALERT_MAX_RCPT)
		return PL_E_MESSAGE;
	digests(ctx, now);
	/* identical = same key, subject and body text (a body callback is
	 * not read twice: then the subject stands for the content) */
	h = pl_storm_hash(PL_STORM_HASH_INIT, a->subject, strlen(a->subject));
	if (a->body)
		h = pl_storm_hash(h, a->body, strlen(a->body));
	if (pl_storm_check(&ctx->storm, key, h, now) == PL_STORM_SUPPRESS) {
		ctx->stats.suppressed++;
		return PL_OK;
	}
	return enqueue(ctx, rcpts, nrcpt, a->subject, a->body, a->body_read, a->body_ctx, a->priority,
		       id);
}

int pl_alert_poll(pl_alert_ctx *ctx)
{
	return deliver(ctx, 0);
}

int pl_alert_flush(pl_alert_ctx *ctx)
{
	return deliver(ctx, 1);
}

#endif
