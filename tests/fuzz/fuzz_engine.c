/*
 * Fuzz target: the SMTP engine fed hostile server bytes by a scripted fake
 * driver, through every state (greeting, EHLO, STARTTLS and a fake "TLS
 * ready" step, AUTH challenges, envelope, DATA and the body, QUIT).
 *
 * Input: byte 0 picks the parameters, byte 1 the recipient count (and in
 * bits 2-4 a further SASL mechanism: CRAM-MD5, SCRAM, OAuth, EXTERNAL); the rest
 * is the script.  Each time the engine wants to receive, the driver takes
 * one length byte and that many server bytes (no bytes left = the server
 * closed the connection); with bit 7 of byte 0 set, each send takes one
 * byte saying how much of the transmit buffer went out (short writes).
 *
 * Besides memory safety (ASan/UBSan), each run checks the engine's
 * security contract (smtp.h): nothing but EHLO/STARTTLS/QUIT before TLS
 * when STARTTLS is required, no AUTH in clear, every byte that carries
 * the password is flagged secret for the trace, a failure names an error
 * and a stage, and PL_DONE only after the body's terminator went out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/smtp.h"
#include "engine/sasl.h"

#define TXCAP 1024 /* the smallest buffer the engine accepts: most pressure */

static const char user[] = "fuzz@example.org";
static const char password[] = "s3cr3t-Pa55";
static const char *const rcpts[] = { "a@example.org", "b@example.org", "c@example.org",
				     "d@example.org" };
static const char body[] = "Subject: x\n\n.leading dot\r\nbare CR\rline\n..\n.\nend";

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* bits 2-4 of byte 1: a further mechanism (7: all of them) */
static const unsigned extra_mechs[8] = {
	0, PL_AUTH_CRAM_MD5, PL_AUTH_SCRAM_SHA1, PL_AUTH_SCRAM_SHA256, PL_AUTH_XOAUTH2,
	PL_AUTH_OAUTHBEARER, PL_AUTH_EXTERNAL, 0xff,
};

struct script {
	const uint8_t *p;
	size_t left;
};

static int take(struct script *s, uint8_t *b)
{
	if (!s->left)
		return 0;
	*b = *s->p++;
	s->left--;
	return 1;
}

static int contains(const uint8_t *h, size_t hl, const char *n)
{
	size_t nl = strlen(n), i;

	for (i = 0; nl && i + nl <= hl; i++)
		if (memcmp(h + i, n, nl) == 0)
			return 1;
	return 0;
}

/* A prefix of a line (the rest may not be sent yet) may begin kw. */
static int begins(const uint8_t *l, size_t n, const char *kw)
{
	size_t k = strlen(kw);

	return memcmp(l, kw, n < k ? n : k) == 0;
}

/* Everything sent before TLS in STARTTLS mode: only these commands. */
static void check_cleartext(const uint8_t *d, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const uint8_t *l = d + i;
		size_t n = len - i;

		CHECK(begins(l, n, "EHLO ") || begins(l, n, "STARTTLS\r\n") ||
		      begins(l, n, "QUIT\r\n"));
		while (i < len && d[i] != '\n')
			i++;
		i++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char plain_b64[128], login_b64[64];
	uint8_t clear[4096]; /* client bytes sent before TLS */
	size_t clear_len = 0;
	struct script sc = { data, size };
	pl_smtp_params p;
	pl_smtp *s;
	uint8_t *tx;
	uint8_t cfg = 0, nr = 0;
	size_t body_off = 0, n;
	int tls_on = 0, body_ended = 0, steps;
	pl_want w;

	if (!plain_b64[0]) {
		CHECK(pl_sasl_plain(user, password, plain_b64, sizeof(plain_b64), &n) == PL_OK);
		CHECK(pl_sasl_b64(password, strlen(password), login_b64, sizeof(login_b64), &n) ==
		      PL_OK);
	}
	(void)take(&sc, &cfg);
	(void)take(&sc, &nr);
	memset(&p, 0, sizeof(p));
	p.ehlo_domain = "client.example.org";
	p.tls_mode = (pl_tls_mode)((cfg & 3) == 3 ? PL_TLS_STARTTLS : (cfg & 3));
	p.auth_mechs = (cfg >> 2) & 3;
	p.auth_mechs |= extra_mechs[(nr >> 2) & 7];
	p.scram_nonce = "fuzzClientNonce-0123";
	p.auth_cleartext_ok = (cfg >> 4) & 1;
	p.user = user;
	p.password = password;
	p.mail.from = (nr & 0x80) ? "" : "sender@example.org";
	p.mail.rcpts = rcpts;
	p.mail.nrcpt = 1 + (nr & 3);
	p.mail.size_hint = (cfg & 0x40) ? sizeof(body) : 0;
	p.mail.body_8bit = (cfg >> 5) & 1;

	/* exact-size heap blocks, so ASan sees any overrun */
	s = malloc(sizeof(*s));
	tx = malloc(TXCAP);
	CHECK(s && tx);
	CHECK(pl_smtp_init(s, &p, tx, TXCAP) == PL_OK);

	for (steps = 0; steps < 100000; steps++) {
		w = pl_smtp_want(s);
		if (w == PL_DONE || w == PL_FAILED)
			break;
		switch (w) {
		case PL_WANT_SEND: {
			const uint8_t *d = pl_smtp_tx_data(s, &n);
			uint8_t k;

			CHECK(n > 0 && n <= TXCAP);
			if (contains(d, n, plain_b64) || contains(d, n, login_b64))
				CHECK(pl_smtp_tx_secret(s));
			if ((cfg & 0x80) && take(&sc, &k) && k % (n + 1))
				n = k % (n + 1);
			if (!tls_on && clear_len + n <= sizeof(clear)) {
				memcpy(clear + clear_len, d, n);
				clear_len += n;
				if (p.tls_mode == PL_TLS_STARTTLS)
					check_cleartext(clear, clear_len);
				if (!p.auth_cleartext_ok)
					CHECK(!contains(clear, clear_len, "AUTH "));
			}
			pl_smtp_tx_done(s, n);
			break;
		}
		case PL_WANT_RECV: {
			uint8_t len, buf[255];
			size_t got = 0;

			if (!take(&sc, &len)) {
				pl_smtp_abort(s, PL_E_CLOSED, "connection to the server lost");
				break;
			}
			while (got < len && take(&sc, &buf[got]))
				got++;
			if (got)
				pl_smtp_rx(s, buf, got);
			else
				pl_smtp_abort(s, PL_E_CLOSED, "connection to the server lost");
			break;
		}
		case PL_WANT_TLS:
			/* the fake handshake: the next bytes are "decrypted" */
			tls_on = 1;
			pl_smtp_tls_ready(s);
			break;
		case PL_WANT_BODY:
			if (body_off < sizeof(body) - 1) {
				size_t slice = 1 + (body_off * 7 + steps) % 13;

				if (slice > sizeof(body) - 1 - body_off)
					slice = sizeof(body) - 1 - body_off;
				body_off += pl_smtp_body_write(s, (const uint8_t *)body + body_off,
							       slice);
			} else {
				pl_smtp_body_end(s);
				body_ended = 1;
			}
			break;
		default:
			abort();
		}
	}
	CHECK(steps < 100000); /* the engine always makes progress */
	if (w == PL_DONE) {
		CHECK(body_ended);
		CHECK(p.tls_mode == PL_TLS_OFF || tls_on);
	} else {
		const pl_smtp_error *e = pl_smtp_error_info(s);

		CHECK(e->err > PL_OK && e->err < PL_E__COUNT);
		CHECK((int)e->stage >= 0 && e->stage <= PL_STAGE_QUIT);
		CHECK(memchr(e->text, '\0', sizeof(e->text)) != NULL);
		CHECK(memchr(e->enhanced, '\0', sizeof(e->enhanced)) != NULL);
		CHECK(strcmp(pl_stage_name(e->stage), "?") != 0);
	}
	free(tx);
	free(s);
	return 0;
}
