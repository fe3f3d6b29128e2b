// SPDX-License-Identifier: MIT
/*
 * Boot-time checks that the machinery later issues build on really works on
 * every CPU (IPIs reach each one, one-shot timers fire and never early), and
 * the `test=` debug option that makes the hypervisor fail on purpose so the
 * crash path itself can be tested.
 */
#include <lamina/cmdline.h>
#include <lamina/lib.h>
#include <lamina/time.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <asm/smp.h>

static volatile uint32_t ipi_seen[NR_CPUS];
static volatile uint64_t timer_fired[NR_CPUS];
static struct timer probe_timers[NR_CPUS];

static void ipi_probe(void *arg)
{
    (void)arg;
    flush_tlb_local(); /* drop any stale mapping of the AP trampoline */
    ipi_seen[smp_processor_id()] = apic_id() + 1;
}

static void timer_probe(void *arg)
{
    timer_fired[(uintptr_t)arg] = now();
}

void boot_selftest(void)
{
    struct cpu *c;
    uint64_t worst = 0, delay = 2 * NSEC_PER_MSEC;

    for_each_online_cpu(c)
    {
        if (smp_call_function(c->id, ipi_probe, NULL) < 0 || ipi_seen[c->id] != c->apic_id + 1)
            panic("selftest: CPU %u did not answer a function-call IPI", c->id);
    }
    for_each_online_cpu(c)
    {
        timer_init(&probe_timers[c->id], timer_probe, (void *)(uintptr_t)c->id, c->id);
        timer_set(&probe_timers[c->id], now() + delay);
    }
    uint64_t deadline = now() + 5 * NSEC_PER_SEC;
    for_each_online_cpu(c)
    {
        while (!timer_fired[c->id] && now() < deadline)
            cpu_relax();
        if (!timer_fired[c->id])
            panic("selftest: the one-shot timer on CPU %u never fired", c->id);
        if (timer_fired[c->id] < probe_timers[c->id].expires)
            panic("selftest: the timer on CPU %u fired early", c->id);
        worst = MAX(worst, timer_fired[c->id] - probe_timers[c->id].expires);
    }
    printk("selftest: IPIs and one-shot timers work on %u CPU(s), worst lateness %lu us\n",
           nr_cpus_online, worst / NSEC_PER_USEC);
}

enum test_kind { TEST_NONE, TEST_FAULT, TEST_PANIC };
static enum test_kind opt_test;

static int parse_test(const char *v)
{
    if (v && strcmp(v, "fault") == 0)
        opt_test = TEST_FAULT;
    else if (v && strcmp(v, "panic") == 0)
        opt_test = TEST_PANIC;
    else
        return -EINVAL;
    return 0;
}
custom_param("test", parse_test);

/* Not inlined and not static: the crash report must name it. */
__attribute__((noinline)) void test_fault_trigger(void)
{
    *(volatile uint64_t *)0xdead0000UL = 1; /* nothing is mapped there */
}

void test_option_run(void)
{
    if (opt_test == TEST_FAULT) {
        printk("test: faulting on purpose (test=fault)\n");
        test_fault_trigger();
    } else if (opt_test == TEST_PANIC) {
        panic("test: panic on purpose (test=panic)");
    }
}
