#include "sasl.h"

#include <string.h>

#ifdef WOLFSSL_USER_SETTINGS
#include <wolfssl/wolfcrypt/settings.h>
#else
#include <wolfssl/options.h>
#endif
#include <wolfssl/wolfcrypt/coding.h>

#define PL_SASL_PART_MAX 255

void pl_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

pl_err pl_sasl_b64(const void *in, size_t inlen, char *out, size_t outcap, size_t *outlen)
{
	word32 n;

	if (outcap < 1 || (inlen + 2) / 3 * 4 + 1 > outcap)
		return PL_E_LIMIT;
	if (inlen == 0) {
		out[0] = '\0';
		*outlen = 0;
		return PL_OK;
	}
	n = (word32)(outcap - 1);
	if (Base64_Encode_NoNl(in, (word32)inlen, (byte *)out, &n) != 0)
		return PL_E_INTERNAL;
	out[n] = '\0';
	*outlen = n;
	return PL_OK;
}

pl_err pl_sasl_plain(const char *user, const char *password, char *out,
		     size_t outcap, size_t *outlen)
{
	unsigned char msg[2 * PL_SASL_PART_MAX + 2];
	size_t ul = strlen(user), pl = strlen(password);
	pl_err e;

	if (ul > PL_SASL_PART_MAX || pl > PL_SASL_PART_MAX)
		return PL_E_LIMIT;
	msg[0] = 0;
	memcpy(msg + 1, user, ul);
	msg[1 + ul] = 0;
	memcpy(msg + 2 + ul, password, pl);
	e = pl_sasl_b64(msg, ul + pl + 2, out, outcap, outlen);
	pl_wipe(msg, sizeof(msg));
	return e;
}
