/*
 * SMTP submission engine.  Design notes:
 *  - `expect` is the ordered list of replies owed by the server; every
 *    command appends one entry, every complete reply removes the oldest.
 *    Pipelining (RFC 2920) is then just "emit more before reading".
 *  - Commands are built in the caller's tx buffer; a group that does not
 *    fit is continued after the buffer drains (a single command that does
 *    not fit an empty buffer fails with PL_E_LIMIT).
 *  - BDAT: the chunk's length must precede it, so the body is normalised
 *    into the buffer behind a reserved header gap, and the header is written
 *    (and the data moved up to it) when the chunk is closed.
 *  - Session mode: per-connection state (caps, ready, in_step, txn_open)
 *    survives pl_smtp_next(); per-message state is reset there.  After a
 *    failed transaction the replies still owed for pipelined commands are
 *    read (PH_DRAIN) so the next transaction starts in step.
 */
#include "smtp.h"

#include <string.h>

#include "sasl.h"

enum phase { PH_CMD, PH_TLS, PH_BODY, PH_DONE, PH_FAILED, PH_DRAIN };
enum expect { EXP_GREETING, EXP_EHLO, EXP_STARTTLS, EXP_AUTH, EXP_MAIL, EXP_RCPT,
	      EXP_DATA, EXP_DOT, EXP_HELO, EXP_RSET, EXP_BDAT, EXP_BDAT_LAST };
enum envelope { ENV_IDLE, ENV_MAIL, ENV_RCPT, ENV_DATA, ENV_END };
enum { AUTH_STEP_SENT, AUTH_STEP_USER, AUTH_STEP_PASS };

/* Mechanisms in order of preference (see smtp.h). */
static const struct {
	const char *name;
	unsigned bit;
} mechs[] = {
	{ "EXTERNAL", PL_AUTH_EXTERNAL },
	{ "OAUTHBEARER", PL_AUTH_OAUTHBEARER },
	{ "XOAUTH2", PL_AUTH_XOAUTH2 },
	{ "SCRAM-SHA-256", PL_AUTH_SCRAM_SHA256 },
	{ "SCRAM-SHA-1", PL_AUTH_SCRAM_SHA1 },
	{ "CRAM-MD5", PL_AUTH_CRAM_MD5 },
	{ "PLAIN", PL_AUTH_PLAIN },
	{ "LOGIN", PL_AUTH_LOGIN },
};
#define NMECHS (sizeof(mechs) / sizeof(mechs[0]))

/* The mechanisms Kconfig compiled in, as a constant the compiler folds
 * into every test of it. */
#define AUTH_COMPILED                                                                      \
	((PL_ENABLE_AUTH_EXTERNAL ? PL_AUTH_EXTERNAL : 0u) |                                 \
	 (PL_ENABLE_AUTH_OAUTHBEARER ? PL_AUTH_OAUTHBEARER : 0u) |                           \
	 (PL_ENABLE_AUTH_XOAUTH2 ? PL_AUTH_XOAUTH2 : 0u) |                                   \
	 (PL_ENABLE_AUTH_SCRAM_SHA256 ? PL_AUTH_SCRAM_SHA256 : 0u) |                         \
	 (PL_ENABLE_AUTH_SCRAM_SHA1 ? PL_AUTH_SCRAM_SHA1 : 0u) |                             \
	 (PL_ENABLE_AUTH_CRAM_MD5 ? PL_AUTH_CRAM_MD5 : 0u) |                                 \
	 (PL_ENABLE_AUTH_PLAIN ? PL_AUTH_PLAIN : 0u) | (PL_ENABLE_AUTH_LOGIN ? PL_AUTH_LOGIN : 0u))

unsigned pl_auth_compiled(void)
{
	return AUTH_COMPILED;
}

const char *pl_auth_name(unsigned mech)
{
	size_t i;

	for (i = 0; i < NMECHS; i++)
		if (mechs[i].bit == mech)
			return mechs[i].name;
	return NULL;
}

/* Bit in `phase`-independent flags kept in flags's high bits would be
 * obscure; keep two small flags here instead. */
#define GREETED_FLAG 0x80u
#define SECRET_FLAG 0x40u
#define TLS_FLAG 0x01u

/* Extensions switched off in Kconfig count as never offered: every use
 * tests OFFERED(), which the compiler folds to 0 for them, so their code
 * is left out of the build. */
#define CAPS_USED                                                                          \
	(PL_CAP_STARTTLS | PL_CAP_PIPELINING | PL_CAP_AUTH |                                 \
	 (PL_ENABLE_ESMTP_8BITMIME ? PL_CAP_8BITMIME : 0) |                                  \
	 (PL_ENABLE_ESMTP_SIZE ? PL_CAP_SIZE : 0) |                                          \
	 (PL_ENABLE_ESMTP_ENHANCEDSTATUSCODES ? PL_CAP_ENHANCEDSTATUSCODES : 0) |            \
	 (PL_ENABLE_ESMTP_CHUNKING ? PL_CAP_CHUNKING : 0) |                                  \
	 (PL_ENABLE_ESMTP_SMTPUTF8 ? PL_CAP_SMTPUTF8 : 0) | (PL_ENABLE_ESMTP_DSN ? PL_CAP_DSN : 0))
#define OFFERED(s, cap) (((s)->caps & (unsigned)(cap) & (unsigned)CAPS_USED) != 0)
/* the transaction sends its body in BDAT chunks */
#define CHUNKING(s) (PL_ENABLE_ESMTP_CHUNKING && (s)->chunking)

/* "BDAT " 20 digits " LAST\r\n" */
#define BDAT_HDR_MAX 32
/* raw body terminator: at most a CRLF */
#define RAW_FINISH_MAX 2
/* room needed to open a chunk that can take at least one input byte */
#define CHUNK_OPEN_MIN (BDAT_HDR_MAX + PL_BODY_EXPANSION + RAW_FINISH_MAX)

static const char *const stage_names[] = {
	"connect", "greeting", "EHLO", "STARTTLS", "TLS handshake", "AUTH",
	"MAIL FROM", "RCPT TO", "DATA", "end of data", "QUIT", "RSET",
};

const char *pl_stage_name(pl_stage st)
{
	if ((size_t)st < sizeof(stage_names) / sizeof(stage_names[0]))
		return stage_names[st];
	return "?";
}

/* ---- small helpers ---------------------------------------------------- */

static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive compare of the first n bytes. */
static int ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Copy a server line for error messages: printable ASCII only. */
static void copy_printable(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < cap && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

/* An address or EHLO domain must not be able to smuggle a command: no
 * controls, spaces, angle brackets; bounded length. */
static int safe_token(const char *s, size_t max, int may_be_empty)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
			return 0;
		if (n >= max)
			return 0;
	}
	return n > 0 || may_be_empty;
}

static size_t tx_room(const pl_smtp *s)
{
	return s->tx_cap - s->tx_len;
}

static int put(pl_smtp *s, const char *str)
{
	size_t n = strlen(str);

	if (n > tx_room(s))
		return 0;
	memcpy(s->tx + s->tx_len, str, n);
	s->tx_len += n;
	return 1;
}

/* Decimal digits of v at the end of buf[21]; returns where they start. */
static const char *u64_str(char buf[21], uint64_t v)
{
	size_t i = 20;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf + i;
}

static int put_u64(pl_smtp *s, uint64_t v)
{
	char buf[21];

	return put(s, u64_str(buf, v));
}

/* RFC 3461 xtext: '+', '=', controls, space and non-ASCII become "+HH". */
static int put_xtext(pl_smtp *s, const char *str)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *str; str++) {
		unsigned char c = (unsigned char)*str;
		char enc[4] = { '+', hex[c >> 4], hex[c & 15], '\0' };

		if (c > 32 && c < 127 && c != '+' && c != '=')
			enc[0] = (char)c, enc[1] = '\0';
		if (!put(s, enc))
			return 0;
	}
	return 1;
}

static int is_ascii(const char *str)
{
	for (; *str; str++)
		if ((unsigned char)*str >= 0x80)
			return 0;
	return 1;
}

/* Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
static int utf8_valid(const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	while (*p) {
		unsigned char c = *p++;
		unsigned char lo = 0x80, hi = 0xbf;
		int more;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3;
		else
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		for (; more; more--, lo = 0x80, hi = 0xbf, p++)
			if (*p < lo || *p > hi)
				return 0;
	}
	return 1;
}

/* Address bytes: UTF-8 with SMTPUTF8 compiled in, else ASCII only (a
 * non-ASCII address is then bad input, refused before connecting). */
static int addr_ok(const char *str)
{
	return PL_ENABLE_ESMTP_SMTPUTF8 ? utf8_valid(str) : is_ascii(str);
}

/* Undo a command that did not fit: its partial bytes may hold an address. */
static void rollback(pl_smtp *s, size_t mark)
{
	pl_wipe(s->tx + mark, s->tx_len - mark);
	s->tx_len = mark;
}

static void expect_push(pl_smtp *s, enum expect e)
{
	s->expect[(s->expect_head + s->expect_len) % PL_SMTP_QUEUE_MAX] = (uint8_t)e;
	s->expect_len++;
}

static enum expect expect_pop(pl_smtp *s)
{
	enum expect e = (enum expect)s->expect[s->expect_head];

	s->expect_head = (s->expect_head + 1) % PL_SMTP_QUEUE_MAX;
	s->expect_len--;
	return e;
}

/* ---- failure ---------------------------------------------------------- */

static void set_error(pl_smtp *s, pl_err err, pl_stage stage, const char *text)
{
	s->error.err = err;
	s->error.stage = stage;
	if (text)
		copy_printable(s->error.text, sizeof(s->error.text), text);
}

/* Fail.  One message: if the dialogue is still in step, say QUIT politely
 * (it carries no secret and no envelope, so it is safe even before TLS).
 * Session mode: no QUIT (pl_smtp_quit() does that); replies still owed for
 * pipelined commands are read first (PH_DRAIN), so that the connection can
 * carry the next transaction.  421 means the server is closing. */
static void fail(pl_smtp *s, pl_err err, pl_stage stage, const char *why)
{
	int in_step = err != PL_E_PROTOCOL && (s->phase == PH_CMD || s->phase == PH_BODY) &&
		      s->error.code != 421;

	set_error(s, err, stage, why);
	rollback(s, s->tx_off); /* drop (and wipe) anything not yet handed out */
	if (s->tx_len == 0)
		s->flags &= (uint8_t)~SECRET_FLAG;
	s->phase = PH_FAILED;
	s->chunk_open = 0;
	s->in_step = (uint8_t)in_step;
	if (in_step && s->oneshot)
		(void)put(s, "QUIT\r\n");
	else if (in_step && s->expect_len)
		s->phase = PH_DRAIN;
}

static void take_enhanced(pl_smtp *s);

/* Fail with the server's current reply as the reason. */
static void fail_reply(pl_smtp *s, pl_err err, pl_stage stage)
{
	s->error.code = s->reply.code;
	take_enhanced(s);
	fail(s, err, stage, s->reply.line);
}

static pl_err class_err(int code)
{
	return code / 100 == 4 ? PL_E_TEMPFAIL : PL_E_PERMFAIL;
}

/* RFC 3463 "class.subject.detail" at the start of the reply text. */
static void take_enhanced(pl_smtp *s)
{
	const char *t = pl_reply_text(&s->reply);
	size_t i = 0, part = 0, digits = 0;

	s->error.enhanced[0] = '\0'; /* never report an earlier reply's code */
	if (!OFFERED(s, PL_CAP_ENHANCEDSTATUSCODES) || (t[0] != '2' && t[0] != '4' && t[0] != '5'))
		return;
	for (; t[i] && t[i] != ' ' && i < sizeof(s->error.enhanced) - 1; i++) {
		if (t[i] == '.') {
			if (digits == 0 || ++part > 2)
				return;
			digits = 0;
		} else if (t[i] >= '0' && t[i] <= '9' && digits < 3) {
			digits++;
		} else {
			return;
		}
	}
	if (part != 2 || digits == 0 || (t[i] && t[i] != ' '))
		return;
	memcpy(s->error.enhanced, t, i);
	s->error.enhanced[i] = '\0';
}

/* ---- commands --------------------------------------------------------- */

static void emit_ehlo(pl_smtp *s)
{
	s->caps = 0;
	s->server_auth = 0;
	s->auth_offered[0] = '\0';
	s->size_max = 0;
	s->ehlo_lines = 0;
	(void)(put(s, "EHLO ") && put(s, s->p->ehlo_domain) && put(s, "\r\n"));
	expect_push(s, EXP_EHLO);
}

/* Without SMTPUTF8 compiled in, check_mail() refuses non-ASCII addresses. */
static int mail_needs_utf8(const pl_smtp_mail *m)
{
	size_t i;

	if (!PL_ENABLE_ESMTP_SMTPUTF8)
		return 0;
	if (!is_ascii(m->from))
		return 1;
	for (i = 0; i < m->nrcpt; i++)
		if (!is_ascii(m->rcpts[i]))
			return 1;
	return 0;
}

static int emit_mail(pl_smtp *s)
{
	const pl_smtp_mail *m = s->m;
	size_t mark = s->tx_len;
	int dsn = OFFERED(s, PL_CAP_DSN);
	int ok = put(s, "MAIL FROM:<") && put(s, m->from) && put(s, ">");

	if (ok && OFFERED(s, PL_CAP_SIZE) && m->size_hint)
		ok = put(s, " SIZE=") && put_u64(s, m->size_hint);
	if (ok && OFFERED(s, PL_CAP_8BITMIME) && m->body_8bit)
		ok = put(s, " BODY=8BITMIME");
	if (ok && OFFERED(s, PL_CAP_SMTPUTF8) && mail_needs_utf8(m))
		ok = put(s, " SMTPUTF8");
	if (ok && dsn && m->dsn_ret)
		ok = put(s, m->dsn_ret == PL_DSN_RET_FULL ? " RET=FULL" : " RET=HDRS");
	if (ok && dsn && m->dsn_envid && m->dsn_envid[0])
		ok = put(s, " ENVID=") && put_xtext(s, m->dsn_envid);
	ok = ok && put(s, "\r\n");
	if (!ok)
		rollback(s, mark);
	return ok;
}

static int put_notify(pl_smtp *s, unsigned n)
{
	static const struct {
		unsigned bit;
		const char *kw;
	} kws[] = { { PL_DSN_NEVER, "NEVER" }, { PL_DSN_SUCCESS, "SUCCESS" },
		    { PL_DSN_FAILURE, "FAILURE" }, { PL_DSN_DELAY, "DELAY" } };
	const char *sep = " NOTIFY=";
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		if (!(n & kws[i].bit))
			continue;
		if (!put(s, sep) || !put(s, kws[i].kw))
			return 0;
		sep = ",";
	}
	return 1;
}

static int emit_rcpt(pl_smtp *s, size_t i)
{
	const char *rcpt = s->m->rcpts[i];
	int dsn = OFFERED(s, PL_CAP_DSN);
	size_t mark = s->tx_len;
	int ok = put(s, "RCPT TO:<") && put(s, rcpt) && put(s, ">");

	if (ok && dsn && s->m->dsn_notify)
		ok = put_notify(s, s->m->dsn_notify);
	/* RFC 3461 ORCPT names an ASCII address; UTF-8 ones (RFC 6533) are left out */
	if (ok && dsn && s->m->dsn_orcpt && is_ascii(rcpt))
		ok = put(s, " ORCPT=rfc822;") && put_xtext(s, rcpt);
	if (ok && put(s, "\r\n"))
		return 1;
	rollback(s, mark);
	return 0;
}

static void fail_recipients(pl_smtp *s)
{
	size_t i;
	pl_err err = PL_E_RCPT_REFUSED;

	for (i = 0; i < s->m->nrcpt; i++)
		if (s->rcpt_code[i] / 100 == 4)
			err = PL_E_TEMPFAIL;
	/* error.code/text already hold the first refusal */
	fail(s, err, PL_STAGE_RCPT, NULL);
}

/* A command that does not fit even an empty buffer can never be sent. */
static int too_long(pl_smtp *s, pl_stage stage)
{
	if (s->tx_len > 0)
		return 0; /* retried once the buffer drains */
	fail(s, PL_E_LIMIT, stage, "command longer than the transmit buffer");
	return 1;
}

/* Emit as much of MAIL / RCPT... / DATA as the protocol and the buffer
 * allow: everything at once with PIPELINING, else one command per reply.
 * With CHUNKING there is no DATA: the body phase begins at once and the
 * first BDAT joins the group. */
static void emit_envelope(pl_smtp *s)
{
	int pipelined = (s->caps & PL_CAP_PIPELINING) != 0;

	while (s->phase == PH_CMD && s->envelope_next != ENV_IDLE && s->envelope_next != ENV_END) {
		if (!pipelined && s->expect_len > 0)
			return;
		if (s->expect_len >= PL_SMTP_QUEUE_MAX)
			return;
		switch (s->envelope_next) {
		case ENV_MAIL:
			if (!emit_mail(s)) {
				(void)too_long(s, PL_STAGE_MAIL);
				return;
			}
			expect_push(s, EXP_MAIL);
			s->txn_open = 1;
			s->envelope_next = ENV_RCPT;
			break;
		case ENV_RCPT:
			if (!emit_rcpt(s, s->rcpt_emitted)) {
				(void)too_long(s, PL_STAGE_RCPT);
				return;
			}
			expect_push(s, EXP_RCPT);
			if (++s->rcpt_emitted == s->m->nrcpt)
				s->envelope_next = ENV_DATA;
			break;
		case ENV_DATA:
			if (!pipelined && s->rcpt_accepted == 0) {
				fail_recipients(s);
				return;
			}
			if (CHUNKING(s)) {
				pl_body_init_raw(&s->body);
				s->chunk_open = 0;
				s->phase = PH_BODY;
				s->envelope_next = ENV_END;
				return;
			}
			if (!put(s, "DATA\r\n"))
				return;
			expect_push(s, EXP_DATA);
			s->envelope_next = ENV_END;
			break;
		default:
			return;
		}
	}
}

/* Bounded append at dst[at]; always terminated; returns the new length. */
static size_t put_str(char *dst, size_t cap, size_t at, const char *src)
{
	while (*src && at + 1 < cap)
		dst[at++] = *src++;
	dst[at] = '\0';
	return at;
}

/* What the message needs that the server must offer, checked before any
 * of it is sent: a clear permanent error instead of a doomed transfer. */
static int mail_fits_server(pl_smtp *s)
{
	const char *why = NULL;
	char size_why[128], num[21];

	if (PL_ENABLE_ESMTP_SIZE && s->size_max && s->m->size_hint > s->size_max) {
		/* "message of N bytes is larger than the server's SIZE limit of M" */
		size_t at = put_str(size_why, sizeof(size_why), 0, "message of ");

		at = put_str(size_why, sizeof(size_why), at, u64_str(num, s->m->size_hint));
		at = put_str(size_why, sizeof(size_why), at,
			     " bytes is larger than the server's SIZE limit of ");
		put_str(size_why, sizeof(size_why), at, u64_str(num, s->size_max));
		why = size_why;
	} else if (s->m->body_8bit && !OFFERED(s, PL_CAP_8BITMIME))
		why = PL_ENABLE_ESMTP_8BITMIME
			      ? "message has 8-bit bytes but the server does not offer 8BITMIME"
			      : "message has 8-bit bytes but 8BITMIME is not built in";
	else if (!OFFERED(s, PL_CAP_SMTPUTF8) && mail_needs_utf8(s->m))
		why = "non-ASCII address but the server does not offer SMTPUTF8";
	if (!why)
		return 1;
	fail(s, PL_E_PERMFAIL, PL_STAGE_MAIL, why);
	return 0;
}

static void begin_transaction(pl_smtp *s)
{
	if (!mail_fits_server(s))
		return;
	s->chunking = OFFERED(s, PL_CAP_CHUNKING);
	if (s->txn_open) {
		/* the last transaction failed half-way (RFC 5321 4.1.1.5) */
		(void)put(s, "RSET\r\n");
		expect_push(s, EXP_RSET);
	}
	s->envelope_next = ENV_MAIL;
	emit_envelope(s);
}

/* Setup (EHLO, STARTTLS, AUTH) is through. */
static void start_envelope(pl_smtp *s)
{
	s->ready = 1;
	if (s->oneshot)
		begin_transaction(s);
	else
		s->phase = PH_DONE; /* idle until pl_smtp_next() */
}

/* ---- AUTH -------------------------------------------------------------- */

/* Fail during SASL.  After a 334 the server waits for our answer: cancel
 * the exchange with "*" (RFC 4954 4) before QUIT; its 501 is not read, so
 * the connection is not reused. */
static void auth_fail(pl_smtp *s, pl_err err, const char *why, int cancel)
{
	/* a bad challenge is a protocol error, but the dialogue is in step */
	int in_step = s->in_step && s->reply.code != 421;

	fail(s, err, PL_STAGE_AUTH, why);
	if (!cancel || !in_step)
		return;
	rollback(s, s->tx_off);
	(void)put(s, s->oneshot ? "*\r\nQUIT\r\n" : "*\r\n");
	s->phase = PH_FAILED;
	s->in_step = 0;
}

/* The base64 a builder wrote at tx_len (e, n) ends an AUTH line or a
 * response: add CRLF and mark the buffer secret, or fail (cancel: the
 * server is waiting for an answer to its 334). */
static int sasl_line_end(pl_smtp *s, size_t mark, pl_err e, size_t n, const char *why,
			 int cancel)
{
	if (e == PL_OK) {
		s->tx_len += n;
		if (put(s, "\r\n")) {
			s->flags |= SECRET_FLAG;
			return 1;
		}
		e = PL_E_LIMIT;
	}
	/* the builder may have written past tx_len: wipe all of it */
	pl_wipe(s->tx + mark, s->tx_cap - mark);
	s->tx_len = mark;
	if (e == PL_E_LIMIT && !why)
		why = "AUTH line longer than the transmit buffer (CONFIG_POSTLET_TX_BUF_SIZE)";
	else if (e == PL_E_PROTOCOL && !why)
		why = "malformed SASL challenge from the server";
	else if (!why)
		why = "user name or secret unusable for this mechanism";
	auth_fail(s, e, why, cancel);
	return 0;
}

static char *tx_end(pl_smtp *s)
{
	return (char *)s->tx + s->tx_len;
}

/* "server offers AUTH PLAIN LOGIN; configured: SCRAM-SHA-256" */
static void fail_unavailable(pl_smtp *s, unsigned want)
{
	char why[sizeof(s->error.text)];
	size_t at, i;
	const char *sep = "";

	at = put_str(why, sizeof(why), 0, "server offers AUTH ");
	at = put_str(why, sizeof(why), at, s->auth_offered[0] ? s->auth_offered : "(nothing)");
	at = put_str(why, sizeof(why), at, "; configured: ");
	for (i = 0; i < NMECHS; i++) {
		if (!(want & mechs[i].bit))
			continue;
		at = put_str(why, sizeof(why), at, sep);
		at = put_str(why, sizeof(why), at, mechs[i].name);
		sep = " ";
	}
	if (!want)
		put_str(why, sizeof(why), at, "(none compiled in)");
	fail(s, PL_E_AUTH_UNAVAILABLE, PL_STAGE_AUTH, why);
}

static const char *user_of(const pl_smtp *s)
{
	return s->p->user ? s->p->user : "";
}

static void start_auth(pl_smtp *s)
{
	unsigned want = s->p->auth_mechs & AUTH_COMPILED, common = want & s->server_auth;
	const char *user = user_of(s), *pw = s->p->password;
	unsigned mech = 0;
	size_t i, n = 0, mark;
	pl_err e = PL_OK;

	if (s->p->auth_mechs == 0) {
		start_envelope(s);
		return;
	}
	if (!(s->flags & TLS_FLAG) && !s->p->auth_cleartext_ok) {
		fail(s, PL_E_TLS_REQUIRED, PL_STAGE_AUTH,
		     "refusing to send credentials without TLS");
		return;
	}
	if (!(s->caps & PL_CAP_AUTH)) {
		fail(s, PL_E_AUTH_UNAVAILABLE, PL_STAGE_AUTH, "server does not offer AUTH");
		return;
	}
	for (i = 0; i < NMECHS && !mech; i++)
		if (common & mechs[i].bit)
			mech = mechs[i].bit;
	if (!mech) {
		fail_unavailable(s, want);
		return;
	}
	s->auth_mech = (uint8_t)mech;
	s->auth_step = AUTH_STEP_SENT;
	s->oauth_status[0] = '\0';
	mark = s->tx_len;
	if (!put(s, "AUTH ") || !put(s, pl_auth_name(mech))) {
		(void)too_long(s, PL_STAGE_AUTH);
		return;
	}
	switch (mech) {
	case PL_AUTH_LOGIN:
	case PL_AUTH_CRAM_MD5:
		if (!put(s, "\r\n")) {
			(void)too_long(s, PL_STAGE_AUTH);
			return;
		}
		break;
	case PL_AUTH_EXTERNAL:
		/* empty initial response: the identity is the certificate's */
		if (!put(s, " =\r\n")) {
			(void)too_long(s, PL_STAGE_AUTH);
			return;
		}
		break;
	default:
		/* initial response: one round trip fewer (RFC 4954) */
		if (!put(s, " ")) {
			(void)too_long(s, PL_STAGE_AUTH);
			return;
		}
		/* PL_ENABLE_*: what Kconfig left out is not even compiled in */
		e = PL_E_INTERNAL;
		if (PL_ENABLE_AUTH_PLAIN && mech == PL_AUTH_PLAIN)
			e = pl_sasl_plain(user, pw, tx_end(s), tx_room(s), &n);
		else if (PL_ENABLE_AUTH_XOAUTH2 && mech == PL_AUTH_XOAUTH2)
			e = pl_sasl_xoauth2(user, pw, tx_end(s), tx_room(s), &n);
		else if (PL_ENABLE_AUTH_OAUTHBEARER && mech == PL_AUTH_OAUTHBEARER)
			e = pl_sasl_oauthbearer(user, s->p->sasl_host, s->p->sasl_port, pw, tx_end(s),
						tx_room(s), &n);
		else if (PL_ENABLE_SCRAM && (mech & PL_AUTH_SCRAM))
			e = pl_scram_first(&s->scram,
					   mech == PL_AUTH_SCRAM_SHA1 ? PL_SCRAM_SHA1 : PL_SCRAM_SHA256,
					   user, s->p->scram_nonce, tx_end(s), tx_room(s), &n);
		if (!sasl_line_end(s, mark, e, n, NULL, 0))
			return;
	}
	expect_push(s, EXP_AUTH);
}

/* A 334 challenge: the next message of the mechanism in use. */
static void auth_challenge(pl_smtp *s)
{
	const char *ch = pl_reply_text(&s->reply), *part, *why = NULL;
	unsigned mech = s->auth_mech;
	size_t n = 0, mark = s->tx_len;
	pl_err e;

	if (PL_ENABLE_AUTH_LOGIN && mech == PL_AUTH_LOGIN && s->auth_step < AUTH_STEP_PASS) {
		/* AUTH LOGIN: the two challenges get user, then password */
		part = s->auth_step == AUTH_STEP_SENT ? user_of(s) : s->p->password;
		e = strlen(part) > CONFIG_POSTLET_AUTH_SECRET_MAX ? PL_E_LIMIT
			: pl_sasl_b64(part, strlen(part), tx_end(s), tx_room(s), &n);
	} else if (PL_ENABLE_AUTH_CRAM_MD5 && mech == PL_AUTH_CRAM_MD5 &&
		   s->auth_step == AUTH_STEP_SENT) {
		e = pl_sasl_cram_md5(user_of(s), s->p->password, ch, tx_end(s), tx_room(s), &n);
	} else if (PL_ENABLE_SCRAM && (mech & PL_AUTH_SCRAM) && s->auth_step == AUTH_STEP_SENT) {
		e = pl_scram_final(&s->scram, user_of(s), s->p->password, ch, tx_end(s), tx_room(s),
				   &n, &why);
	} else if (PL_ENABLE_SCRAM && (mech & PL_AUTH_SCRAM) && s->auth_step == AUTH_STEP_USER) {
		/* server-final: only a server that knows the password gets an answer */
		e = pl_scram_verify(&s->scram, ch, &why);
		if (e) {
			auth_fail(s, e, why, 1);
			return;
		}
		(void)put(s, "\r\n");
		s->flags |= SECRET_FLAG; /* every SASL answer is masked in traces */
		s->auth_step++;
		expect_push(s, EXP_AUTH);
		return;
	} else if ((PL_ENABLE_AUTH_XOAUTH2 || PL_ENABLE_AUTH_OAUTHBEARER) && (mech & PL_AUTH_TOKEN) &&
		   s->auth_step == AUTH_STEP_SENT) {
		/* RFC 7628 3.2.3: the token was refused; acknowledge the error
		 * (OAUTHBEARER: a single 0x01; XOAUTH2: an empty line) and
		 * read the final reply.  The status names the reason. */
		if (pl_sasl_oauth_status(ch, s->oauth_status, sizeof(s->oauth_status)) != PL_OK)
			copy_printable(s->oauth_status, sizeof(s->oauth_status), "(not given)");
		(void)put(s, mech == PL_AUTH_OAUTHBEARER ? "AQ==\r\n" : "\r\n");
		s->flags |= SECRET_FLAG;
		s->auth_step++;
		expect_push(s, EXP_AUTH);
		return;
	} else {
		s->error.code = s->reply.code;
		auth_fail(s, PL_E_PROTOCOL, "unexpected 334 challenge from the server", 1);
		return;
	}
	if (!sasl_line_end(s, mark, e, n, why, 1))
		return;
	s->auth_step++;
	expect_push(s, EXP_AUTH);
}

static void on_auth_reply(pl_smtp *s)
{
	int code = s->reply.code;
	size_t at;

	if (PL_ENABLE_SCRAM && code == 235 && (s->auth_mech & PL_AUTH_SCRAM) &&
	    !s->scram.proved) {
		/* RFC 5802 5: success is only trusted once the server proved it */
		s->error.code = code;
		fail(s, PL_E_AUTH_FAILED, PL_STAGE_AUTH,
		     "server accepted SCRAM without a server signature: not trusted");
	} else if (code == 235) {
		pl_wipe(&s->scram, sizeof(s->scram));
		start_envelope(s);
	} else if (code == 334) {
		auth_challenge(s);
	} else {
		fail_reply(s, code / 100 == 4 ? PL_E_TEMPFAIL : PL_E_AUTH_FAILED, PL_STAGE_AUTH);
		if ((PL_ENABLE_AUTH_XOAUTH2 || PL_ENABLE_AUTH_OAUTHBEARER) && s->oauth_status[0]) {
			at = strlen(s->error.text);
			at = put_str(s->error.text, sizeof(s->error.text), at, " (OAuth status: ");
			at = put_str(s->error.text, sizeof(s->error.text), at, s->oauth_status);
			put_str(s->error.text, sizeof(s->error.text), at, ")");
		}
	}
	if (s->phase == PH_FAILED)
		pl_wipe(&s->scram, sizeof(s->scram));
}

static void after_ehlo(pl_smtp *s)
{
	if (s->p->tls_mode == PL_TLS_STARTTLS && !(s->flags & TLS_FLAG)) {
		if (!(s->caps & PL_CAP_STARTTLS)) {
			fail(s, PL_E_TLS_REQUIRED, PL_STAGE_STARTTLS,
			     "server does not offer STARTTLS");
			return;
		}
		(void)put(s, "STARTTLS\r\n");
		expect_push(s, EXP_STARTTLS);
		return;
	}
	start_auth(s);
}

/* ---- EHLO capabilities ------------------------------------------------ */

static void parse_auth_mechs(pl_smtp *s, const char *p)
{
	if (!s->auth_offered[0])
		copy_printable(s->auth_offered, sizeof(s->auth_offered), p);
	while (*p) {
		size_t n = 0, i;

		while (*p == ' ')
			p++;
		while (p[n] && p[n] != ' ')
			n++;
		for (i = 0; i < NMECHS; i++)
			if (strlen(mechs[i].name) == n && ieq(p, mechs[i].name, n))
				s->server_auth |= mechs[i].bit;
		p += n;
	}
}

static void parse_ehlo_line(pl_smtp *s)
{
	static const struct {
		const char *kw;
		unsigned cap;
	} kws[] = {
		{ "STARTTLS", PL_CAP_STARTTLS }, { "PIPELINING", PL_CAP_PIPELINING },
		{ "8BITMIME", PL_CAP_8BITMIME }, { "SIZE", PL_CAP_SIZE },
		{ "AUTH", PL_CAP_AUTH }, { "ENHANCEDSTATUSCODES", PL_CAP_ENHANCEDSTATUSCODES },
		{ "CHUNKING", PL_CAP_CHUNKING }, { "SMTPUTF8", PL_CAP_SMTPUTF8 },
		{ "DSN", PL_CAP_DSN },
	};
	const char *t = pl_reply_text(&s->reply);
	size_t n = 0, i;

	if (s->ehlo_lines++ == 0 || s->reply.code != 250)
		return; /* first line is the server's name */
	while (t[n] && t[n] != ' ' && t[n] != '=')
		n++;
	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		if (strlen(kws[i].kw) != n || !ieq(t, kws[i].kw, n))
			continue;
		s->caps |= kws[i].cap;
		if (kws[i].cap == PL_CAP_AUTH && t[n])
			parse_auth_mechs(s, t + n + 1); /* "AUTH x y" and old "AUTH=x y" */
		if (PL_ENABLE_ESMTP_SIZE && kws[i].cap == PL_CAP_SIZE && t[n] == ' ') {
			uint64_t v = 0;
			const char *d = t + n + 1;

			for (; *d >= '0' && *d <= '9' && v < (UINT64_MAX - 9) / 10; d++)
				v = v * 10 + (uint64_t)(*d - '0');
			s->size_max = *d ? 0 : v; /* junk or overflow: no known limit */
		}
	}
}

/* ---- replies ---------------------------------------------------------- */

static void on_rcpt_reply(pl_smtp *s)
{
	size_t i = s->rcpt_answered++;
	int code = s->reply.code;

	s->rcpt_code[i] = (short)code;
	if (code / 100 == 2) {
		s->rcpt_accepted++;
	} else if (s->error.code == 0) {
		/* remember the first refusal for the report */
		s->error.code = code;
		take_enhanced(s);
		copy_printable(s->error.text, sizeof(s->error.text), s->reply.line);
	}
}

static void on_data_reply(pl_smtp *s)
{
	if (s->reply.code == 354 && s->rcpt_accepted > 0) {
		pl_body_init(&s->body);
		s->phase = PH_BODY;
		return;
	}
	if (s->reply.code == 354) {
		/* pipelined DATA accepted although every RCPT failed: close the
		 * empty transaction before QUIT (RFC 2920 3.1) */
		fail_recipients(s);
		rollback(s, s->tx_off); /* the QUIT fail() queued goes after the dot */
		if (s->oneshot) {
			(void)put(s, ".\r\nQUIT\r\n");
		} else if (s->in_step) {
			(void)put(s, ".\r\n");
			expect_push(s, EXP_DOT);
			s->phase = PH_DRAIN;
		}
		return;
	}
	if (s->rcpt_accepted == 0) {
		fail_recipients(s);
		return;
	}
	fail_reply(s, class_err(s->reply.code), PL_STAGE_DATA);
}

/* Reply to a BDAT chunk or to the final "." */
static void on_body_reply(pl_smtp *s, enum expect kind)
{
	if (s->reply.code / 100 == 2) {
		if (kind == EXP_BDAT)
			return;
		s->txn_open = 0;
		if (s->oneshot)
			(void)put(s, "QUIT\r\n"); /* not awaited: the message is safe */
		s->phase = PH_DONE;
		return;
	}
	if (kind != EXP_DOT && s->rcpt_accepted == 0) {
		/* pipelined BDAT after every RCPT was refused */
		fail_recipients(s);
		return;
	}
	fail_reply(s, class_err(s->reply.code), PL_STAGE_BODY);
}

/* Session mode, after a failed transaction: the replies still owed for
 * pipelined commands only need to be read.  A 354 to a pipelined DATA
 * still needs its (empty) data closed. */
static void drain_reply(pl_smtp *s, enum expect kind)
{
	if (kind == EXP_DATA && s->reply.code == 354) {
		(void)put(s, ".\r\n");
		expect_push(s, EXP_DOT);
	}
	if (s->reply.code == 421)
		s->in_step = 0; /* the server is closing: nothing more will come */
	if (s->expect_len == 0 || !s->in_step)
		s->phase = PH_FAILED;
}

static void on_reply(pl_smtp *s, enum expect kind)
{
	int code = s->reply.code, cls = code / 100;

	s->last_code = code;
	switch (kind) {
	case EXP_GREETING:
		s->flags |= GREETED_FLAG;
		if (cls == 2)
			emit_ehlo(s);
		else
			fail_reply(s, class_err(code), PL_STAGE_GREETING);
		break;
	case EXP_EHLO:
		if (cls == 2) {
			after_ehlo(s);
		} else if (PL_ENABLE_HELO_FALLBACK && (code == 500 || code == 502) &&
			   s->p->tls_mode != PL_TLS_STARTTLS) {
			/* RFC 5321 4.1.4: an old server; STARTTLS needs EHLO, so
			 * never when TLS still has to be negotiated */
			(void)(put(s, "HELO ") && put(s, s->p->ehlo_domain) && put(s, "\r\n"));
			expect_push(s, EXP_HELO);
		} else {
			fail_reply(s, class_err(code), PL_STAGE_EHLO);
		}
		break;
	case EXP_HELO:
		if (cls == 2)
			after_ehlo(s); /* no extensions: caps stay empty */
		else
			fail_reply(s, class_err(code), PL_STAGE_EHLO);
		break;
	case EXP_RSET:
		if (cls == 2) {
			s->txn_open = 0;
		} else {
			fail_reply(s, class_err(code), PL_STAGE_RSET);
			s->in_step = 0; /* a server that cannot reset is no use */
			s->phase = PH_FAILED;
		}
		break;
	case EXP_STARTTLS:
		if (code == 220) {
			s->phase = PH_TLS;
		} else {
			take_enhanced(s);
			fail_reply(s, PL_E_TLS_REQUIRED, PL_STAGE_STARTTLS);
		}
		break;
	case EXP_AUTH:
		on_auth_reply(s);
		break;
	case EXP_MAIL:
		if (cls != 2)
			fail_reply(s, class_err(code), PL_STAGE_MAIL);
		break;
	case EXP_RCPT:
		on_rcpt_reply(s);
		break;
	case EXP_DATA:
		on_data_reply(s);
		break;
	case EXP_DOT:
	case EXP_BDAT:
	case EXP_BDAT_LAST:
		on_body_reply(s, kind);
		break;
	}
	if (s->phase == PH_CMD)
		emit_envelope(s);
}

static pl_stage stage_of(enum expect e)
{
	static const pl_stage map[] = {
		PL_STAGE_GREETING, PL_STAGE_EHLO, PL_STAGE_STARTTLS, PL_STAGE_AUTH,
		PL_STAGE_MAIL, PL_STAGE_RCPT, PL_STAGE_DATA, PL_STAGE_BODY,
		PL_STAGE_EHLO, PL_STAGE_RSET, PL_STAGE_BODY, PL_STAGE_BODY,
	};
	return map[e];
}

/* ---- BDAT chunks ------------------------------------------------------- */

static size_t chunk_data_len(const pl_smtp *s)
{
	return s->tx_len - s->chunk_start - BDAT_HDR_MAX;
}

/* Data bytes the open chunk may still take, keeping room for the final CRLF. */
static size_t chunk_room(const pl_smtp *s)
{
	size_t room = tx_room(s), left = CONFIG_POSTLET_BDAT_CHUNK_SIZE - chunk_data_len(s);

	if (left < room)
		room = left;
	return room > RAW_FINISH_MAX ? room - RAW_FINISH_MAX : 0;
}

static void open_chunk(pl_smtp *s)
{
	s->chunk_start = s->tx_len;
	s->tx_len += BDAT_HDR_MAX;
	s->chunk_open = 1;
}

/* Write the header into the gap in front of the data, move the data up to
 * it, and wipe the bytes the move left behind (message content). */
static void close_chunk(pl_smtp *s, int last)
{
	char num[21], hdr[BDAT_HDR_MAX + 1];
	size_t n = chunk_data_len(s), hl = 0;
	const char *parts[4] = { "BDAT ", u64_str(num, n), last ? " LAST" : "", "\r\n" };
	uint8_t *gap = s->tx + s->chunk_start;
	size_t i;

	for (i = 0; i < 4; i++) {
		memcpy(hdr + hl, parts[i], strlen(parts[i]));
		hl += strlen(parts[i]);
	}
	memmove(gap + hl, gap + BDAT_HDR_MAX, n);
	memcpy(gap, hdr, hl);
	pl_wipe(gap + hl + n, BDAT_HDR_MAX - hl);
	s->tx_len -= BDAT_HDR_MAX - hl;
	s->chunk_open = 0;
	expect_push(s, last ? EXP_BDAT_LAST : EXP_BDAT);
	/* Queue full: read replies down to half of it before the next chunk,
	 * so reading and sending do not alternate one reply at a time. */
	if (s->expect_len >= PL_SMTP_QUEUE_MAX)
		s->chunk_backoff = 1;
}

static pl_want chunk_want(const pl_smtp *s)
{
	int unsent = s->tx_off < s->tx_len;

	if (s->chunk_open)
		return PL_WANT_BODY; /* closed by body_write as soon as it is full */
	/* a new chunk needs a reply slot; without PIPELINING, the last reply */
	if (s->chunk_backoff || s->expect_len >= PL_SMTP_QUEUE_MAX ||
	    (!(s->caps & PL_CAP_PIPELINING) && s->expect_len > 0))
		return unsent ? PL_WANT_SEND : PL_WANT_RECV;
	return tx_room(s) >= CHUNK_OPEN_MIN ? PL_WANT_BODY : PL_WANT_SEND;
}

static size_t chunk_write(pl_smtp *s, const uint8_t *data, size_t len)
{
	size_t used, out;

	if (!s->chunk_open) {
		if (chunk_want(s) != PL_WANT_BODY)
			return 0;
		open_chunk(s);
	}
	used = pl_body_encode(&s->body, data, len, s->tx + s->tx_len, chunk_room(s), &out);
	s->tx_len += out;
	if (chunk_room(s) < PL_BODY_EXPANSION)
		close_chunk(s, 0);
	return used;
}

/* ---- public API ------------------------------------------------------- */

/* Everything about a message that could never be sent safely. */
static pl_err check_mail(pl_smtp *s, const pl_smtp_mail *m, pl_stage stage)
{
	const char *why = NULL;
	pl_err err = PL_E_MESSAGE;
	size_t i;

	if (!safe_token(m->from, CONFIG_POSTLET_ADDR_MAX, 1) || !addr_ok(m->from)) {
		why = PL_ENABLE_ESMTP_SMTPUTF8
			      ? "invalid envelope sender address"
			      : "invalid envelope sender address (ASCII only: no SMTPUTF8)";
	} else if (m->nrcpt == 0) {
		why = "no recipients";
	} else if (m->nrcpt > CONFIG_POSTLET_MAX_RCPT) {
		err = PL_E_LIMIT;
		why = "too many recipients";
	} else if (PL_ENABLE_ESMTP_DSN && (m->dsn_notify & PL_DSN_NEVER) &&
		   (m->dsn_notify & ~(unsigned)PL_DSN_NEVER)) {
		err = PL_E_USAGE;
		why = "DSN NOTIFY=NEVER cannot be combined with other conditions";
	} else if (PL_ENABLE_ESMTP_DSN && m->dsn_envid &&
		   (strlen(m->dsn_envid) > 100 || !is_ascii(m->dsn_envid))) {
		err = PL_E_USAGE;
		why = "DSN envelope id longer than 100 characters or not ASCII";
	}
	for (i = 0; !why && i < m->nrcpt; i++)
		if (!safe_token(m->rcpts[i], CONFIG_POSTLET_ADDR_MAX, 0) || !addr_ok(m->rcpts[i]))
			why = PL_ENABLE_ESMTP_SMTPUTF8
				      ? "invalid recipient address"
				      : "invalid recipient address (ASCII only: no SMTPUTF8)";
	if (!why)
		return PL_OK;
	set_error(s, err, stage, why);
	return err;
}

/* Credentials the allowed mechanisms need, within the Kconfig limits. */
static pl_err check_auth(pl_smtp *s, const pl_smtp_params *p)
{
	const char *why = NULL;
	pl_err err = PL_E_CONFIG;

	if ((p->auth_mechs & ~(unsigned)PL_AUTH_EXTERNAL) && (!p->user || !p->password)) {
		why = "authentication without user or password";
	} else if (p->user && strlen(p->user) > CONFIG_POSTLET_AUTH_USER_MAX) {
		err = PL_E_LIMIT;
		why = "user name longer than CONFIG_POSTLET_AUTH_USER_MAX";
	} else if (p->password && strlen(p->password) > CONFIG_POSTLET_AUTH_SECRET_MAX) {
		err = PL_E_LIMIT;
		why = "password or token longer than CONFIG_POSTLET_AUTH_SECRET_MAX";
	} else if ((p->auth_mechs & AUTH_COMPILED & PL_AUTH_SCRAM) &&
		   !pl_scram_nonce_ok(p->scram_nonce)) {
		err = PL_E_USAGE;
		why = "SCRAM allowed but no valid client nonce given";
	}
	if (!why)
		return PL_OK;
	set_error(s, err, PL_STAGE_CONNECT, why);
	return err;
}

pl_err pl_smtp_init(pl_smtp *s, const pl_smtp_params *p, uint8_t *tx, size_t tx_cap)
{
	pl_err e;

	memset(s, 0, sizeof(*s));
	s->p = p;
	s->tx = tx;
	s->tx_cap = tx_cap;
	pl_reply_init(&s->reply);
	s->phase = PH_FAILED;
	if (!tx || tx_cap < 1024) {
		set_error(s, PL_E_USAGE, PL_STAGE_CONNECT, "transmit buffer smaller than 1024 bytes");
		return PL_E_USAGE;
	}
	if (!safe_token(p->ehlo_domain, 255, 0)) {
		set_error(s, PL_E_CONFIG, PL_STAGE_CONNECT, "invalid EHLO domain");
		return PL_E_CONFIG;
	}
	if (p->mail.nrcpt) {
		e = check_mail(s, &p->mail, PL_STAGE_CONNECT);
		if (e)
			return e;
		s->oneshot = 1;
		s->m = &p->mail;
	}
	e = check_auth(s, p);
	if (e)
		return e;
	s->in_step = 1;
	if (p->tls_mode == PL_TLS_IMPLICIT) {
		s->phase = PH_TLS;
	} else {
		s->phase = PH_CMD;
		expect_push(s, EXP_GREETING);
	}
	return PL_OK;
}

pl_want pl_smtp_want(const pl_smtp *s)
{
	int unsent = s->tx_off < s->tx_len;

	/* room for the terminator too, so pl_smtp_body_end() always fits */
	if (s->phase == PH_BODY && CHUNKING(s))
		return chunk_want(s);
	if (s->phase == PH_BODY)
		return tx_room(s) >= PL_BODY_FINISH_MAX ? PL_WANT_BODY : PL_WANT_SEND;
	if (unsent)
		return PL_WANT_SEND;
	switch (s->phase) {
	case PH_FAILED:
		return PL_FAILED;
	case PH_DONE:
		return PL_DONE;
	case PH_TLS:
		return PL_WANT_TLS;
	default:
		return s->expect_len ? PL_WANT_RECV : PL_FAILED;
	}
}

const uint8_t *pl_smtp_tx_data(const pl_smtp *s, size_t *len)
{
	*len = s->tx_len - s->tx_off;
	return s->tx + s->tx_off;
}

void pl_smtp_tx_done(pl_smtp *s, size_t n)
{
	if (n > s->tx_len - s->tx_off)
		n = s->tx_len - s->tx_off;
	s->tx_off += n;
	if (s->tx_off < s->tx_len)
		return;
	pl_wipe(s->tx, s->tx_len);
	s->tx_len = s->tx_off = 0;
	s->flags &= (uint8_t)~SECRET_FLAG;
	if (s->phase == PH_CMD)
		emit_envelope(s);
}

void pl_smtp_rx(pl_smtp *s, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int ev;
		enum expect kind;

		if (s->phase == PH_FAILED || s->phase == PH_DONE) {
			/* session mode: bytes nobody asked for would be taken
			 * for the next transaction's replies */
			if (!s->oneshot)
				s->in_step = 0;
			return;
		}
		if (s->phase == PH_TLS && !(s->flags & GREETED_FLAG)) {
			fail(s, PL_E_PROTOCOL, PL_STAGE_TLS, "server sent data before the TLS handshake");
			return;
		}
		if (s->phase == PH_TLS) {
			fail(s, PL_E_PROTOCOL, PL_STAGE_STARTTLS,
			     "server sent data after accepting STARTTLS (possible injection)");
			return;
		}
		if ((s->phase != PH_CMD && s->phase != PH_DRAIN &&
		     !(s->phase == PH_BODY && CHUNKING(s))) ||
		    s->expect_len == 0) {
			fail(s, PL_E_PROTOCOL, PL_STAGE_CONNECT, "server sent data without being asked");
			return;
		}
		if (s->tx_off < s->tx_len) {
			/* the driver flushes before it receives, so these bytes
			 * answer a command the server has not seen */
			fail(s, PL_E_PROTOCOL, stage_of((enum expect)s->expect[s->expect_head]),
			     "server replied to a command before it was sent");
			return;
		}
		kind = (enum expect)s->expect[s->expect_head];
		ev = pl_reply_push(&s->reply, data[i]);
		if (ev == PL_REPLY_BAD) {
			fail(s, PL_E_PROTOCOL, stage_of(kind), "malformed reply from server");
			return;
		}
		if (ev == PL_REPLY_MORE)
			continue;
		if (kind == EXP_EHLO)
			parse_ehlo_line(s);
		if (ev != PL_REPLY_DONE)
			continue;
		kind = expect_pop(s);
		if (PL_ENABLE_ESMTP_CHUNKING && s->expect_len <= PL_SMTP_QUEUE_MAX / 2)
			s->chunk_backoff = 0;
		if (s->phase == PH_DRAIN)
			drain_reply(s, kind);
		else
			on_reply(s, kind);
	}
}

void pl_smtp_tls_ready(pl_smtp *s)
{
	if (s->phase != PH_TLS)
		return;
	s->flags |= TLS_FLAG;
	s->phase = PH_CMD;
	/* RFC 3207 4.2: forget everything learnt before TLS */
	s->caps = 0;
	s->server_auth = 0;
	s->auth_offered[0] = '\0';
	s->size_max = 0;
	if (s->flags & GREETED_FLAG)
		emit_ehlo(s);
	else
		expect_push(s, EXP_GREETING);
}

/* With CHUNKING, MAIL, RCPT and "BDAT n LAST" travel in one group: once
 * all of it is on the wire, a lost connection is the ambiguous window of
 * RFC 5321's final dot (delivered or not), whichever reply was next. */
static int final_chunk_sent(const pl_smtp *s)
{
	unsigned i;

	if (!PL_ENABLE_ESMTP_CHUNKING || s->tx_off != s->tx_len)
		return 0;
	for (i = 0; i < s->expect_len; i++)
		if (s->expect[(s->expect_head + i) % PL_SMTP_QUEUE_MAX] == EXP_BDAT_LAST)
			return 1;
	return 0;
}

void pl_smtp_abort(pl_smtp *s, pl_err err, const char *reason)
{
	pl_stage st;

	if (s->phase == PH_FAILED || s->phase == PH_DONE) {
		s->tx_len = s->tx_off = 0;
		s->in_step = 0;
		return;
	}
	if (s->phase == PH_TLS)
		st = PL_STAGE_TLS;
	else if (s->phase == PH_BODY || final_chunk_sent(s))
		st = PL_STAGE_BODY; /* past the last chunk the server may hold it all */
	else if (s->expect_len)
		st = stage_of((enum expect)s->expect[s->expect_head]);
	else
		st = PL_STAGE_CONNECT;
	s->phase = PH_FAILED;
	s->in_step = 0;
	s->chunk_open = 0;
	pl_wipe(s->tx, s->tx_cap);
	s->tx_len = s->tx_off = 0;
	set_error(s, err, st, reason);
}

size_t pl_smtp_body_write(pl_smtp *s, const uint8_t *data, size_t len)
{
	size_t used, out;

	if (s->phase != PH_BODY)
		return 0;
	if (CHUNKING(s))
		return chunk_write(s, data, len);
	used = pl_body_encode(&s->body, data, len, s->tx + s->tx_len, tx_room(s), &out);
	s->tx_len += out;
	return used;
}

void pl_smtp_body_end(pl_smtp *s)
{
	if (s->phase != PH_BODY)
		return;
	if (pl_smtp_want(s) != PL_WANT_BODY) {
		/* caller ignored PL_WANT_SEND/RECV; cannot end the body now */
		pl_smtp_abort(s, PL_E_INTERNAL, "body ended with a full transmit buffer");
		return;
	}
	if (CHUNKING(s)) {
		if (!s->chunk_open)
			open_chunk(s); /* "BDAT 0 LAST", or the final CRLF alone */
		s->tx_len += pl_body_finish(&s->body, s->tx + s->tx_len);
		close_chunk(s, 1);
	} else {
		s->tx_len += pl_body_finish(&s->body, s->tx + s->tx_len);
		expect_push(s, EXP_DOT);
	}
	s->phase = PH_CMD;
}

pl_err pl_smtp_next(pl_smtp *s, const pl_smtp_mail *m)
{
	pl_err e;

	if (!pl_smtp_usable(s))
		return PL_E_USAGE;
	s->m = m;
	s->envelope_next = ENV_IDLE;
	s->rcpt_emitted = s->rcpt_answered = s->rcpt_accepted = 0;
	memset(s->rcpt_code, 0, sizeof(s->rcpt_code));
	memset(&s->error, 0, sizeof(s->error));
	s->last_code = 0;
	s->chunk_open = s->chunk_backoff = 0;
	e = check_mail(s, m, PL_STAGE_MAIL);
	if (e) {
		s->phase = PH_FAILED;
		return e;
	}
	s->phase = PH_CMD;
	begin_transaction(s);
	return s->phase == PH_FAILED ? s->error.err : PL_OK;
}

int pl_smtp_usable(const pl_smtp *s)
{
	return !s->oneshot && s->ready && s->in_step &&
	       (s->phase == PH_DONE || s->phase == PH_FAILED) && s->expect_len == 0 &&
	       s->tx_off == s->tx_len;
}

void pl_smtp_quit(pl_smtp *s)
{
	if (!s->oneshot && s->in_step && (s->phase == PH_DONE || s->phase == PH_FAILED) &&
	    s->expect_len == 0 && s->tx_off == s->tx_len)
		(void)put(s, "QUIT\r\n");
	s->in_step = 0;
}

const pl_smtp_error *pl_smtp_error_info(const pl_smtp *s)
{
	return &s->error;
}

unsigned pl_smtp_caps(const pl_smtp *s)
{
	return s->caps;
}

int pl_smtp_rcpt_code(const pl_smtp *s, size_t i)
{
	return i < CONFIG_POSTLET_MAX_RCPT ? s->rcpt_code[i] : 0;
}

size_t pl_smtp_rcpt_accepted(const pl_smtp *s)
{
	return s->rcpt_accepted;
}

int pl_smtp_tx_secret(const pl_smtp *s)
{
	return (s->flags & SECRET_FLAG) != 0;
}

int pl_smtp_rx_secret(const pl_smtp *s)
{
	return PL_ENABLE_SCRAM && s->expect_len && s->expect[s->expect_head] == EXP_AUTH &&
	       (s->auth_mech & PL_AUTH_SCRAM) != 0;
}
