// SPDX-License-Identifier: MIT
/*
 * The cost of one Credit2 scheduling decision as runnable vCPUs grow.
 *
 * Usage: sched_decision VCPUS [DECISIONS] [PCPUS]
 *
 * One runqueue of PCPUS pCPUs (default 8, one socket) and VCPUS CPU-bound
 * vCPUs of mixed weights. A small event loop plays the glue: each pCPU calls
 * credit2_pick_next when its slice ends or it is kicked. After a warm-up of
 * 2000 decisions, DECISIONS more go through measured_pick(), the function
 * scripts/bench-sched.sh has callgrind count. Resets, balancing and idle
 * kicks are included where they happen: this is the amortised cost the glue
 * pays per decision. Prints the number of measured decisions.
 */
#include <stdio.h>
#include <stdlib.h>

#include <lamina/credit2.h>

static struct credit2_sched sched;
static uint64_t slice_end[CREDIT2_MAX_CPUS];

__attribute__((noinline)) void measured_pick(unsigned int cpu, uint64_t now,
                                             struct credit2_decision *d)
{
    credit2_pick_next(&sched, cpu, now, d);
    __asm__ volatile("" ::: "memory"); /* keep the call a call */
}

/* Decide on the pCPU whose timer fires first; kicked pCPUs decide at once. */
static void step(unsigned int pcpus, bool measure)
{
    struct credit2_decision d;
    unsigned int cpu = 0;

    for (unsigned int c = 1; c < pcpus; c++) {
        if (slice_end[c] < slice_end[cpu])
            cpu = c;
    }
    uint64_t now = slice_end[cpu];
    if (measure)
        measured_pick(cpu, now, &d);
    else
        credit2_pick_next(&sched, cpu, now, &d);
    slice_end[cpu] = d.next ? now + d.slice_ns : UINT64_MAX;
    credit2_for_each_cpu(c, &d.kick) slice_end[c] = now;
}

int main(int argc, char **argv)
{
    struct credit2_params p;

    if (argc < 2) {
        fprintf(stderr, "usage: %s VCPUS [DECISIONS] [PCPUS]\n", argv[0]);
        return 2;
    }
    unsigned int n = (unsigned int)strtoul(argv[1], NULL, 0);
    unsigned long decisions = argc > 2 ? strtoul(argv[2], NULL, 0) : 2000;
    unsigned int pcpus = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 0) : 8;
    if (!n || !pcpus || pcpus > CREDIT2_MAX_CPUS)
        return 2;

    credit2_params_default(&p);
    if (credit2_init(&sched, &p))
        return 1;
    for (unsigned int c = 0; c < pcpus; c++) {
        credit2_cpu_online(&sched, c, c / 2, 0, 0, 0);
        slice_end[c] = 0;
    }
    struct credit2_dom *dom = calloc(4, sizeof(*dom));
    struct credit2_vcpu *v = calloc(n, sizeof(*v));
    if (!dom || !v)
        return 1;
    for (unsigned int i = 0; i < 4; i++) {
        credit2_dom_init(&dom[i]);
        credit2_dom_set_weight(&sched, &dom[i], 128u << i, 0);
    }
    for (unsigned int i = 0; i < n; i++) {
        if (credit2_insert(&sched, &v[i], &dom[i % 4], NULL, NULL, 0))
            return 1;
        credit2_wake(&sched, &v[i], 0);
    }
    for (unsigned int i = 0; i < 2000; i++)
        step(pcpus, false);
    for (unsigned long i = 0; i < decisions; i++)
        step(pcpus, true);
    printf("%lu\n", decisions);
    free(v);
    free(dom);
    return 0;
}
