/* lwIP compiler/platform glue for arm-none-eabi-gcc + newlib (example image). */
#ifndef PL_EXAMPLE_ARCH_CC_H
#define PL_EXAMPLE_ARCH_CC_H

#include <stdint.h>
#include <sys/time.h>   /* struct timeval (LWIP_TIMEVAL_PRIVATE 0) */

#ifndef BYTE_ORDER /* newlib's <machine/endian.h> usually has it */
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#define LWIP_PLATFORM_DIAG(x)   do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) board_fatal(x)
void board_fatal(const char *why) __attribute__((noreturn));

#endif
