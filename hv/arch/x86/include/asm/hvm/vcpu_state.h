/* SPDX-License-Identifier: MIT */
/*
 * The backend-neutral vCPU state: the seam between the code that knows what
 * a vCPU's registers mean (hvmcontext for the toolstack, the PVH entry
 * state) and the backend that keeps them (SVM's VMCB today; VT-x's VMCS and
 * PV guests later). Nothing outside hvm/svm/ reads or writes a VMCB field;
 * it goes through hvm_get_state()/hvm_set_state() or the helpers in hvm.h.
 */
#ifndef ASM_HVM_VCPU_STATE_H
#define ASM_HVM_VCPU_STATE_H

#include <lamina/types.h>

/* A segment register; attr is the packed 12-bit form (type, S, DPL, P, AVL, L, D/B, G). */
struct hvm_seg {
    uint16_t sel;
    uint16_t attr;
    uint32_t limit;
    uint64_t base;
};

struct hvm_dtr {
    uint64_t base;
    uint32_t limit;
};

struct hvm_vcpu_state {
    uint64_t gpr[16]; /* by x86 encoding: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15 */
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4, efer; /* efer as the guest sees it */
    uint64_t dr[4], dr6, dr7;
    struct hvm_seg cs, ds, es, fs, gs, ss, tr, ldtr;
    struct hvm_dtr gdtr, idtr;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t kernel_gs_base, star, lstar, cstar, sfmask;
    uint64_t pat;
    uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image */
};

struct vcpu;
void hvm_get_state(struct vcpu *v, struct hvm_vcpu_state *s);
/*
 * Load s into v, which must not be running. Values a CPU would refuse
 * (reserved CR0/CR4/EFER bits, a non-canonical RIP in long mode) give
 * -EINVAL and leave v unchanged.
 */
int hvm_set_state(struct vcpu *v, const struct hvm_vcpu_state *s);

#endif
