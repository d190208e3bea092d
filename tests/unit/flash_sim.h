/*
 * NOR flash double for the block store's tests: erase sets a sector to
 * 0xFF, program only clears bits.  Power loss is simulated at the Nth
 * write point (each program unit and each erase is one): the unit being
 * programmed keeps a random subset of its new zero bits, a sector being
 * erased a random subset of its old words, and every later call fails
 * until flash_sim_power_on().  Optionally backed by a file (write-through).
 */
#ifndef FLASH_SIM_H
#define FLASH_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "store_block.h"

typedef struct flash_sim {
	pl_flash f;
	uint8_t *mem;
	size_t size;
	unsigned long points;   /* write points passed since power on */
	unsigned long cut_at;   /* 0 = never; else lose power at this point */
	int dead;               /* power lost: every call fails */
	unsigned long overwrites; /* programs of a unit that was not erased */
	uint32_t rng;
	int fd;                 /* backing file or -1 */
} flash_sim;

/* path NULL = memory only; else the image is loaded from the file when it
 * exists (and has the right size) and every change is written through. */
int flash_sim_init(flash_sim *s, uint32_t sector_size, uint32_t sector_count,
		   uint32_t prog_size, const char *path);
void flash_sim_free(flash_sim *s);
/* Power comes back: calls work again; cut_at cleared, points restarted. */
void flash_sim_power_on(flash_sim *s);

#endif
