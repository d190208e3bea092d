/*
 * Example firmware application: bring up lwIP on the board's Ethernet with
 * DHCP, then raise an alert through postlet's alert API: queued in flash
 * (the block store over board_flash, RAM if that fails), storm-checked,
 * and delivered from the main loop over STARTTLS + AUTH PLAIN, the server
 * certificate checked against a CA compiled into the image.  Built for a Cortex-M4 by `make firmware` (mk/firmware.mk) to prove
 * that postlet + lwIP + wolfSSL link into one image and to measure it
 * (`make size`); the board and OS layers are stubs (board.c, sys_arch.c).
 */
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"

#include "board.h"
#include "lwip/sys.h"

#include "port.h"
#include "queue/alert.h"
#include "session.h"
#include "store_block.h"
#include "store_ram.h"

#include "example_ca.h" /* generated: static const char example_ca_pem[] */

/* Replace with the device's account (or read it from provisioning). */
#define ALERT_HOST "192.0.2.25"          /* numeric: works with or without DNS */
#define ALERT_TLS_NAME "mail.example.com" /* name the certificate carries */
#define ALERT_USER "device-17@example.com"
#define ALERT_PASSWORD "change-me"
#define ALERT_RCPT "ops@example.com"

static struct netif eth;
static volatile int net_ready;

#if PL_ENABLE_ALERT
/* Every postlet buffer is static: no heap in postlet.  The alert context
 * holds the session (TLS and SMTP buffers), the queue's scratch and the
 * storm table; the queue itself lives in flash (board_flash), or in RAM
 * when the flash area cannot be used. */
static pl_alert_ctx alerts;
static pl_store_block flash_queue;
static pl_store_ram ram_queue;
static uint8_t ram_queue_mem[PL_STORE_RAM_BYTES];

#else
static pl_session session; /* the minimal build: one direct send */
#endif

static const char *const rcpts[] = { ALERT_RCPT };

static const pl_account acct = {
	.host = ALERT_HOST,
	.port = 587,
	.tls_mode = PL_TLS_STARTTLS,
	.trust_pem = example_ca_pem,
	.tls_name = ALERT_TLS_NAME,
	.auth_mechs = PL_AUTH_PLAIN,
	.user = ALERT_USER,
	.password = ALERT_PASSWORD,
	.ehlo_domain = "device-17.example.com",
	.timeout_ms = 30000,
};

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

#if PL_ENABLE_ALERT
/* Every attempt's outcome: where it stopped and what the server said. */
static void alert_done(void *ctx, const pl_alert_outcome *o)
{
	(void)ctx;
	if (o->err == PL_OK)
		pl_port_log(PL_LOG_INFO, "alert %lu delivered", (unsigned long)o->id);
	else
		pl_port_log(PL_LOG_WARN, "alert %lu: %s at %s (%d %s), %lu retries left",
			    (unsigned long)o->id, pl_strerror(o->err), pl_stage_name(o->stage),
			    o->code, o->enhanced, (unsigned long)o->retries_left);
}

static void alerts_init(void)
{
	static pl_alert_config cfg;
	pl_store store;

	if (pl_store_block_init(&flash_queue, &board_flash, 0) == PL_OK) {
		store = pl_store_block_store(&flash_queue);
	} else {
		pl_store_ram_init(&ram_queue, ram_queue_mem, sizeof ram_queue_mem, 0);
		store = pl_store_ram_store(&ram_queue);
	}
	cfg.from = ALERT_USER;
	cfg.from_name = "device-17";
	cfg.rcpts = rcpts;
	cfg.nrcpt = 1;
	cfg.done = alert_done;
	if (pl_alert_init(&alerts, &cfg, &store, &acct) != PL_OK)
		board_fatal("alert init");
}

#else
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

static pl_err send_alert(const char *subject_and_body)
{
	struct alert body = { subject_and_body, 0 };
	pl_message msg;

	memset(&msg, 0, sizeof msg);
	msg.from = ALERT_USER;
	msg.rcpts = rcpts;
	msg.nrcpt = 1;
	msg.size_hint = strlen(subject_and_body);
	msg.read = alert_read;
	msg.read_ctx = &body;
	return pl_session_send(&session, &acct, &msg);
}
#endif

int main(void)
{
	static const pl_alert temp_high = {
		.subject = "[ALERT] device-17 temperature high",
		.body = "Sensor 3 read 81 C (limit 75 C).\n",
		.key = "temperature",
		.priority = 200,
	};
	uint32_t last_poll = 0;

	board_init();
	pl_port_set_log_level(PL_LOG_WARN);
#if PL_ENABLE_ALERT
	alerts_init(); /* alerts queued before a reboot are still there */
#endif
	tcpip_init(net_up, NULL);
	while (!net_ready || !dhcp_supplied_address(&eth))
		board_eth_poll(&eth);
#if !PL_ENABLE_ALERT
	(void)temp_high;
	(void)last_poll;
	if (send_alert("From: device-17 <" ALERT_USER ">\r\n"
		       "To: <" ALERT_RCPT ">\r\n"
		       "Subject: [ALERT] device-17 temperature high\r\n"
		       "\r\n"
		       "Sensor 3 read 81 C (limit 75 C).\r\n") != PL_OK)
		pl_port_log(PL_LOG_ERROR, "alert not sent");
	for (;;)
		board_eth_poll(&eth);
#else

	/* queued at once; storm control folds repeats into a digest */
	if (pl_alert_send(&alerts, &temp_high, NULL) != PL_OK)
		pl_port_log(PL_LOG_ERROR, "alert not queued");
	for (;;) {
		board_eth_poll(&eth);
		if (sys_now() - last_poll >= 1000u) { /* due alerts, once a second */
			last_poll = sys_now();
			(void)pl_alert_poll(&alerts);
		}
	}
#endif
}
