/* SPDX-License-Identifier: MIT */
/* Time since boot in nanoseconds, delays, and per-CPU one-shot timers. */
#ifndef LAMINA_TIME_H
#define LAMINA_TIME_H

#include <lamina/list.h>
#include <lamina/types.h>

#define NSEC_PER_USEC 1000UL
#define NSEC_PER_MSEC 1000000UL
#define NSEC_PER_SEC 1000000000UL

uint64_t now(void); /* ns since boot: monotonic, the same on every CPU */
void udelay(uint64_t us);

struct timer {
    struct list_head node; /* in its CPU's queue while pending */
    uint64_t expires;      /* ns since boot */
    void (*fn)(void *data);
    void *data;
    unsigned int cpu;
    bool pending;
};

/* The timer runs `fn(data)` on `cpu`, in interrupt context, never before `expires`. */
void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
void timer_set(struct timer *t, uint64_t expires);
void timer_stop(struct timer *t);
/* Stop and wait for a callback running on another CPU: then `t` may be freed. */
void timer_kill(struct timer *t);
bool timer_pending(const struct timer *t);

void timers_init_cpu(unsigned int cpu);
void timer_interrupt(void); /* run what is due on this CPU, re-arm for the rest */

/* Arch hooks (arch/x86/time.c). */
void arch_timer_program(uint64_t deadline); /* 0: disarm */
void arch_timer_kick(unsigned int cpu);     /* make `cpu` re-read its queue */

#endif
