// SPDX-License-Identifier: MIT
/*
 * Credit2: the policy half of the scheduler (see lamina/credit2.h for the
 * contract with the glue in sched.c).
 *
 * Each runqueue keeps its waiting vCPUs sorted by credit, most first. A
 * running vCPU burns credit at max_weight/weight ns per ns, max_weight being
 * the largest weight on its runqueue, so between two resets every vCPU may run
 * in proportion to its weight. When the vCPU picked to run has no credit left,
 * everyone on the runqueue gets credit_init more, but nobody ends up with more
 * than credit_init + carry: sleepers cannot hoard.
 *
 * Slices end when the runner's credit would drop to that of the first waiter,
 * within [min_slice, max_slice], never before the ratelimit, and never past
 * the cap budget in hand. Caps are a per-domain pool refilled every period;
 * a vCPU takes a share of it before running and gives back what it did not
 * use when it stops; a vCPU that finds the pool empty is parked.
 */
#include <lamina/credit2.h>
#include <lamina/errno.h>

#define LOAD_FRAC 16
#define BUDGET_MIN_TAKE_NS 100000 /* smallest share of a cap pool taken at once */
#define WAITER_SCAN 8             /* waiters looked at when kicking idle pCPUs */

/* ---------------------------------------------------------------- validation */

int credit2_check_weight(unsigned long weight)
{
    return weight >= 1 && weight <= CREDIT2_WEIGHT_MAX ? 0 : -EINVAL;
}

int credit2_check_cap(unsigned long cap, unsigned int nr_vcpus)
{
    return nr_vcpus && cap <= 100UL * nr_vcpus ? 0 : -EINVAL;
}

int credit2_check_cpumask(const struct credit2_sched *s, const struct credit2_cpumask *m)
{
    return m && credit2_mask_intersects(m, &s->online) ? 0 : -EINVAL;
}

/* ---------------------------------------------------------------- load */

void credit2_load_update(const struct credit2_sched *s, uint64_t *avg, uint64_t *stamp,
                         unsigned int inst, uint64_t now)
{
    unsigned int shift = s->p.load_shift;
    uint64_t target = (uint64_t)inst << LOAD_FRAC;

    if (now <= *stamp)
        return;
    uint64_t dt = now - *stamp;
    *stamp = now;
    /* A linear step towards the instantaneous value: exponential decay in small steps. */
    if (dt >> shift)
        *avg = target;
    else if (target >= *avg)
        *avg += ((target - *avg) * dt) >> shift;
    else
        *avg -= ((*avg - target) * dt) >> shift;
}

static bool is_active(enum credit2_state st)
{
    return st == CREDIT2_RUNNING || st == CREDIT2_RUNNABLE;
}

static void rq_load_update(const struct credit2_sched *s, struct credit2_rq *rq, uint64_t now)
{
    credit2_load_update(s, &rq->load, &rq->load_ns, rq->nr_active, now);
}

void credit2_set_state(struct credit2_sched *s, struct credit2_vcpu *v, enum credit2_state st,
                       uint64_t now)
{
    bool was = is_active(v->state), is = is_active(st);

    if (was != is) {
        credit2_load_update(s, &v->load, &v->load_ns, was, now);
        if (v->rq) {
            rq_load_update(s, v->rq, now);
            v->rq->nr_active += is ? 1 : -1;
        }
    }
    v->state = st;
}

/* ---------------------------------------------------------------- runqueues */

void credit2_rq_max_weight(struct credit2_rq *rq)
{
    struct credit2_vcpu *v;

    rq->max_weight = 1;
    list_for_each_entry(v, &rq->assigned, rq_elem) rq->max_weight =
        MAX(rq->max_weight, v->dom->weight);
}

void credit2_rq_assign(struct credit2_sched *s, struct credit2_vcpu *v, struct credit2_rq *rq,
                       uint64_t now)
{
    v->rq = rq;
    list_add_tail(&v->rq_elem, &rq->assigned);
    rq->nr_assigned++;
    rq->max_weight = MAX(rq->max_weight, v->dom->weight);
    if (is_active(v->state)) {
        rq_load_update(s, rq, now);
        rq->nr_active++;
        rq->load += v->load;
    }
}

static void rq_unassign(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now)
{
    struct credit2_rq *rq = v->rq;

    list_del(&v->rq_elem);
    rq->nr_assigned--;
    if (is_active(v->state)) {
        rq_load_update(s, rq, now);
        rq->nr_active--;
        rq->load -= MIN(rq->load, v->load);
    }
    if (v->dom->weight == rq->max_weight)
        credit2_rq_max_weight(rq);
    v->rq = NULL;
}

static int64_t credit_of(const struct list_head *pos)
{
    return list_entry(pos, struct credit2_vcpu, runq_elem)->credit;
}

/*
 * Waiters are sorted by credit, most first; equals keep their arrival order.
 * The walk starts from the nearer end: a vCPU that just ran usually belongs
 * near the tail, a waking one near the head. Same place either way.
 */
static void runq_insert(struct credit2_rq *rq, struct credit2_vcpu *v)
{
    struct list_head *h = &rq->runq, *pos;

    if (list_empty(h) || v->credit >= credit_of(h->next) ||
        credit_of(h->next) - v->credit < v->credit - credit_of(h->prev)) {
        for (pos = h->next; pos != h && credit_of(pos) >= v->credit; pos = pos->next)
            ;
        list_insert_between(&v->runq_elem, pos->prev, pos);
    } else {
        for (pos = h->prev; pos != h && credit_of(pos) < v->credit; pos = pos->prev)
            ;
        list_insert_between(&v->runq_elem, pos, pos->next);
    }
}

static void enqueue(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now)
{
    credit2_set_state(s, v, CREDIT2_RUNNABLE, now);
    runq_insert(v->rq, v);
}

unsigned int credit2_first_cpu_for(const struct credit2_rq *rq, const struct credit2_vcpu *v)
{
    struct credit2_cpumask m;

    credit2_mask_and(&m, &rq->cpus, &v->soft, false);
    credit2_mask_and(&m, &m, &v->hard, false);
    if (credit2_mask_empty(&m))
        credit2_mask_and(&m, &rq->cpus, &v->hard, false);
    int c = credit2_mask_next(&m, 0);
    return c >= 0 ? (unsigned int)c : v->cpu;
}

void credit2_rq_move(struct credit2_sched *s, struct credit2_vcpu *v, struct credit2_rq *to,
                     uint64_t now)
{
    bool queued = v->state == CREDIT2_RUNNABLE;

    if (v->rq == to)
        return;
    if (queued)
        list_del(&v->runq_elem);
    credit2_load_update(s, &v->load, &v->load_ns, is_active(v->state), now);
    rq_unassign(s, v, now);
    /* Credit is relative to a runqueue's resets: arrive no richer than a newcomer. */
    v->credit = MIN(v->credit, (int64_t)s->p.credit_init_ns);
    credit2_rq_assign(s, v, to, now);
    if (queued)
        runq_insert(to, v);
    if (!credit2_mask_test(&to->cpus, v->cpu) || !credit2_mask_test(&v->hard, v->cpu))
        v->cpu = credit2_first_cpu_for(to, v);
}

/* ---------------------------------------------------------------- credit */

static int64_t burn_amount(const struct credit2_vcpu *v, uint64_t dt)
{
    dt = MIN(dt, 1ULL << 40); /* a glue that lost hours must not overflow */
    return (int64_t)(dt * v->rq->max_weight / v->dom->weight);
}

static void burn(struct credit2_vcpu *v, uint64_t now)
{
    if (now <= v->acct_ns)
        return;
    uint64_t dt = now - v->acct_ns;
    v->acct_ns = now;
    v->credit -= burn_amount(v, dt);
    if (v->dom->cap)
        v->budget -= (int64_t)dt;
}

/* A running vCPU's credit at `now`, without accounting it. */
static int64_t credit_at(const struct credit2_vcpu *v, uint64_t now)
{
    return now > v->acct_ns ? v->credit - burn_amount(v, now - v->acct_ns) : v->credit;
}

static int64_t time_for_credit(const struct credit2_vcpu *v, int64_t credit)
{
    return credit > 0 ? credit * (int64_t)v->dom->weight / (int64_t)v->rq->max_weight : 0;
}

static void reset(struct credit2_sched *s, struct credit2_rq *rq, const struct credit2_vcpu *picked,
                  uint64_t now)
{
    int64_t init = (int64_t)s->p.credit_init_ns, top = init + (int64_t)s->p.carry_ns;
    int64_t add = init * (1 + (picked->credit < 0 ? -picked->credit : 0) / init);
    struct credit2_vcpu *v;

    credit2_for_each_cpu(c, &rq->cpus)
    {
        v = s->cpu[c].curr;
        if (v && v->rq == rq && v->state == CREDIT2_RUNNING)
            burn(v, now);
    }
    list_for_each_entry(v, &rq->assigned, rq_elem) v->credit = MIN(v->credit + add, top);
    rq->nr_resets++;
}

/* ---------------------------------------------------------------- caps */

static void park(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now)
{
    struct credit2_dom *d = v->dom;

    d->budget += MIN(v->budget, 0); /* overrun is paid from the pool */
    v->budget = 0;
    credit2_set_state(s, v, CREDIT2_PARKED, now);
    list_add_tail(&v->runq_elem, &d->parked);
}

/* Refill the pool if a period boundary passed; with budget, wake the parked. */
static void dom_refill(struct credit2_sched *s, struct credit2_dom *d, uint64_t now,
                       struct credit2_cpumask *kick)
{
    uint64_t period = s->p.cap_period_ns;

    if (!d->cap)
        return;
    if (now >= d->next_refill) {
        d->next_refill += ((now - d->next_refill) / period + 1) * period;
        d->budget = MIN(d->budget + d->budget_period, d->budget_period);
    }
    while (d->budget > 0 && !list_empty(&d->parked)) {
        struct credit2_vcpu *v = list_first_entry(&d->parked, struct credit2_vcpu, runq_elem);
        list_del(&v->runq_elem);
        credit2_set_state(s, v, CREDIT2_BLOCKED, now);
        int c = credit2_make_runnable(s, v, now);
        if (c >= 0)
            credit2_mask_set(kick, (unsigned int)c);
    }
}

/*
 * Whether v has or can get budget. With `kick`, a due refill is done (and
 * parked vCPUs woken); without, the pool is only looked at.
 */
bool credit2_can_budget(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now,
                        struct credit2_cpumask *kick)
{
    struct credit2_dom *d = v->dom;

    if (!d->cap || v->budget > 0)
        return true;
    if (kick)
        dom_refill(s, d, now, kick);
    return d->budget > 0;
}

/* Before v runs: take a share of the pool into v's hand. */
static bool take_budget(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now,
                        struct credit2_cpumask *kick)
{
    struct credit2_dom *d = v->dom;

    if (!d->cap || v->budget > 0)
        return true;
    dom_refill(s, d, now, kick);
    d->budget += v->budget; /* settle an overrun */
    v->budget = 0;
    if (d->budget <= 0)
        return false;
    int64_t share = MAX(d->budget_period / (int64_t)MAX(d->nr_vcpus, 1U), BUDGET_MIN_TAKE_NS);
    v->budget = MIN(share, d->budget);
    d->budget -= v->budget;
    return true;
}

/* v stopped running: give back what it did not use. */
static void return_budget(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now,
                          struct credit2_cpumask *kick)
{
    struct credit2_dom *d = v->dom;

    if (!d->cap) {
        v->budget = 0;
        return;
    }
    d->budget = MIN(d->budget + v->budget, d->budget_period);
    v->budget = 0;
    dom_refill(s, d, now, kick);
}

uint64_t credit2_next_refill(const struct credit2_sched *s)
{
    const struct credit2_dom *d;
    uint64_t t = UINT64_MAX;

    list_for_each_entry(d, &s->capped, capped)
    {
        if (!list_empty(&d->parked))
            t = MIN(t, d->next_refill);
    }
    return t;
}

void credit2_refill(struct credit2_sched *s, uint64_t now, struct credit2_cpumask *kick)
{
    struct credit2_dom *d;

    list_for_each_entry(d, &s->capped, capped) dom_refill(s, d, now, kick);
}

/* ---------------------------------------------------------------- placement */

static void tickle(struct credit2_sched *s, unsigned int cpu)
{
    credit2_mask_set(&s->tickled, cpu);
}

/* The pCPU of v's runqueue running the vCPU with least credit, if v has more. */
static int preempt_target(const struct credit2_sched *s, const struct credit2_vcpu *v, uint64_t now)
{
    for (int pass = v->soft_limited ? 0 : 1; pass < 2; pass++) {
        int best = CREDIT2_NO_CPU;
        int64_t least = v->credit;
        credit2_for_each_cpu(c, &v->rq->cpus)
        {
            const struct credit2_vcpu *cur = s->cpu[c].curr;
            if (!credit2_mask_test(&v->hard, (unsigned int)c) ||
                (pass == 0 && !credit2_mask_test(&v->soft, (unsigned int)c)) || !cur ||
                cur->state != CREDIT2_RUNNING ||
                (credit2_mask_test(&s->tickled, (unsigned int)c) && !v->dom->latency))
                continue;
            int64_t cc = credit_at(cur, now);
            if (cc < least) {
                least = cc;
                best = c;
            }
        }
        if (best >= 0)
            return best;
    }
    return CREDIT2_NO_CPU;
}

/* v (not queued, not on a pCPU) wants to run: queue or park it; the pCPU to kick. */
int credit2_make_runnable(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now)
{
    v->boost = false;
    if (!credit2_can_budget(s, v, now, NULL)) {
        park(s, v, now);
        return CREDIT2_NO_CPU;
    }
    int c = credit2_idle_cpu_for(s, v);
    if (c >= 0 && !credit2_idle_cpu_worth_it(s, v, (unsigned int)c, now))
        c = CREDIT2_NO_CPU;
    if (c >= 0) {
        credit2_rq_move(s, v, s->cpu[c].rq, now);
        v->cpu = (unsigned int)c;
        enqueue(s, v, now);
        tickle(s, (unsigned int)c);
        return c;
    }
    if (!credit2_rq_allows(v->rq, v))
        credit2_rq_move(s, v, credit2_best_rq(s, v, now, false), now);
    enqueue(s, v, now);
    c = preempt_target(s, v, now);
    if (c >= 0) {
        tickle(s, (unsigned int)c);
        if (v->dom->latency) {
            s->cpu[c].urgent = true;
            v->boost = true;
        }
    }
    return c;
}

/* ---------------------------------------------------------------- pick_next */

/* The best waiter allowed on cpu; parks those without budget on the way. */
static struct credit2_vcpu *runq_pick(struct credit2_sched *s, struct credit2_rq *rq,
                                      unsigned int cpu, uint64_t now, bool urgent,
                                      struct credit2_cpumask *kick)
{
    struct credit2_vcpu *v, *n;

    if (urgent) { /* kicked for a latency-sensitive waker: it goes first */
        list_for_each_entry(v, &rq->runq, runq_elem)
        {
            if (v->boost && credit2_mask_test(&v->hard, cpu) && credit2_can_budget(s, v, now, NULL))
                return v;
        }
    }
    list_for_each_entry_safe(v, n, &rq->runq, runq_elem)
    {
        if (!credit2_mask_test(&v->hard, cpu))
            continue;
        if (!credit2_can_budget(s, v, now, kick)) {
            list_del(&v->runq_elem);
            park(s, v, now);
            continue;
        }
        if (v->soft_limited && !credit2_mask_test(&v->soft, cpu)) {
            /* A preferred pCPU is idle: leave v to it (kicked now, or already on its way). */
            struct credit2_cpumask pref;
            credit2_mask_and(&pref, &s->idle, &v->soft, false);
            credit2_mask_and(&pref, &pref, &v->hard, false);
            if (!credit2_mask_empty(&pref)) {
                int c = credit2_idle_cpu_for(s, v);
                if (c >= 0 && credit2_mask_test(&v->soft, (unsigned int)c)) {
                    tickle(s, (unsigned int)c);
                    credit2_mask_set(kick, (unsigned int)c);
                }
                continue;
            }
        }
        return v;
    }
    return NULL;
}

static uint64_t slice_for(const struct credit2_sched *s, const struct credit2_vcpu *v, uint64_t now,
                          bool continuing)
{
    const struct credit2_params *p = &s->p;
    uint64_t t;

    if (v->boost) {
        t = p->latency_slice_ns;
    } else {
        bool behind = false; /* a waiter has more credit: only the ratelimit holds it off */
        if (list_empty(&v->rq->runq)) {
            t = p->max_slice_ns;
        } else {
            const struct credit2_vcpu *w =
                list_first_entry(&v->rq->runq, struct credit2_vcpu, runq_elem);
            behind = v->credit < w->credit;
            t = (uint64_t)time_for_credit(v, v->credit - w->credit);
        }
        t = MIN(MAX(t, p->min_slice_ns), p->max_slice_ns);
        uint64_t ran = continuing ? now - v->run_start_ns : 0;
        if (ran < p->ratelimit_ns)
            t = behind && continuing ? p->ratelimit_ns - ran : MAX(t, p->ratelimit_ns - ran);
    }
    if (v->dom->cap)
        t = MIN(t, (uint64_t)MAX(v->budget, 0));
    return MAX(t, 1);
}

/* Kick idle pCPUs that could, and would, run someone still waiting on rq. */
static void kick_idle_for_waiters(struct credit2_sched *s, struct credit2_rq *rq, uint64_t now,
                                  struct credit2_cpumask *kick)
{
    struct credit2_cpumask free;
    struct credit2_vcpu *v;
    unsigned int scanned = 0;

    credit2_mask_and(&free, &s->idle, &s->tickled, true);
    if (credit2_mask_empty(&free))
        return;
    list_for_each_entry(v, &rq->runq, runq_elem)
    {
        if (++scanned > WAITER_SCAN)
            break;
        int c = credit2_idle_cpu_for(s, v);
        if (c >= 0 && credit2_idle_cpu_worth_it(s, v, (unsigned int)c, now)) {
            tickle(s, (unsigned int)c);
            credit2_mask_set(kick, (unsigned int)c);
        }
    }
}

/* The running prev leaves its pCPU but stays runnable. */
static void requeue(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now,
                    struct credit2_cpumask *kick)
{
    return_budget(s, v, now, kick);
    credit2_set_state(s, v, CREDIT2_BLOCKED, now);
    int c = credit2_make_runnable(s, v, now);
    if (c >= 0)
        credit2_mask_set(kick, (unsigned int)c);
}

/* v runs outside its soft affinity while a preferred pCPU is free. */
static bool soft_elsewhere(const struct credit2_sched *s, const struct credit2_vcpu *v,
                           unsigned int cpu)
{
    struct credit2_cpumask free;

    if (!v->soft_limited || credit2_mask_test(&v->soft, cpu))
        return false;
    credit2_mask_and(&free, &s->idle, &s->tickled, true);
    credit2_mask_and(&free, &free, &v->soft, false);
    return credit2_mask_intersects(&free, &v->hard);
}

/* cpu goes idle: kick one pCPU running a vCPU that would rather be here. */
static void reclaim_soft(const struct credit2_sched *s, unsigned int cpu,
                         struct credit2_cpumask *kick)
{
    credit2_for_each_cpu(o, &s->online)
    {
        const struct credit2_vcpu *v = s->cpu[o].curr;
        if (v && v->state == CREDIT2_RUNNING && v->soft_limited &&
            credit2_mask_test(&v->soft, cpu) && credit2_mask_test(&v->hard, cpu) &&
            !credit2_mask_test(&v->soft, (unsigned int)o)) {
            credit2_mask_set(kick, (unsigned int)o);
            return;
        }
    }
}

void credit2_pick_next(struct credit2_sched *s, unsigned int cpu, uint64_t now,
                       struct credit2_decision *d)
{
    struct credit2_pcpu *pc = &s->cpu[cpu];
    struct credit2_rq *rq = pc->rq;
    struct credit2_vcpu *prev = pc->curr, *next = NULL;
    bool urgent = pc->urgent, continuing = false;

    credit2_mask_zero(&d->kick);
    pc->urgent = false;
    credit2_mask_clear(&s->tickled, cpu);

    if (prev && prev->state == CREDIT2_RUNNING) {
        bool boosted = prev->boost;
        prev->boost = false;
        burn(prev, now);
        if (!credit2_mask_test(&prev->hard, cpu) || !credit2_rq_allows(prev->rq, prev) ||
            soft_elsewhere(s, prev, cpu)) {
            pc->curr = NULL; /* lost its affinity for this pCPU, or a preferred one is free */
            requeue(s, prev, now, &d->kick);
            prev = NULL;
        } else if (!take_budget(s, prev, now, &d->kick)) {
            park(s, prev, now);
            prev = NULL;
        } else if (!urgent && !boosted && !prev->yield &&
                   now - prev->run_start_ns < s->p.ratelimit_ns) {
            next = prev; /* too early to preempt */
            continuing = true;
        }
    } else if (prev) {
        if (prev->rq) /* BLOCKED: asleep */
            return_budget(s, prev, now, &d->kick);
        prev = NULL; /* OFFLINE: the policy forgets it now */
    }
    pc->curr = NULL;

    while (!next) {
        struct credit2_vcpu *cand = runq_pick(s, rq, cpu, now, urgent, &d->kick);
        if (prev && (!cand || (!prev->yield && prev->credit >= cand->credit))) {
            next = prev;
            continuing = true;
            break;
        }
        if (prev) {
            prev->yield = false;
            requeue(s, prev, now, &d->kick);
            prev = NULL;
        }
        if (!cand)
            cand = credit2_pull(s, cpu, now, &d->kick);
        if (!cand)
            break;
        list_del(&cand->runq_elem);
        if (!take_budget(s, cand, now, &d->kick)) {
            park(s, cand, now);
            continue;
        }
        credit2_set_state(s, cand, CREDIT2_RUNNING, now);
        cand->cpu = cpu;
        cand->run_start_ns = cand->acct_ns = now;
        next = cand;
    }

    d->next = next;
    d->slice_ns = 0;
    pc->curr = next;
    if (next) {
        credit2_mask_clear(&s->idle, cpu);
        next->yield = false;
        if (next->credit <= 0)
            reset(s, next->rq, next, now);
        d->slice_ns = slice_for(s, next, now, continuing);
    } else {
        credit2_mask_set(&s->idle, cpu);
        reclaim_soft(s, cpu, &d->kick);
    }
    if (s->nr_rqs > 1 && now - rq->last_balance >= s->p.balance_ns)
        credit2_balance(s, rq, now, &d->kick);
    kick_idle_for_waiters(s, rq, now, &d->kick);
    credit2_mask_clear(&d->kick, cpu);
    credit2_mask_clear(&s->tickled, cpu);
}

/* ---------------------------------------------------------------- vCPU events */

int credit2_wake(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now)
{
    if (v->state != CREDIT2_BLOCKED)
        return CREDIT2_NO_CPU;
    if (s->cpu[v->cpu].curr == v) { /* slept and woke before its pCPU picked again */
        credit2_set_state(s, v, CREDIT2_RUNNING, now);
        return CREDIT2_NO_CPU;
    }
    return credit2_make_runnable(s, v, now);
}

int credit2_sleep(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now)
{
    switch (v->state) {
    case CREDIT2_RUNNING:
        burn(v, now);
        credit2_set_state(s, v, CREDIT2_BLOCKED, now);
        return (int)v->cpu;
    case CREDIT2_RUNNABLE:
    case CREDIT2_PARKED:
        list_del(&v->runq_elem);
        credit2_set_state(s, v, CREDIT2_BLOCKED, now);
        return CREDIT2_NO_CPU;
    default:
        return CREDIT2_NO_CPU;
    }
}

void credit2_yield(struct credit2_vcpu *v)
{
    if (v->state == CREDIT2_RUNNING)
        v->yield = true;
}

int credit2_remove(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now)
{
    int running = s->cpu[v->cpu].curr == v ? (int)v->cpu : CREDIT2_NO_CPU;

    if (v->state == CREDIT2_OFFLINE)
        return running;
    if (v->state == CREDIT2_RUNNING)
        burn(v, now);
    if (v->state == CREDIT2_RUNNABLE || v->state == CREDIT2_PARKED)
        list_del(&v->runq_elem);
    v->budget = 0; /* what it held is lost for this period */
    credit2_set_state(s, v, CREDIT2_OFFLINE, now);
    rq_unassign(s, v, now);
    list_del(&v->dom_elem);
    v->dom->nr_vcpus--;
    v->boost = v->yield = false;
    return running;
}

/* Bring running vCPUs' credit up to now before burn rates change. */
void credit2_burn_running(struct credit2_sched *s, uint64_t now)
{
    credit2_for_each_cpu(c, &s->online)
    {
        struct credit2_vcpu *v = s->cpu[c].curr;
        if (v && v->state == CREDIT2_RUNNING)
            burn(v, now);
    }
}
