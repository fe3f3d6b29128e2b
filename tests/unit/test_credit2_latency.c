// SPDX-License-Identifier: MIT
/*
 * Latency-sensitive domains in simulation: a vCPU that wakes every few ms
 * for 100 us among CPU-bound vCPUs. With the setting its wake-to-run latency
 * stays far under the ratelimit; without it, the ratelimit shows. The setting
 * must not buy it more than its share, nor let a CPU-bound latency-sensitive
 * domain push others around.
 */
#include "host.h"
#include "credit2_sim.h"

#define RUN_NS MS(10000)
#define WARMUP_NS MS(1000)

struct lat {
    double mean_us, max_us, share, hog_least, hog_most;
    unsigned long wakes;
};

/* One waker (100 us every ~3 ms) and `hogs` CPU-bound vCPUs on `cpus` pCPUs. */
static struct lat measure(unsigned int cpus, unsigned int hogs, bool latency)
{
    struct sim *sim = sim_new(NULL, cpus, cpus);
    struct lat r = {.hog_least = 1};

    for (unsigned int i = 0; i < hogs; i++)
        sim_vcpu(sim, sim_dom(sim, 256, 0, 1, false), 0, 0, NULL, NULL);
    struct sim_vcpu *w =
        sim_vcpu(sim, sim_dom(sim, 256, 0, 1, latency), US(100), MS(3), NULL, NULL);
    w->jitter = true;
    sim_run(sim, WARMUP_NS);
    sim_reset_stats(sim);
    sim_run(sim, WARMUP_NS + RUN_NS);
    sim_assert_sane(sim);
    r.mean_us = (double)w->lat_sum / (double)w->lat_n / 1e3;
    r.max_us = (double)w->lat_max / 1e3;
    r.share = sim_share(sim, w);
    r.wakes = (unsigned long)w->lat_n;
    for (unsigned int i = 0; i < hogs; i++) {
        double s = sim_share(sim, &sim->v[i]);
        r.hog_least = MIN(r.hog_least, s);
        r.hog_most = MAX(r.hog_most, s);
    }
    print_message("  %u hogs on %u pCPUs, latency %s: wake-to-run mean %.1f us, max %.1f us, "
                  "%lu wakes\n",
                  hogs, cpus, latency ? "on " : "off", r.mean_us, r.max_us, r.wakes);
    sim_free(sim);
    return r;
}

static void check_latency(unsigned int cpus, unsigned int hogs)
{
    struct lat on = measure(cpus, hogs, true), off = measure(cpus, hogs, false);

    /* With the setting: under the ratelimit, in fact within a couple of kicks. */
    assert_true(on.max_us < 1000.0);
    assert_true(on.max_us < 20.0);
    /* Without: the ratelimit holds it back, measurably. */
    assert_true(off.max_us > 500.0);
    assert_true(off.mean_us > 10 * on.mean_us + 50.0);
    /* It ran every burst it asked for (about 10 s / 3.1 ms), and no more. */
    assert_true(on.wakes > 3000 && on.share < 0.04);
    /* The hogs still share the rest evenly. */
    assert_true(on.hog_most < on.hog_least * 1.02);
}

static void test_latency_one_cpu(void **state)
{
    (void)state;
    check_latency(1, 3);
}

static void test_latency_four_cpus_overcommitted(void **state)
{
    (void)state;
    check_latency(4, 12);
}

/* A CPU-bound latency-sensitive domain gets no more than its weight. */
static void test_latency_no_unfair_advantage(void **state)
{
    struct sim *sim = sim_new(NULL, 2, 2);
    (void)state;

    for (unsigned int i = 0; i < 4; i++)
        sim_vcpu(sim, sim_dom(sim, 256, 0, 1, i == 0), 0, 0, NULL, NULL);
    /* Sleepers of the latency-sensitive kind wake often and preempt often. */
    unsigned int d = sim_dom(sim, 256, 0, 2, true);
    for (unsigned int i = 0; i < 2; i++)
        sim_vcpu(sim, d, US(50), US(500), NULL, NULL)->jitter = true;
    sim_run(sim, WARMUP_NS);
    sim_reset_stats(sim);
    sim_run(sim, WARMUP_NS + RUN_NS);
    sim_assert_sane(sim);
    double left = 2 - sim_share(sim, &sim->v[4]) - sim_share(sim, &sim->v[5]);
    for (unsigned int i = 0; i < 4; i++) {
        double s = sim_share(sim, &sim->v[i]);
        assert_true(s > left / 4 * 0.98 && s < left / 4 * 1.02);
    }
    sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latency_one_cpu),
        cmocka_unit_test(test_latency_four_cpus_overcommitted),
        cmocka_unit_test(test_latency_no_unfair_advantage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
