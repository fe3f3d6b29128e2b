// SPDX-License-Identifier: MIT
// The single place where the guests enter the hypervisor, by instruction or
// through the hypercall page, so conformance tests can exercise both paths.
#include "lib.h"

uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static enum hypercall_mode mode = HYPERCALL_VMCALL;
static enum hypercall_mode insn_mode = HYPERCALL_VMCALL;

void hypercall_init(void)
{
    struct cpuid_regs r = cpuid(0);
    char vendor[12];

    memcpy(vendor, &r.ebx, 4);
    memcpy(vendor + 4, &r.edx, 4);
    memcpy(vendor + 8, &r.ecx, 4);
    if (!memcmp(vendor, "AuthenticAMD", 12) || !memcmp(vendor, "HygonGenuine", 12))
        insn_mode = HYPERCALL_VMMCALL;
    else
        insn_mode = HYPERCALL_VMCALL;
    mode = insn_mode;
}

int hypercall_use_page(void)
{
    uint32_t base = xen_detect();
    struct cpuid_regs r;
    unsigned int i;

    if (!base)
        return -1;
    r = cpuid(base + 2);
    if (r.eax < 1)
        return -1;
    wrmsr(r.ebx, (uint64_t)(uintptr_t)hypercall_page);
    /* A page left blank would send every call into zeroed memory. */
    for (i = 0; i < 32 && !hypercall_page[i]; i++)
        ;
    if (i == 32)
        return -1;
    mode = HYPERCALL_PAGE;
    return 0;
}

void hypercall_use_insn(void)
{
    mode = insn_mode;
}

void hypercall_force_insn(enum hypercall_mode m)
{
    insn_mode = mode = m;
}

enum hypercall_mode hypercall_get_mode(void)
{
    return mode;
}

enum hypercall_mode hypercall_insn_mode(void)
{
    return insn_mode;
}

long hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
               unsigned long a4, unsigned long a5)
{
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    long ret = (long)nr;

    /* The page has stubs for 0..127 only; anything above goes by instruction. */
    if (mode == HYPERCALL_PAGE && nr < HC_NR_PAGE_STUBS) {
        __asm__ volatile("call *%[stub]"
                         : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         : [stub] "r"(hypercall_page + 32 * nr)
                         : "memory");
    } else if (insn_mode == HYPERCALL_VMMCALL) {
        __asm__ volatile("vmmcall"
                         : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         :
                         : "memory");
    } else {
        __asm__ volatile("vmcall"
                         : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         :
                         : "memory");
    }
    return ret;
}

long hvm_get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    long rc = hc_hvm_op(HVMOP_get_param, &p);

    if (!rc)
        *value = p.value;
    return rc;
}

long hvm_set_param(uint32_t index, uint64_t value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index, .value = value};

    return hc_hvm_op(HVMOP_set_param, &p);
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_port_arg a = {.port = port};

    return hc_event_channel_op(EVTCHNOP_send, &a);
}

long evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_port_arg a = {.port = port};

    return hc_event_channel_op(EVTCHNOP_unmask, &a);
}

long evtchn_close(evtchn_port_t port)
{
    struct evtchn_port_arg a = {.port = port};

    return hc_event_channel_op(EVTCHNOP_close, &a);
}
