/*
 * heap_probe: the firmware profile's heap cost, measured on the host.
 *
 * postlet's agent core on the POSIX port, linked with wolfSSL built for the
 * host from the same configs/wolfssl/user_settings_firmware.h as the
 * Cortex-M image (NO_FILESYSTEM: the CA is passed as PEM text, as on the
 * device).  wolfSSL's XMALLOC hooks are replaced by a counting allocator;
 * one message goes over STARTTLS + AUTH PLAIN to a real server, and the
 * peak bytes wolfSSL held are printed (postlet itself never allocates).
 *
 *   heap_probe --host H --port N --tls-name NAME --ca FILE --user U \
 *              --password P --from F --rcpt R
 *
 * Output (one line each, for scripts/size-report.sh):
 *   heap_peak_handshake=N  peak up to the end of the TLS handshake
 *   heap_peak_total=N      peak over the whole send
 *   heap_allocs=N heap_in_use_after=N session_bytes=N
 * Exit 0 when the server accepted the message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "port.h"
#include "session.h"

/* every block carries its size in front, aligned for any type */
typedef union { size_t n; max_align_t align; } hdr;

static size_t in_use, peak, allocs, peak_handshake;
static int handshake_done;

static void note(size_t n)
{
	in_use += n;
	if (in_use > peak)
		peak = in_use;
}

static void *count_malloc(size_t n)
{
	hdr *h = malloc(sizeof(hdr) + n);

	if (!h)
		return NULL;
	h->n = n;
	allocs++;
	note(n);
	return h + 1;
}

static void count_free(void *p)
{
	hdr *h;

	if (!p)
		return;
	h = (hdr *)p - 1;
	in_use -= h->n;
	free(h);
}

static void *count_realloc(void *p, size_t n)
{
	hdr *h = p ? (hdr *)p - 1 : NULL;
	size_t old = h ? h->n : 0;

	h = realloc(h, sizeof(hdr) + n);
	if (!h)
		return NULL;
	in_use -= old;
	h->n = n;
	allocs++;
	note(n);
	return h + 1;
}

/* The second EHLO is the first command sent over TLS: the handshake is over. */
static void trace(void *ctx, char dir, const uint8_t *data, size_t len)
{
	static int ehlo;

	(void)ctx;
	if (dir == 'C' && len >= 4 && memcmp(data, "EHLO", 4) == 0 && ++ehlo == 2 &&
	    !handshake_done) {
		handshake_done = 1;
		peak_handshake = peak;
	}
}

static long read_msg(void *ctx, uint8_t *buf, size_t cap)
{
	const char **p = ctx;
	size_t n = strlen(*p);

	if (n > cap)
		n = cap;
	memcpy(buf, *p, n);
	*p += n;
	return (long)n;
}

static char *load(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	return buf;
}

static pl_session session;

int main(int argc, char **argv)
{
	const char *host = NULL, *tls_name = NULL, *ca = NULL, *user = NULL, *pass = NULL;
	const char *from = NULL, *rcpt = NULL, *body;
	unsigned port = 587;
	char msg[512];
	pl_account a;
	pl_message m;
	pl_err e;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--host")) host = v;
		else if (!strcmp(k, "--port")) port = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "--tls-name")) tls_name = v;
		else if (!strcmp(k, "--ca")) ca = v;
		else if (!strcmp(k, "--user")) user = v;
		else if (!strcmp(k, "--password")) pass = v;
		else if (!strcmp(k, "--from")) from = v;
		else if (!strcmp(k, "--rcpt")) rcpt = v;
		else break;
	}
	if (i != argc || !host || !ca || !user || !pass || !from || !rcpt || !port || port > 65535) {
		fprintf(stderr, "usage: heap_probe --host H --port N [--tls-name NAME] --ca FILE "
				"--user U --password P --from F --rcpt R\n");
		return 2;
	}
	memset(&a, 0, sizeof a);
	a.host = host;
	a.port = (uint16_t)port;
	a.tls_mode = PL_TLS_STARTTLS;
	a.trust_pem = load(ca);
	if (!a.trust_pem) {
		perror(ca);
		return 2;
	}
	a.tls_name = tls_name;
	a.auth_mechs = PL_AUTH_PLAIN;
	a.user = user;
	a.password = pass;
	a.ehlo_domain = "heap-probe.postlet.test";
	a.timeout_ms = 30000;

	snprintf(msg, sizeof msg,
		 "From: <%s>\r\nTo: <%s>\r\nSubject: [ALERT] heap probe\r\n\r\n"
		 "Sent by port/lwip/example/heap_probe.c (firmware wolfSSL profile).\r\n",
		 from, rcpt);
	body = msg;
	memset(&m, 0, sizeof m);
	m.from = from;
	m.rcpts = (const char *const[]){ rcpt };
	m.nrcpt = 1;
	m.size_hint = strlen(msg);
	m.read = read_msg;
	m.read_ctx = &body;

	if (wolfSSL_SetAllocators(count_malloc, count_free, count_realloc) != 0) {
		fprintf(stderr, "heap_probe: wolfSSL_SetAllocators failed\n");
		return 1;
	}
	session.trace = trace;
	e = pl_session_send(&session, &a, &m);
	if (e != PL_OK) {
		const pl_smtp_error *ei = pl_smtp_error_info(&session.smtp);

		fprintf(stderr, "heap_probe: FAILED: %s (stage %s, reply %d: %s)\n", pl_strerror(e),
			pl_stage_name(ei->stage), ei->code, ei->text);
		return 1;
	}
	printf("tls=%s\n", session.tls_info);
	printf("heap_peak_handshake=%zu\n", handshake_done ? peak_handshake : 0);
	printf("heap_peak_total=%zu\n", peak);
	printf("heap_allocs=%zu\n", allocs);
	printf("heap_in_use_after=%zu\n", in_use);
	printf("session_bytes=%zu\n", sizeof(pl_session));
	return 0;
}
