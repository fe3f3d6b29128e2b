// SPDX-License-Identifier: MIT
/*
 * x86 answers for the toolstack ABI (core/sysctl.c, core/domctl.c): the CPU's
 * speed and feature words for physinfo, and where a domain's shared_info is.
 */
#include <lamina/domctl.h>
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/hvm/hvm.h>

extern uint64_t tsc_hz;

void arch_physinfo(struct xen_sysctl_physinfo *pi)
{
    pi->cpu_khz = (uint32_t)(tsc_hz / 1000);
    /* hw_cap: the words xl info prints as hw_caps (CPUID 1 EDX, ECX; 0x80000001 EDX, ECX). */
    struct cpuid_regs r = cpuid(1);
    pi->hw_cap[0] = r.edx;
    pi->hw_cap[1] = r.ecx;
    r = cpuid(0x80000001);
    pi->hw_cap[2] = r.edx;
    pi->hw_cap[3] = r.ecx;
}

uint64_t arch_domain_shared_info_gfn(struct domain *d)
{
    return d->arch.shared_info_gfn;
}

uint32_t arch_tsc_khz(void)
{
    return (uint32_t)(tsc_hz / 1000);
}
