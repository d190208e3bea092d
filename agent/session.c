#include "session.h"

#include <string.h>

#include "engine/sasl.h" /* pl_wipe */

static long conn_send(pl_session *s, const void *buf, size_t len)
{
	return s->tls_on ? pl_tls_send(&s->tls, buf, len) : pl_link_send(&s->link, buf, len);
}

static long conn_recv(pl_session *s, void *buf, size_t len)
{
	return s->tls_on ? pl_tls_recv(&s->tls, buf, len) : pl_link_recv(&s->link, buf, len);
}

static void trace(pl_session *s, char dir, const uint8_t *data, size_t len)
{
	static const char masked[] = "[credentials hidden]\r\n";
	uint8_t line[64];
	size_t keep = 0;

	if (!s->trace)
		return;
	if (dir == 'S' && pl_smtp_rx_secret(&s->smtp) && len > 4 && memcmp(data, "334 ", 4) == 0) {
		static const char hidden[] = "334 [SASL data hidden]\r\n";

		s->trace(s->trace_ctx, dir, (const uint8_t *)hidden, sizeof(hidden) - 1);
		return;
	}
	if (dir != 'C' || !pl_smtp_tx_secret(&s->smtp)) {
		s->trace(s->trace_ctx, dir, data, len);
		return;
	}
	/* keep the command words ("AUTH PLAIN ") of an AUTH line, hide the rest */
	if (len > 5 && memcmp(data, "AUTH ", 5) == 0) {
		for (keep = 5; keep < len && data[keep] != ' ' && data[keep] != '\r'; keep++)
			;
		if (keep < len && data[keep] == ' ')
			keep++;
	}
	if (keep > sizeof(line) - sizeof(masked))
		keep = 0;
	memcpy(line, data, keep);
	memcpy(line + keep, masked, sizeof(masked) - 1);
	s->trace(s->trace_ctx, dir, line, keep + sizeof(masked) - 1);
}

static void step_send(pl_session *s)
{
	size_t len;
	const uint8_t *p = pl_smtp_tx_data(&s->smtp, &len);
	long n;

	trace(s, 'C', p, len);
	n = conn_send(s, p, len);
	if (n < 0)
		pl_smtp_abort(&s->smtp, (pl_err)-n, "sending to the server failed");
	else
		pl_smtp_tx_done(&s->smtp, (size_t)n);
}

static void step_recv(pl_session *s)
{
	long n = conn_recv(s, s->rx, sizeof(s->rx));

	if (n < 0) {
		pl_smtp_abort(&s->smtp, (pl_err)-n,
			      n == -(long)PL_E_TIMEOUT ? "timed out waiting for the server"
						       : "connection to the server lost");
		return;
	}
	trace(s, 'S', s->rx, (size_t)n);
	pl_smtp_rx(&s->smtp, s->rx, (size_t)n);
}

static void step_tls(pl_session *s, const pl_account *a)
{
	pl_tls_opts o = {
		.trust_file = a->trust_file,
		.trust_pem = a->trust_pem,
		.host = a->tls_name ? a->tls_name : a->host,
		.pins = a->tls_pins,
		.npins = a->tls_npins,
		.no_verify = a->tls_no_verify,
		.cert_file = a->tls_cert_file,
		.key_file = a->tls_key_file,
		.cert_pem = a->tls_cert_pem,
		.key_pem = a->tls_key_pem,
		.cache = a->tls_cache,
		.port = a->port,
	};
	pl_err e = pl_tls_open(&s->tls, &s->link, &o);

	if (e) {
		pl_smtp_abort(&s->smtp, e, s->tls.detail[0] ? s->tls.detail : pl_strerror(e));
		return;
	}
	s->tls_on = 1;
	pl_tls_describe(&s->tls, s->tls_info, sizeof(s->tls_info));
	pl_port_log(PL_LOG_INFO, "TLS established: %s", s->tls_info);
	pl_smtp_tls_ready(&s->smtp);
}

/* Body slices: keep a small read-ahead so the engine can take what fits. */
struct body_state {
	size_t off, len;
	int eof;
};

static void step_body(pl_session *s, const pl_message *m, struct body_state *b)
{
	if (b->off == b->len && !b->eof) {
		long n = m->read(m->read_ctx, s->body, sizeof(s->body));

		if (n < 0) {
			pl_smtp_abort(&s->smtp, (pl_err)-n, "reading the message failed");
			return;
		}
		b->off = 0;
		b->len = (size_t)n;
		b->eof = n == 0;
	}
	if (b->off == b->len) {
		pl_smtp_body_end(&s->smtp);
		return;
	}
	b->off += pl_smtp_body_write(&s->smtp, s->body + b->off, b->len - b->off);
}

/* Run the engine until it is idle (PL_DONE) or has failed. */
static pl_want run(pl_session *s, const pl_message *m, struct body_state *body)
{
	pl_want w;

	while ((w = pl_smtp_want(&s->smtp)) != PL_DONE && w != PL_FAILED) {
		switch (w) {
		case PL_WANT_SEND:
			step_send(s);
			break;
		case PL_WANT_RECV:
			step_recv(s);
			break;
		case PL_WANT_TLS:
			step_tls(s, s->acct);
			break;
		case PL_WANT_BODY:
			if (m && body)
				step_body(s, m, body);
			else
				pl_smtp_abort(&s->smtp, PL_E_INTERNAL, "body wanted without a message");
			break;
		default:
			break;
		}
	}
	return w;
}

pl_err pl_session_open(pl_session *s, const pl_account *a)
{
	pl_smtp_params *p = &s->params;
	pl_err e;

	memset(p, 0, sizeof(*p));
	p->ehlo_domain = a->ehlo_domain;
	p->tls_mode = a->tls_mode;
	p->auth_mechs = a->auth_mechs;
	p->auth_cleartext_ok = a->auth_cleartext_ok;
	p->user = a->user;
	p->password = a->password;
	p->sasl_host = a->tls_name ? a->tls_name : a->host;
	p->sasl_port = a->port;
	s->acct = a;
	s->tls_on = 0;
	s->tls_info[0] = '\0';
	memset(&s->tls, 0, sizeof(s->tls));
	memset(&s->link, 0, sizeof(s->link));
	s->link.conn.handle = -1;
	if (PL_ENABLE_SCRAM && (a->auth_mechs & PL_AUTH_SCRAM)) {
		/* the engine is pure: its SCRAM nonce is drawn here */
		uint8_t rnd[18];
		size_t n;

		e = pl_port_random(rnd, sizeof(rnd));
		if (e == PL_OK)
			e = pl_sasl_b64(rnd, sizeof(rnd), s->scram_nonce, sizeof(s->scram_nonce), &n);
		pl_wipe(rnd, sizeof(rnd));
		if (e) {
			memset(&s->smtp, 0, sizeof(s->smtp));
			s->smtp.error.err = e;
			s->smtp.error.stage = PL_STAGE_CONNECT;
			memcpy(s->smtp.error.text, "no random bytes for the SCRAM nonce",
			       sizeof("no random bytes for the SCRAM nonce"));
			return e;
		}
		p->scram_nonce = s->scram_nonce;
	}

	e = pl_smtp_init(&s->smtp, p, s->tx, sizeof(s->tx));
	if (e)
		return e;
	e = pl_link_connect(&s->link, a->host, a->port, a->timeout_ms);
	if (e) {
		pl_smtp_abort(&s->smtp, e, e == PL_E_RESOLVE ? a->host : "no address of the host answered");
		/* nothing was exchanged yet: the stage is the connect itself */
		s->smtp.error.stage = PL_STAGE_CONNECT;
		return e;
	}
	if (run(s, NULL, NULL) == PL_DONE)
		return PL_OK;
	e = pl_smtp_error_info(&s->smtp)->err;
	pl_session_close(s); /* says QUIT if still in step */
	return e;
}

pl_err pl_session_transact(pl_session *s, const pl_message *m)
{
	struct body_state body = { 0, 0, 0 };
	pl_smtp_mail *ml = &s->mail;
	pl_err e;

	if (!pl_session_usable(s))
		return PL_E_USAGE;
	memset(ml, 0, sizeof(*ml));
	ml->from = m->from;
	ml->rcpts = m->rcpts;
	ml->nrcpt = m->nrcpt;
	ml->size_hint = m->size_hint;
	ml->body_8bit = m->body_8bit;
	ml->dsn_notify = m->dsn_notify;
	ml->dsn_ret = m->dsn_ret;
	ml->dsn_envid = m->dsn_envid;
	ml->dsn_orcpt = m->dsn_orcpt;
	e = pl_smtp_next(&s->smtp, ml);
	if (e)
		return e;
	return run(s, m, &body) == PL_DONE ? PL_OK : pl_smtp_error_info(&s->smtp)->err;
}

int pl_session_usable(const pl_session *s)
{
	return s->link.conn.handle >= 0 && pl_smtp_usable(&s->smtp);
}

void pl_session_close(pl_session *s)
{
	if (s->link.conn.handle >= 0) {
		pl_smtp_quit(&s->smtp);
		if (pl_smtp_want(&s->smtp) == PL_WANT_SEND)
			step_send(s); /* QUIT: one send, the reply is not awaited */
		pl_tls_close(&s->tls);
		s->tls_on = 0;
		pl_link_close(&s->link);
	}
	pl_wipe(s->tx, sizeof(s->tx));
	pl_wipe(s->rx, sizeof(s->rx));
	pl_wipe(s->body, sizeof(s->body));
}

pl_err pl_session_send(pl_session *s, const pl_account *a, const pl_message *m)
{
	pl_err e = pl_session_open(s, a);

	if (e == PL_OK)
		e = pl_session_transact(s, m);
	pl_session_close(s);
	return e;
}
