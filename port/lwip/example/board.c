/*
 * Board stubs of the example image, written against an STM32F4-class
 * Cortex-M4 (SysTick for the clock, the RNG peripheral for entropy) with a
 * placeholder Ethernet MAC: one TX and one RX frame buffer behind two
 * registers.  A product uses its vendor's MAC driver; these keep the image
 * honest about what the board has to supply (port/lwip/README.md):
 *   - lwIP: sys_now(), LWIP_RAND(), a netif driver;
 *   - postlet's lwIP port: pl_board_random/wall_clock/log (port_lwip.h).
 * wolfssl_hooks.c maps the wolfSSL profile's entropy and time onto the port.
 */
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "netif/ethernet.h"

#include "board.h"
#include "port_lwip.h"

#define REG(a) (*(volatile uint32_t *)(a))

/* SysTick (ARMv7-M system control space) */
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define CORE_HZ 168000000u

/* STM32F4 RNG and its AHB2 clock enable */
#define RCC_AHB2ENR REG(0x40023834u)
#define RNG_CR REG(0x50060800u)
#define RNG_SR REG(0x50060804u)
#define RNG_DR REG(0x50060808u)
#define RNG_SR_DRDY 1u
#define RNG_SR_ERR 0x66u /* CEIS | SEIS | CECS | SECS */

/* Placeholder MAC: frame buffers and length/go registers */
#define MAC_BASE 0x40028000u
#define MAC_TX_LEN REG(MAC_BASE + 0x00u)
#define MAC_RX_LEN REG(MAC_BASE + 0x04u)
#define MAC_TX_BUF ((volatile uint8_t *)(MAC_BASE + 0x800u))
#define MAC_RX_BUF ((const volatile uint8_t *)(MAC_BASE + 0x1000u))
#define MAC_FRAME_MAX 1536u

static volatile uint32_t ticks_ms;
static int64_t utc_base;      /* UTC at utc_tick, 0 = not set */
static uint32_t utc_tick;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
	ticks_ms++;
}

void board_init(void)
{
	SYST_RVR = CORE_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u; /* core clock, interrupt, enable */
	RCC_AHB2ENR |= 1u << 6;
	RNG_CR = 1u << 2; /* RNGEN */
}

void board_fatal(const char *why)
{
	(void)why;
	for (;;)
		__asm volatile("bkpt #0");
}

u32_t sys_now(void)
{
	return ticks_ms;
}

/* ---- entropy ------------------------------------------------------------ */
static int trng_word(uint32_t *w)
{
	uint32_t spins = 0;

	while (!(RNG_SR & RNG_SR_DRDY)) {
		if ((RNG_SR & RNG_SR_ERR) || ++spins > 100000u)
			return -1;
	}
	*w = RNG_DR;
	return 0;
}

uint32_t board_rand32(void)
{
	uint32_t w = 0;

	if (trng_word(&w) != 0)
		board_fatal("TRNG failed");
	return w;
}

int pl_board_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		uint32_t w;
		size_t n = len < 4 ? len : 4;

		if (trng_word(&w) != 0)
			return -1;
		memcpy(p, &w, n);
		p += n;
		len -= n;
	}
	return 0;
}

/* ---- wall clock: set by the application once SNTP answered ---------------- */
void board_set_utc(int64_t utc)
{
	utc_tick = ticks_ms;
	utc_base = utc;
}

int pl_board_wall_clock(int64_t *utc, int *offset_min)
{
	if (utc_base == 0)
		return -1; /* no trustworthy time: postlet omits Date: */
	*utc = utc_base + (int64_t)((uint32_t)(ticks_ms - utc_tick) / 1000u);
	*offset_min = 0;
	return 0;
}

void pl_board_log(int level, const char *line)
{
	(void)level;
	(void)line; /* a product writes to its UART or RTT here */
}

/* ---- Ethernet: placeholder MAC -------------------------------------------- */
static err_t eth_linkoutput(struct netif *n, struct pbuf *p)
{
	(void)n;
	if (p->tot_len > MAC_FRAME_MAX)
		return ERR_BUF;
	while (MAC_TX_LEN != 0) /* previous frame still going out */
		;
	uint32_t off = 0;

	for (const struct pbuf *q = p; q; q = q->next)
		for (uint16_t i = 0; i < q->len; i++)
			MAC_TX_BUF[off++] = ((const uint8_t *)q->payload)[i];
	MAC_TX_LEN = p->tot_len;
	return ERR_OK;
}

void board_eth_poll(struct netif *n)
{
	uint32_t len = MAC_RX_LEN;
	struct pbuf *p;

	if (len == 0 || len > MAC_FRAME_MAX)
		return;
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (p) {
		uint8_t frame[64];
		uint16_t off = 0;

		while (off < len) {
			uint16_t k = (uint16_t)(len - off < sizeof frame ? len - off : sizeof frame);

			for (uint16_t i = 0; i < k; i++)
				frame[i] = MAC_RX_BUF[off + i];
			pbuf_take_at(p, frame, k, off);
			off = (uint16_t)(off + k);
		}
		if (n->input(p, n) != ERR_OK)
			pbuf_free(p);
	}
	MAC_RX_LEN = 0; /* hand the buffer back to the MAC */
}

err_t board_eth_init(struct netif *n)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 }; /* local */

	n->name[0] = 'e';
	n->name[1] = 'n';
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, mac, sizeof mac);
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_LINK_UP;
	n->output = etharp_output;
	n->linkoutput = eth_linkoutput;
	return ERR_OK;
}

/* ---- flash for the alert queue: STM32F4 sectors 9-11, word programming ---- */
#define FLASH_KEYR REG(0x40023C04u)
#define FLASH_SR REG(0x40023C0Cu)
#define FLASH_CR REG(0x40023C10u)
#define FLASH_SR_BSY (1u << 16)
#define FLASH_SR_ERRS 0xF2u /* PGSERR PGPERR PGAERR WRPERR OPERR */
#define FLASH_CR_PG 1u
#define FLASH_CR_SER 2u
#define FLASH_CR_PSIZE_X32 (2u << 8)
#define FLASH_CR_STRT (1u << 16)
#define FLASH_CR_LOCK (1u << 31)
#define STORE_BASE 0x080A0000u
#define STORE_SECTOR 0x20000u
#define STORE_FIRST_SECTOR 9u

static int flash_wait(void)
{
	while (FLASH_SR & FLASH_SR_BSY)
		;
	if (FLASH_SR & FLASH_SR_ERRS) {
		FLASH_SR = FLASH_SR_ERRS; /* write 1 to clear */
		return -1;
	}
	return 0;
}

static void flash_unlock(void)
{
	if (FLASH_CR & FLASH_CR_LOCK) {
		FLASH_KEYR = 0x45670123u;
		FLASH_KEYR = 0xCDEF89ABu;
	}
}

static int fl_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	(void)ctx;
	memcpy(buf, (const void *)(uintptr_t)(STORE_BASE + addr), len); /* memory-mapped */
	return 0;
}

static int fl_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int r = 0;

	(void)ctx;
	flash_unlock();
	FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_PG;
	for (size_t i = 0; i < len && r == 0; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		REG(STORE_BASE + addr + i) = w;
		r = flash_wait();
	}
	FLASH_CR = FLASH_CR_LOCK;
	return r;
}

static int fl_erase(void *ctx, uint32_t sector)
{
	int r;

	(void)ctx;
	flash_unlock();
	FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER | ((STORE_FIRST_SECTOR + sector) << 3);
	FLASH_CR |= FLASH_CR_STRT;
	r = flash_wait();
	FLASH_CR = FLASH_CR_LOCK;
	return r;
}

const pl_flash board_flash = {
	STORE_SECTOR, 3, 4, fl_read, fl_program, fl_erase, NULL,
};
