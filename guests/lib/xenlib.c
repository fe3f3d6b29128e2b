// SPDX-License-Identifier: MIT
// shared_info mapping, pvclock, wallclock and timers: the time and
// shared-memory half of the Xen ABI, as a guest kernel sees it.
#include "xenlib.h"

volatile struct shared_info *xen_shared;
volatile struct vcpu_info *xen_vcpu;

/* Ordinary RAM of ours that the hypervisor replaces with shared_info. */
static uint8_t shared_info_page[4096] __attribute__((aligned(4096)));

int xen_domid(void)
{
    uint32_t base = xen_detect();
    struct cpuid_regs r;

    if (!base || cpuid(base).eax < base + 4)
        return -1;
    r = cpuid(base + 4);
    return (r.eax & XEN_HVM_CPUID_DOMID_PRESENT) ? (int)(r.ecx & 0xffff) : -1;
}

void *shared_info_page_addr(void)
{
    return shared_info_page;
}

long shared_info_map(void)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (uintptr_t)shared_info_page >> 12,
    };
    long rc;

    if (xen_shared)
        return 0;
    rc = hc_memory_op(XENMEM_add_to_physmap, &xatp);
    if (rc)
        return rc;
    /* The guest is identity-mapped: the page's VA is its GPA. */
    xen_shared = (volatile struct shared_info *)shared_info_page;
    xen_vcpu = &xen_shared->vcpu_info[0];
    return 0;
}

long vcpu_info_register(volatile struct vcpu_info *vi)
{
    struct vcpu_register_vcpu_info r = {
        .mfn = (uintptr_t)vi >> 12,
        .offset = (uint32_t)((uintptr_t)vi & 0xfff),
    };
    long rc = hc_vcpu_op(VCPUOP_register_vcpu_info, 0, &r);

    if (!rc)
        xen_vcpu = vi;
    return rc;
}

static inline uint64_t rdtsc_ordered(void)
{
    __asm__ volatile("lfence" : : : "memory");
    return rdtsc();
}

uint64_t pvclock_read(const volatile struct vcpu_time_info *t)
{
    uint32_t version, mul;
    uint64_t sys, stamp, tsc;
    int8_t shift;

    do {
        version = t->version;
        barrier();
        stamp = t->tsc_timestamp;
        sys = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        tsc = rdtsc_ordered();
        barrier();
    } while ((version & 1) || version != t->version);

    uint64_t delta = (int64_t)(tsc - stamp) > 0 ? tsc - stamp : 0;
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t xen_time_ns(void)
{
    return xen_vcpu ? pvclock_read(&xen_vcpu->time) : 0;
}

void xen_delay_ns(uint64_t ns)
{
    uint64_t end = xen_time_ns() + ns;

    while (xen_vcpu && xen_time_ns() < end)
        cpu_relax();
}

void wallclock_read(uint64_t *sec, uint32_t *nsec)
{
    volatile struct shared_info *s = xen_shared;
    uint32_t version;

    *sec = 0;
    *nsec = 0;
    if (!s)
        return;
    do {
        version = s->wc_version;
        barrier();
        *sec = ((uint64_t)s->wc_sec_hi << 32) | s->wc_sec;
        *nsec = s->wc_nsec;
        barrier();
    } while ((version & 1) || version != s->wc_version);
}

long timer_set_singleshot(uint64_t deadline_ns, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = deadline_ns, .flags = flags};

    return hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

long timer_stop_singleshot(void)
{
    return hc_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
}
