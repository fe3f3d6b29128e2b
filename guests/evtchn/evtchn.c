// SPDX-License-Identifier: MIT
// Two domains play ping-pong over an interdomain event channel.
//
//   role=pong peer=<domid> [count=N] [wait=irq|poll]
//       alloc_unbound(remote_dom=peer), print "pong: port <p>", then answer
//       each event with one back; done after N events (default 10000).
//   role=ping peer=<domid> [count=N] [port=P] [wait=irq|poll]
//       bind_interdomain(peer, P), retried for up to 10 s while pong is not
//       ready (-EINVAL, or -ESRCH before the peer exists). Without port=,
//       ports 1..63 are tried: only pong's unbound port accepts ping. Then
//       N round trips: send, wait for the answer; print the time taken.
//
// No xenstore: the domids come from the configs and the port from the
// "first free port" convention or the scan. wait=irq (default) sleeps in HLT
// and takes the callback-vector upcall; wait=poll masks the port and blocks
// in SCHEDOP_poll instead.
#include "xenlib.h"

#define SEC 1000000000ull
#define MS 1000000ull

static bool use_poll;
static evtchn_port_t port;
static uint32_t received; /* events seen on port, as counted by wait_event() */

/* A watchdog: VIRQ_TIMER every second, so a lost event shows as a FAIL line
 * instead of a guest asleep forever. */
static evtchn_port_t timer_port;
static volatile uint32_t stalled_ticks;
static uint32_t last_seen;

static void watchdog_tick(evtchn_port_t p)
{
    (void)p;
    if (received == last_seen)
        stalled_ticks++;
    else
        stalled_ticks = 0;
    last_seen = received;
    timer_set_singleshot(xen_time_ns() + SEC, 0);
}

/* Waits until the next event on port (false: nothing for limit_s seconds). */
static bool wait_event(unsigned int limit_s)
{
    if (use_poll) {
        uint64_t give_up = xen_time_ns() + limit_s * SEC;

        while (!evtchn_test_and_clear_pending(port)) {
            if (xen_time_ns() > give_up)
                return false;
            sched_poll_port(port, xen_time_ns() + 100 * MS);
        }
        received++;
        return true;
    }
    irq_disable();
    stalled_ticks = 0;
    while (evtchn_count[port] == received && stalled_ticks < limit_s)
        wait_for_interrupt();
    if (evtchn_count[port] == received)
        return false;
    received++;
    return true;
}

static bool setup(void)
{
    char wait[8] = "irq";
    long rc;

    cmdline_get("wait", wait, sizeof(wait));
    use_poll = !strcmp(wait, "poll");
    rc = evtchn_upcall_init();
    if (rc) {
        printf("evtchn: shared_info/callback setup failed: %ld\n", rc);
        return false;
    }
    return true;
}

/* After the first channel exists, so that pong's port stays the first free one. */
static void start_watchdog(void)
{
    if (use_poll || evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port))
        return;
    evtchn_set_handler(timer_port, watchdog_tick);
    timer_set_singleshot(xen_time_ns() + SEC, 0);
}

static void pong(unsigned int peer, uint32_t count)
{
    long rc = evtchn_alloc_unbound((domid_t)peer, &port);

    if (rc) {
        test_rc("pong: alloc_unbound", rc, 0);
        return;
    }
    if (use_poll)
        evtchn_mask_local(port);
    printf("pong: port %u\n", port);
    start_watchdog();
    while (received < count) {
        /* The first one waits for ping to find us (up to 10 s). */
        if (!wait_event(received ? 3 : 15)) {
            test_resultf(false, "pong: event %u of %u never came", received + 1, count);
            return;
        }
        rc = evtchn_send(port);
        if (rc) {
            test_rc("pong: send", rc, 0);
            return;
        }
    }
    test_resultf(true, "pong: %u events answered", count);
    xen_delay_ns(50 * MS); /* ping checks nothing more arrives */
    evtchn_close(port);
}

static long bind_to_pong(unsigned int peer, evtchn_port_t only)
{
    uint64_t give_up = xen_time_ns() + 10 * SEC;
    unsigned long tries = 0;
    long rc;

    for (;;) {
        evtchn_port_t first = only ? only : 1, last = only ? only : 63;

        for (evtchn_port_t p = first; p <= last; p++) {
            rc = evtchn_bind_interdomain((domid_t)peer, p, &port);
            if (rc == 0) {
                printf("ping: bound local port %u to d%u port %u after %lu tries\n", port, peer, p,
                       tries);
                return 0;
            }
            if (rc != -XEN_EINVAL && rc != -XEN_ESRCH)
                return rc;
        }
        if (xen_time_ns() > give_up || ++tries > 1000000)
            return rc;
        hc_sched_op(SCHEDOP_yield, NULL);
        xen_delay_ns(MS);
    }
}

static void ping(unsigned int peer, uint32_t count, evtchn_port_t only)
{
    uint64_t t0, t1;
    long rc = bind_to_pong(peer, only);

    if (rc) {
        test_rc("ping: bind_interdomain to pong", rc, 0);
        return;
    }
    /* Binding sets the new port pending (Xen's fix-up for notifications
     * sent before the bind). Interrupts are off: drop it before counting. */
    evtchn_clear_pending(port);
    if (use_poll)
        evtchn_mask_local(port);
    start_watchdog();
    t0 = xen_time_ns();
    for (uint32_t i = 0; i < count; i++) {
        rc = evtchn_send(port);
        if (rc) {
            test_rc("ping: send", rc, 0);
            return;
        }
        if (!wait_event(3)) {
            test_resultf(false, "ping: answer %u of %u never came", i + 1, count);
            return;
        }
    }
    t1 = xen_time_ns();
    irq_enable(); /* anything extra would show up in the count */
    xen_delay_ns(20 * MS);
    irq_disable();
    uint32_t total = use_poll ? received + evtchn_is_pending(port) : evtchn_count[port];
    printf("ping: %u round trips in %lu us, %lu ns each\n", count, (t1 - t0) / 1000,
           count ? (t1 - t0) / count : 0);
    test_resultf(total == count, "%u round trips, none lost", count);
    if (total != count)
        printf("ping: received %u events for %u sends\n", total, count);
    evtchn_close(port);
}

void guest_main(const struct hvm_start_info *si)
{
    char role[8] = "";
    unsigned long peer = cmdline_ulong("peer", ~0ul);
    uint32_t count = (uint32_t)cmdline_ulong("count", 10000);

    (void)si;
    cmdline_get("role", role, sizeof(role));
    if (peer > 0x7fef || (strcmp(role, "ping") && strcmp(role, "pong"))) {
        printf("evtchn: usage: role=ping|pong peer=<domid> [count=N] [port=P] [wait=irq|poll]\n");
        test_result("evtchn: command line", false);
        return;
    }
    if (!setup()) {
        test_result("evtchn: setup", false);
        return;
    }
    printf("evtchn: %s, domid %d, peer d%lu, %u events, wait=%s\n", role, xen_domid(), peer, count,
           use_poll ? "poll" : "irq");
    if (!strcmp(role, "pong"))
        pong((unsigned int)peer, count);
    else
        ping((unsigned int)peer, count, (evtchn_port_t)cmdline_ulong("port", 0));
    timer_stop_singleshot();
    if (!strcmp(role, "pong"))
        printf("pong: done\n");
    else
        printf("ping: done\n");
}
