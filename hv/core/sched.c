// SPDX-License-Identifier: MIT
/*
 * A simple scheduler to run domains until Credit2 arrives: each pCPU keeps
 * a FIFO of runnable vCPUs and gives each a 10 ms slice. vCPUs are placed
 * round-robin when they start and stay there. The interface (wake, block,
 * should_leave, the per-CPU loop) is what Credit2 will implement.
 */
#include <lamina/domain.h>
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/hvm/hvm.h>

#define SLICE_NS (10 * NSEC_PER_MSEC)

struct sched_cpu {
    spinlock_t lock;
    struct list_head runq;
    struct vcpu *curr;
    struct timer slice;
    volatile bool need_resched;
};

static struct sched_cpu scpus[NR_CPUS];
static unsigned int next_placement;

void vcpu_runstate_change(struct vcpu *v, enum runstate s)
{
    uint64_t t = now();
    v->runstate_time[v->runstate] += t - v->runstate_entry;
    v->runstate = s;
    v->runstate_entry = t;
    runstate_publish(v);
}

void sched_kick(unsigned int cpu)
{
    if (cpu != smp_processor_id() && cpus[cpu] && cpus[cpu]->online)
        apic_send_ipi(cpus[cpu]->apic_id, VECTOR_KICK);
}

void sched_kick_all(void)
{
    struct cpu *c;
    for_each_online_cpu(c)
    {
        if (c->id != smp_processor_id())
            apic_send_ipi(c->apic_id, VECTOR_KICK);
    }
}

static bool can_run(struct vcpu *v)
{
    return v->up && !v->blocked && v->domain->state == DOMAIN_RUNNING;
}

void vcpu_wake(struct vcpu *v)
{
    struct sched_cpu *sc = &scpus[v->processor];
    unsigned long flags = spin_lock_irqsave(&sc->lock);
    bool queued = false;

    v->blocked = false;
    if (can_run(v) && !v->running && !v->on_runq) {
        list_add_tail(&v->runq, &sc->runq);
        v->on_runq = true;
        vcpu_runstate_change(v, RUNSTATE_RUNNABLE);
        queued = true;
    }
    spin_unlock_irqrestore(&sc->lock, flags);
    if (queued)
        sched_kick(v->processor); /* wake it from HLT, or preempt nothing: cheap */
}

void vcpu_block(struct vcpu *v)
{
    struct sched_cpu *sc = &scpus[v->processor];
    unsigned long flags = spin_lock_irqsave(&sc->lock);

    /*
     * Publish `blocked`, then look for an upcall that arrived since the
     * caller checked: vcpu_kick() sets the upcall first and reads `blocked`
     * second, so one of the two always sees the other (both seq_cst).
     */
    __atomic_store_n(&v->blocked, true, __ATOMIC_SEQ_CST);
    if (hvm_events_deliverable(v))
        __atomic_store_n(&v->blocked, false, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&sc->lock, flags);
}

void sched_remove_vcpu(struct vcpu *v)
{
    struct sched_cpu *sc = &scpus[v->processor];
    unsigned long flags = spin_lock_irqsave(&sc->lock);

    v->up = false;
    if (v->on_runq) {
        list_del(&v->runq);
        v->on_runq = false;
    }
    bool running = v->running;
    spin_unlock_irqrestore(&sc->lock, flags);
    if (running)
        sched_kick(v->processor); /* it leaves at its next exit */
}

void sched_start_vcpu(struct vcpu *v)
{
    unsigned int n = __atomic_fetch_add(&next_placement, 1, __ATOMIC_RELAXED);
    unsigned int cpu;

    do { /* the n-th online CPU, round-robin */
        cpu = n++ % NR_CPUS;
    } while (!cpus[cpu] || !cpus[cpu]->online);
    v->processor = cpu;
    v->up = true;
    v->runstate_entry = now();
    timer_init(&v->singleshot, vcpu_singleshot_fired, v, cpu);
    vcpu_wake(v);
}

bool sched_should_leave(struct vcpu *v)
{
    return !can_run(v) || scpus[v->processor].need_resched ||
           (v->processor == 0 && reap_pending); /* only the boot CPU reaps */
}

void sched_yield(void)
{
    scpus[smp_processor_id()].need_resched = true;
}

static void slice_end(void *data)
{
    struct sched_cpu *sc = data;
    /*
     * Always end the slice, even with nobody waiting now: someone may be woken
     * onto this CPU later, and a guest spinning with interrupts off would
     * otherwise keep the CPU for good. Alone, the vCPU is simply picked again.
     */
    sc->need_resched = true;
}

static void kick_vector(struct cpu_regs *regs)
{
    (void)regs; /* the interrupt itself was the point: leave the guest / HLT */
}

void __noreturn scheduler_loop(void)
{
    unsigned int cpu = smp_processor_id();
    struct sched_cpu *sc = &scpus[cpu];

    timer_init(&sc->slice, slice_end, sc, cpu);
    for (;;) {
        domain_reap_pending();
        local_irq_disable();
        spin_lock(&sc->lock);
        struct vcpu *v = NULL;
        if (!list_empty(&sc->runq)) {
            v = list_first_entry(&sc->runq, struct vcpu, runq);
            list_del(&v->runq);
            v->on_runq = false;
            v->running = true;
        }
        sc->need_resched = false;
        sc->curr = v;
        spin_unlock(&sc->lock);
        if (!v) {
            apic_resync(); /* an interrupt left pending must not let us sleep */
            safe_halt();   /* sti; hlt: a wake-up IPI or timer ends it */
            continue;
        }
        local_irq_enable();

        vcpu_runstate_change(v, RUNSTATE_RUNNING);
        timer_set(&sc->slice, now() + SLICE_NS);
        hvm_ops->vcpu_run(v); /* switches FPU and debug state in and out itself */
        timer_stop(&sc->slice);

        unsigned long flags = spin_lock_irqsave(&sc->lock);
        sc->curr = NULL;
        if (can_run(v)) {
            list_add_tail(&v->runq, &sc->runq);
            v->on_runq = true;
            vcpu_runstate_change(v, RUNSTATE_RUNNABLE);
        } else {
            vcpu_runstate_change(v, v->up ? RUNSTATE_BLOCKED : RUNSTATE_OFFLINE);
        }
        /* Last touch of v: from here a reaping CPU may free it. */
        __atomic_store_n(&v->running, false, __ATOMIC_RELEASE);
        spin_unlock_irqrestore(&sc->lock, flags);
    }
}

void sched_init(void)
{
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        spin_lock_init(&scpus[i].lock);
        list_init(&scpus[i].runq);
    }
    set_irq_handler(VECTOR_KICK, kick_vector);
}
