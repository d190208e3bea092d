/*
 * lwip_loop: the lwIP port without privileges.  Client (postlet's agent core
 * on port/lwip/port_lwip.c) and a tiny fake SMTP server both run on lwIP
 * sockets in this process; packets to the netif's own address loop back
 * inside lwIP (LWIP_NETIF_LOOPBACK), so nothing touches the host network.
 *
 * Cases (one "PASS name" / "FAIL name: why" line each; exit 0 if all pass):
 *   lwip_loop_send       plain SMTP (tls off, no AUTH): the DATA the server
 *                        received, un-dot-stuffed, equals the message
 *   lwip_loop_recv_timeout  server accepts but never greets: PL_E_TIMEOUT
 *                        after timeout_ms (not before, not much later)
 *   lwip_loop_refused    no listener on the port: PL_E_CONNECT
 *   lwip_loop_connect_timeout  SYN into the void: PL_E_TIMEOUT from the
 *                        non-blocking connect + lwip_poll bound
 *   lwip_loop_no_dns     a host name without LWIP_DNS: PL_E_RESOLVE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#include "port.h"
#include "port_lwip.h"
#include "session.h"

#define SELF_IP "198.51.100.1"   /* TEST-NET-2, only ever inside lwIP */
#define VOID_IP "198.51.100.77"  /* on-link, nobody answers */
#define SMTP_PORT 2525
#define MUTE_PORT 2526
#define CLOSED_PORT 2527

static struct netif loop_netif;
static sys_sem_t net_ready, server_ready;
static pl_session session;
static int failures;

/* ------------------------------------------------------------ the netif */

/* Frames for other hosts go nowhere (the "wire" is cut). */
static err_t drop_output(struct netif *n, struct pbuf *p, const ip4_addr_t *dst)
{
	(void)n;
	(void)p;
	(void)dst;
	return ERR_OK;
}

static err_t loop_init(struct netif *n)
{
	n->name[0] = 'l';
	n->name[1] = 'p';
	n->output = drop_output;
	n->mtu = 1500;
	n->flags = NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

static void bring_up(void *arg)
{
	ip4_addr_t ip, mask, gw;

	(void)arg;
	ip4addr_aton(SELF_IP, &ip);
	ip4addr_aton("255.255.255.0", &mask);
	ip4_addr_set_zero(&gw);
	netif_add(&loop_netif, &ip, &mask, &gw, NULL, loop_init, tcpip_input);
	netif_set_default(&loop_netif);
	netif_set_up(&loop_netif);
	sys_sem_signal(&net_ready);
}

/* ------------------------------------------------------ the fake server */

static char data_seen[65536];
static size_t data_len;
static int data_ok;

static int send_str(int s, const char *str)
{
	return lwip_send(s, str, strlen(str), 0) == (ssize_t)strlen(str) ? 0 : -1;
}

/* Read one CRLF line into line (without CRLF); -1 on EOF/error. */
static int read_line(int s, char *buf, size_t *have, size_t cap, char *line, size_t lcap)
{
	for (;;) {
		char *eol = NULL;
		size_t i;
		ssize_t n;

		for (i = 0; i + 1 < *have; i++)
			if (buf[i] == '\r' && buf[i + 1] == '\n') {
				eol = buf + i;
				break;
			}
		if (eol) {
			size_t l = (size_t)(eol - buf);

			if (l >= lcap)
				l = lcap - 1;
			memcpy(line, buf, l);
			line[l] = '\0';
			memmove(buf, eol + 2, *have - (size_t)(eol - buf) - 2);
			*have -= (size_t)(eol - buf) + 2;
			return 0;
		}
		if (*have == cap)
			return -1;
		n = lwip_recv(s, buf + *have, cap - *have, 0);
		if (n <= 0)
			return -1;
		*have += (size_t)n;
	}
}

static void smtp_conversation(int c)
{
	static char buf[4096], line[2048];
	size_t have = 0;
	int in_data = 0;

	send_str(c, "220 fake.postlet.test ESMTP lwIP loopback\r\n");
	while (read_line(c, buf, &have, sizeof buf, line, sizeof line) == 0) {
		if (in_data) {
			const char *l = line;
			size_t n;

			if (strcmp(line, ".") == 0) {
				in_data = 0;
				data_ok = 1;
				send_str(c, "250 2.0.0 Ok: queued\r\n");
				continue;
			}
			if (l[0] == '.')
				l++; /* undo dot-stuffing */
			n = strlen(l);
			if (data_len + n + 2 <= sizeof data_seen) {
				memcpy(data_seen + data_len, l, n);
				memcpy(data_seen + data_len + n, "\r\n", 2);
				data_len += n + 2;
			}
			continue;
		}
		if (strncmp(line, "EHLO ", 5) == 0)
			send_str(c, "250-fake.postlet.test\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n");
		else if (strncmp(line, "MAIL FROM:", 10) == 0 || strncmp(line, "RCPT TO:", 8) == 0)
			send_str(c, "250 2.1.0 Ok\r\n");
		else if (strcmp(line, "DATA") == 0) {
			in_data = 1;
			send_str(c, "354 End data with <CR><LF>.<CR><LF>\r\n");
		} else if (strcmp(line, "QUIT") == 0) {
			send_str(c, "221 2.0.0 Bye\r\n");
			break;
		} else
			send_str(c, "502 5.5.2 Error: command not recognized\r\n");
	}
}

static int listen_on(int port)
{
	struct sockaddr_in sa;
	int s = lwip_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = lwip_htons((u16_t)port);
	sa.sin_addr.s_addr = inet_addr(SELF_IP);
	if (s < 0 || lwip_bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || lwip_listen(s, 2) != 0) {
		fprintf(stderr, "lwip_loop: cannot listen on port %d\n", port);
		exit(1);
	}
	return s;
}

/* SMTP on SMTP_PORT (one conversation); MUTE_PORT accepts and says nothing. */
static void server_thread(void *arg)
{
	int ls = listen_on(SMTP_PORT), ms = listen_on(MUTE_PORT), c;

	(void)arg;
	sys_sem_signal(&server_ready);
	c = lwip_accept(ls, NULL, NULL);
	if (c >= 0) {
		smtp_conversation(c);
		lwip_close(c);
	}
	c = lwip_accept(ms, NULL, NULL);
	/* hold the connection open, silent, until the process ends */
	(void)c;
	for (;;)
		sys_msleep(1000);
}

/* -------------------------------------------------------------- client */

struct reader {
	const char *data;
	size_t len, off;
};

static long read_body(void *ctx, uint8_t *buf, size_t cap)
{
	struct reader *r = ctx;
	size_t n = r->len - r->off;

	if (n > cap)
		n = cap;
	if (n > 7)
		n = 7; /* tiny slices: the engine must stream across calls */
	memcpy(buf, r->data + r->off, n);
	r->off += n;
	return (long)n;
}

static pl_err send_to(const char *host, uint16_t port, unsigned timeout_ms, struct reader *r)
{
	static const char *rcpts[] = { "ops@postlet.test" };
	pl_account a;
	pl_message m;

	memset(&a, 0, sizeof a);
	a.host = host;
	a.port = port;
	a.tls_mode = PL_TLS_OFF;
	a.ehlo_domain = "lwip.postlet.test";
	a.timeout_ms = timeout_ms;
	memset(&m, 0, sizeof m);
	m.from = "alerts@postlet.test";
	m.rcpts = rcpts;
	m.nrcpt = 1;
	m.size_hint = r->len;
	m.read = read_body;
	m.read_ctx = r;
	return pl_session_send(&session, &a, &m);
}

static void report(const char *name, int ok, const char *why)
{
	if (ok) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: %s\n", name, why);
		failures++;
	}
	fflush(stdout);
}

static void expect_err(const char *name, pl_err got, pl_err want, uint64_t took,
		       uint64_t min_ms, uint64_t max_ms)
{
	char why[200];

	snprintf(why, sizeof why, "got %s after %llu ms, want %s in [%llu, %llu] ms",
		 pl_strerror(got), (unsigned long long)took, pl_strerror(want),
		 (unsigned long long)min_ms, (unsigned long long)max_ms);
	report(name, got == want && took >= min_ms && took <= max_ms, why);
}

int main(int argc, char **argv)
{
	static const char msg[] =
		"From: lwIP board <alerts@postlet.test>\n"
		"To: <ops@postlet.test>\n"
		"Subject: loopback alert\n"
		"\n"
		"first line\n"
		".starts with a dot\n"
		".\n"
		"..\n"
		"no final newline";
	static char expected[1024];
	struct reader r;
	size_t i, n = 0;
	uint64_t t0;
	pl_err e;

	pl_port_set_log_level(argc > 1 && strcmp(argv[1], "-v") == 0 ? PL_LOG_TRACE : PL_LOG_WARN);
	if (sys_sem_new(&net_ready, 0) != ERR_OK || sys_sem_new(&server_ready, 0) != ERR_OK)
		return 1;
	tcpip_init(bring_up, NULL);
	sys_sem_wait(&net_ready);
	sys_thread_new("fake-smtp", server_thread, NULL, DEFAULT_THREAD_STACKSIZE,
		       DEFAULT_THREAD_PRIO);
	sys_sem_wait(&server_ready);

	/* what the server must see: LF -> CRLF, final CRLF added */
	for (i = 0; msg[i]; i++) {
		if (msg[i] == '\n')
			expected[n++] = '\r';
		expected[n++] = msg[i];
	}
	memcpy(expected + n, "\r\n", 2);
	n += 2;

	memset(&r, 0, sizeof r);
	r.data = msg;
	r.len = sizeof msg - 1;
	e = send_to(SELF_IP, SMTP_PORT, 5000, &r);
	{
		char why[200];

		snprintf(why, sizeof why, "send returned %s; server got %zu bytes (want %zu), end %s",
			 pl_strerror(e), data_len, n, data_ok ? "seen" : "missing");
		report("lwip_loop_send", e == PL_OK && data_ok && data_len == n &&
						 memcmp(data_seen, expected, n) == 0, why);
	}

	memset(&r, 0, sizeof r);
	r.data = msg;
	r.len = sizeof msg - 1;
	t0 = pl_port_monotonic_ms();
	e = send_to(SELF_IP, MUTE_PORT, 700, &r);
	expect_err("lwip_loop_recv_timeout", e, PL_E_TIMEOUT, pl_port_monotonic_ms() - t0, 700, 2500);

	t0 = pl_port_monotonic_ms();
	e = send_to(SELF_IP, CLOSED_PORT, 3000, &r);
	expect_err("lwip_loop_refused", e, PL_E_CONNECT, pl_port_monotonic_ms() - t0, 0, 2000);

	t0 = pl_port_monotonic_ms();
	e = send_to(VOID_IP, SMTP_PORT, 600, &r);
	expect_err("lwip_loop_connect_timeout", e, PL_E_TIMEOUT, pl_port_monotonic_ms() - t0, 600,
		   2500);

	t0 = pl_port_monotonic_ms();
	e = send_to("mail.postlet.test", SMTP_PORT, 1000, &r);
#if LWIP_DNS
	report("lwip_loop_no_dns", 1, "");
	(void)e;
#else
	expect_err("lwip_loop_no_dns", e, PL_E_RESOLVE, pl_port_monotonic_ms() - t0, 0, 100);
#endif
	return failures ? 1 : 0;
}
