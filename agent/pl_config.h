/*
 * Build options for the agent, lwIP-style: Kconfig generates autoconf.h
 * (CONFIG_POSTLET_*), and every option also has a default here so the core
 * drops into a foreign firmware tree without Kconfig.
 *
 * Booleans follow the Linux/Zephyr convention: defined to 1 or absent.  Code
 * tests the always-defined 0/1 PL_ENABLE_* twins below (BusyBox's ENABLE_X),
 * so disabled branches are still compiled and type-checked.
 */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#if defined(PL_HAVE_AUTOCONF)
#include "autoconf.h"
#endif

#if !defined(PL_HAVE_AUTOCONF)
/* Defaults for builds without Kconfig: same as the Kconfig defaults. */
#define CONFIG_POSTLET_TLS 1
#define CONFIG_POSTLET_AUTH_PLAIN 1
#define CONFIG_POSTLET_AUTH_LOGIN 1
#define CONFIG_POSTLET_AUTH_SCRAM_SHA256 1
#define CONFIG_POSTLET_AUTH_SCRAM_SHA1 1
#define CONFIG_POSTLET_AUTH_CRAM_MD5 1
#define CONFIG_POSTLET_AUTH_XOAUTH2 1
#define CONFIG_POSTLET_AUTH_OAUTHBEARER 1
#define CONFIG_POSTLET_AUTH_EXTERNAL 1
#define CONFIG_POSTLET_STORE_RAM 1
#define CONFIG_POSTLET_STORE_BLOCK 1
#define CONFIG_POSTLET_ALERT 1
#define CONFIG_POSTLET_STORM_DEDUPE 1
#define CONFIG_POSTLET_ESMTP_CHUNKING 1
#define CONFIG_POSTLET_ESMTP_SIZE 1
#define CONFIG_POSTLET_ESMTP_8BITMIME 1
#define CONFIG_POSTLET_ESMTP_SMTPUTF8 1
#define CONFIG_POSTLET_ESMTP_DSN 1
#define CONFIG_POSTLET_ESMTP_ENHANCEDSTATUSCODES 1
#define CONFIG_POSTLET_HELO_FALLBACK 1
#endif

#ifdef CONFIG_POSTLET_TLS
#define PL_ENABLE_TLS 1
#else
#define PL_ENABLE_TLS 0
#endif
#ifdef CONFIG_POSTLET_AUTH_PLAIN
#define PL_ENABLE_AUTH_PLAIN 1
#else
#define PL_ENABLE_AUTH_PLAIN 0
#endif
#ifdef CONFIG_POSTLET_AUTH_LOGIN
#define PL_ENABLE_AUTH_LOGIN 1
#else
#define PL_ENABLE_AUTH_LOGIN 0
#endif
#ifdef CONFIG_POSTLET_AUTH_SCRAM_SHA256
#define PL_ENABLE_AUTH_SCRAM_SHA256 1
#else
#define PL_ENABLE_AUTH_SCRAM_SHA256 0
#endif
#ifdef CONFIG_POSTLET_AUTH_SCRAM_SHA1
#define PL_ENABLE_AUTH_SCRAM_SHA1 1
#else
#define PL_ENABLE_AUTH_SCRAM_SHA1 0
#endif
#ifdef CONFIG_POSTLET_AUTH_CRAM_MD5
#define PL_ENABLE_AUTH_CRAM_MD5 1
#else
#define PL_ENABLE_AUTH_CRAM_MD5 0
#endif
#ifdef CONFIG_POSTLET_AUTH_XOAUTH2
#define PL_ENABLE_AUTH_XOAUTH2 1
#else
#define PL_ENABLE_AUTH_XOAUTH2 0
#endif
#ifdef CONFIG_POSTLET_AUTH_OAUTHBEARER
#define PL_ENABLE_AUTH_OAUTHBEARER 1
#else
#define PL_ENABLE_AUTH_OAUTHBEARER 0
#endif
#ifdef CONFIG_POSTLET_AUTH_EXTERNAL
#define PL_ENABLE_AUTH_EXTERNAL 1
#else
#define PL_ENABLE_AUTH_EXTERNAL 0
#endif
#define PL_ENABLE_SCRAM (PL_ENABLE_AUTH_SCRAM_SHA256 || PL_ENABLE_AUTH_SCRAM_SHA1)

/* ESMTP extensions the engine uses when the server offers them; one that
 * is off is treated as never offered. */
#ifdef CONFIG_POSTLET_ESMTP_CHUNKING
#define PL_ENABLE_ESMTP_CHUNKING 1
#else
#define PL_ENABLE_ESMTP_CHUNKING 0
#endif
#ifdef CONFIG_POSTLET_ESMTP_SIZE
#define PL_ENABLE_ESMTP_SIZE 1
#else
#define PL_ENABLE_ESMTP_SIZE 0
#endif
#ifdef CONFIG_POSTLET_ESMTP_8BITMIME
#define PL_ENABLE_ESMTP_8BITMIME 1
#else
#define PL_ENABLE_ESMTP_8BITMIME 0
#endif
#ifdef CONFIG_POSTLET_ESMTP_SMTPUTF8
#define PL_ENABLE_ESMTP_SMTPUTF8 1
#else
#define PL_ENABLE_ESMTP_SMTPUTF8 0
#endif
#ifdef CONFIG_POSTLET_ESMTP_DSN
#define PL_ENABLE_ESMTP_DSN 1
#else
#define PL_ENABLE_ESMTP_DSN 0
#endif
#ifdef CONFIG_POSTLET_ESMTP_ENHANCEDSTATUSCODES
#define PL_ENABLE_ESMTP_ENHANCEDSTATUSCODES 1
#else
#define PL_ENABLE_ESMTP_ENHANCEDSTATUSCODES 0
#endif
#ifdef CONFIG_POSTLET_HELO_FALLBACK
#define PL_ENABLE_HELO_FALLBACK 1
#else
#define PL_ENABLE_HELO_FALLBACK 0
#endif

/* SCRAM: highest PBKDF2 iteration count a server may ask for. */
#ifndef CONFIG_POSTLET_SCRAM_ITER_MAX
#define CONFIG_POSTLET_SCRAM_ITER_MAX 100000
#endif

/* Longest user name and password/token (bytes, without the NUL). */
#ifndef CONFIG_POSTLET_AUTH_USER_MAX
#define CONFIG_POSTLET_AUTH_USER_MAX 255
#endif
#ifndef CONFIG_POSTLET_AUTH_SECRET_MAX
#define CONFIG_POSTLET_AUTH_SECRET_MAX 1024
#endif

/* Longest reply line accepted from a server, excluding CRLF (RFC 5321
 * 4.5.3.1.5 says 512 including CRLF; we allow a little slack). */
#ifndef CONFIG_POSTLET_REPLY_LINE_MAX
#define CONFIG_POSTLET_REPLY_LINE_MAX 512
#endif

/* Most lines one (multi-line) reply may have; EHLO replies are the longest
 * in practice (about 15 lines). */
#ifndef CONFIG_POSTLET_REPLY_LINES_MAX
#define CONFIG_POSTLET_REPLY_LINES_MAX 64
#endif

/* Largest BDAT chunk (RFC 3030).  A chunk is also bounded by the transmit
 * buffer: its length must be known before its header is sent. */
#ifndef CONFIG_POSTLET_BDAT_CHUNK_SIZE
#define CONFIG_POSTLET_BDAT_CHUNK_SIZE 65536
#endif

/* Bytes the engine may queue for sending at once: one pipelined command
 * group or one slice of the body, or one AUTH line (an AUTH line that does
 * not fit fails with PL_E_LIMIT: with the default limits the longest,
 * OAUTHBEARER with a 1024-byte token, needs about 1.8 KB). */
#ifndef CONFIG_POSTLET_TX_BUF_SIZE
#define CONFIG_POSTLET_TX_BUF_SIZE 2048
#endif

/* Receive slice the driver reads per call. */
#ifndef CONFIG_POSTLET_RX_BUF_SIZE
#define CONFIG_POSTLET_RX_BUF_SIZE 1024
#endif

/* Most recipients one message may have (bounds per-recipient state). */
#ifndef CONFIG_POSTLET_MAX_RCPT
#define CONFIG_POSTLET_MAX_RCPT 64
#endif

/* Longest address (RFC 5321 path limit is 256 octets). */
#ifndef CONFIG_POSTLET_ADDR_MAX
#define CONFIG_POSTLET_ADDR_MAX 256
#endif

/* Default bound on each network wait, in seconds. */
#ifndef CONFIG_POSTLET_TIMEOUT_S
#define CONFIG_POSTLET_TIMEOUT_S 60
#endif

/* Trust anchors used when no tls_trust_file is configured. */
#ifndef CONFIG_POSTLET_TLS_DEFAULT_TRUST_FILE
#define CONFIG_POSTLET_TLS_DEFAULT_TRUST_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif

/* Firmware queue, stores and alerts (agent/queue, port/common/store_*). */
#ifdef CONFIG_POSTLET_STORE_RAM
#define PL_ENABLE_STORE_RAM 1
#else
#define PL_ENABLE_STORE_RAM 0
#endif
#ifdef CONFIG_POSTLET_STORE_BLOCK
#define PL_ENABLE_STORE_BLOCK 1
#else
#define PL_ENABLE_STORE_BLOCK 0
#endif
#ifdef CONFIG_POSTLET_ALERT
#define PL_ENABLE_ALERT 1
#else
#define PL_ENABLE_ALERT 0
#endif
#ifdef CONFIG_POSTLET_STORM_DEDUPE
#define PL_ENABLE_STORM_DEDUPE 1
#else
#define PL_ENABLE_STORM_DEDUPE 0
#endif
#ifndef CONFIG_POSTLET_QUEUE_MAX_COUNT
#define CONFIG_POSTLET_QUEUE_MAX_COUNT 1000
#endif
#ifndef CONFIG_POSTLET_QUEUE_RAM_BYTES
#define CONFIG_POSTLET_QUEUE_RAM_BYTES 8192
#endif
#ifndef CONFIG_POSTLET_STORE_BLOCK_MAX_SECTORS
#define CONFIG_POSTLET_STORE_BLOCK_MAX_SECTORS 16
#endif
#ifndef CONFIG_POSTLET_ALERT_MAX_RCPT
#define CONFIG_POSTLET_ALERT_MAX_RCPT 4
#endif
#ifndef CONFIG_POSTLET_ALERT_MSG_MAX
#define CONFIG_POSTLET_ALERT_MSG_MAX 2048
#endif
#ifndef CONFIG_POSTLET_ALERT_MAX_ATTEMPTS
#define CONFIG_POSTLET_ALERT_MAX_ATTEMPTS 20
#endif
#ifndef CONFIG_POSTLET_STORM_WINDOW_S
#define CONFIG_POSTLET_STORM_WINDOW_S 600
#endif
#ifndef CONFIG_POSTLET_STORM_PER_KEY
#define CONFIG_POSTLET_STORM_PER_KEY 3
#endif
#ifndef CONFIG_POSTLET_STORM_GLOBAL
#define CONFIG_POSTLET_STORM_GLOBAL 20
#endif
#ifndef CONFIG_POSTLET_STORM_KEYS
#define CONFIG_POSTLET_STORM_KEYS 16
#endif

#if CONFIG_POSTLET_TX_BUF_SIZE < 1024
#error "CONFIG_POSTLET_TX_BUF_SIZE must be at least 1024 (AUTH PLAIN line)"
#endif
#if CONFIG_POSTLET_REPLY_LINE_MAX < 512
#error "CONFIG_POSTLET_REPLY_LINE_MAX must be at least 512 (RFC 5321)"
#endif

#endif
