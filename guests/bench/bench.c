// SPDX-License-Identifier: MIT
/*
 * Benchmark guest: the round-trip cost of a null hypercall (xen_version 0)
 * and of a CPUID exit, in TSC cycles, measured from inside the guest.
 * scripts/bench.sh turns cycles into time with the TSC rate Lamina logs.
 * Output: "bench: <name> <iterations> iterations, <cycles> cycles each".
 */
#include "lib.h"

#define ITERATIONS 20000

static void measure(const char *name, void (*op)(void))
{
    for (int i = 0; i < 100; i++) /* warm up */
        op();
    uint64_t t0 = rdtsc();
    for (int i = 0; i < ITERATIONS; i++)
        op();
    uint64_t t1 = rdtsc();
    printf("bench: %s %d iterations, %lu cycles each\n", name, ITERATIONS,
           (unsigned long)((t1 - t0) / ITERATIONS));
}

static void null_hypercall(void)
{
    hc_xen_version(0, 0);
}

static void cpuid_exit(void)
{
    (void)cpuid(0);
}

void guest_main(const struct hvm_start_info *si)
{
    (void)si;
    measure("null-hypercall", null_hypercall);
    measure("cpuid-exit", cpuid_exit);
}
