// SPDX-License-Identifier: MIT
// The first test guest: proves the PVH entry, the start_info hand-over and
// the console_io, xen_version and sched_op hypercalls work end to end.
#include "lib.h"

static const char e9_msg[] = "hello via port e9\n";

/* Write a line through the console ring (what Linux's hvc0 uses), then notify. */
static void ring_puts(const char *s)
{
    uint64_t pfn = 0, port = 0;

    if (hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) ||
        hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) || !pfn || !port) {
        printf("hello: no console ring\n");
        return;
    }
    volatile struct xencons_interface *r = (void *)(uintptr_t)(pfn << 12); /* identity-mapped */
    uint32_t prod = r->out_prod;
    for (; *s; s++) {
        while (prod - r->out_cons >= sizeof(r->out))
            hc_sched_op(SCHEDOP_yield, NULL); /* full: let the backend drain it */
        r->out[XENCONS_IDX(prod, r->out)] = *s;
        prod++;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);
    r->out_prod = prod;
    evtchn_send((evtchn_port_t)port);
}

void guest_main(const struct hvm_start_info *si)
{
    long ver;

    if (!xen_detect()) {
        /* No Xen-ABI hypervisor (e.g. bare QEMU): port 0xE9 only. */
        printf("hello from PVH guest (no hypervisor detected)\n");
        if (si && si->cmdline_paddr)
            printf("cmdline: %s\n", (const char *)(uintptr_t)si->cmdline_paddr);
        halt_forever();
    }

    printf("hello from PVH guest\n");
    e9_write(e9_msg, sizeof(e9_msg) - 1);
    if (si && si->cmdline_paddr)
        printf("cmdline: %s\n", (const char *)(uintptr_t)si->cmdline_paddr);
    ver = hc_xen_version(XENVER_version, NULL);
    printf("xen version: %ld.%ld\n", ver >> 16, ver & 0xffff);
    ring_puts("hello via the console ring\n");
    shutdown(SHUTDOWN_poweroff);
}
