// SPDX-License-Identifier: MIT
// The first test guest: proves the PVH entry, the start_info hand-over and
// the console_io, xen_version and sched_op hypercalls work end to end.
#include "lib.h"

static const char e9_msg[] = "hello via port e9\n";

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
    shutdown(SHUTDOWN_poweroff);
}
