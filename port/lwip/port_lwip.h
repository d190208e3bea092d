/*
 * postlet lwIP port: the board hooks.
 *
 * port_lwip.c implements port/port.h on lwIP's socket API.  What lwIP does
 * not know about (an entropy source, a real-time clock, where log lines go)
 * is a fact of the board, so the firmware provides these three functions.
 * They may be called from whichever task calls pl_session_send(); they must
 * not call back into postlet.
 */
#ifndef PL_PORT_LWIP_H
#define PL_PORT_LWIP_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf with len unpredictable bytes (hardware TRNG, or a DRBG seeded
 * from one).  Return 0 on success, -1 if no entropy is available (postlet
 * then reports PL_E_INTERNAL from pl_port_random()). */
int pl_board_random(void *buf, size_t len);

/* Current wall-clock time: *utc = seconds since the Unix epoch (UTC),
 * *offset_min = local offset from UTC in minutes (0 is fine).  Return 0 on
 * success.  A board without a trustworthy clock (no RTC, SNTP not yet
 * synchronised) returns -1: postlet then omits time-derived data such as
 * the Date: header it would otherwise add.  Note that certificate validity
 * checks in the TLS library need a clock too (see port/lwip/README.md). */
int pl_board_wall_clock(int64_t *utc, int *offset_min);

/* One diagnostic line, without a trailing newline.  level is PL_LOG_ERROR
 * (0), PL_LOG_WARN, PL_LOG_INFO or PL_LOG_TRACE (3); lines above the level
 * set with pl_port_set_log_level() never reach this hook.  line is only
 * valid during the call. */
void pl_board_log(int level, const char *line);

#endif
