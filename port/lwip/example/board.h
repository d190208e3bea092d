/* Board stubs of the example image: what a real board's BSP provides. */
#ifndef PL_EXAMPLE_BOARD_H
#define PL_EXAMPLE_BOARD_H

#include <stdint.h>

#include "lwip/netif.h"
#include "store_block.h"

void board_init(void);                 /* clocks, SysTick, TRNG */
uint32_t board_rand32(void);           /* LWIP_RAND() */
void board_set_utc(int64_t utc);       /* after SNTP: enables Date: and cert checks */
err_t board_eth_init(struct netif *n); /* netif_add() init function */
void board_eth_poll(struct netif *n);  /* hand received frames to lwIP */
void board_fatal(const char *why) __attribute__((noreturn));
/* The alert queue's flash: three 128 KiB sectors at the top of the bank
 * (STM32F4 sectors 9-11, kept out of the image by cm4.ld). */
extern const pl_flash board_flash;

#endif
