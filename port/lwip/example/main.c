/*
 * Example firmware application: bring up lwIP on the board's Ethernet with
 * DHCP, then send one alert with postlet's session driver over STARTTLS +
 * AUTH PLAIN, the server certificate checked against a CA compiled into the
 * image.  Built for a Cortex-M4 by `make firmware` (mk/firmware.mk) to prove
 * that postlet + lwIP + wolfSSL link into one image and to measure it
 * (`make size`); the board and OS layers are stubs (board.c, sys_arch.c).
 */
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"

#include "board.h"
#include "port.h"
#include "session.h"

#include "example_ca.h" /* generated: static const char example_ca_pem[] */

/* Replace with the device's account (or read it from provisioning). */
#define ALERT_HOST "192.0.2.25"          /* numeric: works with or without DNS */
#define ALERT_TLS_NAME "mail.example.com" /* name the certificate carries */
#define ALERT_USER "device-17@example.com"
#define ALERT_PASSWORD "change-me"
#define ALERT_RCPT "ops@example.com"

static struct netif eth;
static pl_session session; /* every postlet buffer, static: no heap in postlet */
static volatile int net_ready;

struct alert {
	const char *text;
	size_t off;
};

static long alert_read(void *ctx, uint8_t *buf, size_t cap)
{
	struct alert *a = ctx;
	size_t n = strlen(a->text + a->off);

	if (n > cap)
		n = cap;
	memcpy(buf, a->text + a->off, n);
	a->off += n;
	return (long)n;
}

static void net_up(void *arg)
{
	(void)arg;
	netif_add(&eth, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, board_eth_init,
		  tcpip_input);
	netif_set_default(&eth);
	netif_set_up(&eth);
	dhcp_start(&eth);
	net_ready = 1;
}

static pl_err send_alert(const char *subject_and_body)
{
	static const char *const rcpts[] = { ALERT_RCPT };
	struct alert body = { subject_and_body, 0 };
	pl_account acct;
	pl_message msg;

	memset(&acct, 0, sizeof acct);
	acct.host = ALERT_HOST;
	acct.port = 587;
	acct.tls_mode = PL_TLS_STARTTLS;
	acct.trust_pem = example_ca_pem;
	acct.tls_name = ALERT_TLS_NAME;
	acct.auth_mechs = PL_AUTH_PLAIN;
	acct.user = ALERT_USER;
	acct.password = ALERT_PASSWORD;
	acct.ehlo_domain = "device-17.example.com";
	acct.timeout_ms = 30000;

	memset(&msg, 0, sizeof msg);
	msg.from = ALERT_USER;
	msg.rcpts = rcpts;
	msg.nrcpt = 1;
	msg.size_hint = strlen(subject_and_body);
	msg.read = alert_read;
	msg.read_ctx = &body;
	return pl_session_send(&session, &acct, &msg);
}

int main(void)
{
	pl_err e;

	board_init();
	pl_port_set_log_level(PL_LOG_WARN);
	tcpip_init(net_up, NULL);
	while (!net_ready || !dhcp_supplied_address(&eth))
		board_eth_poll(&eth);

	e = send_alert("From: device-17 <" ALERT_USER ">\r\n"
		       "To: <" ALERT_RCPT ">\r\n"
		       "Subject: [ALERT] device-17 temperature high\r\n"
		       "\r\n"
		       "Sensor 3 read 81 C (limit 75 C).\r\n");
	if (e != PL_OK) {
		const pl_smtp_error *ei = pl_smtp_error_info(&session.smtp);

		pl_port_log(PL_LOG_ERROR, "alert not sent: %s at %s (%d %s)", pl_strerror(e),
			    pl_stage_name(ei->stage), ei->code, ei->enhanced);
	}
	for (;;)
		board_eth_poll(&eth);
}
