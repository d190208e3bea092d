/* NOR flash double with power-loss injection (see flash_sim.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flash_sim.h"

static uint32_t rnd(flash_sim *s)
{
	/* xorshift32: reproducible cuts for a given seed */
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 17;
	s->rng ^= s->rng << 5;
	return s->rng;
}

static void sync_out(flash_sim *s, uint32_t addr, size_t len)
{
	if (s->fd >= 0 && pwrite(s->fd, s->mem + addr, len, (off_t)addr) != (ssize_t)len)
		s->dead = 1;
}

/* One write point passes; returns 1 when power is lost at it. */
static int point(flash_sim *s)
{
	s->points++;
	if (s->cut_at && s->points == s->cut_at) {
		s->dead = 1;
		return 1;
	}
	return 0;
}

static int sim_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	flash_sim *s = ctx;

	if (s->dead || addr > s->size || len > s->size - addr)
		return -1;
	memcpy(buf, s->mem + addr, len);
	return 0;
}

static int sim_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
	flash_sim *s = ctx;
	const uint8_t *p = buf;
	uint32_t u = s->f.prog_size, i, j;

	if (s->dead || addr % u || len % u || addr > s->size || len > s->size - addr)
		return -1;
	for (i = 0; i < len; i += u) {
		int cut = point(s);

		for (j = 0; j < u; j++) {
			uint8_t old = s->mem[addr + i + j], want = old & p[i + j];

			if (old != 0xff)
				s->overwrites++;
			if (cut) /* some of the bits to clear made it */
				want = (uint8_t)(old & (p[i + j] | (uint8_t)rnd(s)));
			s->mem[addr + i + j] = want;
		}
		sync_out(s, addr + i, u);
		if (cut)
			return -1;
	}
	return 0;
}

static int sim_erase(void *ctx, uint32_t sector)
{
	flash_sim *s = ctx;
	uint32_t sz = s->f.sector_size, base = sector * sz, i;

	if (s->dead || sector >= s->f.sector_count)
		return -1;
	if (point(s)) {
		/* a random part of the sector was erased */
		for (i = 0; i < sz; i += 4)
			if (rnd(s) & 1)
				memset(s->mem + base + i, 0xff, 4);
		sync_out(s, base, sz);
		return -1;
	}
	memset(s->mem + base, 0xff, sz);
	sync_out(s, base, sz);
	return 0;
}

int flash_sim_init(flash_sim *s, uint32_t sector_size, uint32_t sector_count,
		   uint32_t prog_size, const char *path)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->size = (size_t)sector_size * sector_count;
	s->mem = malloc(s->size);
	if (!s->mem)
		return -1;
	memset(s->mem, 0xff, s->size);
	s->fd = -1;
	s->rng = 0x2545f491u;
	s->f.sector_size = sector_size;
	s->f.sector_count = sector_count;
	s->f.prog_size = prog_size;
	s->f.read = sim_read;
	s->f.program = sim_program;
	s->f.erase = sim_erase;
	s->f.ctx = s;
	if (path) {
		s->fd = open(path, O_RDWR | O_CREAT, 0600);
		if (s->fd < 0)
			return -1;
		if (fstat(s->fd, &st) == 0 && (size_t)st.st_size == s->size) {
			if (pread(s->fd, s->mem, s->size, 0) != (ssize_t)s->size)
				return -1;
		} else if (ftruncate(s->fd, 0) != 0 || pwrite(s->fd, s->mem, s->size, 0) != (ssize_t)s->size) {
			return -1;
		}
	}
	return 0;
}

void flash_sim_power_on(flash_sim *s)
{
	s->dead = 0;
	s->cut_at = 0;
	s->points = 0;
}

void flash_sim_free(flash_sim *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->mem);
	s->mem = NULL;
}
