/* wolfSSL user_settings.h for postlet: firmware profile (Cortex-M, newlib).
 *
 * Selected by CONFIG_POSTLET_WOLFSSL_PROFILE="firmware" with
 * CONFIG_POSTLET_WOLFSSL_SOURCE=y (or on the make command line, see
 * docs/wolfssl.md).  Same protocol set as the linux profile: client only,
 * TLS 1.2 + 1.3, X25519 / P-256 / P-384, RSA (+PSS) and ECDSA certificates,
 * AES-GCM and ChaCha20-Poly1305, SHA-256/384, SNI, EMS, session tickets;
 * HMAC, MD5, PBKDF2 and base64 for SASL.
 *
 * Differences: no filesystem (CA from a buffer:
 * wolfSSL_CTX_load_verify_buffer), I/O callbacks only, one thread, heap
 * instead of stack for big temporaries, small SP math with Cortex-M
 * assembly, no session cache, no error strings, and the port supplies
 * entropy and wall-clock time through the two hooks declared below.
 *
 * Knobs (make WOLFSSL_DEFS="NAME[=value] ...", written into the generated
 * user_settings.h):
 *   POSTLET_WOLFSSL_CORTEX_M_ASM=0   portable SP C instead of the Thumb-2
 *                                    assembly (default 1 on ARMv7-M/v8-M main)
 *   POSTLET_WOLFSSL_ERROR_STRINGS    keep wolfSSL's error strings (~8 KB)
 *   POSTLET_WOLFSSL_SESSION_CACHE    keep a small client session cache
 *   POSTLET_WOLFSSL_TLS13_ONLY       no TLS 1.2 (smaller; only for servers
 *                                    known to speak TLS 1.3)
 *   POSTLET_WOLFSSL_NO_CHACHA        AES-GCM only, no ChaCha20-Poly1305
 */
#ifndef POSTLET_WOLFSSL_USER_SETTINGS_H
#define POSTLET_WOLFSSL_USER_SETTINGS_H

#define POSTLET_WOLFSSL_PROFILE_FIRMWARE 1

/* ---- port hooks (implemented by the firmware port) ----------------------
 * pl_port_wolfssl_seed: fill out[0..sz) from a hardware entropy source;
 *   return 0, or non-zero on failure.  It seeds wolfSSL's Hash-DRBG.
 * pl_port_wolfssl_time: seconds since the Unix epoch (UTC) from an RTC or
 *   SNTP; wolfSSL calls it with t == NULL.  Certificates are checked
 *   against it, so it must be set before the handshake. */
#ifndef __ASSEMBLER__
int pl_port_wolfssl_seed(unsigned char *out, unsigned int sz);
unsigned long pl_port_wolfssl_time(unsigned long *t);
#endif
#define NO_DEV_RANDOM
#define CUSTOM_RAND_GENERATE_SEED pl_port_wolfssl_seed
#define HAVE_HASHDRBG
#define XTIME(tl)          ((void)(tl), (time_t)pl_port_wolfssl_time((unsigned long *)0))
#define XTIME_MS(tl)       ((sword64)XTIME(tl) * 1000)  /* TLS 1.3 ticket age */
#define HAVE_GMTIME_R      /* newlib's gmtime_r for XGMTIME */

/* ---- platform ---------------------------------------------------------- */
#define SINGLE_THREADED
#define WOLFSSL_USER_IO            /* postlet's recv/send callbacks only */
#define NO_WRITEV
#define NO_FILESYSTEM
#define WOLFSSL_SMALL_STACK        /* big temporaries on the heap */
#define WOLFSSL_GENERAL_ALIGNMENT 4
#define WOLFSSL_IGNORE_FILE_WARN
#ifndef __ASSEMBLER__
	#include <stdio.h>         /* snprintf for IP SAN text (postlet uses it anyway) */
#endif
#ifndef SIZEOF_LONG_LONG
	#define SIZEOF_LONG_LONG 8
#endif

/* ---- role and protocol ------------------------------------------------- */
#define NO_WOLFSSL_SERVER
#define WOLFSSL_TLS13
#define NO_OLD_TLS
#ifdef POSTLET_WOLFSSL_TLS13_ONLY
	#define WOLFSSL_NO_TLS12
#endif
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_SNI
#define HAVE_EXTENDED_MASTER
/* no HAVE_ENCRYPT_THEN_MAC: it applies to CBC suites only (none compiled) */
#define WOLFSSL_AEAD_ONLY          /* AES-GCM, ChaCha20-Poly1305: no MAC-then-encrypt code */
#define WOLFSSL_NO_CLIENT_AUTH     /* postlet has no client certificate: never signs;
				    * a CertificateRequest still gets an empty Certificate */
#define HAVE_SESSION_TICKET
#ifdef POSTLET_WOLFSSL_SESSION_CACHE
	#define SMALL_SESSION_CACHE
#else
	#define NO_SESSION_CACHE       /* one alert per connection: no resumption */
#endif
#define HAVE_HKDF
#define WC_RSA_PSS
#define KEEP_PEER_CERT             /* wolfSSL_get_peer_certificate() */
#define WOLFSSL_IP_ALT_NAME        /* wolfSSL_X509_check_ip_asc() on IP SANs */
#define WOLFSSL_ASN_TEMPLATE
#ifndef POSTLET_WOLFSSL_ERROR_STRINGS
	#define NO_ERROR_STRINGS
#endif

/* ---- public key -------------------------------------------------------- */
#define HAVE_ECC
#define ECC_USER_CURVES            /* P-256 + P-384 only: never P-521 */
#define HAVE_ECC384
#define ECC_SHAMIR
#define HAVE_CURVE25519
#define NO_DH
#define NO_DSA
#define WC_RSA_BLINDING
#define ECC_TIMING_RESISTANT
#define TFM_TIMING_RESISTANT

/* ---- math: small SP, Cortex-M assembly ---------------------------------- */
#define WOLFSSL_SP_MATH_ALL
#define WOLFSSL_SP_SMALL
#define WOLFSSL_HAVE_SP_RSA
#define WOLFSSL_HAVE_SP_ECC
#define WOLFSSL_SP_384
#ifndef POSTLET_WOLFSSL_CORTEX_M_ASM
	#if defined(__thumb2__) && (defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || \
				    defined(__ARM_ARCH_8M_MAIN__))
		#define POSTLET_WOLFSSL_CORTEX_M_ASM 1
	#else
		#define POSTLET_WOLFSSL_CORTEX_M_ASM 0
	#endif
#endif
#if POSTLET_WOLFSSL_CORTEX_M_ASM
	#define WOLFSSL_SP_ARM_CORTEX_M_ASM  /* sp_cortexm.c (inline asm) */
#endif

/* ---- symmetric and hashes (small variants) ------------------------------ */
#define HAVE_AESGCM
#define GCM_SMALL
#define WOLFSSL_AES_SMALL_TABLES
#define NO_AES_CBC
#ifndef POSTLET_WOLFSSL_NO_CHACHA
	#define HAVE_CHACHA
	#define HAVE_POLY1305
	#define HAVE_ONE_TIME_AUTH
#endif
#define WOLFSSL_SHA384
#define WOLFSSL_SHA512
#define USE_SLOW_SHA               /* SHA-1 rolled loops (4 KB -> 1 KB) */
#define USE_SLOW_SHA256
#define USE_SLOW_SHA512
#define NO_RC4
#define NO_DES3
#define NO_MD4
#define NO_PSK
#define NO_RABBIT
#define NO_HC128
#define WOLFSSL_NO_SHAKE256
/* kept for SASL: MD5, SHA-1, HMAC, PBKDF2 */
#define WOLFSSL_BASE64_ENCODE

#endif /* POSTLET_WOLFSSL_USER_SETTINGS_H */
