/*
 * Board hooks of the lwIP port (port/lwip/port_lwip.h) for the host tests:
 * what a firmware would take from its TRNG, RTC and UART, taken from Linux.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "port.h"
#include "port_lwip.h"

int pl_board_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int pl_board_wall_clock(int64_t *utc, int *offset_min)
{
	struct tm tm;
	time_t now = time(NULL);

	if (now == (time_t)-1 || localtime_r(&now, &tm) == NULL)
		return -1;
	*utc = (int64_t)now;
	*offset_min = (int)(tm.tm_gmtoff / 60);
	return 0;
}

void pl_board_log(int level, const char *line)
{
	static const char *const tag[] = { "error", "warning", "info", "trace" };

	fprintf(stderr, "postlet-lwip %s: %s\n",
		level >= 0 && level <= PL_LOG_TRACE ? tag[level] : "?", line);
}
