/*
 * The two hooks the wolfSSL firmware profile calls
 * (configs/wolfssl/user_settings_firmware.h), answered by postlet's port so
 * TLS and postlet share one entropy source and one clock.
 */
#include <stdint.h>

#include "port.h"

int pl_port_wolfssl_seed(unsigned char *out, unsigned int sz);
unsigned long pl_port_wolfssl_time(unsigned long *t);

int pl_port_wolfssl_seed(unsigned char *out, unsigned int sz)
{
	return pl_port_random(out, sz) == PL_OK ? 0 : -1;
}

unsigned long pl_port_wolfssl_time(unsigned long *t)
{
	int64_t utc = 0;
	int off;

	/* Without a clock, certificates cannot be checked for expiry: 0 makes
	 * wolfSSL reject them as not yet valid (fail closed). */
	if (pl_port_wall_clock(&utc, &off) != PL_OK)
		utc = 0;
	if (t)
		*t = (unsigned long)utc;
	return (unsigned long)utc;
}
