// SPDX-License-Identifier: MIT
/*
 * What CPUID tells a guest: the host's vendor and most of its ISA, minus
 * everything Lamina does not virtualize (SVM/VMX, MCE, perf counters, XSAVE
 * state it does not switch, LA57, speculation controls, TSC deadline, ...),
 * plus the hypervisor bit and the Xen leaves at 0x40000000 that tell a guest
 * how to make hypercalls. Allow-lists, so a new host feature stays hidden.
 */
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/hvm/guest.h>

#define XEN_CPUID_BASE 0x40000000
#define XEN_MAJOR 4 /* we speak the ABI of Xen 4.17 */
#define XEN_MINOR 17
#define HYPERCALL_MSR 0x40000000

/* Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV PAT PSE36 CLFSH MMX FXSR
 * SSE SSE2 (not MCE, MCA, PSN, DS, ACPI, TM, PBE) */
#define L1_EDX_KEEP 0x078bbb7fu
/* Leaf 1 ECX: SSE3 PCLMUL SSSE3 FMA? no; CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES RDRAND F16C? no */
#define L1_ECX_KEEP                                                                          \
    ((1u << 0) | (1u << 1) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 22) | \
     (1u << 23) | (1u << 25) | (1u << 30))
#define L1_ECX_HYPERVISOR (1u << 31)
/* Leaf 7 EBX: BMI1 SMEP BMI2 ERMS RDSEED ADX SMAP CLFLUSHOPT CLWB SHA */
#define L7_EBX_KEEP                                                                         \
    ((1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 18) | (1u << 19) | (1u << 20) | \
     (1u << 23) | (1u << 24) | (1u << 29))
/* 0x80000001 ECX: LAHF CmpLegacy AltMovCr8 ABM SSE4A MisAlignSse 3DNowPrefetch */
#define E1_ECX_KEEP 0x000001f3u
/* 0x80000001 EDX: the leaf-1 bits AMD mirrors (no MCE/MCA) + SYSCALL NX MMXExt FFXSR Page1GB LM
 * 3DNowExt 3DNow */
#define E1_EDX_KEEP                                                                              \
    (0x0183b37fu | (1u << 11) | (1u << 20) | (1u << 22) | (1u << 25) | (1u << 26) | (1u << 29) | \
     (1u << 30) | (1u << 31))

static void xen_leaves(struct vcpu *v, uint32_t leaf, uint32_t out[4])
{
    switch (leaf - XEN_CPUID_BASE) {
    case 0:
        out[0] = XEN_CPUID_BASE + 5;
        out[1] = 0x566e6558; /* "XenVMMXenVMM" */
        out[2] = 0x65584d4d;
        out[3] = 0x4d4d566e;
        break;
    case 1:
        out[0] = (XEN_MAJOR << 16) | XEN_MINOR;
        break;
    case 2:
        out[0] = 1; /* hypercall pages */
        out[1] = HYPERCALL_MSR;
        break;
    case 4:
        out[0] = (1u << 3) | (1u << 4); /* vCPU id and domid present; no upcall vector */
        out[1] = v->id;
        out[2] = v->domain->id;
        break;
    }
}

void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct cpuid_regs r;
    uint32_t max_basic = MIN(cpuid(0).eax, 0xdu);
    uint32_t max_ext = MIN(cpuid(0x80000000).eax, 0x80000008u);

    out[0] = out[1] = out[2] = out[3] = 0;
    if (leaf >= XEN_CPUID_BASE && leaf < XEN_CPUID_BASE + 0x100) {
        xen_leaves(v, leaf, out);
        return;
    }
    if ((leaf < 0x80000000 && leaf > max_basic) || (leaf >= 0x80000000 && leaf > max_ext))
        return;
    r = cpuid_count(leaf, sub);
    switch (leaf) {
    case 0:
        out[0] = max_basic;
        out[1] = r.ebx, out[2] = r.ecx, out[3] = r.edx; /* the host's vendor */
        break;
    case 1:
        out[0] = r.eax;
        /* APIC ID 2*vcpu (as the MADT will say), one logical CPU, host CLFLUSH size. */
        out[1] = ((2 * v->id) << 24) | (1u << 16) | (r.ebx & 0xff00);
        out[2] = (r.ecx & L1_ECX_KEEP) | L1_ECX_HYPERVISOR | (1u << 21); /* x2APIC: vlapic.c */
        out[3] = r.edx & L1_EDX_KEEP;
        break;
    case 0xb: /* no topology to report beyond the x2APIC ID */
        out[3] = 2 * v->id;
        break;
    case 7:
        if (sub == 0)
            out[1] = r.ebx & L7_EBX_KEEP;
        break;
    case 0x80000000:
        out[0] = max_ext;
        out[1] = r.ebx, out[2] = r.ecx, out[3] = r.edx;
        break;
    case 0x80000001:
        out[0] = r.eax;
        out[2] = r.ecx & E1_ECX_KEEP;
        out[3] = r.edx & E1_EDX_KEEP & ~(1u << 27); /* RDTSCP: TSC_AUX is not kept */
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: /* brand string */
        out[0] = r.eax, out[1] = r.ebx, out[2] = r.ecx, out[3] = r.edx;
        break;
    case 0x80000005:
    case 0x80000006: /* cache and TLB descriptions */
        out[0] = r.eax, out[1] = r.ebx, out[2] = r.ecx, out[3] = r.edx;
        break;
    case 0x80000007:
        out[3] = r.edx & (1u << 8); /* invariant TSC only */
        break;
    case 0x80000008:
        out[0] = r.eax & 0xffff; /* address sizes */
        break;
    }
}
