// SPDX-License-Identifier: MIT
/*
 * Per-CPU one-shot timers, kept sorted by expiry so the hardware timer is
 * always armed for the head. Expiry is checked against now() when the
 * interrupt arrives, so a timer never runs early even if the hardware fires
 * a little ahead of time: it is re-armed for the rest instead.
 */
#include <lamina/lib.h>
#include <lamina/time.h>
#include <asm/percpu.h>

struct timer_queue {
    spinlock_t lock;
    struct list_head list;
    struct timer *running; /* callback in progress (for timer_kill) */
};

static struct timer_queue queues[NR_CPUS];

void timers_init_cpu(unsigned int cpu)
{
    spin_lock_init(&queues[cpu].lock);
    list_init(&queues[cpu].list);
}

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    BUG_ON(cpu >= NR_CPUS);
    list_init(&t->node);
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    t->pending = false;
    t->expires = 0;
}

static uint64_t head_expiry(struct timer_queue *q)
{
    return list_empty(&q->list) ? 0 : list_first_entry(&q->list, struct timer, node)->expires;
}

void timer_set(struct timer *t, uint64_t expires)
{
    struct timer_queue *q = &queues[t->cpu];
    struct timer *pos;
    unsigned long flags = spin_lock_irqsave(&q->lock);
    uint64_t old_head = head_expiry(q);

    if (t->pending)
        list_del(&t->node);
    t->expires = MAX(expires, 1); /* 0 means "nothing armed" to the hardware hook */
    t->pending = true;
    list_for_each_entry(pos, &q->list, node) if (pos->expires > expires) break;
    list_add_tail(&t->node, &pos->node); /* before pos (or at the end) */
    uint64_t head = head_expiry(q);
    bool local = t->cpu == smp_processor_id();
    /* Under the lock: an interrupt must not arm a later deadline after ours. */
    if (head != old_head && local)
        arch_timer_program(head);
    spin_unlock_irqrestore(&q->lock, flags);
    if (head != old_head && !local)
        arch_timer_kick(t->cpu);
}

/* Does not wait for a callback already running on another CPU. */
void timer_stop(struct timer *t)
{
    struct timer_queue *q = &queues[t->cpu];
    unsigned long flags = spin_lock_irqsave(&q->lock);

    if (t->pending) {
        list_del(&t->node);
        t->pending = false;
    }
    spin_unlock_irqrestore(&q->lock, flags);
    /* Leaving the hardware armed for a stopped head is harmless: it re-checks. */
}

bool timer_pending(const struct timer *t)
{
    return __atomic_load_n(&t->pending, __ATOMIC_RELAXED);
}

void timer_interrupt(void)
{
    struct timer_queue *q = &queues[smp_processor_id()];
    unsigned long flags = spin_lock_irqsave(&q->lock);

    while (!list_empty(&q->list)) {
        struct timer *t = list_first_entry(&q->list, struct timer, node);
        if (t->expires > now())
            break;
        list_del(&t->node);
        t->pending = false;
        q->running = t;
        spin_unlock_irqrestore(&q->lock, flags);
        t->fn(t->data); /* may re-arm itself */
        flags = spin_lock_irqsave(&q->lock);
        q->running = NULL;
    }
    arch_timer_program(head_expiry(q));
    spin_unlock_irqrestore(&q->lock, flags);
}

void timer_kill(struct timer *t)
{
    if (!t->fn)
        return; /* never initialised */
    timer_stop(t);
    while (__atomic_load_n(&queues[t->cpu].running, __ATOMIC_ACQUIRE) == t)
        cpu_relax();
}
