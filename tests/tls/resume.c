/*
 * TLS resumption within one process, against the real test bed: the way a
 * queue flush (or firmware sending alerts while it runs) reuses the
 * session through pl_account.tls_cache.
 *
 *   resume HOST PORT CAFILE USER PASSWORD RCPT CASE
 *
 * CASE same       : three sends, same settings -> the second and third resume
 *      pin        : the second send adds a pin -> full handshake
 *      trust      : the second send names another trust file -> full handshake
 *      badname    : the second send expects another host name -> it fails
 *                   verification instead of resuming, and the cache is empty
 *      clientpem  : one send with a client certificate and key given as PEM
 *                   text (firmware style; files named by CLIENT_CERT and
 *                   CLIENT_KEY are read into memory first)
 * Prints one line per send: "send N: rc=R resumed=0|1 waits=W <tls info>".
 * Exit 0 when the case behaved as stated, 1 otherwise.  The functions
 * send_first/send_second exist so callgrind can count each one
 * (--toggle-collect=send_first --toggle-collect=send_second).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

static pl_session s;
static pl_tls_cache cache;

static long body(void *ctx, uint8_t *buf, size_t cap)
{
	static const char text[] = "Subject: resumption test\r\n\r\nresumption test\r\n";
	size_t *off = ctx, n = sizeof(text) - 1 - *off;

	if (n > cap)
		n = cap;
	memcpy(buf, text + *off, n);
	*off += n;
	return (long)n;
}

static int send_one(int nr, const pl_account *a, const char *rcpt)
{
	size_t off = 0;
	const char *rcpts[] = { rcpt };
	pl_message m = { .from = a->user, .rcpts = rcpts, .nrcpt = 1, .read = body, .read_ctx = &off };
	pl_err e = pl_session_send(&s, a, &m);

	printf("send %d: rc=%d resumed=%d waits=%u %s%s%s\n", nr, (int)e,
	       strstr(s.tls_info, "(resumed)") != NULL, s.link.waits, s.tls_info, e ? " error: " : "",
	       e ? pl_smtp_error_info(&s.smtp)->text : "");
	return e ? -1 : strstr(s.tls_info, "(resumed)") != NULL;
}

/* separate symbols for callgrind */
__attribute__((noinline)) static int send_first(const pl_account *a, const char *rcpt)
{
	return send_one(1, a, rcpt);
}

__attribute__((noinline)) static int send_second(const pl_account *a, const char *rcpt)
{
	return send_one(2, a, rcpt);
}

int main(int argc, char **argv)
{
	pl_account a;
	pl_tls_pin pin;
	const char *c;
	int r1, r2;

	if (argc != 8) {
		fprintf(stderr, "usage: resume HOST PORT CAFILE USER PASSWORD RCPT CASE\n");
		return 2;
	}
	c = argv[7];
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
	a.tls_cache = &cache;

	if (strcmp(c, "clientpem") == 0) {
		static char cert[8192], key[8192];
		FILE *f;
		size_t n;

		if (!(f = fopen(getenv("CLIENT_CERT"), "r")))
			return 1;
		n = fread(cert, 1, sizeof(cert) - 1, f);
		cert[n] = '\0';
		fclose(f);
		if (!(f = fopen(getenv("CLIENT_KEY"), "r")))
			return 1;
		n = fread(key, 1, sizeof(key) - 1, f);
		key[n] = '\0';
		fclose(f);
		a.tls_cert_pem = cert;
		a.tls_key_pem = key;
		return send_first(&a, argv[6]) == 0 ? 0 : 1;
	}
	r1 = send_first(&a, argv[6]);
	if (strcmp(c, "pin") == 0) {
		/* any pin changes the trust decision; it need not match for the
		 * point made here, which is that the cache is not consulted */
		memset(&pin, 0, sizeof(pin));
		pin.kind = PL_TLS_PIN_SPKI_SHA256;
		a.tls_pins = &pin;
		a.tls_npins = 1;
	} else if (strcmp(c, "trust") == 0) {
		a.trust_file = getenv("OTHER_TRUST");
	} else if (strcmp(c, "badname") == 0) {
		a.tls_name = "other.postlet.invalid";
	}
	r2 = send_second(&a, argv[6]);
	/* a session that was itself resumed must hand on a usable ticket */
	if (strcmp(c, "same") == 0 && r2 == 1)
		r2 = send_one(3, &a, argv[6]);
	pl_tls_cache_clear(&cache);
	if (r1 != 0)
		return 1;
	if (strcmp(c, "same") == 0)
		return r2 == 1 ? 0 : 1;
	if (strcmp(c, "pin") == 0)
		return r2 == -1 && s.tls.cause == PL_TLS_CAUSE_PIN_MISMATCH ? 0 : 1;
	if (strcmp(c, "trust") == 0)
		return r2 == 0 ? 0 : 1;
	if (strcmp(c, "badname") == 0)
		return r2 == -1 && s.tls.cause == PL_TLS_CAUSE_NAME_MISMATCH ? 0 : 1;
	return 1;
}
