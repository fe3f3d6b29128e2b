// SPDX-License-Identifier: MIT
/*
 * The scheduler glue: the Credit2 policy (core/credit2.c, pure decisions)
 * driven as lamina/credit2.h says, on real pCPUs.
 *
 * One spinlock (IRQs off) serialises every credit2_* call. Each pCPU runs
 * scheduler_loop(): it asks the policy what to run (credit2_pick_next), runs
 * that vCPU until sched_should_leave() (slice timer, kick, block, removal),
 * then asks again. "Kick pCPU c" means: set c's need_resched and send it
 * the kick IPI, so its guest exits (or its HLT ends) and it picks again.
 * sched_kick() alone (used for event injection) only makes the guest exit.
 *
 * A vCPU is on at most one pCPU: the policy hands out only queued vCPUs, a
 * vCPU is queued only once its previous pCPU has picked something else, and
 * that pick (with `running` cleared, last) happens under the lock after the
 * previous pCPU saved the vCPU's state. `running` going false is the last
 * touch: from then the reaper (the boot CPU only) may free the vCPU.
 *
 * Per-vCPU timers (singleshot, poll, vLAPIC) stay on the pCPU they were set
 * up on when the vCPU migrates: their callbacks only raise an event and kick,
 * which works from any pCPU, so nothing has to move a pending timer.
 */
#include <lamina/cmdline.h>
#include <lamina/credit2.h>
#include <lamina/domain.h>
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/hvm/hvm.h>

STATIC_ASSERT(NR_CPUS <= CREDIT2_MAX_CPUS, "the policy's masks hold every pCPU");

/*
 * The idle vCPU of a pCPU is its idle loop (scheduler_loop() with nothing to
 * run: the policy's NULL). It has no guest state, only a runstate: running
 * while the pCPU idles, runnable while a guest vCPU has it, so the toolstack
 * can read each pCPU's idle time like any vCPU's (sched_idle_runstate()).
 */
struct idle_vcpu {
    enum runstate state;
    uint64_t entry, time[4];
};

struct sched_cpu {
    struct vcpu *curr;     /* what this pCPU runs (NULL: idle); its own loop writes it */
    struct idle_vcpu idle; /* under sched_lock */
    struct timer slice;
    bool need_resched; /* pick again at the next chance (atomic) */
};

static struct sched_cpu scpus[NR_CPUS];
static struct credit2_sched c2;
static spinlock_t sched_lock = SPINLOCK_INIT;
static struct timer refill_timer; /* global, on the boot CPU */
static uint64_t refill_at;        /* what refill_timer is armed for; 0 or UINT64_MAX: not */

/* ---------------------------------------------------------------- options */

static enum credit2_gran opt_gran = CREDIT2_RQ_SOCKET;
static unsigned int opt_ratelimit_us = 1000;

static int parse_runqueue(const char *v)
{
    return v ? credit2_parse_gran(v, &opt_gran) : -EINVAL;
}
custom_param("sched_credit2_runqueue", parse_runqueue);
uint_param("sched_ratelimit_us", opt_ratelimit_us, 0, 10000);

static const char *const gran_names[] = {"cpu", "core", "socket", "node", "all"};

/* ---------------------------------------------------------------- helpers */

static int apply_affinity(struct vcpu *v, int *rc);

static struct vcpu *vcpu_of(struct credit2_vcpu *cv)
{
    return cv ? container_of(cv, struct vcpu, sched) : NULL;
}

static enum runstate runstate_of(enum credit2_state st)
{
    switch (st) {
    case CREDIT2_RUNNING:
        return RUNSTATE_RUNNING;
    case CREDIT2_RUNNABLE:
    case CREDIT2_PARKED:
        return RUNSTATE_RUNNABLE; /* wanted a pCPU, had none: steal */
    case CREDIT2_BLOCKED:
        return RUNSTATE_BLOCKED;
    default:
        return RUNSTATE_OFFLINE;
    }
}

void vcpu_runstate_change(struct vcpu *v, enum runstate s)
{
    uint64_t t = now();
    v->runstate_time[v->runstate] += t - v->runstate_entry;
    v->runstate = s;
    v->runstate_entry = t;
    runstate_publish(v);
}

/* Under sched_lock: make v's runstate follow its policy state. */
static void sync_runstate(struct vcpu *v)
{
    enum runstate s = runstate_of(v->sched.state);
    if (s != v->runstate)
        vcpu_runstate_change(v, s);
}

void sched_kick(unsigned int cpu)
{
    if (cpu != smp_processor_id() && cpu < NR_CPUS && cpus[cpu] && cpus[cpu]->online)
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

/* Make `cpu` call pick_next soon. Flag first, IPI second: the IPI's handler reads nothing. */
static void resched_cpu(unsigned int cpu)
{
    __atomic_store_n(&scpus[cpu].need_resched, true, __ATOMIC_SEQ_CST);
    sched_kick(cpu);
}

/* Outside the lock: every pCPU the policy named. */
static void kick_all_in(const struct credit2_cpumask *m, int also)
{
    credit2_for_each_cpu(c, m) resched_cpu((unsigned int)c);
    if (also >= 0)
        resched_cpu((unsigned int)also);
}

/* Under sched_lock, after any call that may park or unpark: one refill timer. */
static void rearm_refill(void)
{
    uint64_t at = credit2_next_refill(&c2);

    if (at == refill_at)
        return;
    refill_at = at;
    if (at == UINT64_MAX)
        timer_stop(&refill_timer);
    else
        timer_set(&refill_timer, at);
}

static void refill_fired(void *unused)
{
    struct credit2_cpumask kick;
    (void)unused;

    credit2_mask_zero(&kick);
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    refill_at = 0; /* fired: whatever is due next must be armed again */
    credit2_refill(&c2, now(), &kick);
    rearm_refill();
    spin_unlock_irqrestore(&sched_lock, flags);
    kick_all_in(&kick, CREDIT2_NO_CPU);
}

static bool can_run(struct vcpu *v)
{
    return v->up && !__atomic_load_n(&v->blocked, __ATOMIC_SEQ_CST) &&
           v->domain->state == DOMAIN_RUNNING &&
           !__atomic_load_n(&v->domain->pause_count, __ATOMIC_SEQ_CST);
}

/* ---------------------------------------------------------------- vCPU events */

void vcpu_wake(struct vcpu *v)
{
    int kick = CREDIT2_NO_CPU;
    unsigned long flags = spin_lock_irqsave(&sched_lock);

    __atomic_store_n(&v->blocked, false, __ATOMIC_SEQ_CST);
    if (can_run(v) && v->sched.state == CREDIT2_BLOCKED) {
        kick = credit2_wake(&c2, &v->sched, now());
        sync_runstate(v);
        rearm_refill();
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    if (kick >= 0)
        resched_cpu((unsigned int)kick);
}

void vcpu_block(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&sched_lock);

    /*
     * Publish `blocked`, then look for an upcall that arrived since the
     * caller checked: vcpu_kick() sets the upcall first and reads `blocked`
     * second, so one of the two always sees the other (both seq_cst). If
     * vcpu_kick saw `blocked`, its vcpu_wake takes this lock after us and
     * finds the policy state BLOCKED: it revives v (still this pCPU's curr).
     */
    __atomic_store_n(&v->blocked, true, __ATOMIC_SEQ_CST);
    if (hvm_events_deliverable(v)) {
        __atomic_store_n(&v->blocked, false, __ATOMIC_SEQ_CST);
    } else {
        credit2_sleep(&c2, &v->sched, now()); /* v runs here: pick_next follows as it leaves */
        sync_runstate(v);
        rearm_refill();
    }
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_remove_vcpu(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&sched_lock);

    v->up = false;
    int cpu = credit2_remove(&c2, &v->sched, now());
    sync_runstate(v);
    rearm_refill();
    spin_unlock_irqrestore(&sched_lock, flags);
    if (cpu >= 0)
        resched_cpu((unsigned int)cpu); /* it leaves at its next exit; then `running` clears */
}

/*
 * Bring d's vCPUs in line with its pause count, whatever it is by now (a
 * racing pause and unpause both end here, and the last one wins). A paused
 * vCPU sleeps in the policy like a blocked one, but its `blocked` flag is
 * untouched: an event for it only sets bits, and unpausing puts it back
 * exactly as runnable as it was.
 */
void sched_pause_sync(struct domain *d)
{
    struct credit2_cpumask kick;

    credit2_mask_zero(&kick);
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    bool paused = __atomic_load_n(&d->pause_count, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        enum credit2_state st = v->sched.state;
        int cpu = CREDIT2_NO_CPU;
        if (paused && st != CREDIT2_OFFLINE && st != CREDIT2_BLOCKED)
            cpu = credit2_sleep(&c2, &v->sched, now());
        else if (!paused && st == CREDIT2_BLOCKED && can_run(v))
            cpu = credit2_wake(&c2, &v->sched, now());
        else
            continue;
        if (cpu >= 0)
            credit2_mask_set(&kick, (unsigned int)cpu);
        sync_runstate(v);
    }
    rearm_refill();
    spin_unlock_irqrestore(&sched_lock, flags);
    kick_all_in(&kick, CREDIT2_NO_CPU);
}

void sched_start_vcpu(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct credit2_cpumask hard = c2.online; /* online pCPUs only change at boot */
    int kick = CREDIT2_NO_CPU, rc = -EBUSY;

    /* An empty hard mask means "every pCPU". */
    if (credit2_mask_intersects(&v->hard_affinity, &c2.online))
        credit2_mask_and(&hard, &v->hard_affinity, &c2.online, false);
    /*
     * The singleshot timer lives on the first pCPU the vCPU may use, for good
     * (see the comment at the top). Killed first, outside the lock: a restarted
     * vCPU's old timer may be firing, and its callback takes the lock.
     */
    timer_kill(&v->singleshot);
    timer_init(&v->singleshot, vcpu_singleshot_fired, v, (unsigned int)credit2_mask_next(&hard, 0));

    unsigned long flags = spin_lock_irqsave(&sched_lock);
    uint64_t t = now();
    /*
     * A vCPU that went down may still be on its pCPU (until that pCPU picks
     * again). A domain shutting down or being destroyed starts nothing: its
     * state is set before its vCPUs are removed, under this lock.
     */
    bool alive = (d->state == DOMAIN_RUNNING || d->state == DOMAIN_CREATED) &&
                 !__atomic_load_n(&d->killed, __ATOMIC_ACQUIRE);
    if (alive && !__atomic_load_n(&v->running, __ATOMIC_ACQUIRE) &&
        v->sched.state == CREDIT2_OFFLINE)
        rc = credit2_insert(&c2, &v->sched, &d->sched, &hard,
                            v->soft_set ? &v->soft_affinity : NULL, t);
    if (rc == 0) {
        v->up = true;
        v->runstate_entry = t;
        v->processor = v->sched.cpu;
        sync_runstate(v);
        if (can_run(v))
            kick = credit2_wake(&c2, &v->sched, t);
        sync_runstate(v);
        rearm_refill();
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    if (rc < 0) {
        printk(LOG_WARN "d%u v%u: not started (%d)\n", d->id, v->id, rc);
        return;
    }
    if (kick >= 0)
        resched_cpu((unsigned int)kick);
}

bool sched_should_leave(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();
    return !can_run(v) || __atomic_load_n(&scpus[cpu].need_resched, __ATOMIC_SEQ_CST) ||
           (cpu == 0 && reap_pending); /* only the boot CPU reaps */
}

void sched_yield(void)
{
    struct sched_cpu *sc = &scpus[smp_processor_id()];
    unsigned long flags = spin_lock_irqsave(&sched_lock);

    if (sc->curr)
        credit2_yield(&sc->curr->sched);
    spin_unlock_irqrestore(&sched_lock, flags);
    __atomic_store_n(&sc->need_resched, true, __ATOMIC_SEQ_CST);
}

/* ---------------------------------------------------------------- the loop */

static void slice_end(void *data)
{
    struct sched_cpu *sc = data;
    /*
     * Always end the slice, even with nobody waiting now: the policy decides
     * whether the vCPU simply goes on, and a guest spinning with interrupts
     * off must not keep the pCPU for good.
     */
    __atomic_store_n(&sc->need_resched, true, __ATOMIC_SEQ_CST);
}

static void kick_vector(struct cpu_regs *regs)
{
    (void)regs; /* the interrupt itself was the point: leave the guest / HLT */
}

static void idle_set(struct idle_vcpu *iv, enum runstate st, uint64_t t)
{
    if (iv->state == st)
        return;
    iv->time[iv->state] += t - iv->entry;
    iv->state = st;
    iv->entry = t;
}

int sched_idle_runstate(unsigned int cpu, enum runstate *state, uint64_t *entry, uint64_t time[4])
{
    if (cpu >= NR_CPUS || !credit2_mask_test(&c2.online, cpu))
        return -EINVAL;
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    const struct idle_vcpu *iv = &scpus[array_index_nospec(cpu, NR_CPUS)].idle; /* guest's number */
    *state = iv->state;
    *entry = iv->entry;
    for (unsigned int i = 0; i < 4; i++)
        time[i] = iv->time[i];
    time[iv->state] += now() - iv->entry;
    spin_unlock_irqrestore(&sched_lock, flags);
    return 0;
}

/*
 * One decision for this pCPU, which ran `prev` until now (it is off the
 * hardware: its state was saved). Returns what to run and for how long.
 */
static struct vcpu *schedule(unsigned int cpu, struct vcpu *prev, uint64_t *slice_ns)
{
    struct sched_cpu *sc = &scpus[cpu];
    struct credit2_decision dec;
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    uint64_t t = now();

    __atomic_store_n(&sc->need_resched, false, __ATOMIC_SEQ_CST);
    credit2_pick_next(&c2, cpu, t, &dec);
    struct vcpu *next = vcpu_of(dec.next);
    /*
     * prev is now this pCPU's RUNNING curr, or no pCPU's curr: safe to
     * re-place. Before `running` is released below, like every touch of prev.
     */
    int aff_kick = CREDIT2_NO_CPU, aff_rc;
    if (prev && prev->affinity_pending && prev->sched.state != CREDIT2_OFFLINE)
        aff_kick = apply_affinity(prev, &aff_rc);
    if (next != prev) {
        if (next) {
            /* The policy gave us a vCPU another pCPU still holds: never run it twice. */
            BUG_ON(__atomic_load_n(&next->running, __ATOMIC_ACQUIRE));
            __atomic_store_n(&next->processor, cpu, __ATOMIC_RELAXED);
            /* seq_cst: ordered before this pCPU's later look at pending upcalls. */
            __atomic_store_n(&next->running, true, __ATOMIC_SEQ_CST);
        }
        if (prev) {
            sync_runstate(prev);
            /* Last touch of prev: from here the reaper may free it. */
            __atomic_store_n(&prev->running, false, __ATOMIC_RELEASE);
        }
    }
    if (next)
        sync_runstate(next);
    idle_set(&sc->idle, next ? RUNSTATE_RUNNABLE : RUNSTATE_RUNNING, t);
    sc->curr = next;
    rearm_refill();
    spin_unlock_irqrestore(&sched_lock, flags);
    kick_all_in(&dec.kick, aff_kick);
    *slice_ns = dec.slice_ns;
    return next;
}

void __noreturn scheduler_loop(void)
{
    unsigned int cpu = smp_processor_id();
    struct sched_cpu *sc = &scpus[cpu];
    struct vcpu *v = NULL;
    uint64_t slice_ns;

    timer_init(&sc->slice, slice_end, sc, cpu);
    for (;;) {
        v = schedule(cpu, v, &slice_ns);
        local_irq_enable();
        domain_reap_pending(); /* after schedule(): a vCPU this pCPU let go is free to reap */
        if (!v) {
            timer_stop(&sc->slice);
            local_irq_disable();
            apic_resync(); /* an interrupt left pending must not let us sleep */
            if (!__atomic_load_n(&sc->need_resched, __ATOMIC_SEQ_CST))
                safe_halt(); /* sti; hlt: a kick, or any interrupt, ends it */
            else
                local_irq_enable();
            continue;
        }
        timer_set(&sc->slice, now() + slice_ns);
        hvm_ops->vcpu_run(v); /* switches FPU and debug state in and out itself */
    }
}

void sched_init(void)
{
    struct credit2_params p;
    struct cpu *c;
    uint64_t t = now();

    credit2_params_default(&p);
    p.gran = opt_gran;
    p.ratelimit_ns = (uint64_t)opt_ratelimit_us * NSEC_PER_USEC;
    if (credit2_init(&c2, &p) < 0)
        panic("sched: bad Credit2 parameters");
    /* No core/socket ids from firmware yet: each pCPU its own core, one socket per node. */
    for_each_online_cpu(c)
    {
        if (credit2_cpu_online(&c2, c->id, c->id, c->node, c->node, t) < 0)
            panic("sched: cannot bring CPU %u online", c->id);
        scpus[c->id].idle = (struct idle_vcpu){.state = RUNSTATE_RUNNING, .entry = t};
    }
    timer_init(&refill_timer, refill_fired, NULL, 0);
    set_irq_handler(VECTOR_KICK, kick_vector);
    printk("sched: credit2, %u runqueue(s) per %s, ratelimit %u us\n", c2.nr_rqs,
           gran_names[opt_gran], opt_ratelimit_us);
}

/* ---------------------------------------------------------------- domains and knobs */

void sched_domain_init(struct domain *d)
{
    credit2_dom_init(&d->sched);
}

void sched_domain_destroy(struct domain *d)
{
    if (!d->sched.capped.next)
        return; /* sched_domain_init never ran */
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    credit2_dom_destroy(&c2, &d->sched);
    rearm_refill();
    spin_unlock_irqrestore(&sched_lock, flags);
}

int sched_set_weight(struct domain *d, unsigned long weight)
{
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    int rc = credit2_dom_set_weight(&c2, &d->sched, weight, now());
    spin_unlock_irqrestore(&sched_lock, flags);
    return rc;
}

int sched_set_cap(struct domain *d, unsigned long cap)
{
    struct credit2_cpumask kick;

    credit2_mask_zero(&kick);
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    int rc = credit2_dom_set_cap(&c2, &d->sched, cap, d->nr_vcpus, now(), &kick);
    rearm_refill();
    spin_unlock_irqrestore(&sched_lock, flags);
    kick_all_in(&kick, CREDIT2_NO_CPU);
    return rc;
}

void sched_set_latency(struct domain *d, bool on)
{
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    credit2_dom_set_latency(&d->sched, on);
    spin_unlock_irqrestore(&sched_lock, flags);
}

unsigned int sched_ratelimit_us(void)
{
    return (unsigned int)(__atomic_load_n(&c2.p.ratelimit_ns, __ATOMIC_RELAXED) / NSEC_PER_USEC);
}

/* xl sched-credit2 -s -r: 0 (off) or 100..500000 us, as Xen accepts. */
int sched_set_ratelimit_us(unsigned int us)
{
    if (us && (us < 100 || us > 500000))
        return -EINVAL;
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    c2.p.ratelimit_ns = (uint64_t)us * NSEC_PER_USEC;
    spin_unlock_irqrestore(&sched_lock, flags);
    return 0;
}

int sched_check_cpumask(const struct credit2_cpumask *m)
{
    /* Nonempty and online only (online pCPUs only change at boot). */
    return m && !credit2_mask_empty(m) && credit2_mask_subset(m, &c2.online) ? 0 : -EINVAL;
}

void sched_online_mask(struct credit2_cpumask *m)
{
    *m = c2.online;
}

/* Under sched_lock: hand v's stored masks to the policy. Returns a pCPU to kick. */
static int apply_affinity(struct vcpu *v, int *rc)
{
    int kick = CREDIT2_NO_CPU;

    v->affinity_pending = false;
    *rc = credit2_set_affinity(&c2, &v->sched, &v->hard_affinity,
                               v->soft_set ? &v->soft_affinity : NULL, now(), &kick);
    sync_runstate(v);
    rearm_refill();
    return kick;
}

int sched_set_affinity(struct vcpu *v, const struct credit2_cpumask *hard,
                       const struct credit2_cpumask *soft)
{
    int kick = CREDIT2_NO_CPU, rc = 0;

    if (sched_check_cpumask(hard) || (soft && sched_check_cpumask(soft)))
        return -EINVAL;
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    /* Kept for a vCPU not started yet, or started again. */
    v->hard_affinity = *hard;
    v->soft_set = soft != NULL;
    if (soft)
        v->soft_affinity = *soft;
    if (v->sched.state == CREDIT2_BLOCKED && c2.cpu[v->sched.cpu].curr == &v->sched) {
        /*
         * It blocked but its pCPU has not picked again: it may still be on
         * the hardware. Moving it to another runqueue now would cut the link
         * credit2_wake uses to revive it in place, and a wake would then queue
         * it where another pCPU could run it too. Its pCPU's next schedule()
         * applies the masks.
         */
        v->affinity_pending = true;
    } else if (v->sched.state != CREDIT2_OFFLINE) {
        kick = apply_affinity(v, &rc);
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    if (kick >= 0)
        resched_cpu((unsigned int)kick);
    return rc;
}

void sched_vcpu_runstate(struct vcpu *v, enum runstate *state, uint64_t *entry, uint64_t time[4],
                         unsigned int *cpu, bool *running)
{
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    uint64_t t = now();

    *state = v->runstate;
    *entry = v->runstate_entry;
    for (unsigned int i = 0; i < 4; i++)
        time[i] = v->runstate_time[i];
    time[v->runstate] += t - v->runstate_entry;
    *cpu = v->processor;
    *running = v->running;
    spin_unlock_irqrestore(&sched_lock, flags);
}
