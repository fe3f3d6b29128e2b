/* SPDX-License-Identifier: MIT */
/* CPU primitives core code may use: interrupts on/off, pause, halt. */
#ifndef ASM_SYSTEM_H
#define ASM_SYSTEM_H

#include <lamina/types.h>

#define X86_EFLAGS_IF 0x200UL

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

static inline unsigned long local_save_flags(void)
{
    unsigned long f;
    __asm__ volatile("pushf; pop %0" : "=r"(f)::"memory");
    return f;
}

static inline void local_irq_disable(void)
{
    __asm__ volatile("cli" ::: "memory");
}

static inline void local_irq_enable(void)
{
    __asm__ volatile("sti" ::: "memory");
}

static inline unsigned long local_irq_save(void)
{
    unsigned long f = local_save_flags();
    local_irq_disable();
    return f;
}

static inline void local_irq_restore(unsigned long f)
{
    if (f & X86_EFLAGS_IF)
        local_irq_enable();
}

static inline bool local_irq_is_enabled(void)
{
    return local_save_flags() & X86_EFLAGS_IF;
}

static inline void barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

#endif
