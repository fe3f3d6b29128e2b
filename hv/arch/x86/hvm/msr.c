// SPDX-License-Identifier: MIT
/*
 * The MSRs a guest may touch. State the VMCB holds is read and written
 * there; a few platform MSRs read as fixed values; writing the Xen
 * hypercall-page MSR fills the named page with call stubs. Everything else
 * raises #GP, which is how guests probe (rdmsr_safe).
 */
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>

#define MSR_TSC 0x10
#define MSR_PATCH_LEVEL 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_XEN_HYPERCALL 0x40000000
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084

#define EFER_SCE (1UL << 0)
#define EFER_LMA (1UL << 10)
#define EFER_FFXSR (1UL << 14)

static bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (uint8_t)(pat >> (8 * i));
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* 32-byte stubs: mov $nr, %eax; vmmcall; ret. __HYPERVISOR_iret (23) is ud2. */
static int fill_hypercall_page(struct vcpu *v, uint64_t gpa)
{
    uint8_t page[PAGE_SIZE];

    memset(page, 0xcc, sizeof(page)); /* int3 between stubs */
    for (unsigned int i = 0; i < PAGE_SIZE / 32; i++) {
        uint8_t *p = page + 32 * i;
        if (i == 23) {
            p[0] = 0x0f, p[1] = 0x0b;
            continue;
        }
        p[0] = 0xb8;
        memcpy(p + 1, &i, 4);
        p[5] = 0x0f, p[6] = 0x01, p[7] = 0xd9; /* vmmcall */
        p[8] = 0xc3;
    }
    return copy_to_gpa(v->domain, gpa, page, sizeof(page));
}

int guest_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vmcb *vm = v->arch.vmcb;

    if (msr >= 0x800 && msr <= 0x8ff)
        return vlapic_rdmsr(v, msr, val);

    switch (msr) {
    case MSR_EFER:
        *val = vm->efer & ~EFER_SVME;
        return 0;
    case MSR_STAR:
        *val = vm->star;
        return 0;
    case MSR_LSTAR:
        *val = vm->lstar;
        return 0;
    case MSR_CSTAR:
        *val = vm->cstar;
        return 0;
    case MSR_SFMASK:
        *val = vm->sfmask;
        return 0;
    case MSR_FS_BASE:
        *val = vm->fs.base;
        return 0;
    case MSR_GS_BASE:
        *val = vm->gs.base;
        return 0;
    case MSR_KERNEL_GS_BASE:
        *val = vm->kernel_gs_base;
        return 0;
    case MSR_SYSENTER_CS:
        *val = vm->sysenter_cs;
        return 0;
    case MSR_SYSENTER_ESP:
        *val = vm->sysenter_esp;
        return 0;
    case MSR_SYSENTER_EIP:
        *val = vm->sysenter_eip;
        return 0;
    case MSR_PAT:
        *val = vm->g_pat;
        return 0;
    case MSR_TSC:
        *val = rdtsc() + vm->tsc_offset;
        return 0;
    case MSR_APIC_BASE: /* enabled, in x2APIC mode from the start */
        *val = 0xfee00000UL | (1UL << 11) | (1UL << 10) | (v->id == 0 ? 1UL << 8 : 0);
        return 0;
    case MSR_MISC_ENABLE:
        *val = 1;
        return 0; /* fast strings */
    case MSR_PATCH_LEVEL:
        *val = 0;
        return 0;
    case MSR_MTRRCAP:
        *val = 0;
        return 0; /* no variable or fixed ranges */
    case MSR_MTRR_DEF_TYPE:
        *val = 0xc06;
        return 0; /* enabled, write-back */
    case MSR_XEN_HYPERCALL:
        *val = 0;
        return 0;
    default:
        return -EINVAL;
    }
}

int guest_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vmcb *vm = v->arch.vmcb;

    if (msr >= 0x800 && msr <= 0x8ff)
        return vlapic_wrmsr(v, msr, val);

    switch (msr) {
    case MSR_EFER:
        if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_FFXSR))
            return -EINVAL;
        if ((val & EFER_FFXSR) && !(cpuid(0x80000001).edx & (1u << 25)))
            return -EINVAL;
        /* LME may not change while paging is on (it would make VMRUN fail). */
        if (((val ^ vm->efer) & EFER_LME) && (vm->cr0 & (1UL << 31)))
            return -EINVAL;
        /* LMA belongs to the CPU; SVME must stay set for VMRUN. */
        vm->efer = (val & ~EFER_LMA) | (vm->efer & EFER_LMA) | EFER_SVME;
        return 0;
    case MSR_STAR:
        vm->star = val;
        return 0;
    case MSR_LSTAR:
    case MSR_CSTAR:
    case MSR_FS_BASE:
    case MSR_GS_BASE:
    case MSR_KERNEL_GS_BASE:
    case MSR_SYSENTER_ESP:
    case MSR_SYSENTER_EIP:
        if (!canonical(val))
            return -EINVAL;
        if (msr == MSR_LSTAR)
            vm->lstar = val;
        else if (msr == MSR_CSTAR)
            vm->cstar = val;
        else if (msr == MSR_FS_BASE)
            vm->fs.base = val;
        else if (msr == MSR_GS_BASE)
            vm->gs.base = val;
        else if (msr == MSR_KERNEL_GS_BASE)
            vm->kernel_gs_base = val;
        else if (msr == MSR_SYSENTER_ESP)
            vm->sysenter_esp = val;
        else
            vm->sysenter_eip = val;
        return 0;
    case MSR_SFMASK:
        vm->sfmask = (uint32_t)val;
        return 0;
    case MSR_SYSENTER_CS:
        vm->sysenter_cs = (uint16_t)val;
        return 0;
    case MSR_PAT:
        if (!pat_valid(val))
            return -EINVAL;
        vm->g_pat = val;
        return 0;
    case MSR_TSC:       /* one TSC per domain: writes are ignored */
    case MSR_APIC_BASE: /* relocation is not supported; enabling is a no-op */
    case MSR_MISC_ENABLE:
    case MSR_PATCH_LEVEL:
    case MSR_MTRR_DEF_TYPE:
        return 0;
    case MSR_XEN_HYPERCALL:
        if (val & (PAGE_SIZE - 1))
            return -EINVAL;
        if (fill_hypercall_page(v, val) < 0)
            return -EINVAL;
        v->domain->arch.hypercall_page_msr = val;
        return 0;
    default:
        return -EINVAL;
    }
}
