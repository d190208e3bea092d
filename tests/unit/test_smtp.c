/*
 * Byte-exact transcript tests for the sans-I/O SMTP engine (engine/smtp.c).
 *
 * A script is a list of steps:
 *   C(bytes)   drain every PL_WANT_SEND and compare all client bytes produced
 *              since the previous C step exactly (body bytes included)
 *   C1(bytes)  same, and the bytes must have come out in one single send
 *   S(bytes)   want must be PL_WANT_RECV; feed the bytes in one pl_smtp_rx()
 *   S1(bytes)  same, one byte per pl_smtp_rx() call
 *   SRAW(b)    feed without looking at want (injection tests)
 *   TLS()      want must be PL_WANT_TLS; call pl_smtp_tls_ready()
 *   BODY(b, n) write b through pl_smtp_body_write() in slices of n, then
 *              pl_smtp_body_end(); bytes sent meanwhile go to the next C step
 *   DONE()     drain; want must be PL_DONE
 *   FAILED(e, stage, code)  drain; want must be PL_FAILED with that error;
 *              the bytes after the last C step may only be "" or "QUIT\r\n"
 *   FAILED_EXACT(e, stage, code, bytes)  ... and must be exactly bytes
 *   STOP()     end the script here, leave the engine for manual steps
 *
 * Invariants checked on every drain: a chunk beginning with "AUTH PLAIN "
 * is flagged secret, a chunk beginning with a plain command is not, and
 * whenever the transmit buffer is empty again every byte of the caller's
 * buffer is zero (the engine wipes it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/smtp.h"
#include "transcript.h"

/* ---- driver ------------------------------------------------------------ */

enum step_kind { ST_C, ST_C1, ST_S, ST_S1, ST_SRAW, ST_TLS, ST_BODY, ST_END, ST_STOP };

struct step {
	enum step_kind k;
	const char *d;
	size_t n;
	size_t arg;
	pl_want want;
	pl_err err;
	pl_stage stage;
	int code;      /* -1: do not check */
	int exact;     /* END: leftover must equal d exactly */
};

#define C(str) { .k = ST_C, .d = (str), .n = sizeof(str) - 1 }
#define C1(str) { .k = ST_C1, .d = (str), .n = sizeof(str) - 1 }
#define S(str) { .k = ST_S, .d = (str), .n = sizeof(str) - 1 }
#define S1(str) { .k = ST_S1, .d = (str), .n = sizeof(str) - 1 }
#define SRAW(str) { .k = ST_SRAW, .d = (str), .n = sizeof(str) - 1 }
#define TLS() { .k = ST_TLS }
#define BODY(str, slice) { .k = ST_BODY, .d = (str), .n = sizeof(str) - 1, .arg = (slice) }
#define DONE() { .k = ST_END, .want = PL_DONE, .code = -1 }
#define FAILED(e, st, c) { .k = ST_END, .want = PL_FAILED, .err = (e), .stage = (st), .code = (c) }
#define FAILED_EXACT(e, st, c, str)                                                       \
	{ .k = ST_END, .want = PL_FAILED, .err = (e), .stage = (st), .code = (c), .d = (str), \
	  .n = sizeof(str) - 1, .exact = 1 }
#define STOP() { .k = ST_STOP }

struct buf {
	unsigned char *p;
	size_t len, cap;
};

struct run {
	pl_smtp s;
	pl_smtp_params p;
	uint8_t *tx;
	size_t txcap;
	size_t send_step;      /* bytes per pl_smtp_tx_done(); 0 = all */
	struct buf pending;    /* client bytes since the last C step */
	struct buf all;        /* every client byte */
	size_t chunks;         /* sends since the last C step */
	pl_err init_err;
};

/* Everything a test allocates is registered so the teardown frees it even
 * when an assertion longjmps out of the test (keeps LeakSanitizer quiet). */
static void *live[64];

static void *track(void *p)
{
	size_t i;

	assert_non_null(p);
	for (i = 0; i < 64; i++) {
		if (!live[i]) {
			live[i] = p;
			return p;
		}
	}
	fail_msg("too many live allocations");
	return p;
}

static void *retrack(void *old, void *p)
{
	size_t i;

	assert_non_null(p);
	if (!old)
		return track(p);
	for (i = 0; i < 64; i++)
		if (live[i] == old)
			live[i] = p;
	return p;
}

static void untrack_free(void *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < 64; i++)
		if (live[i] == p)
			live[i] = NULL;
	free(p);
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 64; i++) {
		free(live[i]);
		live[i] = NULL;
	}
	return 0;
}

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = retrack(b->p, realloc(b->p, cap));
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

static struct run *run_new(const pl_smtp_params *p, size_t txcap)
{
	struct run *r = track(calloc(1, sizeof(*r)));

	r->p = *p;
	r->txcap = txcap;
	r->tx = track(calloc(1, txcap)); /* exact size: ASan catches any overrun */
	buf_add(&r->pending, "", 0);
	buf_add(&r->all, "", 0);
	r->init_err = pl_smtp_init(&r->s, &r->p, r->tx, txcap);
	return r;
}

static void run_free(struct run *r)
{
	untrack_free(r->tx);
	untrack_free(r->pending.p);
	untrack_free(r->all.p);
	untrack_free(r);
}

static int starts_with(const uint8_t *p, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len >= n && memcmp(p, pre, n) == 0;
}

static void assert_tx_wiped_upto(const struct run *r, size_t upto)
{
	size_t i;

	for (i = 0; i < upto; i++) {
		if (r->tx[i] != 0) {
			fprintf(stderr, "transmit buffer not wiped: byte %zu = 0x%02x\n", i, r->tx[i]);
			fail();
		}
	}
}

static void assert_tx_wiped(const struct run *r)
{
	assert_tx_wiped_upto(r, r->txcap);
}

/* No credential (base64 of user "user", password "pass", PLAIN blob) left
 * anywhere in the caller's buffer. */
static void assert_no_secret_residue(const struct run *r)
{
	static const char *const secrets[] = { "AHVzZXIAcGFzcw", "dXNlcg==", "cGFzcw==" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (tr_memmem(r->tx, r->txcap, secrets[i], strlen(secrets[i])))
			fail_msg("credential %s left in the transmit buffer", secrets[i]);
}

/* Send everything the engine wants to send. */
static void drain(struct run *r)
{
	int guard = 0;

	while (pl_smtp_want(&r->s) == PL_WANT_SEND) {
		size_t len, n, end;
		const uint8_t *d = pl_smtp_tx_data(&r->s, &len);

		assert_true(++guard < 1000000);
		assert_true(len > 0);
		if (starts_with(d, len, "AUTH PLAIN "))
			assert_true(pl_smtp_tx_secret(&r->s));
		if (starts_with(d, len, "EHLO") || starts_with(d, len, "MAIL") ||
		    starts_with(d, len, "STARTTLS") || starts_with(d, len, "QUIT") ||
		    starts_with(d, len, "AUTH LOGIN\r\n"))
			assert_false(pl_smtp_tx_secret(&r->s));
		n = r->send_step && r->send_step < len ? r->send_step : len;
		end = (size_t)(d - r->tx) + len;
		buf_add(&r->pending, d, n);
		buf_add(&r->all, d, n);
		r->chunks++;
		pl_smtp_tx_done(&r->s, n);
		if (n == len) {
			/* every byte handed out was wiped (checked when the
			 * engine did not refill the buffer at once) */
			size_t nl, i;

			pl_smtp_tx_data(&r->s, &nl);
			if (nl == 0) {
				for (i = 0; i < end; i++)
					if (r->tx[i])
						fail_msg("sent byte %zu not wiped (0x%02x)", i,
							 r->tx[i]);
				assert_false(pl_smtp_tx_secret(&r->s));
				assert_no_secret_residue(r);
			}
		}
	}
}

static void check_pending(struct run *r, const char *exp, size_t n, const char *what)
{
	tr_assert_bytes(what, exp, n, r->pending.p, r->pending.len);
	r->pending.len = 0;
	r->pending.p[0] = 0;
	r->chunks = 0;
}

static void do_body(struct run *r, const char *d, size_t n, size_t slice)
{
	size_t off = 0;
	int guard = 0;

	assert_true(slice > 0);
	while (off < n) {
		pl_want w = pl_smtp_want(&r->s);

		assert_true(++guard < 10000000);
		if (w == PL_WANT_SEND) {
			drain(r);
			continue;
		}
		assert_int_equal(w, PL_WANT_BODY);
		off += pl_smtp_body_write(&r->s, (const uint8_t *)d + off,
					  n - off < slice ? n - off : slice);
	}
	if (pl_smtp_want(&r->s) == PL_WANT_SEND)
		drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_BODY);
	pl_smtp_body_end(&r->s);
}

static void check_end(struct run *r, const struct step *st)
{
	const pl_smtp_error *e = pl_smtp_error_info(&r->s);

	drain(r);
	if (pl_smtp_want(&r->s) != st->want)
		fprintf(stderr, "want %d, expected %d; error %s at %s, code %d: %s\n",
			pl_smtp_want(&r->s), st->want, pl_strerror(e->err), pl_stage_name(e->stage),
			e->code, e->text);
	assert_int_equal(pl_smtp_want(&r->s), st->want);
	if (st->want == PL_DONE) {
		check_pending(r, "", 0, "bytes after the last C step");
		assert_int_equal(e->err, PL_OK);
		return;
	}
	if (e->err != st->err || e->stage != st->stage)
		fprintf(stderr, "error %s (%d) at %s, expected %s (%d) at %s; text: %s\n",
			pl_strerror(e->err), e->err, pl_stage_name(e->stage), pl_strerror(st->err),
			st->err, pl_stage_name(st->stage), e->text);
	assert_int_equal(e->err, st->err);
	assert_int_equal(e->stage, st->stage);
	if (st->code >= 0)
		assert_int_equal(e->code, st->code);
	if (st->exact) {
		check_pending(r, st->d, st->n, "bytes sent while failing");
	} else if (r->pending.len) {
		check_pending(r, "QUIT\r\n", 6, "bytes sent while failing (only QUIT allowed)");
	}
}

/* Run steps until END (returns 1) or STOP (returns 0). */
static int run_steps(struct run *r, const struct step *st)
{
	assert_int_equal(r->init_err, PL_OK);
	for (;; st++) {
		size_t i;

		switch (st->k) {
		case ST_C:
		case ST_C1:
			drain(r);
			if (st->k == ST_C1 && r->chunks != 1) {
				fprintf(stderr, "expected one single send, got %zu\n", r->chunks);
				tr_print_escaped("sent", r->pending.p, r->pending.len);
				assert_int_equal(r->chunks, 1);
			}
			check_pending(r, st->d, st->n, "client bytes");
			break;
		case ST_S:
		case ST_S1:
			if (pl_smtp_want(&r->s) != PL_WANT_RECV) {
				const pl_smtp_error *e = pl_smtp_error_info(&r->s);

				fprintf(stderr, "want %d before server bytes; error %s at %s: %s\n",
					pl_smtp_want(&r->s), pl_strerror(e->err),
					pl_stage_name(e->stage), e->text);
				tr_print_escaped("server bytes", st->d, st->n);
			}
			assert_int_equal(pl_smtp_want(&r->s), PL_WANT_RECV);
			assert_int_equal(r->pending.len, 0);
			if (st->k == ST_S) {
				pl_smtp_rx(&r->s, (const uint8_t *)st->d, st->n);
				break;
			}
			for (i = 0; i < st->n; i++) {
				assert_int_equal(pl_smtp_want(&r->s), PL_WANT_RECV);
				pl_smtp_rx(&r->s, (const uint8_t *)st->d + i, 1);
			}
			break;
		case ST_SRAW:
			pl_smtp_rx(&r->s, (const uint8_t *)st->d, st->n);
			break;
		case ST_TLS:
			drain(r);
			assert_int_equal(r->pending.len, 0);
			assert_int_equal(pl_smtp_want(&r->s), PL_WANT_TLS);
			pl_smtp_tls_ready(&r->s);
			break;
		case ST_BODY:
			do_body(r, st->d, st->n, st->arg);
			break;
		case ST_END:
			check_end(r, st);
			return 1;
		case ST_STOP:
			return 0;
		}
	}
}

static void assert_never_sent(const struct run *r, const char *what)
{
	if (tr_memmem(r->all.p, r->all.len, what, strlen(what))) {
		fprintf(stderr, "client sent \"%s\" but must not have\n", what);
		tr_print_escaped("all client bytes", r->all.p, r->all.len);
		fail();
	}
}

/* Run a whole script with a params set and a buffer size, then free. */
static struct run *script(const pl_smtp_params *p, size_t txcap, const struct step *st)
{
	struct run *r = run_new(p, txcap);

	run_steps(r, st);
	return r;
}

static void script_free(const pl_smtp_params *p, size_t txcap, const struct step *st)
{
	run_free(script(p, txcap, st));
}

/* ---- common material --------------------------------------------------- */

static const char *const two_rcpts[] = { "x@y", "z@w" };

static pl_smtp_params params(void)
{
	pl_smtp_params p;

	memset(&p, 0, sizeof(p));
	p.ehlo_domain = "client.test";
	p.tls_mode = PL_TLS_STARTTLS;
	p.auth_mechs = PL_AUTH_PLAIN | PL_AUTH_LOGIN;
	p.user = "user";
	p.password = "pass";
	p.mail.from = "a@b";
	p.mail.rcpts = two_rcpts;
	p.mail.nrcpt = 2;
	return p;
}

static pl_smtp_params plain_params(void)
{
	pl_smtp_params p = params();

	p.tls_mode = PL_TLS_OFF;
	p.auth_mechs = 0;
	p.user = p.password = NULL;
	return p;
}

#define GREET "220 mx.test ESMTP\r\n"
#define EHLO_C "EHLO client.test\r\n"
#define EHLO_PRE "250-mx.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
#define EHLO_PRE_NOPIPE "250-mx.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
#define EHLO_TLS                                                                        \
	"250-mx.test Hello\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"                  \
	"250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
#define EHLO_TLS_NOPIPE "250-mx.test Hello\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN\r\n"
/* base64("\0user\0pass") */
#define AUTH_PLAIN_C "AUTH PLAIN AHVzZXIAcGFzcw==\r\n"
#define ENVELOPE2 "MAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nRCPT TO:<z@w>\r\nDATA\r\n"

#define STARTTLS_PREFIX(pre, post)                                                      \
	S(GREET), C(EHLO_C), S(pre), C("STARTTLS\r\n"), S("220 2.0.0 Ready to start TLS\r\n"), \
		TLS(), C(EHLO_C), S(post)

#define BODY_IN "Subject: t\n\nline1\n.dot\n..two\n.\nend\n"
#define BODY_OUT "Subject: t\r\n\r\nline1\r\n..dot\r\n...two\r\n..\r\nend\r\n.\r\n"

/* ---- 1, 2: happy paths -------------------------------------------------- */

static const struct step happy_pipelined[] = {
	STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS),
	C(AUTH_PLAIN_C),
	S("235 2.7.0 Authentication successful\r\n"),
	C1(ENVELOPE2),
	S("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"),
	BODY(BODY_IN, 5),
	C(BODY_OUT),
	S("250 2.0.0 queued as 1234\r\n"),
	C("QUIT\r\n"),
	DONE(),
};

static void test_happy_starttls_plain_pipelining(void **state)
{
	pl_smtp_params p = params();
	struct run *r;

	(void)state;
	r = script(&p, 4096, happy_pipelined);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 2);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 0), 250);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 1), 250);
	assert_true(pl_smtp_caps(&r->s) & PL_CAP_PIPELINING);
	assert_true(pl_smtp_caps(&r->s) & PL_CAP_AUTH);
	assert_false(pl_smtp_caps(&r->s) & PL_CAP_STARTTLS); /* post-TLS EHLO did not offer it */
	/* the 221 to QUIT, if the driver still reads it, changes nothing */
	pl_smtp_rx(&r->s, (const uint8_t *)"221 2.0.0 bye\r\n", 15);
	assert_int_equal(pl_smtp_want(&r->s), PL_DONE);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_OK);
	run_free(r);
}

/* The same transcript with the driver sending one byte per tx_done and a
 * 1024-byte buffer (C1 is not meaningful then, so use C). */
static const struct step happy_pipelined_bytewise[] = {
	STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS),
	C(AUTH_PLAIN_C),
	S("235 2.7.0 Authentication successful\r\n"),
	C(ENVELOPE2),
	S("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"),
	BODY(BODY_IN, 1),
	C(BODY_OUT),
	S("250 2.0.0 queued as 1234\r\n"),
	C("QUIT\r\n"),
	DONE(),
};

static void test_happy_partial_sends(void **state)
{
	pl_smtp_params p = params();
	struct run *r = run_new(&p, 1024);

	(void)state;
	r->send_step = 1;
	run_steps(r, happy_pipelined_bytewise);
	run_free(r);
}

static const struct step happy_nopipe[] = {
	STARTTLS_PREFIX(EHLO_PRE_NOPIPE, EHLO_TLS_NOPIPE),
	C(AUTH_PLAIN_C),
	S("235 2.7.0 ok\r\n"),
	C1("MAIL FROM:<a@b>\r\n"),
	S("250 2.1.0 ok\r\n"),
	C1("RCPT TO:<x@y>\r\n"),
	S("250 2.1.5 ok\r\n"),
	C1("RCPT TO:<z@w>\r\n"),
	S("250 2.1.5 ok\r\n"),
	C1("DATA\r\n"),
	S("354 go ahead\r\n"),
	BODY(BODY_IN, 3),
	C(BODY_OUT),
	S("250 2.0.0 queued\r\n"),
	C("QUIT\r\n"),
	DONE(),
};

static void test_happy_no_pipelining(void **state)
{
	pl_smtp_params p = params();

	(void)state;
	script_free(&p, 1024, happy_nopipe);
}

/* Pre-TLS EHLO offers PIPELINING, post-TLS does not: no pipelining. */
static void test_pipelining_forgotten_after_tls(void **state)
{
	pl_smtp_params p = params();

	(void)state;
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS_NOPIPE),
		C(AUTH_PLAIN_C),
		S("235 ok\r\n"),
		C1("MAIL FROM:<a@b>\r\n"),
		STOP(),
	};
	run_free(script(&p, 4096, st));
}

/* ---- 3, 4: STARTTLS required ------------------------------------------- */

static void test_starttls_not_offered(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx.test\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"),
		FAILED(PL_E_TLS_REQUIRED, PL_STAGE_STARTTLS, -1),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_never_sent(r, "AUTH");
	assert_never_sent(r, "MAIL");
	assert_never_sent(r, "RCPT");
	assert_never_sent(r, "STARTTLS");
	run_free(r);
}

static void test_starttls_refused_454(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S(EHLO_PRE),
		C("STARTTLS\r\n"),
		S("454 4.7.0 TLS not available due to temporary reason\r\n"),
		FAILED(PL_E_TLS_REQUIRED, PL_STAGE_STARTTLS, 454),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_never_sent(r, "AUTH");
	assert_never_sent(r, "MAIL");
	assert_never_sent(r, "RCPT");
	run_free(r);
}

/* ---- 5: STARTTLS response injection ------------------------------------ */

static void test_starttls_injection_same_read(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S(EHLO_PRE),
		C("STARTTLS\r\n"),
		SRAW("220 go ahead\r\n250 injected\r\n"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_STARTTLS, -1, ""),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	pl_smtp_tls_ready(&r->s); /* too late: must stay failed */
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_never_sent(r, "AUTH");
	run_free(r);
}

static void test_starttls_injection_second_read(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S(EHLO_PRE),
		C("STARTTLS\r\n"),
		S("220 go ahead\r\n"),
		SRAW("250 injected\r\n"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_STARTTLS, -1, ""),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	pl_smtp_tls_ready(&r->s);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	run_free(r);
}

/* A single stray byte is enough. */
static void test_starttls_injection_one_byte(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S(EHLO_PRE),
		C("STARTTLS\r\n"),
		SRAW("220 go ahead\r\nE"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_STARTTLS, -1, ""),
	};

	(void)state;
	script_free(&p, 1024, st);
}

/* ---- 6: capabilities discarded after TLS ------------------------------- */

static void test_caps_discarded_after_tls_login(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX("250-mx.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n",
				"250-mx.test\r\n250 AUTH LOGIN\r\n"),
		C("AUTH LOGIN\r\n"),
		S("334 VXNlcm5hbWU6\r\n"),
		C("dXNlcg==\r\n"), /* "user" */
		S("334 UGFzc3dvcmQ6\r\n"),
		C("cGFzcw==\r\n"), /* "pass" */
		S("235 2.7.0 ok\r\n"),
		C("MAIL FROM:<a@b>\r\n"),
		S("250 ok\r\n"),
		C("RCPT TO:<x@y>\r\n"),
		S("250 ok\r\n"),
		C("RCPT TO:<z@w>\r\n"),
		S("250 ok\r\n"),
		C("DATA\r\n"),
		S("354 go\r\n"),
		BODY("hi", 100),
		C("hi\r\n.\r\n"),
		S("250 ok\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_never_sent(r, "AUTH PLAIN");
	run_free(r);
}

/* Pre-TLS AUTH only: after TLS the server offers none. */
static void test_caps_discarded_after_tls_no_auth(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX("250-mx.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
				"250-mx.test\r\n250 8BITMIME\r\n"),
		FAILED(PL_E_AUTH_UNAVAILABLE, PL_STAGE_AUTH, -1),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_never_sent(r, "AUTH");
	assert_never_sent(r, "MAIL");
	run_free(r);
}

/* Pre-TLS SIZE 100 must not limit the message after TLS. */
static void test_caps_discarded_after_tls_size(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX("250-mx.test\r\n250-SIZE 100\r\n250 STARTTLS\r\n",
				"250-mx.test\r\n250 AUTH PLAIN\r\n"),
		C(AUTH_PLAIN_C),
		S("235 ok\r\n"),
		C("MAIL FROM:<a@b>\r\n"),
		STOP(),
	};

	(void)state;
	p.mail.size_hint = 5000;
	run_free(script(&p, 4096, st));
}

/* ---- 7: AUTH failures --------------------------------------------------- */

static void test_auth_535(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS),
		C(AUTH_PLAIN_C),
		S("535 5.7.8 Authentication credentials invalid\r\n"),
		FAILED(PL_E_AUTH_FAILED, PL_STAGE_AUTH, 535),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "5.7.8");
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "credentials invalid"));
	assert_never_sent(r, "MAIL");
	assert_never_sent(r, "RCPT");
	run_free(r);
}

static void test_auth_454_tempfail(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS),
		C(AUTH_PLAIN_C),
		S("454 4.7.0 Temporary authentication failure\r\n"),
		FAILED(PL_E_TEMPFAIL, PL_STAGE_AUTH, 454),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "4.7.0");
	assert_never_sent(r, "MAIL");
	run_free(r);
}

/* Without ENHANCEDSTATUSCODES the text is not parsed as one. */
static void test_auth_535_no_enhanced_cap(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, "250-mx.test\r\n250 AUTH PLAIN\r\n"),
		C(AUTH_PLAIN_C),
		S("535 5.7.8 nope\r\n"),
		FAILED(PL_E_AUTH_FAILED, PL_STAGE_AUTH, 535),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "");
	run_free(r);
}

/* ---- 7b: SASL mechanisms ------------------------------------------------- */

/* RFC 7677 example: user "user", password "pencil". */
#define SCRAM_NONCE "rOprNGfwEbeRWgbNEkqO"
#define SCRAM_C1 "AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=\r\n"
#define SCRAM_S1                                                                        \
	"334 cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcy" \
	"MlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=\r\n"
#define SCRAM_C2                                                                       \
	"Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAs" \
	"cD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ==\r\n"
#define SCRAM_S2 "334 dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ==\r\n"
#define SCRAM_S2_BAD "334 dj03cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ==\r\n"
#define EHLO_ALL                                                                        \
	"250-mx.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"                     \
	"250-AUTH LOGIN PLAIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER EXTERNAL\r\n" \
	"250 8BITMIME\r\n"
#define AFTER_AUTH                                                                      \
	S("235 2.7.0 Authentication successful\r\n"), C1(ENVELOPE2),                       \
		S("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"),          \
		BODY("x\n", 1), C("x\r\n.\r\n"), S("250 2.0.0 queued\r\n"), C("QUIT\r\n"), DONE()

static pl_smtp_params scram_params(void)
{
	pl_smtp_params p = params();

	/* what "auth on" allows */
	p.auth_mechs = PL_AUTH_SCRAM_SHA256 | PL_AUTH_PLAIN | PL_AUTH_LOGIN;
	p.password = "pencil";
	p.scram_nonce = SCRAM_NONCE;
	return p;
}

/* "auth on": SCRAM-SHA-256 preferred over PLAIN; the server's signature is
 * checked before the empty answer that completes the exchange. */
static void test_sasl_scram_sha256(void **state)
{
	pl_smtp_params p = scram_params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C(SCRAM_C1),
		STOP(),
	};
	static const struct step rest[] = {
		S(SCRAM_S1),
		C(SCRAM_C2),
		S(SCRAM_S2),
		C("\r\n"),
		AFTER_AUTH,
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	/* the trace hides the server's SCRAM messages too */
	assert_true(pl_smtp_rx_secret(&r->s));
	run_steps(r, rest);
	assert_false(pl_smtp_rx_secret(&r->s));
	run_free(r);
}

/* A wrong server signature: the exchange is cancelled ("*"), nothing of
 * the mail is sent. */
static void test_sasl_scram_wrong_signature(void **state)
{
	pl_smtp_params p = scram_params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C(SCRAM_C1),
		S(SCRAM_S1),
		C(SCRAM_C2),
		S(SCRAM_S2_BAD),
		FAILED_EXACT(PL_E_AUTH_FAILED, PL_STAGE_AUTH, -1, "*\r\nQUIT\r\n"),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "server signature"));
	assert_never_sent(r, "MAIL");
	run_free(r);
}

/* 235 straight after the proof: the server never proved itself. */
static void test_sasl_scram_missing_signature(void **state)
{
	pl_smtp_params p = scram_params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C(SCRAM_C1),
		S(SCRAM_S1),
		C(SCRAM_C2),
		S("235 2.7.0 Authentication successful\r\n"),
		FAILED_EXACT(PL_E_AUTH_FAILED, PL_STAGE_AUTH, 235, "QUIT\r\n"),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "server signature"));
	assert_never_sent(r, "MAIL");
	run_free(r);
}

/* i=100001 (over CONFIG_POSTLET_SCRAM_ITER_MAX): refused, no proof sent. */
static void test_sasl_scram_iterations_too_high(void **state)
{
	pl_smtp_params p = scram_params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C(SCRAM_C1),
		S("334 cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcy"
		  "MlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTEwMDAwMQ==\r\n"),
		FAILED_EXACT(PL_E_LIMIT, PL_STAGE_AUTH, -1, "*\r\nQUIT\r\n"),
	};
	struct run *r;

	(void)state;
	assert_true(CONFIG_POSTLET_SCRAM_ITER_MAX < 100001);
	r = script(&p, 4096, st);
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "ITER_MAX"));
	run_free(r);
}

/* Malformed server-first messages: a nonce that is not ours, no salt,
 * not base64, empty. */
static void test_sasl_scram_malformed(void **state)
{
	static const char *const bad[] = {
		/* r=XOprNGfwEbeRWgbNEkqO%hvY...,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096 */
		("334 cj1YT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcy"
		 "MlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=\r\n"),
		"334 cj1yT3ByTkdmd0ViZVJXZ2JORWtxT3gsaT00MDk2\r\n", /* r=...x,i=4096 */
		"334 !!not base64!!\r\n",
		"334 \r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pl_smtp_params p = scram_params();
		struct step st[] = {
			STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
			C(SCRAM_C1),
			{ .k = ST_S, .d = bad[i], .n = strlen(bad[i]) },
			FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_AUTH, -1, "*\r\nQUIT\r\n"),
		};

		script_free(&p, 4096, st);
	}
}

/* SCRAM allowed without a nonce from the driver: refused at init. */
static void test_sasl_scram_needs_nonce(void **state)
{
	pl_smtp_params p = scram_params();
	pl_smtp s;
	uint8_t tx[1024];

	(void)state;
	p.scram_nonce = NULL;
	assert_int_equal(pl_smtp_init(&s, &p, tx, sizeof(tx)), PL_E_USAGE);
	p.scram_nonce = "short";
	assert_int_equal(pl_smtp_init(&s, &p, tx, sizeof(tx)), PL_E_USAGE);
	p.auth_mechs = PL_AUTH_PLAIN; /* no SCRAM: no nonce needed */
	assert_int_equal(pl_smtp_init(&s, &p, tx, sizeof(tx)), PL_OK);
}

/* SCRAM-SHA-1 and CRAM-MD5 only when asked for by name. */
static void test_sasl_scram_sha1(void **state)
{
	pl_smtp_params p = scram_params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		/* n,,n=user,r=rOprNGfwEbeRWgbNEkqO */
		C("AUTH SCRAM-SHA-1 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=\r\n"),
		S("535 5.7.8 no\r\n"),
		FAILED(PL_E_AUTH_FAILED, PL_STAGE_AUTH, 535),
	};

	(void)state;
	p.auth_mechs = PL_AUTH_SCRAM_SHA1;
	script_free(&p, 4096, st);
}

static void test_sasl_cram_md5(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C("AUTH CRAM-MD5\r\n"),
		S("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
		C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
		AFTER_AUTH,
	};

	(void)state;
	p.auth_mechs = PL_AUTH_CRAM_MD5;
	p.user = "tim";
	p.password = "tanstaaftanstaaf";
	script_free(&p, 4096, st);
}

static void test_sasl_xoauth2(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C("AUTH XOAUTH2 dXNlcj11c2VyAWF1dGg9QmVhcmVyIHRvawEB\r\n"),
		AFTER_AUTH,
	};

	(void)state;
	p.auth_mechs = PL_AUTH_XOAUTH2;
	p.password = "tok";
	script_free(&p, 4096, st);
}

/* XOAUTH2 refused: the JSON challenge gets an empty answer. */
static void test_sasl_xoauth2_error(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C("AUTH XOAUTH2 dXNlcj11c2VyAWF1dGg9QmVhcmVyIHRvawEB\r\n"),
		S("334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=\r\n"),
		C("\r\n"),
		S("535 5.7.8 Error: authentication failed\r\n"),
		FAILED(PL_E_AUTH_FAILED, PL_STAGE_AUTH, 535),
	};
	struct run *r;

	(void)state;
	p.auth_mechs = PL_AUTH_XOAUTH2;
	p.password = "tok";
	r = script(&p, 4096, st);
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "(OAuth status: 401)"));
	run_free(r);
}

/* OAUTHBEARER with host and port (RFC 7628 3.1). */
static void test_sasl_oauthbearer(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C("AUTH OAUTHBEARER bixhPXVzZXIsAWhvc3Q9bXgudGVzdAFwb3J0PTU4NwFhdXRoPUJlYXJlciB0b2sBAQ==\r\n"),
		AFTER_AUTH,
	};

	(void)state;
	p.auth_mechs = PL_AUTH_OAUTHBEARER;
	p.password = "tok";
	p.sasl_host = "mx.test";
	p.sasl_port = 587;
	script_free(&p, 4096, st);
}

/* RFC 7628 3.2.3: the error challenge is answered with a single 0x01
 * ("AQ=="), the final 535 is reported with the JSON status. */
static void test_sasl_oauthbearer_error_challenge(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C("AUTH OAUTHBEARER bixhPXVzZXIsAWF1dGg9QmVhcmVyIHRvawEB\r\n"),
		S("334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciIsInNjb3BlIjoibWFpbCJ9\r\n"),
		C("AQ==\r\n"),
		S("535 5.7.8 Authentication failed\r\n"),
		FAILED(PL_E_AUTH_FAILED, PL_STAGE_AUTH, 535),
	};
	struct run *r;

	(void)state;
	p.auth_mechs = PL_AUTH_OAUTHBEARER;
	p.password = "tok";
	r = script(&p, 4096, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->text,
			    "535 5.7.8 Authentication failed (OAuth status: invalid_token)");
	assert_never_sent(r, "MAIL");
	run_free(r);
}

/* EXTERNAL: no user or password, the certificate is the identity. */
static void test_sasl_external(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		C("AUTH EXTERNAL =\r\n"),
		AFTER_AUTH,
	};

	(void)state;
	p.auth_mechs = PL_AUTH_EXTERNAL;
	p.user = p.password = NULL;
	script_free(&p, 4096, st);
}

/* A configured mechanism the server does not offer: the error names what
 * it does offer; nothing is sent. */
static void test_sasl_not_offered(void **state)
{
	pl_smtp_params p = scram_params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS),
		FAILED(PL_E_AUTH_UNAVAILABLE, PL_STAGE_AUTH, -1),
	};
	struct run *r;

	(void)state;
	p.auth_mechs = PL_AUTH_SCRAM_SHA256;
	r = script(&p, 4096, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->text,
			    "server offers AUTH PLAIN LOGIN; configured: SCRAM-SHA-256");
	assert_never_sent(r, "AUTH");
	run_free(r);
}

/* "auth on" against a server with only PLAIN: PLAIN, as before. */
static void test_sasl_auto_falls_back_to_plain(void **state)
{
	pl_smtp_params p = scram_params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS),
		C("AUTH PLAIN AHVzZXIAcGVuY2ls\r\n"),
		AFTER_AUTH,
	};

	(void)state;
	script_free(&p, 4096, st);
}

/* A long token: fits the default buffer; in a small one the AUTH line
 * fails with PL_E_LIMIT instead of being cut. */
static void test_sasl_long_token(void **state)
{
	static char token[CONFIG_POSTLET_AUTH_SECRET_MAX + 1];
	pl_smtp_params p = params();
	static const struct step st_fail[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		FAILED_EXACT(PL_E_LIMIT, PL_STAGE_AUTH, -1, "QUIT\r\n"),
	};
	static const struct step st_ok[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_ALL),
		STOP(),
	};
	struct run *r;
	size_t len;
	const uint8_t *d;

	(void)state;
	memset(token, 'T', CONFIG_POSTLET_AUTH_SECRET_MAX);
	p.auth_mechs = PL_AUTH_OAUTHBEARER;
	p.password = token;
	r = script(&p, 1024, st_fail);
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "transmit buffer"));
	assert_never_sent(r, "AUTH");
	run_free(r);

	r = run_new(&p, CONFIG_POSTLET_TX_BUF_SIZE);
	run_steps(r, st_ok);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_SEND);
	d = pl_smtp_tx_data(&r->s, &len);
	assert_true(pl_smtp_tx_secret(&r->s));
	assert_int_equal(len, strlen("AUTH OAUTHBEARER ") + (CONFIG_POSTLET_AUTH_SECRET_MAX + 24 + 2) / 3 * 4 + 2);
	assert_memory_equal(d, "AUTH OAUTHBEARER ", 17);
	run_free(r);

	/* one byte over the limit: refused at init */
	{
		static char longer[CONFIG_POSTLET_AUTH_SECRET_MAX + 2];
		pl_smtp s;
		uint8_t tx[1024];

		memset(longer, 'T', CONFIG_POSTLET_AUTH_SECRET_MAX + 1);
		p.password = longer;
		assert_int_equal(pl_smtp_init(&s, &p, tx, sizeof(tx)), PL_E_LIMIT);
	}
}

/* ---- 8: AUTH in clear text ---------------------------------------------- */

static void test_cleartext_auth_refused(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"),
		FAILED(PL_E_TLS_REQUIRED, PL_STAGE_AUTH, -1),
	};
	struct run *r;

	(void)state;
	p.tls_mode = PL_TLS_OFF;
	p.auth_cleartext_ok = 0;
	r = script(&p, 4096, st);
	assert_never_sent(r, "AUTH");
	assert_never_sent(r, "STARTTLS");
	assert_never_sent(r, "AHVzZXIAcGFzcw");
	assert_never_sent(r, "MAIL");
	run_free(r);
}

static void test_cleartext_auth_opt_in(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"),
		C(AUTH_PLAIN_C),
		S("235 ok\r\n"),
		C("MAIL FROM:<a@b>\r\n"),
		S("250 ok\r\n"),
		C("RCPT TO:<x@y>\r\n"),
		STOP(),
	};

	(void)state;
	p.tls_mode = PL_TLS_OFF;
	p.auth_cleartext_ok = 1;
	run_free(script(&p, 4096, st));
}

/* ---- 9: implicit TLS ---------------------------------------------------- */

static void test_implicit_tls(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		TLS(),
		S(GREET),
		C(EHLO_C),
		S("250-mx.test\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 AUTH LOGIN PLAIN\r\n"),
		C(AUTH_PLAIN_C),
		S("235 ok\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		BODY("a\r\nb", 1),
		C("a\r\nb\r\n.\r\n"),
		S("250 ok\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	struct run *r;

	(void)state;
	p.tls_mode = PL_TLS_IMPLICIT;
	r = run_new(&p, 4096);
	assert_int_equal(r->init_err, PL_OK);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_TLS);
	run_steps(r, st);
	assert_never_sent(r, "STARTTLS");
	run_free(r);
}

/* Implicit TLS: a plaintext byte before the handshake is a protocol error
 * at the TLS stage (there was no STARTTLS to blame). */
static void test_implicit_tls_bytes_before_handshake(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		SRAW(GREET),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_TLS, -1, ""),
	};

	(void)state;
	p.tls_mode = PL_TLS_IMPLICIT;
	script_free(&p, 1024, st);
}

/* ---- 10: reply parsing through the engine -------------------------------- */

static void test_multiline_greeting_and_bytewise_ehlo(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S("220-a\r\n220-b\r\n220 c\r\n"),
		C(EHLO_C),
		S1("250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250 8BITMIME\r\n"),
		C1(ENVELOPE2),
		S1("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		BODY("x\n", 2),
		C("x\r\n.\r\n"),
		S1("250 ok\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_caps(&r->s),
			 PL_CAP_PIPELINING | PL_CAP_SIZE | PL_CAP_8BITMIME);
	run_free(r);
}

static void test_reply_code_change(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-x\r\n251 y\r\n"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_EHLO, -1, ""),
	};

	(void)state;
	script_free(&p, 1024, st);
}

static void long_line_run(size_t textlen, int ok)
{
	pl_smtp_params p = plain_params();
	char *line = track(malloc(textlen + 8));
	struct run *r = run_new(&p, 1024);

	assert_non_null(line);
	memcpy(line, "220 ", 4);
	memset(line + 4, 'x', textlen - 4);
	memcpy(line + textlen, "\r\n", 2);
	pl_smtp_rx(&r->s, (const uint8_t *)line, textlen + 2);
	if (ok) {
		static const struct step st[] = { C(EHLO_C), STOP() };

		run_steps(r, st);
	} else {
		static const struct step st[] = {
			FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_GREETING, -1, ""),
		};

		run_steps(r, st);
	}
	untrack_free(line);
	run_free(r);
}

static void test_reply_line_max_accepted(void **state)
{
	(void)state;
	long_line_run(CONFIG_POSTLET_REPLY_LINE_MAX, 1);
}

static void test_reply_line_too_long(void **state)
{
	(void)state;
	long_line_run(CONFIG_POSTLET_REPLY_LINE_MAX + 1, 0);
}

static void test_reply_nul(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S("220 mx\0test\r\n"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_GREETING, -1, ""),
	};

	(void)state;
	script_free(&p, 1024, st);
}

static void test_reply_bare_cr(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S("220 mx\rtest\r\n"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_GREETING, -1, ""),
	};

	(void)state;
	script_free(&p, 1024, st);
}

static void test_reply_bad_code(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step a[] = {
		S("22 short\r\n"), FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_GREETING, -1, ""),
	};
	static const struct step b[] = {
		S("120 one\r\n"), FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_GREETING, -1, ""),
	};
	static const struct step c[] = {
		S("220x\r\n"), FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_GREETING, -1, ""),
	};
	static const struct step d[] = {
		S("2a0 x\r\n"), FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_GREETING, -1, ""),
	};

	(void)state;
	script_free(&p, 1024, a);
	script_free(&p, 1024, b);
	script_free(&p, 1024, c);
	script_free(&p, 1024, d);
}

static void test_bare_lf_replies(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S("220-a\n220 mx\n"),
		C(EHLO_C),
		S("250-mx.test\n250-PIPELINING\r\n250 8BITMIME\n"),
		C1(ENVELOPE2),
		S("250 ok\n250 ok\n250 ok\n354 go\n"),
		BODY("body\n", 7),
		C("body\r\n.\r\n"),
		S("250 ok\n"),
		C("QUIT\r\n"),
		DONE(),
	};

	(void)state;
	script_free(&p, 4096, st);
}

/* ---- 11: 4xx vs 5xx ------------------------------------------------------ */

static void test_greeting_421(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S("421 4.3.2 try later\r\n"),
		FAILED(PL_E_TEMPFAIL, PL_STAGE_GREETING, 421),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_never_sent(r, "EHLO");
	run_free(r);
}

static void test_greeting_554(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S("554 no service\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_GREETING, 554),
	};

	(void)state;
	script_free(&p, 1024, st);
}

static void test_mail_451(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-ENHANCEDSTATUSCODES\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("451 4.3.0 try again\r\n554 5.5.1 no valid sender\r\n"),
		FAILED(PL_E_TEMPFAIL, PL_STAGE_MAIL, 451),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "4.3.0");
	run_free(r);
}

static void test_mail_550_nopipe(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250 8BITMIME\r\n"),
		C("MAIL FROM:<a@b>\r\n"),
		S("550 sender rejected\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_MAIL, 550),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_never_sent(r, "RCPT");
	run_free(r);
}

static void test_final_dot_552(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-ENHANCEDSTATUSCODES\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		BODY("big\n", 4),
		C("big\r\n.\r\n"),
		S("552 5.3.4 message too big\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_BODY, 552),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "5.3.4");
	run_free(r);
}

static void test_final_dot_451(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250 mx\r\n"),
		C("MAIL FROM:<a@b>\r\n"),
		S("250 ok\r\n"),
		C("RCPT TO:<x@y>\r\n"),
		S("250 ok\r\n"),
		C("RCPT TO:<z@w>\r\n"),
		S("250 ok\r\n"),
		C("DATA\r\n"),
		S("354 go\r\n"),
		BODY("", 4),
		C(".\r\n"),
		S("451 local error\r\n"),
		FAILED(PL_E_TEMPFAIL, PL_STAGE_BODY, 451),
	};

	(void)state;
	script_free(&p, 1024, st);
}

static void test_data_554_with_accepted_rcpt(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n250 ok\r\n250 ok\r\n554 no\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_DATA, 554),
	};

	(void)state;
	script_free(&p, 1024, st);
}

static void test_rcpt_one_refused(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n354 go\r\n"),
		BODY("m\n", 10),
		C("m\r\n.\r\n"),
		S("250 ok\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 1);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 0), 250);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 1), 550);
	run_free(r);
}

static void test_rcpt_one_refused_nopipe(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250 mx\r\n"),
		C("MAIL FROM:<a@b>\r\n"),
		S("250 ok\r\n"),
		C("RCPT TO:<x@y>\r\n"),
		S("550 no\r\n"),
		C("RCPT TO:<z@w>\r\n"),
		S("251 will forward\r\n"),
		C("DATA\r\n"),
		S("354 go\r\n"),
		BODY("m", 10),
		C("m\r\n.\r\n"),
		S("250 ok\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 1);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 0), 550);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 1), 251);
	run_free(r);
}

static void test_rcpt_all_refused_nopipe(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250 mx\r\n"),
		C("MAIL FROM:<a@b>\r\n"),
		S("250 ok\r\n"),
		C("RCPT TO:<x@y>\r\n"),
		S("550 no\r\n"),
		C("RCPT TO:<z@w>\r\n"),
		S("550 no either\r\n"),
		FAILED(PL_E_RCPT_REFUSED, PL_STAGE_RCPT, 550),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_never_sent(r, "DATA");
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 0);
	run_free(r);
}

static void test_rcpt_all_refused_pipelined_data_554(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-ENHANCEDSTATUSCODES\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n550 5.1.1 no\r\n550 5.1.1 no\r\n554 5.5.1 no valid recipients\r\n"),
		FAILED(PL_E_RCPT_REFUSED, PL_STAGE_RCPT, 550),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "5.1.1");
	run_free(r);
}

/* RFC 2920 3.1: DATA accepted although every RCPT failed; the client must
 * close the empty transaction with "." before giving up. */
static void test_rcpt_all_refused_pipelined_data_354_sends_dot(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n550 no\r\n550 no\r\n354 go ahead\r\n"),
		STOP(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 4096, st);
	drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_E_RCPT_REFUSED);
	assert_int_equal(pl_smtp_error_info(&r->s)->stage, PL_STAGE_RCPT);
	/* ".\r\n", optionally followed by QUIT */
	if (!(r->pending.len == 3 && memcmp(r->pending.p, ".\r\n", 3) == 0) &&
	    !(r->pending.len == 9 && memcmp(r->pending.p, ".\r\nQUIT\r\n", 9) == 0))
		tr_assert_bytes("bytes after DATA 354 with no recipient", ".\r\nQUIT\r\n", 9,
				r->pending.p, r->pending.len);
	run_free(r);
}

static void test_rcpt_450_550_tempfail(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n450 mailbox busy\r\n550 no\r\n554 no valid recipients\r\n"),
		FAILED(PL_E_TEMPFAIL, PL_STAGE_RCPT, 450),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 0), 450);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 1), 550);
	run_free(r);
}

/* The enhanced code of an earlier refused recipient must not be reported
 * for a later failure whose reply carries none. */
static void test_stale_enhanced_code_from_refused_rcpt(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-ENHANCEDSTATUSCODES\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n550 5.1.1 no such user\r\n250 ok\r\n354 go\r\n"),
		BODY("m\n", 10),
		C("m\r\n.\r\n"),
		S("552 message too big\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_BODY, 552),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "");
	run_free(r);
}

/* MAX_RCPT recipients with long addresses, pipelined through a 1024-byte
 * buffer: the group is continued after each drain, replies map in order. */
static void test_max_rcpt_pipelined_small_buffer(void **state)
{
	enum { N = CONFIG_POSTLET_MAX_RCPT };
	static char addrs[N][128];
	static const char *rc[N];
	pl_smtp_params p = plain_params();
	struct buf exp = { 0 }, replies = { 0 };
	struct step st[8];
	struct run *r;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "rcpt%02zu.%.*s@example.test", i, 90,
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		rc[i] = addrs[i];
	}
	p.mail.rcpts = rc;
	p.mail.nrcpt = N;
	buf_add(&exp, "MAIL FROM:<a@b>\r\n", 17);
	buf_add(&replies, "250 ok\r\n", 8);
	for (i = 0; i < N; i++) {
		buf_add(&exp, "RCPT TO:<", 9);
		buf_add(&exp, addrs[i], strlen(addrs[i]));
		buf_add(&exp, ">\r\n", 3);
		buf_add(&replies, i % 3 ? "250 ok\r\n" : "550 no\r\n", 8);
	}
	buf_add(&exp, "DATA\r\n", 6);
	buf_add(&replies, "354 go\r\n", 8);

	r = run_new(&p, 1024);
	{
		static const struct step pre[] = {
			S(GREET), C(EHLO_C), S("250-mx\r\n250 PIPELINING\r\n"), STOP(),
		};
		run_steps(r, pre);
	}
	memset(st, 0, sizeof(st));
	st[0] = (struct step){ .k = ST_C, .d = (const char *)exp.p, .n = exp.len };
	st[1] = (struct step){ .k = ST_S, .d = (const char *)replies.p, .n = replies.len };
	st[2] = (struct step){ .k = ST_BODY, .d = "b", .n = 1, .arg = 1 };
	st[3] = (struct step){ .k = ST_C, .d = "b\r\n.\r\n", .n = 6 };
	st[4] = (struct step){ .k = ST_S, .d = "250 ok\r\n", .n = 8 };
	st[5] = (struct step){ .k = ST_C, .d = "QUIT\r\n", .n = 6 };
	st[6] = (struct step){ .k = ST_END, .want = PL_DONE, .code = -1 };
	run_steps(r, st);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), N - (N + 2) / 3);
	for (i = 0; i < N; i++)
		assert_int_equal(pl_smtp_rcpt_code(&r->s, i), i % 3 ? 250 : 550);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, N), 0);
	untrack_free(exp.p);
	untrack_free(replies.p);
	run_free(r);
}

/* When a pipelined command does not fit, the engine rolls tx_len back to
 * the mark, but the part already copied by put() stays in the caller's
 * buffer beyond tx_len and is never wiped.  Checked once the engine is
 * idle (all sent, waiting for replies). */
static void test_tx_buffer_clean_when_idle_after_split_group(void **state)
{
	enum { N = 16 };
	static char addrs[N][128];
	static const char *rc[N];
	pl_smtp_params p = plain_params();
	static const struct step pre[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250 PIPELINING\r\n"), STOP(),
	};
	struct run *r;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "r%02zu.%0100d@example.test", i, 0);
		rc[i] = addrs[i];
	}
	p.mail.rcpts = rc;
	p.mail.nrcpt = N;
	r = run_new(&p, 1024);
	run_steps(r, pre);
	drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_RECV);
	assert_tx_wiped(r);
	run_free(r);
}

/* ---- 12: dot-stuffing across buffer boundaries -------------------------- */

/* Reference transform, written independently of body.c: whole buffer with
 * look-ahead instead of carried state. */
static void ref_encode(const unsigned char *in, size_t n, struct buf *out)
{
	size_t i;
	int bol = 1;

	for (i = 0; i < n; i++) {
		if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n') {
			buf_add(out, "\r\n", 2);
			i++;
			bol = 1;
		} else if (in[i] == '\r' || in[i] == '\n') {
			buf_add(out, "\r\n", 2);
			bol = 1;
		} else {
			if (bol && in[i] == '.')
				buf_add(out, ".", 1);
			buf_add(out, &in[i], 1);
			bol = 0;
		}
	}
	if (!bol)
		buf_add(out, "\r\n", 2);
	buf_add(out, ".\r\n", 3);
}

/* CRLF normalisation only (what un-stuffing must give back). */
static void ref_normalise(const unsigned char *in, size_t n, struct buf *out)
{
	size_t i;
	int bol = 1;

	for (i = 0; i < n; i++) {
		if (in[i] == '\r' || in[i] == '\n') {
			if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
				i++;
			buf_add(out, "\r\n", 2);
			bol = 1;
		} else {
			buf_add(out, &in[i], 1);
			bol = 0;
		}
	}
	if (!bol)
		buf_add(out, "\r\n", 2);
}

static void unstuff(const unsigned char *in, size_t n, struct buf *out)
{
	size_t i = 0;

	assert_true(n >= 3);
	assert_memory_equal(in + n - 3, ".\r\n", 3);
	assert_true(n == 3 || (in[n - 5] == '\r' && in[n - 4] == '\n'));
	n -= 3;
	while (i < n) {
		size_t e = i;

		while (e + 1 < n && !(in[e] == '\r' && in[e + 1] == '\n'))
			e++;
		assert_true(e + 1 < n); /* every line ends in CRLF */
		if (in[i] == '.') {
			/* a stuffed line: a lone "." would have been the terminator */
			assert_true(e > i + 1);
			i++;
		}
		buf_add(out, in + i, e + 2 - i);
		i = e + 2;
	}
}

static void assert_no_bare_cr_lf(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			fail_msg("bare CR at output offset %zu", i);
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			fail_msg("bare LF at output offset %zu", i);
	}
}

/* Build a body where every slice boundary (multiples of k) begins a line
 * starting with "." or "..", with LF, CRLF and lone CR endings mixed, plus
 * pseudo-random material. */
static void make_body(struct buf *b, size_t k, size_t total)
{
	uint32_t x = 12345u + (uint32_t)k;
	static const char *const ends[] = { "\n", "\r\n", "\r" };
	size_t line = 0;

	while (b->len < total) {
		const char *end = ends[line % 3];
		size_t el = strlen(end), target = b->len + (k > el + 1 ? k : el + 1);

		/* line from the current boundary up to the next one */
		buf_add(b, (line & 1) ? ".." : ".", (line & 1) && k > el + 2 ? 2 : 1);
		while (b->len + el < target) {
			char c;

			x = x * 1103515245u + 12345u;
			c = "abc. \t.xyz"[(x >> 16) % 10];
			buf_add(b, &c, 1);
		}
		buf_add(b, end, el);
		line++;
		/* every fifth line: random garbage with dots after newlines */
		if (line % 5 == 0 && k > 16) {
			size_t j;

			for (j = 0; j < k; j++) {
				char c;

				x = x * 1103515245u + 12345u;
				c = "\n.\r.a\n.b"[(x >> 16) % 8];
				buf_add(b, &c, 1);
			}
		}
	}
	/* end without a final newline, on a dot */
	buf_add(b, ".", 1);
}

static const struct step to_data[] = {
	S(GREET),
	C(EHLO_C),
	S("250-mx\r\n250 PIPELINING\r\n"),
	C1(ENVELOPE2),
	S("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
	STOP(),
};

static void dot_run(size_t txcap, const size_t *slices, size_t nslices, size_t k,
		    size_t send_step)
{
	pl_smtp_params p = plain_params();
	struct buf in = { 0 }, exp = { 0 }, norm = { 0 }, back = { 0 };
	struct run *r = run_new(&p, txcap);
	size_t off = 0, si = 0;
	int guard = 0;

	make_body(&in, k, 6000);
	run_steps(r, to_data);
	r->send_step = send_step;
	while (off < in.len) {
		pl_want w = pl_smtp_want(&r->s);
		size_t sl = slices[si++ % nslices];

		assert_true(++guard < 1000000);
		if (w == PL_WANT_SEND) {
			drain(r);
			continue;
		}
		assert_int_equal(w, PL_WANT_BODY);
		if (sl > in.len - off)
			sl = in.len - off;
		off += pl_smtp_body_write(&r->s, in.p + off, sl);
	}
	drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_BODY);
	pl_smtp_body_end(&r->s);
	drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_RECV);

	ref_encode(in.p, in.len, &exp);
	tr_assert_bytes("body on the wire", exp.p, exp.len, r->pending.p, r->pending.len);
	assert_no_bare_cr_lf(r->pending.p, r->pending.len);
	ref_normalise(in.p, in.len, &norm);
	unstuff(r->pending.p, r->pending.len, &back);
	tr_assert_bytes("un-stuffed body", norm.p, norm.len, back.p, back.len);
	r->pending.len = 0;
	{
		static const struct step st[] = { S("250 ok\r\n"), C("QUIT\r\n"), DONE() };

		run_steps(r, st);
	}
	untrack_free(in.p);
	untrack_free(exp.p);
	untrack_free(norm.p);
	untrack_free(back.p);
	run_free(r);
}

static void test_dot_stuffing_slice_boundaries(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 1000 };
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		dot_run(1024, &sizes[i], 1, sizes[i], 0);
		dot_run(1024, &sizes[i], 1, sizes[i], 333);
	}
}

static void test_dot_stuffing_mixed_slices(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 1000 };
	size_t k;

	(void)state;
	for (k = 1; k <= 13; k++) {
		dot_run(1024, sizes, 5, k, 0);
		dot_run(4096, sizes, 5, k, 1);
	}
	dot_run(1024, sizes, 5, 1022, 0);
	dot_run(1024, sizes, 5, 1023, 0);
	dot_run(1024, sizes, 5, 1024, 7);
}

/* ---- 13: data when no reply is expected --------------------------------- */

static void test_unexpected_data_during_body(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		S("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		SRAW("250 ok\r\n"),
		STOP(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_E_PROTOCOL);
	run_free(r);
}

/* The server answers a command the client has not sent yet: "250 ok"
 * arrives in the same read as the end of the EHLO reply, before MAIL FROM
 * has left the transmit buffer. */
static void test_reply_before_command_sent_is_protocol_error(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250 8BITMIME\r\n250 ok\r\n"),
		STOP(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	drain(r);
	if (pl_smtp_error_info(&r->s)->err != PL_E_PROTOCOL)
		tr_print_escaped("client bytes after the unsolicited reply", r->pending.p,
				 r->pending.len);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_E_PROTOCOL);
	assert_never_sent(r, "RCPT");
	run_free(r);
}

/* ---- 14: init rejects ---------------------------------------------------- */

static pl_err init_with(pl_smtp_params *p, size_t txcap)
{
	struct run *r = run_new(p, txcap);
	pl_err e = r->init_err;

	if (e != PL_OK) {
		assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
		assert_int_equal(pl_smtp_error_info(&r->s)->err, e);
		assert_tx_wiped(r);
	}
	run_free(r);
	return e;
}

static void test_init_rejects(void **state)
{
	static const char *const crlf[] = { "x@y", "evil@x\r\nRCPT TO:<more@x>" };
	static const char *const lf[] = { "evil@x\nDATA" };
	static const char *const space[] = { "a b@x" };
	static const char *const angle[] = { "a>@x" };
	static const char *const empty[] = { "" };
	static const char *many[CONFIG_POSTLET_MAX_RCPT + 1];
	static char longaddr[CONFIG_POSTLET_ADDR_MAX + 2];
	static const char *const longr[] = { longaddr };
	pl_smtp_params p = params();
	size_t i;

	(void)state;
	assert_int_equal(init_with(&p, 1024), PL_OK);

	p.mail.rcpts = crlf, p.mail.nrcpt = 2;
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);
	p.mail.rcpts = lf, p.mail.nrcpt = 1;
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);
	p.mail.rcpts = space, p.mail.nrcpt = 1;
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);
	p.mail.rcpts = angle, p.mail.nrcpt = 1;
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);
	p.mail.rcpts = empty, p.mail.nrcpt = 1;
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);

	p = params();
	p.mail.from = "a>@b";
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);
	p.mail.from = "a@b>\r\nRSET";
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);
	p.mail.from = ""; /* null reverse path is fine */
	assert_int_equal(init_with(&p, 1024), PL_OK);

	p = params();
	p.mail.nrcpt = 0; /* no message: session mode, see pl_smtp_next() */
	assert_int_equal(init_with(&p, 1024), PL_OK);

	for (i = 0; i < CONFIG_POSTLET_MAX_RCPT + 1; i++)
		many[i] = "m@x";
	p.mail.rcpts = many;
	p.mail.nrcpt = CONFIG_POSTLET_MAX_RCPT + 1;
	assert_int_equal(init_with(&p, 1024), PL_E_LIMIT);
	p.mail.nrcpt = CONFIG_POSTLET_MAX_RCPT;
	assert_int_equal(init_with(&p, 1024), PL_OK);

	p = params();
	assert_int_equal(init_with(&p, 512), PL_E_USAGE);
	assert_int_equal(init_with(&p, 1023), PL_E_USAGE);

	/* address length bound */
	memset(longaddr, 'a', CONFIG_POSTLET_ADDR_MAX);
	longaddr[CONFIG_POSTLET_ADDR_MAX] = '\0';
	p.mail.rcpts = longr, p.mail.nrcpt = 1;
	assert_int_equal(init_with(&p, 1024), PL_OK);
	longaddr[CONFIG_POSTLET_ADDR_MAX] = 'a';
	longaddr[CONFIG_POSTLET_ADDR_MAX + 1] = '\0';
	assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);

	/* EHLO domain */
	p = params();
	p.ehlo_domain = "host\r\nMAIL";
	assert_int_equal(init_with(&p, 1024), PL_E_CONFIG);
	/* auth without credentials */
	p = params();
	p.password = NULL;
	assert_int_equal(init_with(&p, 1024), PL_E_CONFIG);
}

/* ---- 15: SIZE ------------------------------------------------------------- */

static void test_size_too_big(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-SIZE 1000\r\n250 PIPELINING\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_MAIL, -1),
	};
	struct run *r;

	(void)state;
	p.mail.size_hint = 5000;
	r = script(&p, 1024, st);
	assert_never_sent(r, "MAIL");
	assert_never_sent(r, "RCPT");
	assert_string_equal(pl_smtp_error_info(&r->s)->text,
			    "message of 5000 bytes is larger than the server's SIZE limit of 1000");
	run_free(r);
}

static void test_size_fits(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-SIZE 10000\r\n250 8BITMIME\r\n"),
		C("MAIL FROM:<a@b> SIZE=5000\r\n"),
		STOP(),
	};

	(void)state;
	p.mail.size_hint = 5000;
	script_free(&p, 4096, st);
}

static void test_size_and_8bitmime(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-SIZE\r\n250 8BITMIME\r\n"),
		C("MAIL FROM:<> SIZE=18446744073709551615 BODY=8BITMIME\r\n"),
		STOP(),
	};

	(void)state;
	p.mail.from = "";
	p.mail.size_hint = UINT64_MAX;
	p.mail.body_8bit = 1;
	script_free(&p, 1024, st);
}

/* ---- 16: secrets ----------------------------------------------------------- */

static void test_secret_flag_and_wipe_plain(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = { STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS), STOP() };
	struct run *r;
	const uint8_t *d;
	size_t len;

	(void)state;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_SEND);
	assert_true(pl_smtp_tx_secret(&r->s));
	d = pl_smtp_tx_data(&r->s, &len);
	tr_assert_bytes("AUTH line", AUTH_PLAIN_C, sizeof(AUTH_PLAIN_C) - 1, d, len);
	assert_ptr_equal(d, r->tx);
	pl_smtp_tx_done(&r->s, 5);
	assert_true(pl_smtp_tx_secret(&r->s));
	d = pl_smtp_tx_data(&r->s, &len);
	assert_int_equal(len, sizeof(AUTH_PLAIN_C) - 1 - 5);
	/* the credentials are still in the caller's buffer until fully sent */
	assert_non_null(tr_memmem(r->tx, r->txcap, "AHVzZXIAcGFzcw==", 16));
	pl_smtp_tx_done(&r->s, len);
	assert_false(pl_smtp_tx_secret(&r->s));
	assert_tx_wiped(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_RECV);
	run_free(r);
}

static void test_secret_flag_login(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, "250-mx\r\n250 AUTH LOGIN\r\n"),
		C("AUTH LOGIN\r\n"),
		S("334 VXNlcm5hbWU6\r\n"),
		STOP(),
	};
	struct run *r;
	const uint8_t *d;
	size_t len;

	(void)state;
	r = script(&p, 1024, st);
	assert_true(pl_smtp_tx_secret(&r->s));
	d = pl_smtp_tx_data(&r->s, &len);
	tr_assert_bytes("LOGIN user", "dXNlcg==\r\n", 10, d, len);
	pl_smtp_tx_done(&r->s, len);
	assert_false(pl_smtp_tx_secret(&r->s));
	assert_tx_wiped(r);
	pl_smtp_rx(&r->s, (const uint8_t *)"334 UGFzc3dvcmQ6\r\n", 18);
	assert_true(pl_smtp_tx_secret(&r->s));
	d = pl_smtp_tx_data(&r->s, &len);
	tr_assert_bytes("LOGIN password", "cGFzcw==\r\n", 10, d, len);
	pl_smtp_tx_done(&r->s, len);
	assert_false(pl_smtp_tx_secret(&r->s));
	assert_tx_wiped(r);
	/* a third challenge is a protocol error */
	pl_smtp_rx(&r->s, (const uint8_t *)"334 what\r\n", 10);
	drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_E_PROTOCOL);
	run_free(r);
}

/* Abort while the AUTH line is pending: the credentials are wiped. */
static void test_abort_wipes_pending_secret(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = { STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS), STOP() };
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_true(pl_smtp_tx_secret(&r->s));
	pl_smtp_abort(&r->s, PL_E_NETWORK, "send failed");
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_E_NETWORK);
	assert_int_equal(pl_smtp_error_info(&r->s)->stage, PL_STAGE_AUTH);
	assert_tx_wiped(r);
	run_free(r);
}

static void test_abort_stage_names(void **state)
{
	pl_smtp_params p = params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S(EHLO_PRE), C("STARTTLS\r\n"), S("220 go\r\n"), STOP(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_TLS);
	pl_smtp_abort(&r->s, PL_E_TLS_VERIFY, "bad cert");
	assert_int_equal(pl_smtp_error_info(&r->s)->stage, PL_STAGE_TLS);
	assert_string_equal(pl_stage_name(PL_STAGE_TLS), "TLS handshake");
	assert_string_equal(pl_stage_name((pl_stage)99), "?");
	run_free(r);
}

/* ---- 17: CHUNKING (BDAT) -------------------------------------------------- */

#define EHLO_CHUNK "250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n"
#define ENV2_NODATA "MAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nRCPT TO:<z@w>\r\n"
/* BODY_IN without dot-stuffing: BDAT sends the body raw, CRLF-normalised */
#define BODY_RAW "Subject: t\r\n\r\nline1\r\n.dot\r\n..two\r\n.\r\nend\r\n"

/* Envelope, "BDAT n LAST" and the body leave in one single send. */
static void test_chunking_one_write(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S(EHLO_CHUNK),
		BODY(BODY_IN, 7),
		C1(ENV2_NODATA "BDAT 42 LAST\r\n" BODY_RAW),
		S("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n250 2.0.0 queued\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	struct run *r;

	(void)state;
	assert_int_equal(sizeof(BODY_RAW) - 1, 42);
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 2);
	assert_never_sent(r, "DATA");
	run_free(r);
}

/* Connection lost after MAIL + RCPT + "BDAT n LAST" + body all went out in
 * one write: the server may have the message, so the failure is reported at
 * "end of data" (the ambiguous window a queue must treat as maybe-sent),
 * not at MAIL FROM whose reply happened to be next. */
static void test_chunking_lost_after_last_chunk_is_end_of_data(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S(EHLO_CHUNK), BODY(BODY_IN, 7),
		C1(ENV2_NODATA "BDAT 42 LAST\r\n" BODY_RAW), STOP(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_RECV);
	pl_smtp_abort(&r->s, PL_E_CLOSED, "connection lost");
	assert_int_equal(pl_smtp_error_info(&r->s)->stage, PL_STAGE_BODY);
	run_free(r);
}

/* An empty body is "BDAT 0 LAST"; an unterminated last line gets its CRLF. */
static void test_chunking_empty_and_unterminated(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step empty[] = {
		S(GREET), C(EHLO_C), S(EHLO_CHUNK), BODY("", 1),
		C1(ENV2_NODATA "BDAT 0 LAST\r\n"),
		S("250 ok\r\n250 ok\r\n250 ok\r\n250 queued\r\n"), C("QUIT\r\n"), DONE(),
	};
	static const struct step unterminated[] = {
		S(GREET), C(EHLO_C), S(EHLO_CHUNK), BODY("a\r\n.", 1),
		C1(ENV2_NODATA "BDAT 6 LAST\r\na\r\n.\r\n"),
		S("250 ok\r\n250 ok\r\n250 ok\r\n250 queued\r\n"), C("QUIT\r\n"), DONE(),
	};

	(void)state;
	script_free(&p, 1024, empty);
	script_free(&p, 1024, unterminated);
}

/* CHUNKING without PIPELINING: one command per reply, BDAT included. */
static void test_chunking_no_pipelining(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250 CHUNKING\r\n"),
		C1("MAIL FROM:<a@b>\r\n"),
		S("250 ok\r\n"),
		C1("RCPT TO:<x@y>\r\n"),
		S("250 ok\r\n"),
		C1("RCPT TO:<z@w>\r\n"),
		S("550 5.1.1 no such user\r\n"),
		BODY("hi\n", 1),
		C1("BDAT 4 LAST\r\nhi\r\n"),
		S("250 queued\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 1);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 0), 250);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 1), 550);
	run_free(r);
}

/* Pipelined BDAT after every RCPT was refused: the server refuses the
 * chunk, the error names the recipients. */
static void test_chunking_all_rcpts_refused(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n"),
		BODY("hi\n", 1),
		C1(ENV2_NODATA "BDAT 4 LAST\r\nhi\r\n"),
		S("250 2.1.0 ok\r\n550 5.1.1 <x@y> unknown\r\n550 5.1.1 <z@w> unknown\r\n"
		  "554 5.5.1 Error: no valid recipients\r\n"),
		FAILED(PL_E_RCPT_REFUSED, PL_STAGE_RCPT, 550),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "5.1.1");
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "<x@y> unknown"));
	run_free(r);
}

/* Refusal of the final chunk: permanent failure at the end of data, with
 * the enhanced status code kept. */
static void test_chunking_last_chunk_refused(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET),
		C(EHLO_C),
		S("250-mx\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n"),
		BODY("hi\n", 1),
		C1(ENV2_NODATA "BDAT 4 LAST\r\nhi\r\n"),
		S("250 ok\r\n250 ok\r\n250 ok\r\n552 5.3.4 message too big\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_BODY, 552),
	};
	struct run *r;

	(void)state;
	r = script(&p, 1024, st);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "5.3.4");
	assert_string_equal(pl_smtp_error_info(&r->s)->text, "552 5.3.4 message too big");
	run_free(r);
}

/* Split the client bytes after the envelope into BDAT chunks; check each
 * header and return the concatenated data and the chunk count. */
static size_t split_chunks(const unsigned char *p, size_t n, struct buf *data, size_t maxchunk,
			   size_t *largest)
{
	size_t i = 0, count = 0;

	*largest = 0;
	while (i < n) {
		size_t len = 0, e = i;
		int last;

		assert_true(n - i > 7);
		assert_memory_equal(p + i, "BDAT ", 5);
		e = i + 5;
		assert_true(p[e] >= '0' && p[e] <= '9');
		while (p[e] >= '0' && p[e] <= '9')
			len = len * 10 + (size_t)(p[e++] - '0');
		last = n - e >= 7 && memcmp(p + e, " LAST\r\n", 7) == 0;
		e += last ? 7 : 2;
		if (!last)
			assert_memory_equal(p + e - 2, "\r\n", 2);
		assert_true(len <= maxchunk);
		assert_true(e + len <= n);
		if (len > *largest)
			*largest = len;
		buf_add(data, p + e, len);
		i = e + len;
		count++;
		if (last) {
			assert_int_equal(i, n); /* nothing after the last chunk */
			return count;
		}
		assert_true(len > 0); /* no empty chunk before the last */
	}
	fail_msg("no BDAT LAST chunk");
	return count;
}

/* A body much larger than the buffer streams as pipelined chunks: every
 * chunk fits the buffer and CONFIG_POSTLET_BDAT_CHUNK_SIZE, the engine waits
 * for replies only when its reply queue is full, and the chunks carry the
 * body CRLF-normalised and not dot-stuffed. */
static void bdat_stream(size_t txcap, size_t total, size_t slice)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S(EHLO_CHUNK), STOP(),
	};
	struct buf in = { 0 }, exp = { 0 }, data = { 0 };
	struct run *r = run_new(&p, txcap);
	size_t off = 0, replies = 0, owed, chunks, largest, start, env = sizeof(ENV2_NODATA) - 1;
	size_t waits = 0; /* switches from sending to reading: round trips */
	int guard = 0, ended = 0, sent = 0;
	pl_want w;

	run_steps(r, st);
	make_body(&in, 61, total);
	while ((w = pl_smtp_want(&r->s)) != PL_DONE) {
		assert_true(++guard < 10000000);
		if (w == PL_WANT_SEND) {
			drain(r);
			sent = 1;
		} else if (w == PL_WANT_RECV) {
			pl_smtp_rx(&r->s, (const uint8_t *)"250 ok\r\n", 8);
			replies++;
			waits += sent;
			sent = 0;
		} else if (w == PL_WANT_BODY && off < in.len) {
			off += pl_smtp_body_write(&r->s, in.p + off,
						  in.len - off < slice ? in.len - off : slice);
		} else {
			assert_int_equal(w, PL_WANT_BODY);
			assert_false(ended);
			pl_smtp_body_end(&r->s);
			ended = 1;
		}
	}
	assert_true(ended);
	start = (size_t)((const unsigned char *)tr_memmem(r->all.p, r->all.len, "MAIL", 4) - r->all.p);
	assert_true(r->all.len > start + env);
	tr_assert_bytes("envelope", ENV2_NODATA, env, r->all.p + start, env);
	env += start;
	/* one message: QUIT follows the accepted data */
	assert_true(r->all.len > env + 6);
	assert_memory_equal(r->all.p + r->all.len - 6, "QUIT\r\n", 6);
	chunks = split_chunks(r->all.p + env, r->all.len - env - 6, &data,
			      CONFIG_POSTLET_BDAT_CHUNK_SIZE < txcap ? CONFIG_POSTLET_BDAT_CHUNK_SIZE
								     : txcap,
			      &largest);
	ref_normalise(in.p, in.len, &exp);
	tr_assert_bytes("body carried by the chunks", exp.p, exp.len, data.p, data.len);
	owed = 3 + chunks;
	assert_int_equal(replies, owed);
	/* a full reply queue is read down to half, not one reply per chunk */
	if (waits > 2 + owed / (PL_SMTP_QUEUE_MAX / 2))
		fail_msg("%zu waits for %zu replies", waits, owed);
	assert_true(chunks > 1);
	/* chunks are as large as the buffer (or the Kconfig size) allows */
	assert_true(largest + 64 >= (CONFIG_POSTLET_BDAT_CHUNK_SIZE < txcap
					     ? CONFIG_POSTLET_BDAT_CHUNK_SIZE
					     : txcap - (env - start)));
	untrack_free(in.p);
	untrack_free(exp.p);
	untrack_free(data.p);
	run_free(r);
}

static void test_chunking_stream_small_buffer(void **state)
{
	(void)state;
	/* ~150 chunks: more than the reply queue holds */
	bdat_stream(1024, 150000, 333);
	bdat_stream(1024, 5000, 1);
}

static void test_chunking_stream_kconfig_chunk_size(void **state)
{
	(void)state;
	/* buffer larger than the chunk size: several chunks per send */
	bdat_stream(CONFIG_POSTLET_BDAT_CHUNK_SIZE * 3, CONFIG_POSTLET_BDAT_CHUNK_SIZE * 4, 4096);
}

/* A non-last chunk refused: the transaction fails at the end of data. */
static void test_chunking_middle_chunk_refused(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250 CHUNKING\r\n"), C1("MAIL FROM:<a@b>\r\n"),
		S("250 ok\r\n"), C1("RCPT TO:<x@y>\r\n"), S("250 ok\r\n"),
		C1("RCPT TO:<z@w>\r\n"), S("250 ok\r\n"), STOP(),
	};
	struct run *r;
	static char body[3000];
	size_t off = 0;

	(void)state;
	memset(body, 'x', sizeof(body));
	r = script(&p, 1024, st);
	while (pl_smtp_want(&r->s) == PL_WANT_BODY)
		off += pl_smtp_body_write(&r->s, (const uint8_t *)body + off, sizeof(body) - off);
	assert_true(off < sizeof(body));
	drain(r);
	assert_true(starts_with(r->pending.p, r->pending.len, "BDAT "));
	assert_false(tr_memmem(r->pending.p, r->pending.len, "LAST", 4));
	assert_int_equal(pl_smtp_want(&r->s), PL_WANT_RECV); /* no PIPELINING */
	pl_smtp_rx(&r->s, (const uint8_t *)"451 4.3.0 try later\r\n", 21);
	r->pending.len = 0;
	drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_E_TEMPFAIL);
	assert_int_equal(pl_smtp_error_info(&r->s)->stage, PL_STAGE_BODY);
	tr_assert_bytes("after the refusal", "QUIT\r\n", 6, r->pending.p, r->pending.len);
	run_free(r);
}

/* ---- 18: 8BITMIME, SMTPUTF8, DSN ------------------------------------------- */

static void test_8bit_without_8bitmime(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_MAIL, 0),
	};
	struct run *r;

	(void)state;
	p.mail.body_8bit = 1;
	r = script(&p, 1024, st);
	assert_never_sent(r, "MAIL");
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "8BITMIME"));
	run_free(r);
}

static const char *const utf8_rcpts[] = { "j\xc3\xb6rg@b\xc3\xbc\x63her.test", "z@w" };

static void test_smtputf8_offered(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C),
		S("250-mx\r\n250-PIPELINING\r\n250-SMTPUTF8\r\n250 8BITMIME\r\n"),
		C1("MAIL FROM:<a@b> BODY=8BITMIME SMTPUTF8\r\n"
		   "RCPT TO:<j\xc3\xb6rg@b\xc3\xbc\x63her.test>\r\nRCPT TO:<z@w>\r\nDATA\r\n"),
		STOP(),
	};

	(void)state;
	p.mail.rcpts = utf8_rcpts;
	p.mail.body_8bit = 1;
	script_free(&p, 1024, st);
}

static void test_smtputf8_not_offered(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_MAIL, 0),
	};
	struct run *r;

	(void)state;
	p.mail.rcpts = utf8_rcpts;
	r = script(&p, 1024, st);
	assert_never_sent(r, "MAIL");
	assert_non_null(strstr(pl_smtp_error_info(&r->s)->text, "SMTPUTF8"));
	run_free(r);
}

static void test_utf8_address_must_be_well_formed(void **state)
{
	static const char *const bad[][1] = {
		{ "a\xc3@b" },          /* truncated */
		{ "a\xc0\xaf@b" },      /* overlong */
		{ "a\xed\xa0\x80@b" },  /* surrogate */
		{ "a\xf4\x90\x80\x80@b" }, /* above U+10FFFF */
		{ "a\xff@b" },
	};
	pl_smtp_params p = plain_params();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.mail.rcpts = bad[i];
		p.mail.nrcpt = 1;
		assert_int_equal(init_with(&p, 1024), PL_E_MESSAGE);
	}
	p.mail.rcpts = utf8_rcpts;
	p.mail.nrcpt = 2;
	assert_int_equal(init_with(&p, 1024), PL_OK);
}

static void test_dsn_offered(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250-PIPELINING\r\n250-DSN\r\n250 CHUNKING\r\n"),
		BODY("x\n", 1),
		C1("MAIL FROM:<a@b> RET=HDRS ENVID=id+2B1+3D2+20x\r\n"
		   "RCPT TO:<x@y> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;x@y\r\n"
		   "RCPT TO:<a+b=c@w> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;a+2Bb+3Dc@w\r\n"
		   "BDAT 3 LAST\r\nx\r\n"),
		S("250 ok\r\n250 ok\r\n250 ok\r\n250 queued\r\n"),
		C("QUIT\r\n"),
		DONE(),
	};
	static const char *const rc[] = { "x@y", "a+b=c@w" };

	(void)state;
	p.mail.rcpts = rc;
	p.mail.dsn_notify = PL_DSN_SUCCESS | PL_DSN_FAILURE | PL_DSN_DELAY;
	p.mail.dsn_ret = PL_DSN_RET_HDRS;
	p.mail.dsn_envid = "id+1=2 x";
	p.mail.dsn_orcpt = 1;
	script_free(&p, 1024, st);
}

static void test_dsn_never_and_full(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250-PIPELINING\r\n250 DSN\r\n"),
		C1("MAIL FROM:<a@b> RET=FULL\r\nRCPT TO:<x@y> NOTIFY=NEVER\r\n"
		   "RCPT TO:<z@w> NOTIFY=NEVER\r\nDATA\r\n"),
		STOP(),
	};

	(void)state;
	p.mail.dsn_notify = PL_DSN_NEVER;
	p.mail.dsn_ret = PL_DSN_RET_FULL;
	script_free(&p, 1024, st);
	p.mail.dsn_notify = PL_DSN_NEVER | PL_DSN_DELAY;
	assert_int_equal(init_with(&p, 1024), PL_E_USAGE);
	p.mail.dsn_notify = 0;
	p.mail.dsn_envid = "\xc3\xa9";
	assert_int_equal(init_with(&p, 1024), PL_E_USAGE);
}

/* Without DSN in EHLO, the requests are left out (the mail still goes). */
static void test_dsn_not_offered(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250 PIPELINING\r\n"),
		C1(ENVELOPE2),
		STOP(),
	};

	(void)state;
	p.mail.dsn_notify = PL_DSN_SUCCESS;
	p.mail.dsn_ret = PL_DSN_RET_HDRS;
	p.mail.dsn_envid = "x";
	p.mail.dsn_orcpt = 1;
	script_free(&p, 1024, st);
}

/* A RCPT line that cannot fit even an empty buffer: PL_E_LIMIT, not a hang. */
static void test_command_longer_than_buffer(void **state)
{
	pl_smtp_params p = plain_params();
	static char longaddr[CONFIG_POSTLET_ADDR_MAX + 1];
	static const char *const rc[] = { longaddr };
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250 DSN\r\n"),
		C1("MAIL FROM:<a@b>\r\n"), S("250 ok\r\n"),
		FAILED(PL_E_LIMIT, PL_STAGE_RCPT, -1),
	};

	(void)state;
	memset(longaddr, '+', CONFIG_POSTLET_ADDR_MAX); /* xtext triples it */
	p.mail.rcpts = rc;
	p.mail.nrcpt = 1;
	p.mail.dsn_notify = PL_DSN_SUCCESS;
	p.mail.dsn_orcpt = 1;
	script_free(&p, 1024, st);
}

/* ---- 19: HELO fallback, malformed replies ----------------------------------- */

static void test_helo_fallback(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S(GREET), C(EHLO_C), S("502 5.5.2 command not recognized\r\n"),
		C1("HELO client.test\r\n"), S("250 mx.test\r\n"),
		C1("MAIL FROM:<a@b>\r\n"), S("250 ok\r\n"),
		C1("RCPT TO:<x@y>\r\n"), S("250 ok\r\n"),
		C1("RCPT TO:<z@w>\r\n"), S("250 ok\r\n"),
		C1("DATA\r\n"), S("354 go\r\n"),
		BODY("hi\n", 2), C("hi\r\n.\r\n"), S("250 queued\r\n"),
		C("QUIT\r\n"), DONE(),
	};
	static const struct step helo_refused[] = {
		S(GREET), C(EHLO_C), S("500 what?\r\n"),
		C1("HELO client.test\r\n"), S("501 bad\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_EHLO, 501),
	};

	(void)state;
	script_free(&p, 1024, st);
	script_free(&p, 1024, helo_refused);
}

/* No HELO when TLS is required (STARTTLS needs EHLO), nor for other codes. */
static void test_no_helo_fallback(void **state)
{
	pl_smtp_params tls = params(), plain = plain_params();
	static const struct step st_tls[] = {
		S(GREET), C(EHLO_C), S("502 not implemented\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_EHLO, 502),
	};
	static const struct step st_554[] = {
		S(GREET), C(EHLO_C), S("554 go away\r\n"),
		FAILED(PL_E_PERMFAIL, PL_STAGE_EHLO, 554),
	};
	struct run *r;

	(void)state;
	r = script(&tls, 1024, st_tls);
	assert_never_sent(r, "HELO");
	run_free(r);
	r = script(&plain, 1024, st_554);
	assert_never_sent(r, "HELO");
	run_free(r);
}

/* A reply that is only a code ("250") is a complete reply. */
static void test_bare_code_lines(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step st[] = {
		S("220\r\n"), C(EHLO_C), S("250-mx\r\n250\r\n"),
		C1("MAIL FROM:<a@b>\r\n"), S("250\r\n"),
		C1("RCPT TO:<x@y>\r\n"), S("250\r\n"),
		C1("RCPT TO:<z@w>\r\n"), S("250\r\n"),
		C1("DATA\r\n"), S("354\r\n"),
		BODY("", 1), C(".\r\n"), S("250\r\n"),
		C("QUIT\r\n"), DONE(),
	};

	(void)state;
	script_free(&p, 1024, st);
}

/* Codes that change inside one reply, and an EHLO reply with more lines
 * than CONFIG_POSTLET_REPLY_LINES_MAX: protocol errors, nothing more sent. */
static void test_malformed_multiline(void **state)
{
	pl_smtp_params p = plain_params();
	static const struct step mismatch[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250-PIPELINING\r\n251 8BITMIME\r\n"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_EHLO, -1, ""),
	};
	static const struct step mismatch_class[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n550 no\r\n"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_EHLO, -1, ""),
	};
	struct run *r;
	int i;

	(void)state;
	script_free(&p, 1024, mismatch);
	script_free(&p, 1024, mismatch_class);
	r = run_new(&p, 1024);
	pl_smtp_rx(&r->s, (const uint8_t *)GREET, sizeof(GREET) - 1);
	drain(r);
	for (i = 0; i < CONFIG_POSTLET_REPLY_LINES_MAX; i++) {
		assert_int_equal(pl_smtp_want(&r->s), PL_WANT_RECV);
		pl_smtp_rx(&r->s, (const uint8_t *)"250-X-FILLER\r\n", 14);
	}
	pl_smtp_rx(&r->s, (const uint8_t *)"250 PIPELINING\r\n", 16);
	r->pending.len = 0;
	drain(r);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_E_PROTOCOL);
	assert_int_equal(pl_smtp_error_info(&r->s)->stage, PL_STAGE_EHLO);
	assert_int_equal(r->pending.len, 0);
	run_free(r);
}

/* ---- 20: several transactions over one connection ------------------------- */

static const char *const one_rcpt[] = { "x@y" };
static const char *const three_rcpts[] = { "r1@y", "r2@y", "r3@y" };

static pl_smtp_params session_params(void)
{
	pl_smtp_params p = params();

	memset(&p.mail, 0, sizeof(p.mail)); /* no message: session mode */
	return p;
}

#define EHLO_TLS_CHUNK                                                                  \
	"250-mx.test Hello\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"                  \
	"250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250 8BITMIME\r\n"

static const struct step session_setup[] = {
	STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS_CHUNK),
	C(AUTH_PLAIN_C),
	S("235 2.7.0 ok\r\n"),
	DONE(),
};

static void next_ok(struct run *r, const pl_smtp_mail *m)
{
	assert_true(pl_smtp_usable(&r->s));
	assert_int_equal(pl_smtp_next(&r->s, m), PL_OK);
}

/* Setup stops idle; two messages follow on the same connection without
 * RSET (the first ended cleanly); QUIT only when asked. */
static void test_session_two_messages(void **state)
{
	pl_smtp_params p = session_params();
	pl_smtp_mail m1 = { .from = "a@b", .rcpts = two_rcpts, .nrcpt = 2 };
	pl_smtp_mail m2 = { .from = "c@d", .rcpts = one_rcpt, .nrcpt = 1, .size_hint = 3 };
	static const struct step t1[] = {
		BODY("one\n", 3),
		C1(ENV2_NODATA "BDAT 5 LAST\r\none\r\n"),
		S("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n250 2.0.0 queued as A\r\n"),
		DONE(),
	};
	static const struct step t2[] = {
		BODY("two", 3),
		C1("MAIL FROM:<c@d>\r\nRCPT TO:<x@y>\r\nBDAT 5 LAST\r\ntwo\r\n"),
		S("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.0.0 queued as B\r\n"),
		DONE(),
	};
	struct run *r = run_new(&p, 1024);

	(void)state;
	run_steps(r, session_setup);
	assert_true(pl_smtp_usable(&r->s));
	next_ok(r, &m1);
	run_steps(r, t1);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 2);
	next_ok(r, &m2);
	run_steps(r, t2);
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 1);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 1), 0); /* codes are per message */
	assert_never_sent(r, "RSET");
	assert_never_sent(r, "QUIT");
	pl_smtp_quit(&r->s);
	drain(r);
	check_pending(r, "QUIT\r\n", 6, "close");
	assert_false(pl_smtp_usable(&r->s));
	assert_int_equal(pl_smtp_next(&r->s, &m1), PL_E_USAGE);
	run_free(r);
}

/* A refused MAIL with pipelined RCPT and BDAT: the owed replies are read,
 * the session stays usable, and the next transaction starts with RSET in
 * the same write as its envelope. */
static void test_session_failed_then_rset(void **state)
{
	pl_smtp_params p = session_params();
	pl_smtp_mail m1 = { .from = "bad@b", .rcpts = two_rcpts, .nrcpt = 2 };
	pl_smtp_mail m2 = { .from = "a@b", .rcpts = three_rcpts, .nrcpt = 3 };
	static const struct step t1[] = {
		BODY("one\n", 3),
		C1("MAIL FROM:<bad@b>\r\n" "RCPT TO:<x@y>\r\nRCPT TO:<z@w>\r\nBDAT 5 LAST\r\none\r\n"),
		S("553 5.7.1 sender rejected\r\n503 5.5.1 need MAIL\r\n"),
		S("503 5.5.1 need MAIL\r\n554 5.5.1 no valid recipients\r\n"),
		FAILED_EXACT(PL_E_PERMFAIL, PL_STAGE_MAIL, 553, ""),
	};
	static const struct step t2[] = {
		BODY("two\n", 3),
		C1("RSET\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r1@y>\r\nRCPT TO:<r2@y>\r\n"
		   "RCPT TO:<r3@y>\r\nBDAT 5 LAST\r\ntwo\r\n"),
		S("250 2.0.0 ok\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 <r2@y> unknown\r\n"
		  "250 2.1.5 ok\r\n250 2.0.0 queued\r\n"),
		DONE(),
	};
	struct run *r = run_new(&p, 1024);

	(void)state;
	run_steps(r, session_setup);
	next_ok(r, &m1);
	run_steps(r, t1);
	assert_string_equal(pl_smtp_error_info(&r->s)->enhanced, "5.7.1");
	assert_true(pl_smtp_usable(&r->s));
	next_ok(r, &m2);
	run_steps(r, t2);
	/* one refused recipient does not fail the others */
	assert_int_equal(pl_smtp_rcpt_accepted(&r->s), 2);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 0), 250);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 1), 550);
	assert_int_equal(pl_smtp_rcpt_code(&r->s, 2), 250);
	assert_int_equal(pl_smtp_error_info(&r->s)->err, PL_OK);
	assert_true(pl_smtp_usable(&r->s));
	run_free(r);
}

/* DATA path, every recipient refused but DATA got 354: the empty data is
 * closed, its reply read, and the session stays usable. */
static void test_session_all_refused_data_354(void **state)
{
	pl_smtp_params p = session_params();
	pl_smtp_mail m = { .from = "a@b", .rcpts = two_rcpts, .nrcpt = 2 };
	static const struct step setup[] = {
		S(GREET), C(EHLO_C), S("250-mx\r\n250 PIPELINING\r\n"), DONE(),
	};
	static const struct step t1[] = {
		C1(ENVELOPE2),
		S("250 ok\r\n550 no\r\n550 no\r\n354 go\r\n"),
		C(".\r\n"),
		S("554 no valid recipients\r\n"),
		FAILED_EXACT(PL_E_RCPT_REFUSED, PL_STAGE_RCPT, 550, ""),
	};
	static const struct step t2[] = {
		C1("RSET\r\n" ENVELOPE2),
		S("250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		BODY("x", 1), C("x\r\n.\r\n"), S("250 queued\r\n"), DONE(),
	};
	struct run *r;

	(void)state;
	p.tls_mode = PL_TLS_OFF;
	p.auth_mechs = 0;
	r = run_new(&p, 1024);
	run_steps(r, setup);
	next_ok(r, &m);
	run_steps(r, t1);
	next_ok(r, &m);
	run_steps(r, t2);
	run_free(r);
}

/* Failures that end the session: 421, and a protocol error while draining. */
static void test_session_not_usable(void **state)
{
	pl_smtp_params p = session_params();
	pl_smtp_mail m = { .from = "a@b", .rcpts = one_rcpt, .nrcpt = 1 };
	static const struct step t421[] = {
		BODY("x", 1),
		C1("MAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nBDAT 3 LAST\r\nx\r\n"),
		S("421 4.3.2 shutting down\r\n"),
		FAILED_EXACT(PL_E_TEMPFAIL, PL_STAGE_MAIL, 421, ""),
	};
	static const struct step t421_drain[] = {
		BODY("x", 1),
		C1("MAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nBDAT 3 LAST\r\nx\r\n"),
		S("550 5.7.1 no\r\n421 4.3.2 bye\r\n"),
		FAILED_EXACT(PL_E_PERMFAIL, PL_STAGE_MAIL, 550, ""),
	};
	static const struct step tbad[] = {
		BODY("x", 1),
		C1("MAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nBDAT 3 LAST\r\nx\r\n"),
		S("550 no\r\nxyz\r\n"),
		FAILED_EXACT(PL_E_PROTOCOL, PL_STAGE_RCPT, -1, ""),
	};
	struct run *r = run_new(&p, 1024);

	(void)state;
	run_steps(r, session_setup);
	next_ok(r, &m);
	run_steps(r, t421);
	assert_false(pl_smtp_usable(&r->s));
	pl_smtp_quit(&r->s);
	drain(r);
	assert_never_sent(r, "QUIT");
	run_free(r);

	r = run_new(&p, 1024);
	run_steps(r, session_setup);
	next_ok(r, &m);
	run_steps(r, tbad);
	assert_false(pl_smtp_usable(&r->s));
	run_free(r);

	/* 421 while reading the replies owed after a refusal: stop at once */
	r = run_new(&p, 1024);
	run_steps(r, session_setup);
	next_ok(r, &m);
	run_steps(r, t421_drain);
	assert_false(pl_smtp_usable(&r->s));
	run_free(r);

	/* a transport failure after an accepted message */
	r = run_new(&p, 1024);
	run_steps(r, session_setup);
	assert_true(pl_smtp_usable(&r->s));
	pl_smtp_abort(&r->s, PL_E_CLOSED, "connection lost");
	assert_false(pl_smtp_usable(&r->s));
	run_free(r);
}

/* A message the server cannot take fails before anything is sent and leaves
 * the session usable, with no RSET needed; a bad message too. */
static void test_session_precheck_failures(void **state)
{
	pl_smtp_params p = session_params();
	static const char *const bad[] = { "x\r\n@y" };
	pl_smtp_mail big = { .from = "a@b", .rcpts = one_rcpt, .nrcpt = 1, .size_hint = 5000 };
	pl_smtp_mail badaddr = { .from = "a@b", .rcpts = bad, .nrcpt = 1 };
	pl_smtp_mail none = { .from = "a@b", .rcpts = one_rcpt, .nrcpt = 0 };
	pl_smtp_mail ok = { .from = "a@b", .rcpts = one_rcpt, .nrcpt = 1, .size_hint = 10 };
	static const struct step setup[] = {
		STARTTLS_PREFIX(EHLO_PRE, "250-mx\r\n250-AUTH PLAIN\r\n250-PIPELINING\r\n"
					  "250-SIZE 1000\r\n250 CHUNKING\r\n"),
		C(AUTH_PLAIN_C), S("235 ok\r\n"), DONE(),
	};
	static const struct step t_ok[] = {
		BODY("x", 1),
		C1("MAIL FROM:<a@b> SIZE=10\r\nRCPT TO:<x@y>\r\nBDAT 3 LAST\r\nx\r\n"),
		S("250 ok\r\n250 ok\r\n250 ok\r\n"), DONE(),
	};
	struct run *r = run_new(&p, 1024);

	(void)state;
	run_steps(r, setup);
	assert_int_equal(pl_smtp_next(&r->s, &big), PL_E_PERMFAIL);
	assert_int_equal(pl_smtp_error_info(&r->s)->stage, PL_STAGE_MAIL);
	assert_int_equal(pl_smtp_want(&r->s), PL_FAILED);
	drain(r);
	assert_int_equal(r->pending.len, 0);
	assert_int_equal(pl_smtp_next(&r->s, &badaddr), PL_E_MESSAGE);
	assert_int_equal(pl_smtp_next(&r->s, &none), PL_E_MESSAGE);
	drain(r);
	assert_int_equal(r->pending.len, 0);
	next_ok(r, &ok);
	run_steps(r, t_ok);
	assert_never_sent(r, "RSET");
	run_free(r);
}

/* Setup failures leave nothing to transact; QUIT is still polite. */
static void test_session_setup_failure(void **state)
{
	pl_smtp_params p = session_params();
	pl_smtp_mail m = { .from = "a@b", .rcpts = one_rcpt, .nrcpt = 1 };
	static const struct step st[] = {
		STARTTLS_PREFIX(EHLO_PRE, EHLO_TLS_CHUNK),
		C(AUTH_PLAIN_C),
		S("535 5.7.8 bad credentials\r\n"),
		FAILED_EXACT(PL_E_AUTH_FAILED, PL_STAGE_AUTH, 535, ""),
	};
	struct run *r = run_new(&p, 1024);

	(void)state;
	run_steps(r, st);
	assert_false(pl_smtp_usable(&r->s));
	assert_int_equal(pl_smtp_next(&r->s, &m), PL_E_USAGE);
	pl_smtp_quit(&r->s);
	drain(r);
	check_pending(r, "QUIT\r\n", 6, "polite QUIT");
	run_free(r);
}

/* Without PIPELINING the RSET is awaited before MAIL. */
static void test_session_rset_no_pipelining(void **state)
{
	pl_smtp_params p = session_params();
	pl_smtp_mail m = { .from = "a@b", .rcpts = one_rcpt, .nrcpt = 1 };
	static const struct step setup[] = {
		S(GREET), C(EHLO_C), S("250 mx\r\n"), DONE(),
	};
	static const struct step t1[] = {
		C1("MAIL FROM:<a@b>\r\n"), S("250 ok\r\n"),
		C1("RCPT TO:<x@y>\r\n"), S("450 4.2.0 greylisted\r\n"),
		FAILED_EXACT(PL_E_TEMPFAIL, PL_STAGE_RCPT, 450, ""),
	};
	static const struct step t2[] = {
		C1("RSET\r\n"), S("250 ok\r\n"),
		C1("MAIL FROM:<a@b>\r\n"), S("250 ok\r\n"),
		C1("RCPT TO:<x@y>\r\n"), S("250 ok\r\n"),
		C1("DATA\r\n"), S("354 go\r\n"),
		BODY("y\n", 1), C("y\r\n.\r\n"), S("250 ok\r\n"), DONE(),
	};
	static const struct step t3[] = {
		C1("MAIL FROM:<a@b>\r\n"), S("250 ok\r\n"), STOP(),
	};
	struct run *r;

	(void)state;
	p.tls_mode = PL_TLS_OFF;
	p.auth_mechs = 0;
	r = run_new(&p, 1024);
	run_steps(r, setup);
	next_ok(r, &m);
	run_steps(r, t1);
	next_ok(r, &m);
	run_steps(r, t2);
	next_ok(r, &m);
	run_steps(r, t3);
	run_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_happy_starttls_plain_pipelining, teardown),
		cmocka_unit_test_teardown(test_happy_partial_sends, teardown),
		cmocka_unit_test_teardown(test_happy_no_pipelining, teardown),
		cmocka_unit_test_teardown(test_pipelining_forgotten_after_tls, teardown),
		cmocka_unit_test_teardown(test_starttls_not_offered, teardown),
		cmocka_unit_test_teardown(test_starttls_refused_454, teardown),
		cmocka_unit_test_teardown(test_starttls_injection_same_read, teardown),
		cmocka_unit_test_teardown(test_starttls_injection_second_read, teardown),
		cmocka_unit_test_teardown(test_starttls_injection_one_byte, teardown),
		cmocka_unit_test_teardown(test_caps_discarded_after_tls_login, teardown),
		cmocka_unit_test_teardown(test_caps_discarded_after_tls_no_auth, teardown),
		cmocka_unit_test_teardown(test_caps_discarded_after_tls_size, teardown),
		cmocka_unit_test_teardown(test_auth_535, teardown),
		cmocka_unit_test_teardown(test_auth_454_tempfail, teardown),
		cmocka_unit_test_teardown(test_auth_535_no_enhanced_cap, teardown),
		cmocka_unit_test_teardown(test_sasl_scram_sha256, teardown),
		cmocka_unit_test_teardown(test_sasl_scram_wrong_signature, teardown),
		cmocka_unit_test_teardown(test_sasl_scram_missing_signature, teardown),
		cmocka_unit_test_teardown(test_sasl_scram_iterations_too_high, teardown),
		cmocka_unit_test_teardown(test_sasl_scram_malformed, teardown),
		cmocka_unit_test_teardown(test_sasl_scram_needs_nonce, teardown),
		cmocka_unit_test_teardown(test_sasl_scram_sha1, teardown),
		cmocka_unit_test_teardown(test_sasl_cram_md5, teardown),
		cmocka_unit_test_teardown(test_sasl_xoauth2, teardown),
		cmocka_unit_test_teardown(test_sasl_xoauth2_error, teardown),
		cmocka_unit_test_teardown(test_sasl_oauthbearer, teardown),
		cmocka_unit_test_teardown(test_sasl_oauthbearer_error_challenge, teardown),
		cmocka_unit_test_teardown(test_sasl_external, teardown),
		cmocka_unit_test_teardown(test_sasl_not_offered, teardown),
		cmocka_unit_test_teardown(test_sasl_auto_falls_back_to_plain, teardown),
		cmocka_unit_test_teardown(test_sasl_long_token, teardown),
		cmocka_unit_test_teardown(test_cleartext_auth_refused, teardown),
		cmocka_unit_test_teardown(test_cleartext_auth_opt_in, teardown),
		cmocka_unit_test_teardown(test_implicit_tls, teardown),
		cmocka_unit_test_teardown(test_implicit_tls_bytes_before_handshake, teardown),
		cmocka_unit_test_teardown(test_multiline_greeting_and_bytewise_ehlo, teardown),
		cmocka_unit_test_teardown(test_reply_code_change, teardown),
		cmocka_unit_test_teardown(test_reply_line_max_accepted, teardown),
		cmocka_unit_test_teardown(test_reply_line_too_long, teardown),
		cmocka_unit_test_teardown(test_reply_nul, teardown),
		cmocka_unit_test_teardown(test_reply_bare_cr, teardown),
		cmocka_unit_test_teardown(test_reply_bad_code, teardown),
		cmocka_unit_test_teardown(test_bare_lf_replies, teardown),
		cmocka_unit_test_teardown(test_greeting_421, teardown),
		cmocka_unit_test_teardown(test_greeting_554, teardown),
		cmocka_unit_test_teardown(test_mail_451, teardown),
		cmocka_unit_test_teardown(test_mail_550_nopipe, teardown),
		cmocka_unit_test_teardown(test_final_dot_552, teardown),
		cmocka_unit_test_teardown(test_final_dot_451, teardown),
		cmocka_unit_test_teardown(test_data_554_with_accepted_rcpt, teardown),
		cmocka_unit_test_teardown(test_rcpt_one_refused, teardown),
		cmocka_unit_test_teardown(test_rcpt_one_refused_nopipe, teardown),
		cmocka_unit_test_teardown(test_rcpt_all_refused_nopipe, teardown),
		cmocka_unit_test_teardown(test_rcpt_all_refused_pipelined_data_554, teardown),
		cmocka_unit_test_teardown(test_rcpt_all_refused_pipelined_data_354_sends_dot, teardown),
		cmocka_unit_test_teardown(test_rcpt_450_550_tempfail, teardown),
		cmocka_unit_test_teardown(test_stale_enhanced_code_from_refused_rcpt, teardown),
		cmocka_unit_test_teardown(test_max_rcpt_pipelined_small_buffer, teardown),
		cmocka_unit_test_teardown(test_tx_buffer_clean_when_idle_after_split_group, teardown),
		cmocka_unit_test_teardown(test_dot_stuffing_slice_boundaries, teardown),
		cmocka_unit_test_teardown(test_dot_stuffing_mixed_slices, teardown),
		cmocka_unit_test_teardown(test_unexpected_data_during_body, teardown),
		cmocka_unit_test_teardown(test_reply_before_command_sent_is_protocol_error, teardown),
		cmocka_unit_test_teardown(test_init_rejects, teardown),
		cmocka_unit_test_teardown(test_size_too_big, teardown),
		cmocka_unit_test_teardown(test_size_fits, teardown),
		cmocka_unit_test_teardown(test_size_and_8bitmime, teardown),
		cmocka_unit_test_teardown(test_secret_flag_and_wipe_plain, teardown),
		cmocka_unit_test_teardown(test_secret_flag_login, teardown),
		cmocka_unit_test_teardown(test_abort_wipes_pending_secret, teardown),
		cmocka_unit_test_teardown(test_abort_stage_names, teardown),
		cmocka_unit_test_teardown(test_chunking_one_write, teardown),
		cmocka_unit_test_teardown(test_chunking_lost_after_last_chunk_is_end_of_data, teardown),
		cmocka_unit_test_teardown(test_chunking_empty_and_unterminated, teardown),
		cmocka_unit_test_teardown(test_chunking_no_pipelining, teardown),
		cmocka_unit_test_teardown(test_chunking_all_rcpts_refused, teardown),
		cmocka_unit_test_teardown(test_chunking_last_chunk_refused, teardown),
		cmocka_unit_test_teardown(test_chunking_stream_small_buffer, teardown),
		cmocka_unit_test_teardown(test_chunking_stream_kconfig_chunk_size, teardown),
		cmocka_unit_test_teardown(test_chunking_middle_chunk_refused, teardown),
		cmocka_unit_test_teardown(test_8bit_without_8bitmime, teardown),
		cmocka_unit_test_teardown(test_smtputf8_offered, teardown),
		cmocka_unit_test_teardown(test_smtputf8_not_offered, teardown),
		cmocka_unit_test_teardown(test_utf8_address_must_be_well_formed, teardown),
		cmocka_unit_test_teardown(test_dsn_offered, teardown),
		cmocka_unit_test_teardown(test_dsn_never_and_full, teardown),
		cmocka_unit_test_teardown(test_dsn_not_offered, teardown),
		cmocka_unit_test_teardown(test_command_longer_than_buffer, teardown),
		cmocka_unit_test_teardown(test_helo_fallback, teardown),
		cmocka_unit_test_teardown(test_no_helo_fallback, teardown),
		cmocka_unit_test_teardown(test_bare_code_lines, teardown),
		cmocka_unit_test_teardown(test_malformed_multiline, teardown),
		cmocka_unit_test_teardown(test_session_two_messages, teardown),
		cmocka_unit_test_teardown(test_session_failed_then_rset, teardown),
		cmocka_unit_test_teardown(test_session_all_refused_data_354, teardown),
		cmocka_unit_test_teardown(test_session_not_usable, teardown),
		cmocka_unit_test_teardown(test_session_precheck_failures, teardown),
		cmocka_unit_test_teardown(test_session_setup_failure, teardown),
		cmocka_unit_test_teardown(test_session_rset_no_pipelining, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
