/* wolfSSL user_settings.h for postlet: Linux / router profile.
 *
 * Selected by CONFIG_POSTLET_WOLFSSL_PROFILE="linux" (the default) when
 * CONFIG_POSTLET_WOLFSSL_SOURCE=y; mk/wolfssl.mk copies it to
 * $(O)/wolfssl/include/user_settings.h and builds Debian's wolfssl source
 * (5.5.4) with -DWOLFSSL_USER_SETTINGS.  See docs/wolfssl.md.
 *
 * Client only, TLS 1.2 + 1.3, X25519 / P-256 / P-384, RSA (PKCS#1 v1.5 and
 * PSS) and ECDSA certificates, AES-GCM and ChaCha20-Poly1305, SP math with
 * assembly where the target has it.  Kept for SASL: HMAC, MD5, SHA-1/256,
 * PBKDF2, base64.
 *
 * Also included by assembler sources (sp_x86_64_asm.S): macros only here.
 */
#ifndef POSTLET_WOLFSSL_USER_SETTINGS_H
#define POSTLET_WOLFSSL_USER_SETTINGS_H

#define POSTLET_WOLFSSL_PROFILE_LINUX 1

/* ---- platform ---------------------------------------------------------- */
#define SINGLE_THREADED            /* postlet is one thread: no mutexes */
/* not WOLFSSL_USER_IO: wolfio.h then omits <sys/time.h>, which tls13.c
 * needs for gettimeofday(); postlet sets its own recv/send callbacks anyway */
#define NO_WRITEV
#ifndef __ASSEMBLER__
	#include <sys/time.h>      /* gettimeofday() in tls13.c (ticket age) */
#endif
#define WOLFSSL_IGNORE_FILE_WARN   /* sources that ssl.c includes itself */
#define WOLFSSL_NO_ATOMICS         /* SINGLE_THREADED: plain counters */
/* filesystem stays on: CA bundle file or hashed directory (load_verify_locations) */

/* ---- role and protocol ------------------------------------------------- */
#define NO_WOLFSSL_SERVER
#define WOLFSSL_TLS13
#define NO_OLD_TLS                 /* TLS 1.2 and 1.3 only */
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_SNI
#define HAVE_EXTENDED_MASTER
/* no HAVE_ENCRYPT_THEN_MAC: it applies to CBC suites only (none compiled) */
#define WOLFSSL_AEAD_ONLY          /* AES-GCM, ChaCha20-Poly1305: no MAC-then-encrypt code */
/* client authentication stays: routers relay by certificate (tls_cert_file) */
#define HAVE_SESSION_TICKET
#define SMALL_SESSION_CACHE
#define HAVE_EXT_CACHE             /* wolfSSL_i2d/d2i_SSL_SESSION: postlet keeps
                                    * the session ticket between runs */
#define HAVE_HKDF
#define WC_RSA_PSS                 /* TLS 1.3 CertificateVerify with RSA keys */
#define KEEP_PEER_CERT             /* wolfSSL_get_peer_certificate() */
#define WOLFSSL_IP_ALT_NAME        /* IP SANs as text: wolfSSL_X509_check_ip_asc() */
#define WOLFSSL_ASN_TEMPLATE

/* ---- public key -------------------------------------------------------- */
#define HAVE_ECC
#define ECC_USER_CURVES            /* only the curves below: P-256 (default) */
#define HAVE_ECC384                /* + P-384; no P-521, P-224, Brainpool */
#define ECC_SHAMIR
#define HAVE_CURVE25519            /* X25519 key exchange */
#define NO_DH                      /* no FFDHE: ECDHE only */
#define NO_DSA
#define WC_RSA_BLINDING
#define ECC_TIMING_RESISTANT
#define TFM_TIMING_RESISTANT

/* ---- math: SP (single precision) ----------------------------------------
 * sp_int for everything, plus fixed-size SP code for RSA 2048/3072, P-256
 * and P-384 (RSA 4096, e.g. ISRG Root X1 signatures, goes through sp_int).
 * Assembly chosen by the compiler's predefined macros: x86_64 (sp_x86_64.c
 * + sp_x86_64_asm.S), aarch64 (sp_arm64.c); portable SP C elsewhere (MIPS
 * routers, 32-bit ARM Linux: sp_c32.c).
 * WOLFSSL_SP_SMALL keeps the fixed-base tables small (P-384 table: 343 KB
 * -> 6 KB); a client only does fixed-base multiplications for its one
 * ephemeral key, so the big tables buy little.  make WOLFSSL_DEFS=
 * POSTLET_WOLFSSL_SP_FAST drops it; WOLFSSL_ASM=n (POSTLET_WOLFSSL_NO_ASM)
 * forces the C code. */
#define WOLFSSL_SP_MATH_ALL
#define WOLFSSL_HAVE_SP_RSA
#define WOLFSSL_HAVE_SP_ECC
#define WOLFSSL_SP_384
#if !defined(POSTLET_WOLFSSL_SP_FAST)
	#define WOLFSSL_SP_SMALL
#endif
#if defined(__x86_64__) && !defined(POSTLET_WOLFSSL_NO_ASM)
	#define WOLFSSL_SP_X86_64
	#define WOLFSSL_SP_X86_64_ASM
	#ifdef POSTLET_WOLFSSL_INTEL_SPEEDUP  /* set by mk/wolfssl.mk with the .S files */
		#define USE_INTEL_SPEEDUP    /* AVX1/2 X25519, SHA-2, ChaCha, Poly1305 */
		#define WOLFSSL_X86_64_BUILD
	#endif
#elif defined(__aarch64__) && !defined(POSTLET_WOLFSSL_NO_ASM)
	#define WOLFSSL_SP_ARM64
	#define WOLFSSL_SP_ARM64_ASM
#endif

/* ---- symmetric and hashes ----------------------------------------------
 * Small tables and rolled hash loops where wolfSSL has no assembly for the
 * CPU (MIPS and other routers, where flash is what counts; an alert is a few
 * KB of AES-GCM): about 30 KB less code on mipsel.  POSTLET_WOLFSSL_SMALL=0/1
 * overrides the choice. */
#ifndef POSTLET_WOLFSSL_SMALL
	#if defined(WOLFSSL_SP_X86_64_ASM) || defined(WOLFSSL_SP_ARM64_ASM)
		#define POSTLET_WOLFSSL_SMALL 0
	#else
		#define POSTLET_WOLFSSL_SMALL 1
	#endif
#endif
#define HAVE_AESGCM
#if POSTLET_WOLFSSL_SMALL
	#define GCM_SMALL
	#define WOLFSSL_AES_SMALL_TABLES
	#define USE_SLOW_SHA
	#define USE_SLOW_SHA256
	#define USE_SLOW_SHA512
#else
	#define GCM_TABLE_4BIT
#endif
#define NO_AES_CBC                 /* postlet's cipher list is AEAD only */
#define HAVE_CHACHA
#define HAVE_POLY1305
#define HAVE_ONE_TIME_AUTH
#define WOLFSSL_SHA384
#define WOLFSSL_SHA512             /* sha512WithRSA certificates */
#define NO_RC4
#define NO_DES3
#define NO_MD4
#define NO_PSK
#define NO_RABBIT
#define NO_HC128
#define WOLFSSL_NO_SHAKE256
/* kept on purpose (SASL): MD5 (CRAM-MD5), SHA-1, HMAC, PBKDF2 (SCRAM Hi()):
 * do not define NO_MD5, NO_SHA, NO_HMAC, NO_PWDBASED. */
#define WOLFSSL_BASE64_ENCODE      /* Base64_Encode_NoNl for AUTH PLAIN/LOGIN */

/* ---- random ------------------------------------------------------------ */
#define HAVE_HASHDRBG              /* Hash-DRBG seeded from /dev/urandom */

/* ---- diagnostics ------------------------------------------------------- */
/* error strings stay on (wolfSSL_ERR_error_string_n); no DEBUG_WOLFSSL */

#endif /* POSTLET_WOLFSSL_USER_SETTINGS_H */
