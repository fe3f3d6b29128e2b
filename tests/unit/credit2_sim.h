/* SPDX-License-Identifier: MIT */
/*
 * A discrete-event simulator that drives the Credit2 policy the way the glue
 * in sched.c does: each pCPU runs `curr` until its slice timer fires, its
 * vCPU blocks, or it is kicked (2 us later, like an IPI); then it calls
 * credit2_pick_next. vCPUs are CPU-bound or run `burst_ns` then sleep. The
 * clock is virtual, so ten simulated seconds take milliseconds.
 */
#ifndef TEST_CREDIT2_SIM_H
#define TEST_CREDIT2_SIM_H

#include <lamina/credit2.h>

#define SIM_MAX_CPUS 16
#define SIM_MAX_VCPUS 64
#define SIM_MAX_DOMS 64
#define SIM_NEVER UINT64_MAX
#define MS(x) ((uint64_t)(x)*1000000ULL)
#define US(x) ((uint64_t)(x)*1000ULL)

struct sim;

struct sim_vcpu {
    struct credit2_vcpu c2;
    unsigned int id, dom;
    /* workload: burst_ns == 0 is CPU-bound; else run burst_ns, sleep sleep_ns (+-50% jitter) */
    uint64_t burst_ns, sleep_ns;
    bool jitter;
    uint64_t left_ns; /* CPU still wanted in this burst */
    uint64_t wake_at; /* SIM_NEVER unless sleeping */
    int on_cpu;       /* -1: not running */
    uint64_t on_since;
    /* measurements since the last sim_reset_stats */
    uint64_t run_ns, soft_run_ns;
    uint64_t woke_at; /* a wake waiting to be served, 0 if none */
    uint64_t lat_sum, lat_max, lat_n;
    uint64_t waiting_since, max_wait; /* runnable, not running */
    unsigned int cpu_changes;
    unsigned int last_cpu;
};

struct sim_cpu {
    struct sim_vcpu *curr;
    uint64_t slice_end; /* SIM_NEVER: no timer */
    uint64_t kick_at;   /* SIM_NEVER: no kick in flight */
    uint64_t busy_ns;
};

struct sim {
    struct credit2_sched s;
    struct sim_cpu cpu[SIM_MAX_CPUS];
    struct sim_vcpu v[SIM_MAX_VCPUS];
    struct credit2_dom dom[SIM_MAX_DOMS];
    unsigned int nr_cpus, nr_vcpus, nr_doms;
    uint64_t now, stats_from, kick_lat_ns, refill_at, rng;
    /* invariants, counted at every pick */
    unsigned long hard_violations, double_runs, soft_misses, bad_states;
    unsigned long picks, events;
    unsigned long idle_repicks; /* an idle pCPU was kicked and stayed idle: a wasted IPI */
};

/* nr_cpus pCPUs, cpus_per_socket to a socket (and a node), two threads to a core. */
struct sim *sim_new(const struct credit2_params *p, unsigned int nr_cpus,
                    unsigned int cpus_per_socket);
void sim_free(struct sim *sim);
/* A domain; cap in percent of a pCPU for nr_vcpus vCPUs (0: none). */
unsigned int sim_dom(struct sim *sim, unsigned int weight, unsigned int cap, unsigned int nr_vcpus,
                     bool latency);
/* A vCPU of `dom`, inserted and woken now. */
struct sim_vcpu *sim_vcpu(struct sim *sim, unsigned int dom, uint64_t burst_ns, uint64_t sleep_ns,
                          const struct credit2_cpumask *hard, const struct credit2_cpumask *soft);
void sim_run(struct sim *sim, uint64_t until);
void sim_reset_stats(struct sim *sim);
/* Fraction of one pCPU v got since the last reset. */
double sim_share(const struct sim *sim, const struct sim_vcpu *v);
/* Fair shares for CPU-bound vCPUs 0..n-1 by weight on `cpus` pCPUs (none above 1). */
void sim_fair_shares(const unsigned int *weight, unsigned int n, double cpus, double *share);
/* A mask of pCPUs [first, first + n). */
struct credit2_cpumask sim_mask(unsigned int first, unsigned int n);
/* Invariants that must hold in every simulation. */
void sim_assert_sane(const struct sim *sim);

#endif
