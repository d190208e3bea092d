/*
 * Types of lwIP's OS layer for the example image.  A real product takes
 * these from its RTOS port (FreeRTOS, Zephyr, ThreadX ...): see sys_arch.c.
 */
#ifndef PL_EXAMPLE_ARCH_SYS_ARCH_H
#define PL_EXAMPLE_ARCH_SYS_ARCH_H

#include <stdint.h>

typedef struct { volatile int count; int valid; } sys_sem_t;
typedef struct { sys_sem_t lock; } sys_mutex_t;
#define SYS_EXAMPLE_MBOX_MAX 8
typedef struct {
	void *msg[SYS_EXAMPLE_MBOX_MAX];
	volatile unsigned head, tail;
	int valid;
} sys_mbox_t;
typedef int sys_thread_t;
typedef uint32_t sys_prot_t;

#endif
