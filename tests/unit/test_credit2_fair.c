// SPDX-License-Identifier: MIT
/*
 * Credit2 fairness in simulation: CPU shares follow weights, caps hold, and
 * nobody starves under overcommit. Ten simulated seconds each; shares are
 * measured after a one-second warm-up.
 */
#include <stdio.h>

#include "host.h"
#include "credit2_sim.h"

#define RUN_NS MS(10000)
#define WARMUP_NS MS(1000)

/* |got - want| within `tol` of want. */
static void assert_near(double got, double want, double tol, const char *what, unsigned int i)
{
    if (got < want * (1 - tol) || got > want * (1 + tol)) {
        print_error("%s[%u]: got %.4f, want %.4f +-%.1f%%\n", what, i, got, want, tol * 100);
        fail();
    }
}

/* Run CPU-bound vCPUs with these weights on `cpus` pCPUs; shares must match within 2%. */
static void check_weights(const unsigned int *w, unsigned int n, unsigned int cpus,
                          unsigned int per_socket, enum credit2_gran gran)
{
    struct credit2_params p;
    double want[SIM_MAX_VCPUS];

    credit2_params_default(&p);
    p.gran = gran;
    struct sim *sim = sim_new(&p, cpus, per_socket);
    for (unsigned int i = 0; i < n; i++)
        sim_vcpu(sim, sim_dom(sim, w[i], 0, 1, false), 0, 0, NULL, NULL);
    sim_run(sim, WARMUP_NS);
    sim_reset_stats(sim);
    sim_run(sim, WARMUP_NS + RUN_NS);
    sim_assert_sane(sim);
    sim_fair_shares(w, n, cpus, want);
    double worst = 0;
    for (unsigned int i = 0; i < n; i++) {
        double got = sim_share(sim, &sim->v[i]);
        double err = got / want[i] - 1;
        worst = MAX(worst, err < 0 ? -err : err);
        assert_near(got, want[i], 0.02, "share", i);
    }
    print_message("  %u vCPUs on %u pCPUs: worst share error %.2f%%\n", n, cpus, worst * 100);
    sim_free(sim);
}

static void test_weights_1to3_one_cpu(void **state)
{
    static const unsigned int w[] = {256, 768};
    (void)state;
    check_weights(w, 2, 1, 1, CREDIT2_RQ_SOCKET);
}

static void test_weights_four_one_cpu(void **state)
{
    static const unsigned int w[] = {128, 256, 512, 1024};
    (void)state;
    check_weights(w, 4, 1, 1, CREDIT2_RQ_SOCKET);
}

static void test_weights_six_two_cpus(void **state)
{
    static const unsigned int w[] = {256, 256, 512, 512, 1024, 2048};
    (void)state;
    check_weights(w, 6, 2, 2, CREDIT2_RQ_SOCKET);
}

static void test_weights_extreme(void **state)
{
    static const unsigned int w[] = {1, 65535, 300, 3000};
    (void)state;
    check_weights(w, 4, 2, 2, CREDIT2_RQ_SOCKET);
}

static void test_weights_64_on_16(void **state)
{
    unsigned int w[64];
    (void)state;
    for (unsigned int i = 0; i < 64; i++)
        w[i] = 256 * (1 + i % 4);
    check_weights(w, 64, 16, 16, CREDIT2_RQ_SOCKET);
}

static void test_equal_64_on_16_four_sockets(void **state)
{
    unsigned int w[64];
    (void)state;
    for (unsigned int i = 0; i < 64; i++)
        w[i] = 256;
    check_weights(w, 64, 16, 4, CREDIT2_RQ_SOCKET);
}

static void test_equal_12_on_8_per_core(void **state)
{
    unsigned int w[12];
    (void)state;
    for (unsigned int i = 0; i < 12; i++)
        w[i] = 256;
    check_weights(w, 12, 8, 8, CREDIT2_RQ_CORE);
}

/* A capped domain of nr CPU-bound vCPUs next to `others` uncapped ones. */
static void check_cap(unsigned int cpus, unsigned int nr, unsigned int cap, unsigned int others,
                      double want_total)
{
    struct sim *sim = sim_new(NULL, cpus, cpus);
    unsigned int d = sim_dom(sim, CREDIT2_WEIGHT_DEFAULT, cap, nr, false);
    double got = 0, rest = 0;

    for (unsigned int i = 0; i < nr; i++)
        sim_vcpu(sim, d, 0, 0, NULL, NULL);
    for (unsigned int i = 0; i < others; i++)
        sim_vcpu(sim, sim_dom(sim, CREDIT2_WEIGHT_DEFAULT, 0, 1, false), 0, 0, NULL, NULL);
    sim_run(sim, WARMUP_NS);
    sim_reset_stats(sim);
    sim_run(sim, WARMUP_NS + RUN_NS);
    sim_assert_sane(sim);
    for (unsigned int i = 0; i < nr; i++)
        got += sim_share(sim, &sim->v[i]);
    for (unsigned int i = nr; i < nr + others; i++)
        rest += sim_share(sim, &sim->v[i]);
    print_message("  cap %u%% on %u vCPUs, %u pCPUs, %u others: %.4f pCPUs (others %.4f)\n", cap,
                  nr, cpus, others, got, rest);
    assert_near(got, want_total, 0.02, "capped total", cap);
    /* The others are work-conserving: they get what the cap leaves (up to a pCPU each). */
    assert_near(rest, MIN((double)others, cpus - got), 0.02, "others", cap);
    sim_free(sim);
}

static void test_cap_25_alone(void **state)
{
    (void)state;
    check_cap(1, 1, 25, 0, 0.25); /* parked 75% of the time although the pCPU is idle */
}

static void test_cap_25_with_competitor(void **state)
{
    (void)state;
    check_cap(1, 1, 25, 1, 0.25);
}

static void test_cap_150_over_four_vcpus(void **state)
{
    (void)state;
    check_cap(4, 4, 150, 4, 1.5);
}

static void test_cap_small_and_large(void **state)
{
    (void)state;
    check_cap(2, 4, 5, 2, 0.05);
    check_cap(16, 16, 300, 16, 3.0);
}

static void test_cap_not_binding(void **state)
{
    (void)state;
    /* 5 CPU-bound vCPUs on 4 pCPUs in one runqueue: 0.8 each, below the cap of 100. */
    check_cap(4, 1, 100, 4, 0.8);
}

/*
 * 4:1 overcommit with mixed weights and sleepers on four sockets: nobody
 * waits long for a pCPU and every CPU-bound vCPU gets most of its weighted
 * share of what the sleepers leave (runqueues are balanced by count, not by
 * weight, so 2% is not promised here).
 */
static void test_no_starvation_4_to_1(void **state)
{
    struct sim *sim = sim_new(NULL, 16, 4);
    unsigned int w[64], n = 0;
    double fair[64], left = 16, worst = 10;
    uint64_t worst_wait = 0;
    (void)state;

    for (unsigned int i = 0; i < 64; i++) {
        unsigned int d = sim_dom(sim, 128u << (i / 4 % 4), 0, 1, false);
        struct sim_vcpu *v = i % 8 == 7 ? sim_vcpu(sim, d, US(500), MS(5), NULL, NULL)
                                        : sim_vcpu(sim, d, 0, 0, NULL, NULL);
        v->jitter = true;
    }
    sim_run(sim, WARMUP_NS);
    sim_reset_stats(sim);
    sim_run(sim, WARMUP_NS + RUN_NS);
    sim_assert_sane(sim);
    for (unsigned int i = 0; i < 64; i++) {
        const struct sim_vcpu *v = &sim->v[i];
        worst_wait = MAX(worst_wait, v->max_wait);
        if (v->burst_ns) {
            /* A sleeper asks for 500 us per ~5.5 ms: it must get nearly all of it. */
            assert_true(sim_share(sim, v) > 0.08);
            left -= sim_share(sim, v);
        } else {
            w[n++] = sim->dom[v->dom].weight;
        }
        assert_true(v->max_wait < MS(50));
    }
    sim_fair_shares(w, n, left, fair);
    for (unsigned int i = 0, k = 0; i < 64; i++) {
        if (sim->v[i].burst_ns)
            continue;
        double ratio = sim_share(sim, &sim->v[i]) / fair[k++];
        worst = MIN(worst, ratio);
    }
    print_message("  64 vCPUs on 16 pCPUs: worst share/fair %.3f, longest wait %.2f ms\n", worst,
                  (double)worst_wait / 1e6);
    assert_true(worst > 0.8);
    sim_free(sim);
}

/* Within each runqueue, CPU-bound vCPUs of the same weight get the same share. */
static void test_equal_weights_equal_shares_under_overcommit(void **state)
{
    struct sim *sim = sim_new(NULL, 16, 4);
    (void)state;

    for (unsigned int i = 0; i < 64; i++)
        sim_vcpu(sim, sim_dom(sim, CREDIT2_WEIGHT_DEFAULT, 0, 1, false), 0, 0, NULL, NULL);
    sim_run(sim, WARMUP_NS);
    sim_reset_stats(sim);
    sim_run(sim, WARMUP_NS + RUN_NS);
    sim_assert_sane(sim);
    for (unsigned int i = 0; i < 64; i++) {
        assert_near(sim_share(sim, &sim->v[i]), 0.25, 0.02, "share", i);
        assert_true(sim->v[i].max_wait <= MS(4));
    }
    sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_1to3_one_cpu),
        cmocka_unit_test(test_weights_four_one_cpu),
        cmocka_unit_test(test_weights_six_two_cpus),
        cmocka_unit_test(test_weights_extreme),
        cmocka_unit_test(test_weights_64_on_16),
        cmocka_unit_test(test_equal_64_on_16_four_sockets),
        cmocka_unit_test(test_equal_12_on_8_per_core),
        cmocka_unit_test(test_cap_25_alone),
        cmocka_unit_test(test_cap_25_with_competitor),
        cmocka_unit_test(test_cap_150_over_four_vcpus),
        cmocka_unit_test(test_cap_small_and_large),
        cmocka_unit_test(test_cap_not_binding),
        cmocka_unit_test(test_no_starvation_4_to_1),
        cmocka_unit_test(test_equal_weights_equal_shares_under_overcommit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
