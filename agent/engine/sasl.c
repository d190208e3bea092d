/*
 * SASL messages.  Design notes:
 *  - Messages are base64'd as they are produced (struct b64w): the clear
 *    text of a credential never exists whole in a buffer of ours, only
 *    48 bytes at a time in a scratch block that is wiped.
 *  - SCRAM's AuthMessage is never stored either: it is fed to the HMACs
 *    piece by piece (client-first-bare is rebuilt from user and nonce).
 *  - Mechanisms switched off in Kconfig compile to stubs, so the minimal
 *    build carries none of their code.
 */
#include "sasl.h"

#include <string.h>

#ifdef WOLFSSL_USER_SETTINGS
#include <wolfssl/wolfcrypt/settings.h>
#else
#include <wolfssl/options.h>
#endif
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/pwdbased.h>

#define HAS_CRAM PL_ENABLE_AUTH_CRAM_MD5
#define HAS_OAUTH (PL_ENABLE_AUTH_XOAUTH2 || PL_ENABLE_AUTH_OAUTHBEARER)

void pl_wipe(void *p, size_t n)
{
#if defined(__GNUC__)
	/* memset at full speed (the session's buffers are wiped on every
	 * run: a byte loop cost 80 k instructions per send); the empty asm
	 * that "reads" p keeps the compiler from dropping the stores */
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
#else
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
#endif
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

static int b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

pl_err pl_sasl_unb64(const char *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	size_t i, pad = 0;
	word32 n;

	*outlen = 0;
	if (inlen % 4)
		return PL_E_PROTOCOL;
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '=' && i + 2 >= inlen && (pad || i + 1 == inlen || in[i + 1] == '='))
			pad++;
		else if (pad || !b64_char(c))
			return PL_E_PROTOCOL;
	}
	if (inlen == 0)
		return PL_OK;
	if (inlen / 4 * 3 - pad > outcap)
		return PL_E_LIMIT;
	n = (word32)outcap;
	if (Base64_Decode((const byte *)in, (word32)inlen, out, &n) != 0)
		return PL_E_PROTOCOL;
	*outlen = n;
	return PL_OK;
}

/* ---- streaming base64 writer --------------------------------------------- */

#define B64W_BLOCK 48 /* input bytes per wolfCrypt call: 64 characters */

struct b64w {
	char *out;
	size_t cap, len;
	uint8_t blk[B64W_BLOCK];
	size_t nb;
	int over;
};

static void b64w_init(struct b64w *w, char *out, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->cap = cap;
}

static void b64w_flush(struct b64w *w)
{
	size_t need = (w->nb + 2) / 3 * 4;
	word32 n = (word32)need;
	char tmp[B64W_BLOCK / 3 * 4 + 1];

	if (w->over)
		w->nb = 0;
	if (w->nb == 0)
		return;
	if (w->len + need + 1 > w->cap || Base64_Encode_NoNl(w->blk, (word32)w->nb, (byte *)tmp, &n) != 0 ||
	    n != need) {
		w->over = 1;
	} else {
		memcpy(w->out + w->len, tmp, n);
		w->len += n;
	}
	pl_wipe(tmp, sizeof(tmp));
	w->nb = 0;
}

static void b64w_put(struct b64w *w, const void *p, size_t n)
{
	const uint8_t *s = p;

	while (n--) {
		w->blk[w->nb++] = *s++;
		if (w->nb == B64W_BLOCK)
			b64w_flush(w);
	}
}

static void b64w_str(struct b64w *w, const char *s)
{
	b64w_put(w, s, strlen(s));
}

static pl_err b64w_end(struct b64w *w, size_t *outlen)
{
	b64w_flush(w);
	pl_wipe(w->blk, sizeof(w->blk));
	if (w->over || w->len + 1 > w->cap)
		return PL_E_LIMIT;
	w->out[w->len] = '\0';
	*outlen = w->len;
	return PL_OK;
}

static int over_limits(const char *user, const char *secret)
{
	return strlen(user) > CONFIG_POSTLET_AUTH_USER_MAX ||
	       (secret && strlen(secret) > CONFIG_POSTLET_AUTH_SECRET_MAX);
}

pl_err pl_sasl_plain(const char *user, const char *password, char *out,
		     size_t outcap, size_t *outlen)
{
	struct b64w w;

	if (over_limits(user, password))
		return PL_E_LIMIT;
	b64w_init(&w, out, outcap);
	b64w_put(&w, "", 1);
	b64w_str(&w, user);
	b64w_put(&w, "", 1);
	b64w_str(&w, password);
	return b64w_end(&w, outlen);
}

#if HAS_OAUTH || PL_ENABLE_SCRAM
/* GS2/SCRAM saslname: ',' and '=' escaped as "=2C" and "=3D". */
static void b64w_saslname(struct b64w *w, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			b64w_str(w, "=2C");
		else if (*s == '=')
			b64w_str(w, "=3D");
		else
			b64w_put(w, s, 1);
	}
}
#endif

/* Largest decoded server challenge: a whole reply line of base64. */
#define CHALLENGE_MAX (CONFIG_POSTLET_REPLY_LINE_MAX / 4 * 3 + 3)

/* ---- HMAC over pieces ------------------------------------------------------ */

#if HAS_CRAM || PL_ENABLE_SCRAM
struct mac {
	Hmac h;
	int err;
};

static void mac_start(struct mac *m, int type, const uint8_t *key, size_t klen)
{
	m->err = wc_HmacInit(&m->h, NULL, INVALID_DEVID) != 0;
	if (!m->err)
		m->err = wc_HmacSetKey(&m->h, type, key, (word32)klen) != 0;
}

static void mac_put(struct mac *m, const void *p, size_t n)
{
	if (!m->err && n)
		m->err = wc_HmacUpdate(&m->h, p, (word32)n) != 0;
}

static int mac_end(struct mac *m, uint8_t *out)
{
	if (!m->err)
		m->err = wc_HmacFinal(&m->h, out) != 0;
	wc_HmacFree(&m->h);
	pl_wipe(&m->h, sizeof(m->h));
	return m->err ? -1 : 0;
}

static int hmac1(int type, const uint8_t *key, size_t klen, const void *msg, size_t n, uint8_t *out)
{
	struct mac m;

	mac_start(&m, type, key, klen);
	mac_put(&m, msg, n);
	return mac_end(&m, out);
}
#endif

/* ---- CRAM-MD5 -------------------------------------------------------------- */

#if HAS_CRAM
pl_err pl_sasl_cram_md5(const char *user, const char *password, const char *challenge_b64,
			char *out, size_t outcap, size_t *outlen)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t ch[CHALLENGE_MAX], mac[WC_MD5_DIGEST_SIZE] = { 0 };
	char digest[2 * WC_MD5_DIGEST_SIZE];
	size_t chlen, i;
	struct b64w w;
	pl_err e;

	if (over_limits(user, password))
		return PL_E_LIMIT;
	e = pl_sasl_unb64(challenge_b64, strlen(challenge_b64), ch, sizeof(ch), &chlen);
	if (e == PL_E_LIMIT || (e == PL_OK && chlen == 0))
		e = PL_E_PROTOCOL;
	if (e)
		return e;
	if (hmac1(WC_MD5, (const uint8_t *)password, strlen(password), ch, chlen, mac) != 0)
		return PL_E_INTERNAL;
	for (i = 0; i < sizeof(mac); i++) {
		digest[2 * i] = hex[mac[i] >> 4];
		digest[2 * i + 1] = hex[mac[i] & 15];
	}
	b64w_init(&w, out, outcap);
	b64w_str(&w, user);
	b64w_put(&w, " ", 1);
	b64w_put(&w, digest, sizeof(digest));
	e = b64w_end(&w, outlen);
	pl_wipe(mac, sizeof(mac));
	pl_wipe(digest, sizeof(digest));
	return e;
}
#else
pl_err pl_sasl_cram_md5(const char *user, const char *password, const char *challenge_b64,
			char *out, size_t outcap, size_t *outlen)
{
	(void)user, (void)password, (void)challenge_b64, (void)out, (void)outcap, (void)outlen;
	return PL_E_USAGE;
}
#endif

/* ---- XOAUTH2, OAUTHBEARER -------------------------------------------------- */

#if HAS_OAUTH
pl_err pl_sasl_xoauth2(const char *user, const char *token, char *out, size_t outcap,
		       size_t *outlen)
{
	struct b64w w;

	if (over_limits(user, token))
		return PL_E_LIMIT;
	if (strchr(user, 1) || strchr(token, 1))
		return PL_E_CONFIG;
	b64w_init(&w, out, outcap);
	b64w_str(&w, "user=");
	b64w_str(&w, user);
	b64w_str(&w, "\1auth=Bearer ");
	b64w_str(&w, token);
	b64w_str(&w, "\1\1");
	return b64w_end(&w, outlen);
}

pl_err pl_sasl_oauthbearer(const char *user, const char *host, unsigned port,
			   const char *token, char *out, size_t outcap, size_t *outlen)
{
	char num[12];
	size_t i = sizeof(num) - 1;
	struct b64w w;

	if (over_limits(user, token) || (host && strlen(host) > 255))
		return PL_E_LIMIT;
	if (strchr(user, 1) || strchr(token, 1) || (host && strchr(host, 1)))
		return PL_E_CONFIG;
	b64w_init(&w, out, outcap);
	b64w_str(&w, "n,");
	if (user[0]) {
		b64w_str(&w, "a=");
		b64w_saslname(&w, user);
	}
	b64w_str(&w, ",");
	if (host) {
		num[i] = '\0';
		do {
			num[--i] = (char)('0' + port % 10);
			port /= 10;
		} while (port && i);
		b64w_str(&w, "\1host=");
		b64w_str(&w, host);
		b64w_str(&w, "\1port=");
		b64w_str(&w, num + i);
	}
	b64w_str(&w, "\1auth=Bearer ");
	b64w_str(&w, token);
	b64w_str(&w, "\1\1");
	return b64w_end(&w, outlen);
}

pl_err pl_sasl_oauth_status(const char *challenge_b64, char *status, size_t cap)
{
	uint8_t js[CHALLENGE_MAX + 1];
	size_t n, i, o = 0;
	const char *p, *end;

	if (cap)
		status[0] = '\0';
	if (pl_sasl_unb64(challenge_b64, strlen(challenge_b64), js, sizeof(js) - 1, &n) != PL_OK)
		return PL_E_PROTOCOL;
	js[n] = '\0';
	end = (const char *)js + n;
	/* not a JSON parser: the first "status" key followed by a string */
	for (p = (const char *)js; (p = strstr(p, "\"status\"")) != NULL; p++) {
		const char *q = p + 8;

		while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
			q++;
		if (q >= end || *q != ':')
			continue;
		for (q++; q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'); q++)
			;
		if (q >= end || *q != '"')
			continue;
		for (i = 1; q + i < end && q[i] != '"' && o + 1 < cap; i++)
			status[o++] = (q[i] >= 0x20 && q[i] < 0x7f) ? q[i] : '?';
		if (cap)
			status[o] = '\0';
		return o ? PL_OK : PL_E_PROTOCOL;
	}
	return PL_E_PROTOCOL;
}
#else
pl_err pl_sasl_xoauth2(const char *user, const char *token, char *out, size_t outcap,
		       size_t *outlen)
{
	(void)user, (void)token, (void)out, (void)outcap, (void)outlen;
	return PL_E_USAGE;
}

pl_err pl_sasl_oauthbearer(const char *user, const char *host, unsigned port,
			   const char *token, char *out, size_t outcap, size_t *outlen)
{
	(void)user, (void)host, (void)port, (void)token, (void)out, (void)outcap, (void)outlen;
	return PL_E_USAGE;
}

pl_err pl_sasl_oauth_status(const char *challenge_b64, char *status, size_t cap)
{
	(void)challenge_b64;
	if (cap)
		status[0] = '\0';
	return PL_E_PROTOCOL;
}
#endif

/* ---- SCRAM ------------------------------------------------------------------ */

int pl_scram_nonce_ok(const char *nonce)
{
	size_t n;

	if (!nonce)
		return 0;
	for (n = 0; nonce[n]; n++)
		if (nonce[n] <= 0x20 || nonce[n] >= 0x7f || nonce[n] == ',' || n >= PL_SCRAM_NONCE_MAX)
			return 0;
	return n >= PL_SCRAM_NONCE_MIN;
}

#if PL_ENABLE_SCRAM
static int scram_type(const pl_scram *st)
{
	return st->hash == PL_SCRAM_SHA1 ? WC_SHA : WC_SHA256;
}

static size_t scram_len(const pl_scram *st)
{
	return st->hash == PL_SCRAM_SHA1 ? WC_SHA_DIGEST_SIZE : WC_SHA256_DIGEST_SIZE;
}

pl_err pl_scram_first(pl_scram *st, enum pl_scram_hash hash, const char *user,
		      const char *nonce, char *out, size_t outcap, size_t *outlen)
{
	struct b64w w;

	memset(st, 0, sizeof(*st));
	if (!pl_scram_nonce_ok(nonce) || (hash != PL_SCRAM_SHA1 && hash != PL_SCRAM_SHA256))
		return PL_E_USAGE;
	if (over_limits(user, NULL))
		return PL_E_LIMIT;
	st->hash = (uint8_t)hash;
	memcpy(st->nonce, nonce, strlen(nonce) + 1);
	b64w_init(&w, out, outcap);
	b64w_str(&w, "n,,n=");
	b64w_saslname(&w, user);
	b64w_str(&w, ",r=");
	b64w_str(&w, nonce);
	return b64w_end(&w, outlen);
}

/* The server-first-message, split: r=, s= (decoded) and i=. */
struct server_first {
	const char *nonce;
	size_t nonce_len;
	uint8_t salt[128];
	size_t salt_len;
	unsigned long iter;
};

static pl_err parse_server_first(const pl_scram *st, const char *m, struct server_first *sf,
				 const char **why)
{
	const char *p = m, *v;
	size_t n, cn = strlen(st->nonce);

	*why = "malformed SCRAM server-first message";
	if (p[0] == 'm' && p[1] == '=') {
		*why = "server requires an unknown SCRAM extension";
		return PL_E_PROTOCOL;
	}
	/* r=<client nonce><server nonce> */
	if (strncmp(p, "r=", 2) != 0)
		return PL_E_PROTOCOL;
	v = p + 2;
	for (n = 0; v[n] && v[n] != ','; n++)
		if (v[n] <= 0x20 || v[n] >= 0x7f)
			return PL_E_PROTOCOL;
	if (n <= cn || memcmp(v, st->nonce, cn) != 0) {
		*why = "SCRAM server nonce does not extend ours";
		return PL_E_PROTOCOL;
	}
	sf->nonce = v;
	sf->nonce_len = n;
	p = v + n;
	/* ,s=<base64 salt> */
	if (strncmp(p, ",s=", 3) != 0)
		return PL_E_PROTOCOL;
	v = p + 3;
	for (n = 0; v[n] && v[n] != ','; n++)
		;
	if (pl_sasl_unb64(v, n, sf->salt, sizeof(sf->salt), &sf->salt_len) != PL_OK ||
	    sf->salt_len == 0)
		return PL_E_PROTOCOL;
	p = v + n;
	/* ,i=<iteration count> */
	if (strncmp(p, ",i=", 3) != 0)
		return PL_E_PROTOCOL;
	v = p + 3;
	sf->iter = 0;
	for (n = 0; v[n] >= '0' && v[n] <= '9'; n++) {
		if (sf->iter > CONFIG_POSTLET_SCRAM_ITER_MAX) {
			break; /* keep scanning digits without overflow */
		}
		sf->iter = sf->iter * 10 + (unsigned long)(v[n] - '0');
	}
	while (v[n] >= '0' && v[n] <= '9')
		n++;
	if (n == 0 || sf->iter == 0 || (v[n] && v[n] != ','))
		return PL_E_PROTOCOL;
	if (sf->iter > CONFIG_POSTLET_SCRAM_ITER_MAX) {
		*why = "SCRAM iteration count above CONFIG_POSTLET_SCRAM_ITER_MAX";
		return PL_E_LIMIT;
	}
	return PL_OK;
}

/* Feed the AuthMessage: client-first-bare "," server-first ","
 * client-final-without-proof. */
static void mac_auth_message(struct mac *m, const pl_scram *st, const char *user,
			     const uint8_t *sfirst, size_t sflen, const struct server_first *sf)
{
	const char *s = user;

	mac_put(m, "n=", 2);
	for (; *s; s++) {
		if (*s == ',')
			mac_put(m, "=2C", 3);
		else if (*s == '=')
			mac_put(m, "=3D", 3);
		else
			mac_put(m, s, 1);
	}
	mac_put(m, ",r=", 3);
	mac_put(m, st->nonce, strlen(st->nonce));
	mac_put(m, ",", 1);
	mac_put(m, sfirst, sflen);
	mac_put(m, ",c=biws,r=", 10);
	mac_put(m, sf->nonce, sf->nonce_len);
}

pl_err pl_scram_final(pl_scram *st, const char *user, const char *password,
		      const char *server_first_b64, char *out, size_t outcap, size_t *outlen,
		      const char **why)
{
	uint8_t sfirst[CHALLENGE_MAX + 1];
	/* zeroed: the analyser cannot see wolfCrypt fill them */
	uint8_t salted[PL_SCRAM_HASH_MAX] = { 0 }, ckey[PL_SCRAM_HASH_MAX] = { 0 };
	uint8_t skey[PL_SCRAM_HASH_MAX] = { 0 }, stored[PL_SCRAM_HASH_MAX] = { 0 };
	uint8_t sig[PL_SCRAM_HASH_MAX] = { 0 };
	size_t sflen, hl = scram_len(st), i;
	int type = scram_type(st), bad;
	struct server_first sf;
	struct b64w w;
	struct mac m;
	pl_err e;

	*why = "malformed SCRAM server-first message";
	if (!st->hash || over_limits(user, password)) {
		*why = "SCRAM exchange not started or credentials too long";
		return PL_E_USAGE;
	}
	e = pl_sasl_unb64(server_first_b64, strlen(server_first_b64), sfirst, sizeof(sfirst) - 1,
			  &sflen);
	if (e != PL_OK || sflen == 0 || memchr(sfirst, 0, sflen))
		return PL_E_PROTOCOL;
	sfirst[sflen] = '\0';
	e = parse_server_first(st, (const char *)sfirst, &sf, why);
	if (e)
		return e;

	/* SaltedPassword = Hi(password, salt, i); ClientKey, StoredKey, ServerKey */
	bad = wc_PBKDF2(salted, (const byte *)password, (int)strlen(password), sf.salt,
			(int)sf.salt_len, (int)sf.iter, (int)hl, type) != 0;
	bad = bad || hmac1(type, salted, hl, "Client Key", 10, ckey) != 0;
	bad = bad || hmac1(type, salted, hl, "Server Key", 10, skey) != 0;
	bad = bad || (st->hash == PL_SCRAM_SHA1 ? wc_ShaHash(ckey, (word32)hl, stored)
						 : wc_Sha256Hash(ckey, (word32)hl, stored)) != 0;
	/* ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage) */
	if (!bad) {
		mac_start(&m, type, stored, hl);
		mac_auth_message(&m, st, user, sfirst, sflen, &sf);
		bad = mac_end(&m, sig) != 0;
	}
	for (i = 0; !bad && i < hl; i++)
		ckey[i] ^= sig[i];
	/* the server must later prove HMAC(ServerKey, AuthMessage) */
	if (!bad) {
		mac_start(&m, type, skey, hl);
		mac_auth_message(&m, st, user, sfirst, sflen, &sf);
		bad = mac_end(&m, st->server_sig) != 0;
	}
	if (bad) {
		*why = "SCRAM computation failed";
		e = PL_E_INTERNAL;
	} else {
		char proof[(PL_SCRAM_HASH_MAX + 2) / 3 * 4 + 1];
		size_t pn = 0;

		e = pl_sasl_b64(ckey, hl, proof, sizeof(proof), &pn);
		b64w_init(&w, out, outcap);
		b64w_str(&w, "c=biws,r=");
		b64w_put(&w, sf.nonce, sf.nonce_len);
		b64w_str(&w, ",p=");
		b64w_put(&w, proof, pn);
		if (e == PL_OK)
			e = b64w_end(&w, outlen);
		if (e)
			*why = "SCRAM client-final message does not fit the transmit buffer";
		pl_wipe(proof, sizeof(proof));
	}
	pl_wipe(salted, sizeof(salted));
	pl_wipe(ckey, sizeof(ckey));
	pl_wipe(skey, sizeof(skey));
	pl_wipe(stored, sizeof(stored));
	pl_wipe(sig, sizeof(sig));
	return e;
}

pl_err pl_scram_verify(pl_scram *st, const char *server_final_b64, const char **why)
{
	uint8_t msg[CHALLENGE_MAX + 1], sig[PL_SCRAM_HASH_MAX + 3];
	size_t n, vlen, sl, hl = scram_len(st), i;
	unsigned diff = 0;

	*why = "malformed SCRAM server-final message";
	st->proved = 0;
	memset(sig, 0, sizeof(sig));
	if (pl_sasl_unb64(server_final_b64, strlen(server_final_b64), msg, sizeof(msg) - 1, &n) !=
	    PL_OK || n < 2 || memchr(msg, 0, n))
		return PL_E_PROTOCOL;
	msg[n] = '\0';
	if (msg[0] == 'e' && msg[1] == '=') {
		*why = "server reported a SCRAM error (e=)";
		return PL_E_AUTH_FAILED;
	}
	if (msg[0] != 'v' || msg[1] != '=')
		return PL_E_PROTOCOL;
	for (vlen = 0; msg[2 + vlen] && msg[2 + vlen] != ','; vlen++)
		;
	if (pl_sasl_unb64((const char *)msg + 2, vlen, sig, sizeof(sig), &sl) != PL_OK)
		return PL_E_PROTOCOL;
	for (i = 0; i < hl; i++)
		diff |= (unsigned)(sig[i] ^ st->server_sig[i]);
	if (sl != hl || diff) {
		*why = "wrong SCRAM server signature: the server does not know the password";
		return PL_E_AUTH_FAILED;
	}
	st->proved = 1;
	return PL_OK;
}
#else
pl_err pl_scram_first(pl_scram *st, enum pl_scram_hash hash, const char *user,
		      const char *nonce, char *out, size_t outcap, size_t *outlen)
{
	(void)hash, (void)user, (void)nonce, (void)out, (void)outcap, (void)outlen;
	memset(st, 0, sizeof(*st));
	return PL_E_USAGE;
}

pl_err pl_scram_final(pl_scram *st, const char *user, const char *password,
		      const char *server_first_b64, char *out, size_t outcap, size_t *outlen,
		      const char **why)
{
	(void)st, (void)user, (void)password, (void)server_first_b64;
	(void)out, (void)outcap, (void)outlen;
	*why = "SCRAM is not compiled in";
	return PL_E_USAGE;
}

pl_err pl_scram_verify(pl_scram *st, const char *server_final_b64, const char **why)
{
	(void)server_final_b64;
	st->proved = 0;
	*why = "SCRAM is not compiled in";
	return PL_E_USAGE;
}
#endif
