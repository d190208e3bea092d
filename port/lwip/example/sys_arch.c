/*
 * lwIP's OS layer for the example image: LINK-ONLY.
 *
 * The example is a size and link proof (`make firmware`, `make size`), not
 * a runnable product: there is no scheduler here, so sys_thread_new()
 * cannot start the tcpip thread and a blocking wait would spin forever.  A
 * product replaces this file with its RTOS's sys_arch (lwIP's contrib
 * ports for FreeRTOS, or the RTOS vendor's); the bodies below only keep
 * lwIP's OS layer at the size such a port typically has (counters, a ring
 * per mailbox, interrupt masking for SYS_LIGHTWEIGHT_PROT).
 */
#include "lwip/sys.h"
#include "lwip/err.h"

void sys_init(void)
{
}

sys_prot_t sys_arch_protect(void)
{
	sys_prot_t primask;

	__asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
	return primask;
}

void sys_arch_unprotect(sys_prot_t primask)
{
	__asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

/* Wait until cond holds or timeout ms passed (0 = forever); returns the
 * milliseconds waited or SYS_ARCH_TIMEOUT.  An RTOS blocks the task here. */
#define WAIT_FOR(cond, timeout)                                              \
	do {                                                                 \
		u32_t start_ = sys_now();                                    \
		while (!(cond)) {                                            \
			if ((timeout) && sys_now() - start_ >= (timeout))    \
				return SYS_ARCH_TIMEOUT;                     \
			__asm volatile("wfi");                               \
		}                                                            \
		return sys_now() - start_;                                   \
	} while (0)

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	sem->count = count;
	sem->valid = 1;
	return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem)
{
	SYS_ARCH_DECL_PROTECT(p);
	SYS_ARCH_PROTECT(p);
	sem->count++;
	SYS_ARCH_UNPROTECT(p);
}

static int sem_take(sys_sem_t *sem)
{
	int ok = 0;
	SYS_ARCH_DECL_PROTECT(p);
	SYS_ARCH_PROTECT(p);
	if (sem->count > 0) {
		sem->count--;
		ok = 1;
	}
	SYS_ARCH_UNPROTECT(p);
	return ok;
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	WAIT_FOR(sem_take(sem), timeout);
}

void sys_sem_free(sys_sem_t *sem)
{
	sem->valid = 0;
}

int sys_sem_valid(sys_sem_t *sem)
{
	return sem->valid;
}

void sys_sem_set_invalid(sys_sem_t *sem)
{
	sem->valid = 0;
}

err_t sys_mutex_new(sys_mutex_t *m)
{
	return sys_sem_new(&m->lock, 1);
}

void sys_mutex_lock(sys_mutex_t *m)
{
	(void)sys_arch_sem_wait(&m->lock, 0);
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	sys_sem_signal(&m->lock);
}

void sys_mutex_free(sys_mutex_t *m)
{
	sys_sem_free(&m->lock);
}

int sys_mutex_valid(sys_mutex_t *m)
{
	return m->lock.valid;
}

void sys_mutex_set_invalid(sys_mutex_t *m)
{
	m->lock.valid = 0;
}

err_t sys_mbox_new(sys_mbox_t *mb, int size)
{
	if (size > SYS_EXAMPLE_MBOX_MAX)
		return ERR_MEM;
	mb->head = mb->tail = 0;
	mb->valid = 1;
	return ERR_OK;
}

err_t sys_mbox_trypost(sys_mbox_t *mb, void *msg)
{
	err_t e = ERR_MEM;
	SYS_ARCH_DECL_PROTECT(p);
	SYS_ARCH_PROTECT(p);
	if (mb->head - mb->tail < SYS_EXAMPLE_MBOX_MAX) {
		mb->msg[mb->head++ % SYS_EXAMPLE_MBOX_MAX] = msg;
		e = ERR_OK;
	}
	SYS_ARCH_UNPROTECT(p);
	return e;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mb, void *msg)
{
	return sys_mbox_trypost(mb, msg);
}

void sys_mbox_post(sys_mbox_t *mb, void *msg)
{
	while (sys_mbox_trypost(mb, msg) != ERR_OK)
		__asm volatile("wfi");
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mb, void **msg)
{
	u32_t r = SYS_MBOX_EMPTY;
	SYS_ARCH_DECL_PROTECT(p);
	SYS_ARCH_PROTECT(p);
	if (mb->head != mb->tail) {
		void *m = mb->msg[mb->tail++ % SYS_EXAMPLE_MBOX_MAX];

		if (msg)
			*msg = m;
		r = 0;
	}
	SYS_ARCH_UNPROTECT(p);
	return r;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mb, void **msg, u32_t timeout)
{
	WAIT_FOR(sys_arch_mbox_tryfetch(mb, msg) == 0, timeout);
}

void sys_mbox_free(sys_mbox_t *mb)
{
	mb->valid = 0;
}

int sys_mbox_valid(sys_mbox_t *mb)
{
	return mb->valid;
}

void sys_mbox_set_invalid(sys_mbox_t *mb)
{
	mb->valid = 0;
}

/* No scheduler: the thread is not started (see the top of this file). */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize,
			    int prio)
{
	(void)name;
	(void)fn;
	(void)arg;
	(void)stacksize;
	(void)prio;
	return 0;
}
