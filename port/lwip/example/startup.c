/*
 * Minimal Cortex-M4 start-up for the example image: vector table, copy
 * .data from flash, clear .bss, run newlib's constructors, call main().
 */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
extern void __libc_init_array(void);
void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

void Default_Handler(void)
{
	for (;;)
		__asm volatile("bkpt #1");
}

void Reset_Handler(void)
{
	uint32_t *s = &_sidata, *d = &_sdata;

	while (d < &_edata)
		*d++ = *s++;
	for (d = &_sbss; d < &_ebss;)
		*d++ = 0;
	/* FPU: full access to CP10/CP11 (newlib may be built for hard float) */
	*(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
	__libc_init_array();
	(void)main();
	for (;;)
		;
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
	(void (*)(void))(uintptr_t)&_estack,
	Reset_Handler,
	Default_Handler, /* NMI */
	Default_Handler, /* HardFault */
	Default_Handler, /* MemManage */
	Default_Handler, /* BusFault */
	Default_Handler, /* UsageFault */
	0, 0, 0, 0,
	Default_Handler, /* SVCall */
	Default_Handler, /* DebugMon */
	0,
	Default_Handler, /* PendSV */
	SysTick_Handler,
};
