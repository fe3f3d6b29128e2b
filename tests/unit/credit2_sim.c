// SPDX-License-Identifier: MIT
/* The Credit2 simulator (credit2_sim.h): a virtual clock and a glue model. */
#include <stdlib.h>

#include "host.h"
#include "credit2_sim.h"

static uint64_t rnd(struct sim *sim)
{
    sim->rng ^= sim->rng << 13;
    sim->rng ^= sim->rng >> 7;
    sim->rng ^= sim->rng << 17;
    return sim->rng;
}

static struct sim_vcpu *of(struct credit2_vcpu *c)
{
    return c ? container_of(c, struct sim_vcpu, c2) : NULL;
}

struct credit2_cpumask sim_mask(unsigned int first, unsigned int n)
{
    struct credit2_cpumask m;

    credit2_mask_zero(&m);
    for (unsigned int c = first; c < first + n; c++)
        credit2_mask_set(&m, c);
    return m;
}

struct sim *sim_new(const struct credit2_params *p, unsigned int nr_cpus,
                    unsigned int cpus_per_socket)
{
    struct credit2_params def;
    struct sim *sim = calloc(1, sizeof(*sim));

    assert_non_null(sim);
    assert_true(nr_cpus <= SIM_MAX_CPUS);
    if (!p) {
        credit2_params_default(&def);
        p = &def;
    }
    assert_int_equal(credit2_init(&sim->s, p), 0);
    for (unsigned int c = 0; c < nr_cpus; c++) {
        assert_int_equal(
            credit2_cpu_online(&sim->s, c, c / 2, c / cpus_per_socket, c / cpus_per_socket, 0), 0);
        sim->cpu[c].slice_end = sim->cpu[c].kick_at = SIM_NEVER;
    }
    sim->nr_cpus = nr_cpus;
    sim->rng = 0x9e3779b97f4a7c15ULL;
    sim->refill_at = SIM_NEVER;
    sim->kick_lat_ns = US(2); /* an IPI and the exit it causes */
    return sim;
}

void sim_free(struct sim *sim)
{
    free(sim);
}

unsigned int sim_dom(struct sim *sim, unsigned int weight, unsigned int cap, unsigned int nr_vcpus,
                     bool latency)
{
    struct credit2_cpumask none;
    unsigned int i = sim->nr_doms++;

    assert_true(i < SIM_MAX_DOMS);
    credit2_dom_init(&sim->dom[i]);
    assert_int_equal(credit2_dom_set_weight(&sim->s, &sim->dom[i], weight, sim->now), 0);
    credit2_mask_zero(&none); /* a new domain has nobody parked */
    assert_int_equal(credit2_dom_set_cap(&sim->s, &sim->dom[i], cap, nr_vcpus, sim->now, &none), 0);
    credit2_dom_set_latency(&sim->dom[i], latency);
    return i;
}

static void kick(struct sim *sim, int cpu)
{
    if (cpu < 0)
        return;
    assert_true((unsigned int)cpu < sim->nr_cpus);
    if (sim->cpu[cpu].kick_at == SIM_NEVER)
        sim->cpu[cpu].kick_at = sim->now + sim->kick_lat_ns;
}

static void kick_mask(struct sim *sim, const struct credit2_cpumask *m)
{
    credit2_for_each_cpu(c, m) kick(sim, c);
}

static void wake(struct sim *sim, struct sim_vcpu *v)
{
    v->wake_at = SIM_NEVER;
    v->left_ns = v->burst_ns;
    v->woke_at = sim->now;
    v->waiting_since = sim->now;
    kick(sim, credit2_wake(&sim->s, &v->c2, sim->now));
}

struct sim_vcpu *sim_vcpu(struct sim *sim, unsigned int dom, uint64_t burst_ns, uint64_t sleep_ns,
                          const struct credit2_cpumask *hard, const struct credit2_cpumask *soft)
{
    struct sim_vcpu *v = &sim->v[sim->nr_vcpus];

    assert_true(sim->nr_vcpus < SIM_MAX_VCPUS);
    *v = (struct sim_vcpu){.id = sim->nr_vcpus++,
                           .dom = dom,
                           .burst_ns = burst_ns,
                           .sleep_ns = sleep_ns,
                           .on_cpu = -1,
                           .wake_at = SIM_NEVER};
    assert_int_equal(credit2_insert(&sim->s, &v->c2, &sim->dom[dom], hard, soft, sim->now), 0);
    assert_int_equal(v->c2.state, CREDIT2_BLOCKED);
    wake(sim, v);
    v->last_cpu = v->c2.cpu;
    return v;
}

/* Charge v's run time up to now. */
static void settle(struct sim *sim, struct sim_vcpu *v)
{
    uint64_t ran = sim->now - v->on_since;

    v->run_ns += ran;
    if (credit2_mask_test(&v->c2.soft, (unsigned int)v->on_cpu))
        v->soft_run_ns += ran;
    sim->cpu[v->on_cpu].busy_ns += ran;
    if (v->burst_ns)
        v->left_ns -= MIN(ran, v->left_ns);
    v->on_since = sim->now;
}

/* Is some pCPU other than `self` in m idle, with no kick on the way? */
static bool free_cpu_in(const struct sim *sim, const struct credit2_cpumask *m, unsigned int self)
{
    credit2_for_each_cpu(c, m)
    {
        if ((unsigned int)c < sim->nr_cpus && (unsigned int)c != self && !sim->cpu[c].curr &&
            sim->cpu[c].kick_at == SIM_NEVER)
            return true;
    }
    return false;
}

static void check_pick(struct sim *sim, unsigned int cpu, struct sim_vcpu *next,
                       const struct sim_vcpu *prev)
{
    struct credit2_cpumask pref;

    sim->picks++;
    if (!next)
        return;
    if (!credit2_mask_test(&next->c2.hard, cpu))
        sim->hard_violations++;
    if (next->c2.state != CREDIT2_RUNNING || next->c2.cpu != cpu)
        sim->bad_states++;
    for (unsigned int o = 0; o < sim->nr_cpus; o++) {
        if (o != cpu && sim->cpu[o].curr == next)
            sim->double_runs++;
    }
    credit2_mask_and(&pref, &next->c2.soft, &next->c2.hard, false);
    if (next != prev && next->c2.soft_limited && !credit2_mask_test(&next->c2.soft, cpu) &&
        free_cpu_in(sim, &pref, cpu))
        sim->soft_misses++;
}

static void resched(struct sim *sim, unsigned int cpu)
{
    struct sim_cpu *sc = &sim->cpu[cpu];
    struct sim_vcpu *prev = sc->curr;
    struct credit2_decision d;

    if (prev)
        settle(sim, prev);
    credit2_pick_next(&sim->s, cpu, sim->now, &d);
    struct sim_vcpu *next = of(d.next);
    if (!prev && !next)
        sim->idle_repicks++;
    check_pick(sim, cpu, next, prev);
    if (prev && prev != next) {
        prev->on_cpu = -1;
        if (prev->c2.state == CREDIT2_RUNNABLE || prev->c2.state == CREDIT2_PARKED)
            prev->waiting_since = sim->now;
    }
    if (next && next != prev) {
        next->on_cpu = (int)cpu;
        if (next->last_cpu != cpu)
            next->cpu_changes++;
        next->last_cpu = cpu;
        if (next->woke_at) {
            uint64_t lat = sim->now - next->woke_at;
            next->lat_sum += lat;
            next->lat_max = MAX(next->lat_max, lat);
            next->lat_n++;
            next->woke_at = 0;
        }
        next->max_wait = MAX(next->max_wait, sim->now - next->waiting_since);
    }
    if (next) {
        next->on_since = sim->now;
        assert_true(d.slice_ns > 0);
    }
    sc->curr = next;
    sc->slice_end = next ? sim->now + d.slice_ns : SIM_NEVER;
    kick_mask(sim, &d.kick);
}

/* A vCPU used up its burst: it blocks, like HLT. */
static void block(struct sim *sim, unsigned int cpu)
{
    struct sim_vcpu *v = sim->cpu[cpu].curr;
    uint64_t sleep = v->sleep_ns;

    settle(sim, v);
    if (v->jitter)
        sleep = sleep / 2 + rnd(sim) % (sleep + 1);
    v->wake_at = sim->now + sleep;
    assert_int_equal(credit2_sleep(&sim->s, &v->c2, sim->now), (int)cpu);
    assert_int_equal(v->c2.state, CREDIT2_BLOCKED);
    resched(sim, cpu);
}

enum ev { EV_NONE, EV_BLOCK, EV_WAKE, EV_REFILL, EV_SLICE, EV_KICK };

void sim_run(struct sim *sim, uint64_t until)
{
    for (;;) {
        uint64_t t = SIM_NEVER;
        enum ev what = EV_NONE;
        unsigned int who = 0;
#define CONSIDER(time, kind, idx)                   \
    do {                                            \
        uint64_t t_ = (time);                       \
        if (t_ < t || (t_ == t && (kind) < what)) { \
            t = t_;                                 \
            what = (kind);                          \
            who = (idx);                            \
        }                                           \
    } while (0)
        for (unsigned int c = 0; c < sim->nr_cpus; c++) {
            const struct sim_cpu *sc = &sim->cpu[c];
            if (sc->curr && sc->curr->burst_ns)
                CONSIDER(sc->curr->on_since + sc->curr->left_ns, EV_BLOCK, c);
            CONSIDER(sc->slice_end, EV_SLICE, c);
            CONSIDER(sc->kick_at, EV_KICK, c);
        }
        for (unsigned int i = 0; i < sim->nr_vcpus; i++)
            CONSIDER(sim->v[i].wake_at, EV_WAKE, i);
        CONSIDER(sim->refill_at, EV_REFILL, 0);
#undef CONSIDER
        if (t > until || what == EV_NONE) {
            sim->now = until;
            for (unsigned int c = 0; c < sim->nr_cpus; c++) {
                if (sim->cpu[c].curr)
                    settle(sim, sim->cpu[c].curr);
            }
            return;
        }
        assert_true(t >= sim->now);
        sim->now = t;
        sim->events++;
        switch (what) {
        case EV_BLOCK:
            block(sim, who);
            break;
        case EV_WAKE:
            wake(sim, &sim->v[who]);
            break;
        case EV_REFILL: {
            struct credit2_cpumask k;
            credit2_mask_zero(&k);
            credit2_refill(&sim->s, sim->now, &k);
            kick_mask(sim, &k);
            break;
        }
        case EV_SLICE:
        case EV_KICK:
            sim->cpu[who].kick_at = SIM_NEVER;
            resched(sim, who);
            break;
        default:
            break;
        }
        sim->refill_at = credit2_next_refill(&sim->s);
    }
}

void sim_reset_stats(struct sim *sim)
{
    for (unsigned int c = 0; c < sim->nr_cpus; c++) {
        if (sim->cpu[c].curr)
            settle(sim, sim->cpu[c].curr);
        sim->cpu[c].busy_ns = 0;
    }
    for (unsigned int i = 0; i < sim->nr_vcpus; i++) {
        struct sim_vcpu *v = &sim->v[i];
        v->run_ns = v->soft_run_ns = v->lat_sum = v->lat_max = v->lat_n = v->max_wait = 0;
        v->cpu_changes = 0;
    }
    sim->stats_from = sim->now;
}

double sim_share(const struct sim *sim, const struct sim_vcpu *v)
{
    return (double)v->run_ns / (double)(sim->now - sim->stats_from);
}

void sim_fair_shares(const unsigned int *weight, unsigned int n, double cpus, double *share)
{
    bool capped[SIM_MAX_VCPUS] = {false};
    double left = cpus;

    /* Water-filling: whoever would get more than a whole pCPU gets exactly one. */
    for (bool again = true; again;) {
        double wsum = 0;
        again = false;
        for (unsigned int i = 0; i < n; i++)
            wsum += capped[i] ? 0 : weight[i];
        for (unsigned int i = 0; i < n; i++) {
            if (capped[i])
                continue;
            share[i] = left * weight[i] / wsum;
            if (share[i] > 1.0) {
                capped[i] = again = true;
                share[i] = 1.0;
                left -= 1.0;
                break;
            }
        }
    }
}

void sim_assert_sane(const struct sim *sim)
{
    assert_int_equal(sim->hard_violations, 0);
    assert_int_equal(sim->double_runs, 0);
    assert_int_equal(sim->bad_states, 0);
    assert_true(sim->picks > 0);
}
