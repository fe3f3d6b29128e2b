// SPDX-License-Identifier: MIT
// A CPU-bound guest for the scheduler tests: it spins (interrupts off) for
// `seconds=N` of pvclock time (default 10) and once a second (unless `ticks=0`) prints what
// VCPUOP_get_runstate_info says it got, in ms:
//   spin: tick t=<ms since it started> running=<ms> runnable=<ms> blocked=<ms> offline=<ms>
//   work=<loops>
// With `ctl=1` (the domain needs the control right) it also asks, with the
// Xen toolstack's own calls, every millisecond which pCPU it is on (domctl
// getvcpuinfo) and ends with "spin: pcpus seen 0x<mask>", then "spin: cpus N"
// and each pCPU's idle time (sysctl getcpuinfo): "spin: idle cpuN idle=<ms>".
// The last line is "spin: done ...".
//
// With `wake=<us>` it sleeps instead: a single-shot timer every <us>, HLT
// until its event, and measures wake-to-run latency (timer deadline to the
// event handler running, by the pvclock). It ends with
//   spin: wakes n=<count> mean=<us> p99=<us> max=<us>
#include "xenlib.h"
#include "../../hv/include/public/sysctl.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct vcpu_runstate_info rs;

static void report(const char *what, uint64_t t, uint64_t work)
{
    long rc = hc_vcpu_op(VCPUOP_get_runstate_info, 0, &rs);
    if (rc) {
        printf("spin: get_runstate_info failed: %ld\n", rc);
        return;
    }
    printf("spin: %s t=%lu running=%lu runnable=%lu blocked=%lu offline=%lu work=%lu\n", what,
           (unsigned long)(t / MS), (unsigned long)(rs.time[0] / MS),
           (unsigned long)(rs.time[1] / MS), (unsigned long)(rs.time[2] / MS),
           (unsigned long)(rs.time[3] / MS), (unsigned long)work);
}

#define HC_SYSCTL 35
#define HC_DOMCTL 36
#define SYSCTL_getcpuinfo 8

/* The pCPU we are on (domctl getvcpuinfo of ourselves); -1 on error. */
static int current_pcpu(void)
{
    static struct xen_domctl op;
    op = (struct xen_domctl){.cmd = XEN_DOMCTL_getvcpuinfo,
                             .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
                             .domain = DOMID_SELF};
    long rc = hypercall(HC_DOMCTL, HC_PTR(&op), 0, 0, 0, 0);
    if (rc) {
        printf("spin: domctl getvcpuinfo failed: %ld\n", rc);
        return -1;
    }
    return (int)op.u.getvcpuinfo.cpu;
}

static volatile uint64_t fired_at;

static void on_timer(evtchn_port_t port)
{
    (void)port;
    fired_at = xen_time_ns();
}

#define LAT_BUCKETS 2000 /* 10 us each: a histogram up to 20 ms, the rest in the last */

static void sleeper(uint64_t seconds, uint64_t period_ns)
{
    static uint32_t hist[LAT_BUCKETS];
    evtchn_port_t port;
    uint64_t start, n = 0, sum = 0, max = 0;

    if (evtchn_upcall_init() || evtchn_bind_virq(VIRQ_TIMER, 0, &port)) {
        printf("spin: cannot bind VIRQ_TIMER\n");
        return;
    }
    evtchn_set_handler(port, on_timer);
    printf("spin: waking every %lu us for %lu s\n", (unsigned long)(period_ns / 1000),
           (unsigned long)seconds);
    start = xen_time_ns();
    while (xen_time_ns() - start < seconds * SEC) {
        uint64_t deadline = xen_time_ns() + period_ns, late;
        fired_at = 0;
        if (timer_set_singleshot(deadline, 0)) {
            printf("spin: set_singleshot_timer failed\n");
            return;
        }
        irq_disable();
        while (!fired_at)
            wait_for_interrupt();
        irq_enable();
        late = fired_at > deadline ? fired_at - deadline : 0;
        hist[late / 10000 < LAT_BUCKETS ? late / 10000 : LAT_BUCKETS - 1]++;
        sum += late, n++;
        max = late > max ? late : max;
    }
    uint64_t p99 = 0, below = 0;
    for (unsigned int b = 0; b < LAT_BUCKETS && below * 100 < n * 99; b++, p99 = b * 10)
        below += hist[b];
    printf("spin: wakes n=%lu mean=%lu p99=%lu max=%lu\n", (unsigned long)n,
           (unsigned long)(n ? sum / n / 1000 : 0), (unsigned long)p99,
           (unsigned long)(max / 1000));
}

/* A toolstack built for another interface version is refused (-EACCES), as on Xen. */
static void report_old_interface(void)
{
    static struct xen_domctl op;
    op = (struct xen_domctl){.cmd = XEN_DOMCTL_getvcpuinfo,
                             .interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1,
                             .domain = DOMID_SELF};
    printf("spin: domctl interface 0x14: %ld\n", hypercall(HC_DOMCTL, HC_PTR(&op), 0, 0, 0, 0));
}

/* Each pCPU's idle time (sysctl getcpuinfo, what xentop and xl use). */
static void report_idle(void)
{
    static uint64_t idle[64];
    static struct xen_sysctl op;
    op = (struct xen_sysctl){.cmd = SYSCTL_getcpuinfo,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    uint32_t *u = (uint32_t *)op.u.raw;
    u[0] = 64;                                  /* max_cpus */
    *(uint64_t *)(op.u.raw + 8) = HC_PTR(idle); /* info */
    long rc = hypercall(HC_SYSCTL, HC_PTR(&op), 0, 0, 0, 0);
    if (rc) {
        printf("spin: sysctl getcpuinfo failed: %ld\n", rc);
        return;
    }
    uint32_t n = u[4]; /* nr_cpus */
    printf("spin: cpus %u\n", n);
    for (uint32_t cpu = 0; cpu < n && cpu < 64; cpu++)
        printf("spin: idle cpu%u idle=%lu\n", cpu, (unsigned long)(idle[cpu] / MS));
}

void guest_main(const struct hvm_start_info *si)
{
    (void)si;
    if (shared_info_map()) {
        printf("spin: cannot map shared_info\n");
        return;
    }
    uint64_t seconds = cmdline_ulong("seconds", 10);
    uint64_t wake_us = cmdline_ulong("wake", 0);
    if (wake_us) {
        sleeper(seconds, wake_us * 1000);
        report("done", 0, 0);
        return;
    }
    bool ctl = cmdline_ulong("ctl", 0) != 0;
    bool ticks = cmdline_ulong("ticks", 1) != 0; /* ticks=0: quiet until done */
    uint64_t start = xen_time_ns(), next_report = start + SEC, next_probe = start;
    uint64_t work = 0, seen = 0;

    printf("spin: spinning for %lu s%s\n", (unsigned long)seconds, ctl ? ", watching pCPUs" : "");
    for (;;) {
        uint64_t t = xen_time_ns();
        if (t - start >= seconds * SEC)
            break;
        if (t >= next_report) {
            if (ticks)
                report("tick", t - start, work);
            next_report += SEC;
        }
        if (ctl && t >= next_probe) {
            int cpu = current_pcpu();
            if (cpu >= 0 && cpu < 64)
                seen |= 1ull << cpu;
            next_probe = t + MS;
        }
        for (unsigned int i = 0; i < 1000; i++)
            cpu_relax();
        work++;
    }
    if (ctl) {
        printf("spin: pcpus seen 0x%lx\n", (unsigned long)seen);
        report_idle();
        report_old_interface();
    }
    report("done", xen_time_ns() - start, work);
}
