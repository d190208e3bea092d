/*
 * lwip_send: deliver one message through postlet's agent core running on
 * the lwIP port (port/lwip/port_lwip.c), with Debian's liblwip as the TCP/IP
 * stack and a tap device as its Ethernet.
 *
 *   PRECONFIGURED_TAPIF=tap0 lwip_send --host 192.0.2.1 --port 10587 \
 *       --tls-name mail.postlet.test --ca ca.pem --user U --password P \
 *       --from F --rcpt R --message FILE [--ip 192.0.2.2] [--gw 192.0.2.1] \
 *       [--mask 255.255.255.0] [--timeout-ms 30000] [--chunk 113] [-v]
 *
 * STARTTLS (required) and AUTH PLAIN; the body is served by a pl_reader
 * callback in slices of --chunk bytes.  Exit 0 when the server accepted
 * the message, 1 otherwise, 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#include "port.h"
#include "port_lwip.h"
#include "session.h"

struct opts {
	const char *host, *tls_name, *ca, *user, *password, *from, *rcpt, *message;
	const char *ip, *gw, *mask, *ehlo;
	unsigned port, timeout_ms, chunk;
	int verbose;
};

struct reader {
	const uint8_t *data;
	size_t len, off, chunk, calls;
};

static struct netif tap_netif;
static ip4_addr_t net_ip, net_mask, net_gw;
static sys_sem_t net_ready;
static pl_session session; /* ~5 KiB of buffers: static, as on firmware */

static long read_body(void *ctx, uint8_t *buf, size_t cap)
{
	struct reader *r = ctx;
	size_t n = r->len - r->off;

	r->calls++;
	if (n > cap)
		n = cap;
	if (n > r->chunk)
		n = r->chunk;
	memcpy(buf, r->data + r->off, n);
	r->off += n;
	return (long)n;
}

static void trace(void *ctx, char dir, const uint8_t *data, size_t len)
{
	(void)ctx;
	fprintf(stderr, "%c: %.*s%s", dir, (int)(len > 300 ? 300 : len), (const char *)data,
		len > 300 ? " [...]\n" : "");
}

/* Runs in the tcpip thread: attach lwIP to the tap device. */
static void bring_up(void *arg)
{
	(void)arg;
	netif_add(&tap_netif, &net_ip, &net_mask, &net_gw, NULL, tapif_init, tcpip_input);
	netif_set_default(&tap_netif);
	netif_set_up(&tap_netif);
	sys_sem_signal(&net_ready);
}

static int load_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	*out = malloc((size_t)size + 1);
	if (!*out || fread(*out, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)size;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: lwip_send --host IP --port N --ca FILE --user U --password P "
			"--from ADDR --rcpt ADDR --message FILE [--tls-name NAME] [--ip IP] "
			"[--gw IP] [--mask MASK] [--ehlo NAME] [--timeout-ms MS] [--chunk N] [-v]\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof *o);
	o->ip = "192.0.2.2";
	o->gw = "192.0.2.1";
	o->mask = "255.255.255.0";
	o->ehlo = "lwip.postlet.test";
	o->port = 587;
	o->timeout_ms = 30000;
	o->chunk = 113;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-v") == 0) {
			o->verbose = 1;
			continue;
		}
		if (!v)
			return -1;
		i++;
		if (strcmp(a, "--host") == 0) o->host = v;
		else if (strcmp(a, "--port") == 0) o->port = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--tls-name") == 0) o->tls_name = v;
		else if (strcmp(a, "--ca") == 0) o->ca = v;
		else if (strcmp(a, "--user") == 0) o->user = v;
		else if (strcmp(a, "--password") == 0) o->password = v;
		else if (strcmp(a, "--from") == 0) o->from = v;
		else if (strcmp(a, "--rcpt") == 0) o->rcpt = v;
		else if (strcmp(a, "--message") == 0) o->message = v;
		else if (strcmp(a, "--ip") == 0) o->ip = v;
		else if (strcmp(a, "--gw") == 0) o->gw = v;
		else if (strcmp(a, "--mask") == 0) o->mask = v;
		else if (strcmp(a, "--ehlo") == 0) o->ehlo = v;
		else if (strcmp(a, "--timeout-ms") == 0) o->timeout_ms = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--chunk") == 0) o->chunk = (unsigned)strtoul(v, NULL, 10);
		else return -1;
	}
	if (!o->host || !o->ca || !o->user || !o->password || !o->from || !o->rcpt ||
	    !o->message || o->port == 0 || o->port > 65535 || o->chunk == 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct reader r;
	uint8_t *data = NULL;
	pl_account a;
	pl_message m;
	const char *rcpts[1];
	pl_err e;

	if (parse(argc, argv, &o) != 0)
		return usage();
	if (!getenv("PRECONFIGURED_TAPIF")) {
		/* without it lwIP's tapif runs ifconfig itself: never wanted here */
		fprintf(stderr, "lwip_send: set PRECONFIGURED_TAPIF to an existing tap device\n");
		return 2;
	}
	if (!ip4addr_aton(o.ip, &net_ip) || !ip4addr_aton(o.gw, &net_gw) ||
	    !ip4addr_aton(o.mask, &net_mask)) {
		fprintf(stderr, "lwip_send: bad --ip/--gw/--mask\n");
		return 2;
	}
	memset(&r, 0, sizeof r);
	if (load_file(o.message, &data, &r.len) != 0) {
		perror(o.message);
		return 2;
	}
	r.data = data;
	r.chunk = o.chunk;

	pl_port_set_log_level(o.verbose ? PL_LOG_TRACE : PL_LOG_INFO);
	if (sys_sem_new(&net_ready, 0) != ERR_OK)
		return 1;
	tcpip_init(bring_up, NULL);
	sys_sem_wait(&net_ready);
	fprintf(stderr, "lwip_send: lwIP up on %s (tap %s), sending to %s:%u\n", o.ip,
		getenv("PRECONFIGURED_TAPIF"), o.host, o.port);

	memset(&a, 0, sizeof a);
	a.host = o.host;
	a.port = (uint16_t)o.port;
	a.tls_mode = PL_TLS_STARTTLS;
	a.trust_file = o.ca;
	a.tls_name = o.tls_name;
	a.auth_mechs = PL_AUTH_PLAIN;
	a.auth_cleartext_ok = 0;
	a.user = o.user;
	a.password = o.password;
	a.ehlo_domain = o.ehlo;
	a.timeout_ms = o.timeout_ms;

	rcpts[0] = o.rcpt;
	memset(&m, 0, sizeof m);
	m.from = o.from;
	m.rcpts = rcpts;
	m.nrcpt = 1;
	m.size_hint = r.len;
	m.body_8bit = 0;
	m.read = read_body;
	m.read_ctx = &r;

	session.trace = o.verbose ? trace : NULL;
	session.trace_ctx = NULL;
	e = pl_session_send(&session, &a, &m);
	if (e != PL_OK) {
		const pl_smtp_error *ei = pl_smtp_error_info(&session.smtp);

		fprintf(stderr, "lwip_send: FAILED: %s (stage %s, reply %d %s: %s)\n",
			pl_strerror(e), pl_stage_name(ei->stage), ei->code, ei->enhanced, ei->text);
		free(data);
		return 1;
	}
	fprintf(stderr,
		"lwip_send: accepted; %s; %lu bytes out, %lu in, %u round trips; "
		"body read in %zu calls\n",
		session.tls_info, session.link.bytes_out, session.link.bytes_in,
		session.link.waits, r.calls);
	free(data);
	return 0;
}
