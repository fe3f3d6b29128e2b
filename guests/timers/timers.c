// SPDX-License-Identifier: MIT
// Single-shot timers and time: each timer fires on VIRQ_TIMER no earlier than
// its deadline (by the pvclock) and not much later; past deadlines fire at
// once unless VCPU_SSHOTTMR_future; a stopped timer stays silent; the pvclock
// never goes backwards; the wallclock is plausible.
#include "xenlib.h"

#define US 1000ull
#define MS 1000000ull
#define MAX_LATE (100 * MS)

static evtchn_port_t timer_port;
static volatile uint64_t fired_at; /* pvclock time of the last timer event */

static void on_timer(evtchn_port_t port)
{
    (void)port;
    fired_at = xen_time_ns();
}

/* Sleeps in HLT until the timer event; returns its pvclock time. */
static uint64_t wait_timer(void)
{
    irq_disable();
    while (!fired_at)
        wait_for_interrupt();
    return fired_at;
}

static void test_deltas(void)
{
    static const uint64_t deltas[] = {100 * US, 1 * MS, 5 * MS, 20 * MS};

    for (unsigned int i = 0; i < ARRAY_SIZE(deltas); i++) {
        uint64_t deadline, fired;
        unsigned long us = (unsigned long)(deltas[i] / US);
        char name[64];
        long rc;

        fired_at = 0;
        deadline = xen_time_ns() + deltas[i];
        rc = timer_set_singleshot(deadline, 0);
        snprintf(name, sizeof(name), "set_singleshot_timer +%lu us", us);
        if (!test_rc(name, rc, 0))
            continue;
        fired = wait_timer();
        printf("timers: +%lu us timer fired %ld us after its deadline\n", us,
               ((long)(fired - deadline)) / 1000);
        snprintf(name, sizeof(name), "+%lu us timer not early", us);
        test_result_why(name, fired >= deadline, "%lu ns early", (unsigned long)(deadline - fired));
        snprintf(name, sizeof(name), "+%lu us timer less than 100 ms late", us);
        test_result_why(name, fired < deadline + MAX_LATE, "%lu us late",
                        (unsigned long)(fired - deadline) / 1000);
    }
}

static void test_past_deadlines(void)
{
    uint64_t now, fired;
    long rc;

    fired_at = 0;
    now = xen_time_ns();
    rc = timer_set_singleshot(now - MS, 0);
    test_rc("past deadline without flags accepted", rc, 0);
    if (!rc) {
        fired = wait_timer();
        printf("timers: past-deadline timer fired %lu us after the call\n",
               (unsigned long)(fired - now) / 1000);
        test_result_why("past deadline fires at once", fired < now + MAX_LATE, "%lu us",
                        (unsigned long)(fired - now) / 1000);
    }

    fired_at = 0;
    rc = timer_set_singleshot(xen_time_ns() - MS, VCPU_SSHOTTMR_future);
    test_rc("past deadline with VCPU_SSHOTTMR_future -ETIME", rc, -XEN_ETIME);
    irq_enable();
    xen_delay_ns(5 * MS);
    irq_disable();
    test_result("refused timer never fires", !fired_at);
}

static void test_stop(void)
{
    uint64_t deadline = xen_time_ns() + 10 * MS;

    fired_at = 0;
    test_rc("set_singleshot_timer +10 ms to stop", timer_set_singleshot(deadline, 0), 0);
    test_rc("stop_singleshot_timer", timer_stop_singleshot(), 0);
    irq_enable();
    while (xen_time_ns() < deadline + 20 * MS)
        cpu_relax();
    irq_disable();
    test_result("stopped timer does not fire", !fired_at);
}

static void test_pvclock(void)
{
    uint64_t first = xen_time_ns(), prev = first, backwards = 0;

    for (unsigned int i = 0; i < 10000; i++) {
        uint64_t t = xen_time_ns();

        if (t < prev)
            backwards++;
        prev = t;
    }
    printf("timers: 10000 pvclock reads over %lu us\n", (unsigned long)(prev - first) / 1000);
    test_result_why("pvclock monotonic over 10000 reads", !backwards, "%lu steps back", backwards);
    test_result("pvclock advances", prev > first);
}

static void test_wallclock(void)
{
    uint64_t sec;
    uint32_t nsec;

    wallclock_read(&sec, &nsec);
    printf("timers: wallclock at boot %lu.%09u, now %lu s\n", sec, nsec,
           (unsigned long)(sec + (xen_time_ns() + nsec) / 1000000000ull));
    test_result("wallclock plausible (0 or after 2020)", sec == 0 || sec > 1600000000ull);
    test_result("wallclock nsec below 1e9", nsec < 1000000000u);
}

void guest_main(const struct hvm_start_info *si)
{
    long rc;

    (void)si;
    rc = evtchn_upcall_init();
    if (!test_rc("shared_info and upcall vector", rc, 0))
        return;
    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port);
    if (!test_rc("bind VIRQ_TIMER", rc, 0))
        return;
    evtchn_set_handler(timer_port, on_timer);
    printf("timers: VIRQ_TIMER on port %u\n", timer_port);

    test_pvclock();
    test_wallclock();
    test_deltas();
    test_past_deadlines();
    test_stop();
}
