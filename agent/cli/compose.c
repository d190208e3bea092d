#include "compose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "port.h"

int pl_compose_missing_headers(pl_msg *m, const char *from, const char *fullname)
{
	char buf[512];
	char *h;
	int64_t now;
	int tz;

	if (!(h = pl_msg_header(m, "From"))) {
		if (fullname)
			snprintf(buf, sizeof(buf), "%s <%s>", fullname, from);
		else
			snprintf(buf, sizeof(buf), "%s", from);
		if (pl_msg_prepend_header(m, "From", buf))
			return EX_OSERR;
	}
	free(h);
	/* without a trustworthy clock, leave Date: to the server */
	if (!(h = pl_msg_header(m, "Date")) && pl_port_wall_clock(&now, &tz) == PL_OK) {
		time_t t = (time_t)now;
		struct tm tm;
		char date[64];

		localtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S", &tm);
		snprintf(buf, sizeof(buf), "%s %c%02d%02d", date, tz < 0 ? '-' : '+', abs(tz) / 60,
			 abs(tz) % 60);
		if (pl_msg_prepend_header(m, "Date", buf))
			return EX_OSERR;
	}
	free(h);
	if (!(h = pl_msg_header(m, "Message-ID"))) {
		uint8_t r[12];
		const char *dom = strrchr(from, '@');

		if (pl_port_random(r, sizeof(r)) == PL_OK) {
			size_t i, o = (size_t)snprintf(buf, sizeof(buf), "<");

			for (i = 0; i < sizeof(r); i++)
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%02x", r[i]);
			snprintf(buf + o, sizeof(buf) - o, ".postlet@%s>", dom ? dom + 1 : "localhost");
			if (pl_msg_prepend_header(m, "Message-ID", buf))
				return EX_OSERR;
		}
	}
	free(h);
	return 0;
}
