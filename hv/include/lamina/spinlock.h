/* SPDX-License-Identifier: MIT */
/* Ticket spinlocks: FIFO fairness, so no CPU starves on a busy lock. */
#ifndef LAMINA_SPINLOCK_H
#define LAMINA_SPINLOCK_H

#include <lamina/types.h>
#include <asm/system.h>

typedef struct {
    uint16_t next;  /* ticket handed to the next arrival */
    uint16_t owner; /* ticket now being served */
} spinlock_t;

#define SPINLOCK_INIT \
    {                 \
        0, 0          \
    }

static inline void spin_lock_init(spinlock_t *l)
{
    l->next = l->owner = 0;
}

static inline void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}

static inline bool spin_trylock(spinlock_t *l)
{
    uint16_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
    spinlock_t old = {owner, owner}, new = {(uint16_t)(owner + 1), owner};
    return __atomic_compare_exchange(l, &old, &new, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
    spinlock_t v;
    __atomic_load(l, &v, __ATOMIC_RELAXED);
    return v.next != v.owner;
}

/*
 * For crash paths only: the holder may be this CPU (interrupted inside the
 * critical section) or a CPU that was stopped, so give up after `spins`.
 */
static inline bool spin_lock_bounded(spinlock_t *l, unsigned long spins)
{
    while (spins--) {
        if (spin_trylock(l))
            return true;
        cpu_relax();
    }
    return false;
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = local_irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    local_irq_restore(flags);
}

#endif
