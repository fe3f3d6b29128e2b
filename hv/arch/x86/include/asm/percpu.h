/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state. %gs points at the CPU's `struct cpu`, whose first field
 * points at itself, so this_cpu() is one load. Later issues add scheduler
 * and vCPU fields here.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <lamina/list.h>
#include <lamina/spinlock.h>
#include <lamina/types.h>
#include <asm/desc.h>

#define NR_CPUS 64

struct cpu {
    struct cpu *self;
    unsigned int id; /* dense index: 0 is the boot CPU */
    uint32_t apic_id;
    unsigned int node; /* NUMA node */
    bool online;
    bool in_fatal;                /* reporting a fatal exception: a nested one just halts */
    uintptr_t stack_top;          /* main stack: [top - CPU_STACK_SIZE, top) */
    uintptr_t ist_top[IST_COUNT]; /* IST stacks: [top - IST_STACK_SIZE, top) */

    struct tss tss;
    uint64_t gdt[GDT_ENTRIES] __aligned(16);

    /* Timers (core/timer.c): sorted by expiry. */
    spinlock_t timer_lock;
    struct list_head timers;

    /* Cross-CPU function calls (arch/x86/smp.c). */
    spinlock_t call_lock;
    void (*call_fn)(void *);
    void *call_arg;
    volatile bool call_done;
};

extern struct cpu *cpus[NR_CPUS];
extern unsigned int nr_cpus_online;

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

static inline unsigned int smp_processor_id(void)
{
    return this_cpu()->id;
}

#define for_each_online_cpu(c)                       \
    for (unsigned int __i = 0; __i < NR_CPUS; __i++) \
        if (((c) = cpus[__i]) != NULL && (c)->online)

#endif
