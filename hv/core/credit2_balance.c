// SPDX-License-Identifier: MIT
/*
 * Credit2, the parts that span runqueues: setup and topology, control
 * operations (weight, cap, affinity, migration), pulling work to an idle pCPU
 * and balancing load between runqueues. All of it is [all] in credit2.h's
 * locking terms.
 *
 * Balancing compares average load per pCPU (the number of vCPUs wanting a
 * pCPU, decayed over 2^load_shift ns). A runqueue moves one waiting vCPU at a
 * time, and only when that evens the two runqueues out by balance_min_gain
 * (the migration resistance): 3 vCPUs on 2+2 pCPUs stay put, as moving one
 * only mirrors the imbalance. An idle pCPU takes a waiter from another
 * runqueue at once, and a waking vCPU takes an idle pCPU of another runqueue,
 * but only when that evens the loads out too (or soft affinity asks for it):
 * otherwise they and the balancer would pass vCPUs back and forth whenever
 * sleepers make a runqueue idle now and then.
 */
#include <lamina/credit2.h>
#include <lamina/errno.h>

#define LOAD_FRAC 16
#define SCAN_MAX 16 /* waiters looked at per runqueue when pulling or balancing */

/* ---------------------------------------------------------------- setup */

void credit2_params_default(struct credit2_params *p)
{
    p->gran = CREDIT2_RQ_SOCKET;
    p->ratelimit_ns = 1000000;
    p->credit_init_ns = 10000000;
    p->carry_ns = 500000;
    p->min_slice_ns = 500000;
    p->max_slice_ns = 10000000;
    p->latency_slice_ns = 200000;
    p->cap_period_ns = 10000000;
    p->load_shift = 26;
    p->balance_ns = 2000000;
    p->balance_min_gain = 32;
}

static bool str_is(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int credit2_parse_gran(const char *s, enum credit2_gran *g)
{
    static const char *const names[] = {"cpu", "core", "socket", "node", "all"};

    for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
        if (str_is(s, names[i])) {
            *g = (enum credit2_gran)i;
            return 0;
        }
    }
    return -EINVAL;
}

int credit2_init(struct credit2_sched *s, const struct credit2_params *p)
{
    if (p->gran > CREDIT2_RQ_ALL || !p->credit_init_ns || !p->min_slice_ns ||
        p->min_slice_ns > p->max_slice_ns || !p->latency_slice_ns || !p->cap_period_ns ||
        p->load_shift < 10 || p->load_shift > 30)
        return -EINVAL;
    *s = (struct credit2_sched){.p = *p};
    list_init(&s->capped);
    for (unsigned int i = 0; i < CREDIT2_MAX_CPUS; i++) {
        s->rq[i].id = i;
        s->rq[i].max_weight = 1;
        list_init(&s->rq[i].runq);
        list_init(&s->rq[i].assigned);
    }
    return 0;
}

static uint64_t rq_key(const struct credit2_params *p, unsigned int cpu, unsigned int core,
                       unsigned int socket, unsigned int node)
{
    switch (p->gran) {
    case CREDIT2_RQ_CPU:
        return cpu;
    case CREDIT2_RQ_CORE:
        return (uint64_t)socket << 32 | core;
    case CREDIT2_RQ_SOCKET:
        return socket;
    case CREDIT2_RQ_NODE:
        return node;
    default:
        return 0;
    }
}

int credit2_cpu_online(struct credit2_sched *s, unsigned int cpu, unsigned int core,
                       unsigned int socket, unsigned int node, uint64_t now)
{
    if (cpu >= CREDIT2_MAX_CPUS || s->cpu[cpu].online)
        return -EINVAL;
    uint64_t key = rq_key(&s->p, cpu, core, socket, node);
    struct credit2_rq *rq = NULL;
    for (unsigned int i = 0; i < s->nr_rqs && !rq; i++) {
        if (s->rq[i].key == key)
            rq = &s->rq[i];
    }
    if (!rq) {
        rq = &s->rq[s->nr_rqs++];
        rq->key = key;
    }
    s->cpu[cpu] = (struct credit2_pcpu){
        .rq = rq, .core = core, .socket = socket, .node = node, .present = true, .online = true};
    if (!rq->nr_cpus)
        rq->load_ns = rq->last_balance = now;
    credit2_mask_set(&rq->cpus, cpu);
    rq->nr_cpus++;
    credit2_mask_set(&s->online, cpu);
    credit2_mask_set(&s->idle, cpu);
    return 0;
}

int credit2_cpu_offline(struct credit2_sched *s, unsigned int cpu, uint64_t now,
                        struct credit2_cpumask *kick)
{
    struct credit2_cpumask rest;
    struct credit2_vcpu *v, *n;

    if (cpu >= CREDIT2_MAX_CPUS || !s->cpu[cpu].online)
        return -EINVAL;
    if (s->cpu[cpu].curr)
        return -EBUSY;
    rest = s->online;
    credit2_mask_clear(&rest, cpu);
    for (unsigned int i = 0; i < s->nr_rqs; i++) {
        list_for_each_entry(v, &s->rq[i].assigned, rq_elem)
        {
            if (!credit2_mask_intersects(&v->hard, &rest))
                return -EBUSY; /* its last pCPU */
        }
    }
    struct credit2_rq *rq = s->cpu[cpu].rq;
    s->cpu[cpu].online = false;
    credit2_mask_clear(&s->online, cpu);
    credit2_mask_clear(&s->idle, cpu);
    credit2_mask_clear(&s->tickled, cpu);
    credit2_mask_clear(&rq->cpus, cpu);
    rq->nr_cpus--;
    list_for_each_entry_safe(v, n, &rq->assigned, rq_elem)
    {
        if (credit2_rq_allows(rq, v)) {
            v->cpu = credit2_first_cpu_for(rq, v);
            continue;
        }
        credit2_rq_move(s, v, credit2_best_rq(s, v, now, false), now);
        int c = v->state == CREDIT2_RUNNABLE ? credit2_idle_cpu_for(s, v) : CREDIT2_NO_CPU;
        if (c >= 0) {
            credit2_mask_set(&s->tickled, (unsigned int)c);
            credit2_mask_set(kick, (unsigned int)c);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- placement */

/* The runqueue with the least load per pCPU that v may use, preferring its soft affinity. */
struct credit2_rq *credit2_best_rq(struct credit2_sched *s, const struct credit2_vcpu *v,
                                   uint64_t now, bool by_count)
{
    struct credit2_rq *best = NULL;
    bool best_soft = false;
    uint64_t best_load = 0;

    for (unsigned int i = 0; i < s->nr_rqs; i++) {
        struct credit2_rq *rq = &s->rq[i];
        if (!rq->nr_cpus || !credit2_rq_allows(rq, v))
            continue;
        credit2_load_update(s, &rq->load, &rq->load_ns, rq->nr_active, now);
        bool soft = !v->soft_limited || credit2_mask_intersects(&rq->cpus, &v->soft);
        uint64_t load =
            (by_count ? (uint64_t)rq->nr_assigned << LOAD_FRAC : rq->load) / rq->nr_cpus;
        if (!best || (soft && !best_soft) || (soft == best_soft && load < best_load)) {
            best = rq;
            best_soft = soft;
            best_load = load;
        }
    }
    return best;
}

/* An idle, untickled pCPU for v: soft affinity first, then where it ran, then its runqueue. */
int credit2_idle_cpu_for(const struct credit2_sched *s, const struct credit2_vcpu *v)
{
    struct credit2_cpumask free, pick;

    credit2_mask_and(&free, &s->idle, &s->tickled, true);
    credit2_mask_and(&free, &free, &v->hard, false);
    if (credit2_mask_empty(&free))
        return CREDIT2_NO_CPU;
    if (v->soft_limited) {
        credit2_mask_and(&pick, &free, &v->soft, false);
        if (!credit2_mask_empty(&pick))
            free = pick;
    }
    if (credit2_mask_test(&free, v->cpu))
        return (int)v->cpu;
    if (v->rq) {
        credit2_mask_and(&pick, &free, &v->rq->cpus, false);
        if (!credit2_mask_empty(&pick))
            return credit2_mask_next(&pick, 0);
    }
    return credit2_mask_next(&free, 0);
}

/*
 * An idle pCPU of another runqueue is used when v prefers it, must leave its
 * own, or the move evens the loads out (as the balancer would).
 */
bool credit2_idle_cpu_worth_it(struct credit2_sched *s, const struct credit2_vcpu *v,
                               unsigned int cpu, uint64_t now)
{
    struct credit2_rq *to = s->cpu[cpu].rq;

    if (to == v->rq || !credit2_rq_allows(v->rq, v) ||
        (v->soft_limited && credit2_mask_test(&v->soft, cpu)))
        return true;
    credit2_load_update(s, &v->rq->load, &v->rq->load_ns, v->rq->nr_active, now);
    credit2_load_update(s, &to->load, &to->load_ns, to->nr_active, now);
    return credit2_move_gain(v->rq, to, v) > 0;
}

/* ---------------------------------------------------------------- affinity, migration */

static void set_soft(struct credit2_sched *s, struct credit2_vcpu *v,
                     const struct credit2_cpumask *soft)
{
    struct credit2_cpumask usable, pref;

    credit2_mask_and(&usable, &v->hard, &s->online, false);
    if (soft)
        credit2_mask_and(&pref, &usable, soft, false);
    if (!soft || credit2_mask_empty(&pref)) {
        v->soft = v->hard; /* no preference, or none it could honour */
        v->soft_limited = false;
        return;
    }
    v->soft = *soft;
    v->soft_limited = !credit2_mask_subset(&usable, soft);
}

static int set_masks(struct credit2_sched *s, struct credit2_vcpu *v,
                     const struct credit2_cpumask *hard, const struct credit2_cpumask *soft)
{
    if (hard && credit2_check_cpumask(s, hard))
        return -EINVAL;
    if (soft && credit2_mask_empty(soft))
        return -EINVAL;
    if (hard)
        v->hard = *hard;
    else
        credit2_mask_fill(&v->hard, CREDIT2_MAX_CPUS);
    set_soft(s, v, soft);
    return 0;
}

int credit2_insert(struct credit2_sched *s, struct credit2_vcpu *v, struct credit2_dom *d,
                   const struct credit2_cpumask *hard, const struct credit2_cpumask *soft,
                   uint64_t now)
{
    *v = (struct credit2_vcpu){.dom = d, .state = CREDIT2_OFFLINE};
    list_init(&v->runq_elem);
    list_init(&v->rq_elem);
    int rc = set_masks(s, v, hard, soft);
    if (rc)
        return rc;
    struct credit2_rq *rq = credit2_best_rq(s, v, now, true);
    if (!rq)
        return -EINVAL;
    v->credit = (int64_t)s->p.credit_init_ns;
    v->load_ns = now;
    v->state = CREDIT2_BLOCKED;
    list_add_tail(&v->dom_elem, &d->vcpus);
    d->nr_vcpus++;
    credit2_rq_assign(s, v, rq, now);
    v->cpu = credit2_first_cpu_for(rq, v);
    return 0;
}

int credit2_set_affinity(struct credit2_sched *s, struct credit2_vcpu *v,
                         const struct credit2_cpumask *hard, const struct credit2_cpumask *soft,
                         uint64_t now, int *kick)
{
    *kick = CREDIT2_NO_CPU;
    if (v->state == CREDIT2_OFFLINE || set_masks(s, v, hard, soft))
        return -EINVAL;
    switch (v->state) {
    case CREDIT2_RUNNING: /* its pCPU's next pick_next moves it */
        if (!credit2_mask_test(&v->hard, v->cpu))
            *kick = (int)v->cpu;
        break;
    case CREDIT2_RUNNABLE: /* place it again, as on a wake */
        list_del(&v->runq_elem);
        credit2_set_state(s, v, CREDIT2_BLOCKED, now);
        *kick = credit2_make_runnable(s, v, now);
        break;
    default:
        if (!credit2_rq_allows(v->rq, v))
            credit2_rq_move(s, v, credit2_best_rq(s, v, now, false), now);
        break;
    }
    return 0;
}

int credit2_migrate(struct credit2_sched *s, struct credit2_vcpu *v, unsigned int cpu, uint64_t now,
                    int *kick)
{
    *kick = CREDIT2_NO_CPU;
    if (cpu >= CREDIT2_MAX_CPUS || !s->cpu[cpu].online || !credit2_mask_test(&v->hard, cpu) ||
        v->state == CREDIT2_OFFLINE)
        return -EINVAL;
    if (v->state == CREDIT2_RUNNING || s->cpu[v->cpu].curr == v)
        return -EBUSY;
    credit2_rq_move(s, v, s->cpu[cpu].rq, now);
    v->cpu = cpu;
    if (v->state == CREDIT2_RUNNABLE && credit2_mask_test(&s->idle, cpu) &&
        !credit2_mask_test(&s->tickled, cpu)) {
        credit2_mask_set(&s->tickled, cpu);
        *kick = (int)cpu;
    }
    return 0;
}

/* ---------------------------------------------------------------- domains */

void credit2_dom_init(struct credit2_dom *d)
{
    *d = (struct credit2_dom){.weight = CREDIT2_WEIGHT_DEFAULT};
    list_init(&d->vcpus);
    list_init(&d->capped);
    list_init(&d->parked);
}

int credit2_dom_set_weight(struct credit2_sched *s, struct credit2_dom *d, unsigned long w,
                           uint64_t now)
{
    if (credit2_check_weight(w))
        return -EINVAL;
    credit2_burn_running(s, now);
    d->weight = (uint32_t)w;
    for (unsigned int i = 0; i < s->nr_rqs; i++)
        credit2_rq_max_weight(&s->rq[i]);
    return 0;
}

int credit2_dom_set_cap(struct credit2_sched *s, struct credit2_dom *d, unsigned long cap,
                        unsigned int nr_vcpus, uint64_t now, struct credit2_cpumask *kick)
{
    struct credit2_vcpu *v;

    if (credit2_check_cap(cap, nr_vcpus))
        return -EINVAL;
    credit2_burn_running(s, now);
    if (!cap) {
        d->cap = 0;
        list_del(&d->capped);
        list_for_each_entry(v, &d->vcpus, dom_elem) v->budget = 0;
        while (!list_empty(&d->parked)) {
            v = list_first_entry(&d->parked, struct credit2_vcpu, runq_elem);
            list_del(&v->runq_elem);
            credit2_set_state(s, v, CREDIT2_BLOCKED, now);
            int c = credit2_make_runnable(s, v, now);
            if (c >= 0)
                credit2_mask_set(kick, (unsigned int)c);
        }
        return 0;
    }
    d->budget_period = (int64_t)(cap * s->p.cap_period_ns / 100);
    if (!d->cap) {
        d->budget = d->budget_period;
        d->next_refill = now + s->p.cap_period_ns;
        list_add_tail(&d->capped, &s->capped);
    }
    d->cap = (uint32_t)cap;
    d->budget = MIN(d->budget, d->budget_period);
    return 0;
}

void credit2_dom_set_latency(struct credit2_dom *d, bool on)
{
    d->latency = on;
}

void credit2_dom_destroy(struct credit2_sched *s, struct credit2_dom *d)
{
    (void)s;
    list_del(&d->capped);
    d->cap = 0;
}

/* ---------------------------------------------------------------- pulling, balancing */

static uint64_t per_cpu(const struct credit2_rq *rq, uint64_t load)
{
    return load / rq->nr_cpus;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* How much closer the loads per pCPU of src and dst get if v moves (<= 0: not at all). */
int64_t credit2_move_gain(const struct credit2_rq *src, const struct credit2_rq *dst,
                          const struct credit2_vcpu *v)
{
    uint64_t lv = MIN(MAX(v->load, 1ULL << (LOAD_FRAC - 4)), src->load);
    uint64_t before = absdiff(per_cpu(src, src->load), per_cpu(dst, dst->load));
    uint64_t after = absdiff(per_cpu(src, src->load - lv), per_cpu(dst, dst->load + lv));
    return (int64_t)before - (int64_t)after;
}

/* A waiter of another runqueue for the idle `cpu`, moved to cpu's runqueue. */
struct credit2_vcpu *credit2_pull(struct credit2_sched *s, unsigned int cpu, uint64_t now,
                                  struct credit2_cpumask *kick)
{
    struct credit2_rq *own = s->cpu[cpu].rq;
    struct credit2_vcpu *v, *best = NULL;
    bool best_soft = false;
    long best_excess = 0;

    for (unsigned int i = 0; i < s->nr_rqs; i++) {
        struct credit2_rq *rq = &s->rq[i];
        unsigned int scanned = 0;
        if (rq == own || list_empty(&rq->runq))
            continue;
        list_for_each_entry(v, &rq->runq, runq_elem)
        {
            struct credit2_cpumask m;
            if (++scanned > SCAN_MAX)
                break;
            if (!credit2_mask_test(&v->hard, cpu))
                continue;
            bool soft = !v->soft_limited || credit2_mask_test(&v->soft, cpu);
            credit2_mask_and(&m, &s->idle, &v->soft, false);
            if (!soft && !credit2_mask_empty(&m))
                continue; /* a preferred pCPU is idle: it will take v */
            if (!credit2_can_budget(s, v, now, kick))
                continue;
            credit2_load_update(s, &rq->load, &rq->load_ns, rq->nr_active, now);
            credit2_load_update(s, &own->load, &own->load_ns, own->nr_active, now);
            if (!(v->soft_limited && soft) && credit2_move_gain(rq, own, v) <= 0)
                break; /* the balancer would send it back */
            long excess = (long)rq->nr_active - (long)rq->nr_cpus;
            if (!best || (soft && !best_soft) || (soft == best_soft && excess > best_excess)) {
                best = v;
                best_soft = soft;
                best_excess = excess;
            }
            break; /* the first one it may run is this runqueue's best */
        }
    }
    if (best) {
        credit2_rq_move(s, best, own, now);
        own->nr_pulls++;
    }
    return best;
}

/* A waiter of src worth moving to dst: from the tail (it would wait longest). */
static struct credit2_vcpu *balance_candidate(struct credit2_sched *s, const struct credit2_rq *src,
                                              const struct credit2_rq *dst, uint64_t now)
{
    struct credit2_vcpu *fallback = NULL;
    unsigned int scanned = 0;

    for (struct list_head *pos = src->runq.prev; pos != &src->runq && scanned < SCAN_MAX;
         pos = pos->prev, scanned++) {
        struct credit2_vcpu *v = list_entry(pos, struct credit2_vcpu, runq_elem);
        if (!credit2_mask_intersects(&v->hard, &dst->cpus) || !credit2_can_budget(s, v, now, NULL))
            continue;
        bool to_dst = credit2_mask_intersects(&v->soft, &dst->cpus);
        bool to_src = credit2_mask_intersects(&v->soft, &src->cpus);
        if (v->soft_limited && to_src && !to_dst)
            continue; /* balancing never drags a vCPU off its preferred pCPUs */
        if (!v->soft_limited || !to_src)
            return v;
        if (!fallback)
            fallback = v;
    }
    return fallback;
}

void credit2_balance(struct credit2_sched *s, struct credit2_rq *rq, uint64_t now,
                     struct credit2_cpumask *kick)
{
    struct credit2_rq *other = NULL;
    uint64_t most = 0;

    rq->last_balance = now;
    credit2_load_update(s, &rq->load, &rq->load_ns, rq->nr_active, now);
    for (unsigned int i = 0; i < s->nr_rqs; i++) {
        struct credit2_rq *r = &s->rq[i];
        if (r == rq || !r->nr_cpus)
            continue;
        credit2_load_update(s, &r->load, &r->load_ns, r->nr_active, now);
        uint64_t diff = absdiff(per_cpu(r, r->load), per_cpu(rq, rq->load));
        if (diff > most) {
            most = diff;
            other = r;
        }
    }
    if (!other)
        return;
    bool pull = per_cpu(other, other->load) > per_cpu(rq, rq->load);
    struct credit2_rq *src = pull ? other : rq, *dst = pull ? rq : other;
    struct credit2_vcpu *v = balance_candidate(s, src, dst, now);
    if (!v)
        return;
    if (credit2_move_gain(src, dst, v) < (int64_t)s->p.balance_min_gain << (LOAD_FRAC - 8))
        return;
    credit2_rq_move(s, v, dst, now);
    src->nr_pushes++;
    int c = credit2_idle_cpu_for(s, v);
    if (c >= 0 && credit2_mask_test(&dst->cpus, (unsigned int)c)) {
        credit2_mask_set(&s->tickled, (unsigned int)c);
        credit2_mask_set(kick, (unsigned int)c);
    }
}
