// SPDX-License-Identifier: MIT
/*
 * The Credit2 interface, one call at a time: validation, the vCPU state
 * machine, ratelimit and slices, yield, resets, caps, removal, migration,
 * affinity changes, pCPUs going offline, runqueue granularity.
 */
#include <stdlib.h>

#include "host.h"
#include <lamina/credit2.h>
#include <lamina/errno.h>

#define US(x) ((uint64_t)(x)*1000ULL)
#define MS(x) ((uint64_t)(x)*1000000ULL)

static struct credit2_sched *s;
static struct credit2_dom dom[4];
static struct credit2_vcpu v[8];
static struct credit2_decision d;

static struct credit2_cpumask mask_of(unsigned int first, unsigned int n)
{
    struct credit2_cpumask m;

    credit2_mask_zero(&m);
    for (unsigned int c = first; c < first + n; c++)
        credit2_mask_set(&m, c);
    return m;
}

/* n pCPUs, per_socket to a socket, default parameters (but gran). */
static void machine(unsigned int n, unsigned int per_socket, enum credit2_gran gran)
{
    struct credit2_params p;

    credit2_params_default(&p);
    p.gran = gran;
    assert_int_equal(credit2_init(s, &p), 0);
    for (unsigned int c = 0; c < n; c++)
        assert_int_equal(credit2_cpu_online(s, c, c / 2, c / per_socket, c / per_socket, 0), 0);
    for (unsigned int i = 0; i < ARRAY_SIZE(dom); i++)
        credit2_dom_init(&dom[i]);
}

static void pick(unsigned int cpu, uint64_t now)
{
    credit2_pick_next(s, cpu, now, &d);
}

static int setup(void **state)
{
    (void)state;
    s = calloc(1, sizeof(*s));
    return s ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(s);
    return 0;
}

static void test_validation(void **state)
{
    struct credit2_cpumask empty, offline = mask_of(4, 2), some = mask_of(3, 2), kick;
    struct credit2_params p;
    enum credit2_gran g;
    int k;
    (void)state;

    machine(4, 4, CREDIT2_RQ_SOCKET);
    credit2_mask_zero(&empty);
    assert_int_equal(credit2_check_weight(0), -EINVAL);
    assert_int_equal(credit2_check_weight(1), 0);
    assert_int_equal(credit2_check_weight(65535), 0);
    assert_int_equal(credit2_check_weight(65536), -EINVAL);
    assert_int_equal(credit2_check_cap(0, 1), 0);
    assert_int_equal(credit2_check_cap(100, 1), 0);
    assert_int_equal(credit2_check_cap(101, 1), -EINVAL);
    assert_int_equal(credit2_check_cap(400, 4), 0);
    assert_int_equal(credit2_check_cap(401, 4), -EINVAL);
    assert_int_equal(credit2_check_cap(1, 0), -EINVAL);
    assert_int_equal(credit2_check_cpumask(s, &empty), -EINVAL);
    assert_int_equal(credit2_check_cpumask(s, &offline), -EINVAL);
    assert_int_equal(credit2_check_cpumask(s, NULL), -EINVAL);
    assert_int_equal(credit2_check_cpumask(s, &some), 0); /* pCPU 3 is online */

    /* Refused values change nothing. */
    assert_int_equal(credit2_dom_set_weight(s, &dom[0], 0, 0), -EINVAL);
    assert_int_equal(credit2_dom_set_weight(s, &dom[0], 70000, 0), -EINVAL);
    assert_int_equal(dom[0].weight, CREDIT2_WEIGHT_DEFAULT);
    credit2_mask_zero(&kick);
    assert_int_equal(credit2_dom_set_cap(s, &dom[0], 201, 2, 0, &kick), -EINVAL);
    assert_int_equal(dom[0].cap, 0);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], &empty, NULL, 0), -EINVAL);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], &offline, NULL, 0), -EINVAL);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], NULL, &empty, 0), -EINVAL);
    assert_int_equal(dom[0].nr_vcpus, 0);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], &some, NULL, 0), 0);
    assert_int_equal(credit2_set_affinity(s, &v[0], &offline, NULL, 0, &k), -EINVAL);
    assert_int_equal(credit2_set_affinity(s, &v[0], NULL, &empty, 0, &k), -EINVAL);
    assert_true(credit2_mask_test(&v[0].hard, 3) && !credit2_mask_test(&v[0].hard, 0));

    assert_int_equal(credit2_parse_gran("core", &g), 0);
    assert_int_equal(g, CREDIT2_RQ_CORE);
    assert_int_equal(credit2_parse_gran("all", &g), 0);
    assert_int_equal(g, CREDIT2_RQ_ALL);
    assert_int_equal(credit2_parse_gran("sockets", &g), -EINVAL);
    assert_int_equal(credit2_parse_gran("", &g), -EINVAL);
    credit2_params_default(&p);
    p.min_slice_ns = p.max_slice_ns + 1;
    assert_int_equal(credit2_init(s, &p), -EINVAL);
    credit2_params_default(&p);
    p.load_shift = 40;
    assert_int_equal(credit2_init(s, &p), -EINVAL);
}

static void test_state_machine(void **state)
{
    (void)state;
    machine(1, 1, CREDIT2_RQ_SOCKET);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], NULL, NULL, 0), 0);
    assert_int_equal(v[0].state, CREDIT2_BLOCKED);
    pick(0, 0);
    assert_null(d.next); /* blocked vCPUs do not run */
    assert_int_equal(d.slice_ns, 0);
    assert_int_equal(credit2_wake(s, &v[0], 10), 0); /* pCPU 0 is idle: kick it */
    assert_int_equal(v[0].state, CREDIT2_RUNNABLE);
    assert_int_equal(credit2_wake(s, &v[0], 10), CREDIT2_NO_CPU); /* already awake */
    pick(0, 20);
    assert_ptr_equal(d.next, &v[0]);
    assert_int_equal(v[0].state, CREDIT2_RUNNING);
    assert_true(d.slice_ns >= s->p.ratelimit_ns);
    assert_int_equal(credit2_sleep(s, &v[0], US(100)), 0);
    assert_int_equal(v[0].state, CREDIT2_BLOCKED);
    /* An event before the pCPU picked again: it simply keeps running. */
    assert_int_equal(credit2_wake(s, &v[0], US(101)), CREDIT2_NO_CPU);
    assert_int_equal(v[0].state, CREDIT2_RUNNING);
    pick(0, US(102));
    assert_ptr_equal(d.next, &v[0]);
    assert_int_equal(credit2_sleep(s, &v[0], US(200)), 0);
    pick(0, US(200));
    assert_null(d.next);
    assert_true(credit2_mask_test(&s->idle, 0));
    assert_int_equal(credit2_remove(s, &v[0], US(300)), CREDIT2_NO_CPU);
    assert_int_equal(v[0].state, CREDIT2_OFFLINE);
    assert_int_equal(dom[0].nr_vcpus, 0);
    assert_int_equal(credit2_wake(s, &v[0], US(400)), CREDIT2_NO_CPU);
    assert_int_equal(v[0].state, CREDIT2_OFFLINE);
}

/* Two vCPUs on one pCPU; b wakes 200 us into a's run with more credit. */
static void ratelimit_case(bool latency)
{
    machine(1, 1, CREDIT2_RQ_SOCKET);
    credit2_dom_set_latency(&dom[1], latency);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], NULL, NULL, 0), 0);
    assert_int_equal(credit2_insert(s, &v[1], &dom[1], NULL, NULL, 0), 0);
    credit2_wake(s, &v[0], 0);
    pick(0, 0);
    assert_ptr_equal(d.next, &v[0]);
    assert_int_equal(credit2_wake(s, &v[1], US(200)), 0); /* preempt a: tickle its pCPU */
    pick(0, US(200));
}

static void test_ratelimit(void **state)
{
    (void)state;
    ratelimit_case(false);
    assert_ptr_equal(d.next, &v[0]); /* too early to preempt */
    assert_int_equal(d.slice_ns, s->p.ratelimit_ns - US(200));
    pick(0, s->p.ratelimit_ns);
    assert_ptr_equal(d.next, &v[1]);
    assert_int_equal(v[0].state, CREDIT2_RUNNABLE);
}

static void test_latency_preempts_with_short_slice(void **state)
{
    (void)state;
    ratelimit_case(true);
    assert_ptr_equal(d.next, &v[1]);
    assert_int_equal(d.slice_ns, s->p.latency_slice_ns);
    /* After its short slice it is an ordinary vCPU again (a has less credit now). */
    pick(0, US(400));
    assert_false(v[1].boost);
}

static void test_slice_follows_credit_gap(void **state)
{
    (void)state;
    machine(1, 1, CREDIT2_RQ_SOCKET);
    for (unsigned int i = 0; i < 2; i++) {
        assert_int_equal(credit2_insert(s, &v[i], &dom[i], NULL, NULL, 0), 0);
        credit2_wake(s, &v[i], 0);
    }
    v[0].credit = MS(6); /* 6 ms ahead of... */
    v[1].credit = MS(2); /* ...the only waiter: run 4 ms */
    pick(0, 0);
    assert_ptr_equal(d.next, &v[0]);
    assert_int_equal(d.slice_ns, MS(4));
    /* Alone, a vCPU gets the longest slice. */
    assert_int_equal(credit2_sleep(s, &v[1], 0), CREDIT2_NO_CPU);
    pick(0, MS(1));
    assert_int_equal(d.slice_ns, s->p.max_slice_ns);
}

static void test_yield(void **state)
{
    (void)state;
    machine(1, 1, CREDIT2_RQ_SOCKET);
    for (unsigned int i = 0; i < 2; i++) {
        assert_int_equal(credit2_insert(s, &v[i], &dom[i], NULL, NULL, 0), 0);
        credit2_wake(s, &v[i], 0);
    }
    pick(0, 0);
    assert_ptr_equal(d.next, &v[0]);
    pick(0, MS(5));
    assert_ptr_equal(d.next, &v[1]); /* b has 10 ms of credit, a 5 */
    credit2_yield(&v[1]);
    pick(0, MS(6));
    assert_ptr_equal(d.next, &v[0]); /* b still has more, but yielded */
    assert_false(v[1].yield);
}

static void test_reset_bounds_carry(void **state)
{
    uint64_t now = 0;
    int64_t top;
    (void)state;

    machine(1, 1, CREDIT2_RQ_SOCKET);
    top = (int64_t)(s->p.credit_init_ns + s->p.carry_ns);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], NULL, NULL, 0), 0); /* CPU-bound */
    assert_int_equal(credit2_insert(s, &v[1], &dom[1], NULL, NULL, 0), 0); /* asleep */
    v[1].credit = MS(9);
    credit2_wake(s, &v[0], 0);
    for (unsigned int i = 0; i < 20; i++) {
        pick(0, now);
        assert_ptr_equal(d.next, &v[0]);
        assert_true(v[0].credit > 0); /* a reset whenever it was picked without credit */
        assert_true(v[1].credit <= top);
        now += d.slice_ns;
    }
    assert_true(s->rq[0].nr_resets >= 9); /* 10 ms of credit per reset, ~200 ms run */
    assert_int_equal(v[1].credit, top);   /* the sleeper hoards no more than the carry */
}

static void test_cap_parks_until_refill(void **state)
{
    struct credit2_cpumask kick;
    (void)state;

    machine(1, 1, CREDIT2_RQ_SOCKET);
    credit2_mask_zero(&kick);
    assert_int_equal(credit2_dom_set_cap(s, &dom[0], 25, 1, 0, &kick), 0);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], NULL, NULL, 0), 0);
    assert_int_equal(credit2_next_refill(s), UINT64_MAX); /* nobody parked */
    credit2_wake(s, &v[0], 0);
    pick(0, 0);
    assert_ptr_equal(d.next, &v[0]);
    assert_int_equal(d.slice_ns, MS(10) / 4); /* all of its budget, no more */
    pick(0, d.slice_ns);
    assert_null(d.next); /* no budget left: parked, although the pCPU is free */
    assert_int_equal(v[0].state, CREDIT2_PARKED);
    assert_int_equal(credit2_next_refill(s), MS(10));
    credit2_refill(s, MS(9), &kick); /* early: nothing */
    assert_int_equal(v[0].state, CREDIT2_PARKED);
    credit2_refill(s, MS(10), &kick);
    assert_int_equal(v[0].state, CREDIT2_RUNNABLE);
    assert_true(credit2_mask_test(&kick, 0));
    pick(0, MS(10));
    assert_ptr_equal(d.next, &v[0]);
    /* Lifting the cap wakes the parked at once. */
    pick(0, MS(10) + d.slice_ns);
    assert_int_equal(v[0].state, CREDIT2_PARKED);
    credit2_mask_zero(&kick);
    assert_int_equal(credit2_dom_set_cap(s, &dom[0], 0, 1, MS(13), &kick), 0);
    assert_int_equal(v[0].state, CREDIT2_RUNNABLE);
    assert_true(credit2_mask_test(&kick, 0));
    assert_int_equal(credit2_next_refill(s), UINT64_MAX);
}

static void test_remove_running(void **state)
{
    (void)state;
    machine(2, 2, CREDIT2_RQ_SOCKET);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], NULL, NULL, 0), 0);
    credit2_wake(s, &v[0], 0);
    pick(0, 0);
    assert_ptr_equal(d.next, &v[0]);
    assert_int_equal(credit2_remove(s, &v[0], US(10)), 0); /* kick pCPU 0 */
    assert_int_equal(v[0].state, CREDIT2_OFFLINE);
    assert_int_equal(s->rq[0].nr_assigned, 0);
    assert_int_equal(s->rq[0].nr_active, 0);
    pick(0, US(12));
    assert_null(d.next);
    assert_int_equal(credit2_remove(s, &v[0], US(20)), CREDIT2_NO_CPU); /* twice: harmless */
    credit2_dom_destroy(s, &dom[0]);
}

static void test_migrate(void **state)
{
    int k;
    (void)state;

    machine(4, 2, CREDIT2_RQ_SOCKET);
    struct credit2_cpumask hard = mask_of(0, 3);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], &hard, NULL, 0), 0);
    assert_int_equal(credit2_insert(s, &v[1], &dom[0], &hard, NULL, 0), 0);
    credit2_wake(s, &v[0], 0);
    pick((unsigned int)v[0].cpu, 0);
    assert_ptr_equal(d.next, &v[0]);
    assert_int_equal(credit2_migrate(s, &v[0], 2, 0, &k), -EBUSY);
    assert_int_equal(credit2_migrate(s, &v[1], 3, 0, &k), -EINVAL); /* outside hard */
    assert_int_equal(credit2_migrate(s, &v[1], 9, 0, &k), -EINVAL); /* offline */
    assert_int_equal(credit2_migrate(s, &v[1], 2, 0, &k), 0);
    assert_ptr_equal(v[1].rq, s->cpu[2].rq);
    assert_int_equal(k, CREDIT2_NO_CPU); /* blocked: nothing to run */
    assert_int_equal(credit2_wake(s, &v[1], 1), 2);
    assert_int_equal(credit2_migrate(s, &v[1], 1, 2, &k), 0); /* queued: moves and kicks */
    assert_ptr_equal(v[1].rq, s->cpu[1].rq);
}

static void test_affinity_moves_running_vcpu(void **state)
{
    struct credit2_cpumask one = mask_of(1, 1);
    int k;
    (void)state;

    machine(2, 2, CREDIT2_RQ_SOCKET);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], NULL, NULL, 0), 0);
    credit2_wake(s, &v[0], 0);
    pick(0, 0);
    assert_ptr_equal(d.next, &v[0]);
    assert_int_equal(credit2_set_affinity(s, &v[0], &one, NULL, US(5), &k), 0);
    assert_int_equal(k, 0); /* its pCPU must let it go */
    pick(0, US(7));
    assert_null(d.next);
    assert_int_equal(v[0].state, CREDIT2_RUNNABLE);
    assert_true(credit2_mask_test(&d.kick, 1)); /* placed on the idle pCPU 1 */
    pick(1, US(9));
    assert_ptr_equal(d.next, &v[0]);
}

static void test_cpu_offline(void **state)
{
    struct credit2_cpumask kick, pin3 = mask_of(3, 1), s1 = mask_of(2, 2);
    (void)state;

    machine(4, 2, CREDIT2_RQ_SOCKET);
    credit2_mask_zero(&kick);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], &pin3, NULL, 0), 0);
    assert_int_equal(credit2_insert(s, &v[1], &dom[0], &s1, NULL, 0), 0);
    credit2_wake(s, &v[1], 0);
    pick(v[1].cpu, 0);
    assert_ptr_equal(d.next, &v[1]);
    assert_int_equal(credit2_cpu_offline(s, v[1].cpu, 1, &kick), -EBUSY); /* running */
    assert_int_equal(credit2_cpu_offline(s, 3, 1, &kick), -EBUSY);        /* v0's only pCPU */
    assert_int_equal(credit2_cpu_offline(s, 7, 1, &kick), -EINVAL);
    assert_int_equal(credit2_cpu_offline(s, 0, 1, &kick), 0);
    assert_int_equal(credit2_cpu_offline(s, 0, 1, &kick), -EINVAL);
    assert_int_equal(credit2_check_cpumask(s, &(struct credit2_cpumask){{1}}), -EINVAL);
    assert_false(credit2_mask_test(&s->idle, 0));
    assert_int_equal(credit2_cpu_online(s, 0, 0, 0, 0, 2), 0);
    assert_true(credit2_mask_test(&s->idle, 0));
    /* The last pCPU of a runqueue: its vCPUs move to one that remains. */
    assert_int_equal(credit2_insert(s, &v[2], &dom[0], NULL, NULL, 3), 0);
    assert_ptr_equal(v[2].rq, s->cpu[0].rq);
    assert_int_equal(credit2_cpu_offline(s, 0, 4, &kick), 0);
    assert_int_equal(credit2_cpu_offline(s, 1, 4, &kick), 0);
    assert_ptr_equal(v[2].rq, s->cpu[2].rq);
    assert_int_equal(s->rq[0].nr_assigned, 0);
}

static void test_granularity(void **state)
{
    static const unsigned int expect[] = {8, 4, 2, 2, 1};
    (void)state;

    for (unsigned int g = CREDIT2_RQ_CPU; g <= CREDIT2_RQ_ALL; g++) {
        machine(8, 4, (enum credit2_gran)g);
        assert_int_equal(s->nr_rqs, expect[g]);
        /* Placement spreads vCPUs over runqueues by count. */
        for (unsigned int i = 0; i < 8; i++)
            assert_int_equal(credit2_insert(s, &v[i], &dom[0], NULL, NULL, 0), 0);
        for (unsigned int r = 0; r < s->nr_rqs; r++)
            assert_int_equal(s->rq[r].nr_assigned, 8 / s->nr_rqs);
    }
}

static void test_weight_sets_burn_rate(void **state)
{
    (void)state;
    machine(1, 1, CREDIT2_RQ_SOCKET);
    assert_int_equal(credit2_dom_set_weight(s, &dom[1], 1024, 0), 0);
    assert_int_equal(credit2_insert(s, &v[0], &dom[0], NULL, NULL, 0), 0);
    assert_int_equal(credit2_insert(s, &v[1], &dom[1], NULL, NULL, 0), 0);
    assert_int_equal(s->rq[0].max_weight, 1024);
    credit2_wake(s, &v[0], 0);
    pick(0, 0);
    int64_t before = v[0].credit;
    assert_int_equal(credit2_sleep(s, &v[0], MS(1)), 0);
    assert_int_equal(before - v[0].credit, MS(4)); /* 1 ms at 1024/256 */
    pick(0, MS(1));
    assert_int_equal(credit2_remove(s, &v[1], MS(2)), CREDIT2_NO_CPU);
    assert_int_equal(s->rq[0].max_weight, 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_state_machine),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_latency_preempts_with_short_slice),
        cmocka_unit_test(test_slice_follows_credit_gap),
        cmocka_unit_test(test_yield),
        cmocka_unit_test(test_reset_bounds_carry),
        cmocka_unit_test(test_cap_parks_until_refill),
        cmocka_unit_test(test_remove_running),
        cmocka_unit_test(test_migrate),
        cmocka_unit_test(test_affinity_moves_running_vcpu),
        cmocka_unit_test(test_cpu_offline),
        cmocka_unit_test(test_granularity),
        cmocka_unit_test(test_weight_sets_burn_rate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
