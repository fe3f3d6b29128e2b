// SPDX-License-Identifier: MIT
// A domain that keeps printing: "tick <n>" every interval_ms (default 100)
// for count ticks (default 30), then "printer: done" and power-off. The
// system tests run it next to a crasher to show one domain's death leaves
// the others running. Ticks are paced by single-shot timers (VIRQ_TIMER,
// HLT); if timers are unavailable, by the pvclock with sched_op yield.
//
//   count=N  interval_ms=M
#include "xenlib.h"

#define MS 1000000ull

static volatile bool ticked;

static void on_timer(evtchn_port_t port)
{
    (void)port;
    ticked = true;
}

static void sleep_until(uint64_t deadline, bool have_timer)
{
    if (have_timer && !timer_set_singleshot(deadline, 0)) {
        irq_disable();
        ticked = false;
        while (!ticked)
            wait_for_interrupt();
        return;
    }
    while (xen_time_ns() < deadline)
        hc_sched_op(SCHEDOP_yield, NULL);
}

void guest_main(const struct hvm_start_info *si)
{
    unsigned long count = cmdline_ulong("count", 30);
    uint64_t interval = cmdline_ulong("interval_ms", 100) * MS;
    evtchn_port_t port;
    bool have_timer;
    uint64_t start;

    (void)si;
    have_timer = !evtchn_upcall_init();
    if (!xen_shared) {
        printf("printer: no shared_info, no clock\n");
        test_result("printer: clock", false);
        return;
    }
    have_timer = have_timer && !evtchn_bind_virq(VIRQ_TIMER, 0, &port);
    if (have_timer)
        evtchn_set_handler(port, on_timer);
    printf("printer: %lu ticks every %lu ms (%s)\n", count, (unsigned long)(interval / MS),
           have_timer ? "timer" : "yield");
    start = xen_time_ns();
    for (unsigned long n = 1; n <= count; n++) {
        sleep_until(start + n * interval, have_timer);
        printf("tick %lu\n", n);
    }
    printf("printer: done\n");
}
