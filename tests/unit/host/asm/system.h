/* SPDX-License-Identifier: MIT */
/* Host stand-ins: unit tests run single-threaded with nothing to mask. */
#ifndef ASM_SYSTEM_H
#define ASM_SYSTEM_H

static inline void cpu_relax(void)
{
}
static inline unsigned long local_irq_save(void)
{
    return 0;
}
static inline void local_irq_restore(unsigned long f)
{
    (void)f;
}
static inline void local_irq_disable(void)
{
}
static inline void local_irq_enable(void)
{
}
static inline void barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

#endif
