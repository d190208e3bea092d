/*
 * Several messages over one connection through the session API, against a
 * real server: one message per recipient given, over one pl_session_open().
 * Prints one line per transaction and the round trips of the connection;
 * tests/integration/test_session_multi.sh judges the result.
 *
 *   session_multi HOST PORT CA_FILE USER PASSWORD FROM RCPT...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

struct body {
	char text[256];
	size_t len, off;
};

static long read_body(void *ctx, uint8_t *buf, size_t cap)
{
	struct body *b = ctx;
	size_t n = b->len - b->off;

	if (n > cap)
		n = cap;
	memcpy(buf, b->text + b->off, n);
	b->off += n;
	return (long)n;
}

int main(int argc, char **argv)
{
	static pl_session s;
	pl_account a;
	pl_err e;
	int i;

	if (argc < 8) {
		fprintf(stderr, "usage: %s HOST PORT CA USER PASSWORD FROM RCPT...\n", argv[0]);
		return 64;
	}
	memset(&a, 0, sizeof(a));
	a.host = argv[1];
	a.port = (uint16_t)atoi(argv[2]);
	a.tls_mode = PL_TLS_STARTTLS;
	a.trust_file = argv[3];
	a.auth_mechs = PL_AUTH_PLAIN;
	a.user = argv[4];
	a.password = argv[5];
	a.ehlo_domain = "localhost";
	a.timeout_ms = 30000;

	e = pl_session_open(&s, &a);
	if (e) {
		printf("open: %s: %s\n", pl_strerror(e), pl_smtp_error_info(&s.smtp)->text);
		pl_session_close(&s);
		return 1;
	}
	for (i = 7; i < argc; i++) {
		const char *rcpts[1] = { argv[i] };
		struct body b;
		pl_message m;

		memset(&m, 0, sizeof(m));
		b.off = 0;
		b.len = (size_t)snprintf(b.text, sizeof(b.text),
					 "From: %s\nTo: %s\nSubject: session message %d\n\nmessage %d of one connection\n",
					 argv[6], argv[i], i - 6, i - 6);
		m.from = argv[6];
		m.rcpts = rcpts;
		m.nrcpt = 1;
		m.size_hint = b.len;
		m.read = read_body;
		m.read_ctx = &b;
		e = pl_session_transact(&s, &m);
		if (e == PL_OK)
			printf("message %d: accepted; usable %d\n", i - 6, pl_session_usable(&s));
		else
			printf("message %d: %s at %s, code %d %s; usable %d\n", i - 6, pl_strerror(e),
			       pl_stage_name(pl_smtp_error_info(&s.smtp)->stage),
			       pl_smtp_error_info(&s.smtp)->code, pl_smtp_error_info(&s.smtp)->enhanced,
			       pl_session_usable(&s));
		if (!pl_session_usable(&s))
			break;
	}
	pl_session_close(&s);
	printf("round trips %u\n", s.link.waits);
	return 0;
}
