/*
 * lwIP's own SMTP client (lwip/src/apps/smtp, raw TCP API, no TLS here)
 * linked into an otherwise identical image, for the size comparison in
 * `make size`: same lwIP, lwipopts.h, board stubs and compiler flags.
 */
#include "lwip/apps/smtp.h"
#include "lwip/dhcp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"

#include "board.h"

static struct netif eth;
static volatile int net_ready, done;

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

static void sent(void *arg, u8_t result, u16_t srv_err, err_t err)
{
	(void)arg;
	(void)result;
	(void)srv_err;
	(void)err;
	done = 1;
}

static void start_send(void *arg)
{
	(void)arg;
	smtp_set_server_addr("192.0.2.25");
	smtp_set_server_port(587);
	smtp_set_auth("device-17@example.com", "change-me");
	smtp_send_mail("device-17@example.com", "ops@example.com",
		       "[ALERT] device-17 temperature high",
		       "Sensor 3 read 81 C (limit 75 C).", sent, NULL);
}

int main(void)
{
	board_init();
	tcpip_init(net_up, NULL);
	while (!net_ready || !dhcp_supplied_address(&eth))
		board_eth_poll(&eth);
	/* the raw API runs in the tcpip thread */
	tcpip_callback(start_send, NULL);
	while (!done)
		board_eth_poll(&eth);
	for (;;)
		board_eth_poll(&eth);
}
