// SPDX-License-Identifier: MIT
/*
 * Guest accesses to guest-physical addresses nothing backs: an open bus.
 * Reads return all-ones and writes are dropped, which needs the faulting
 * instruction decoded (emulate.c). What cannot be decoded, and faults that
 * are not plain MMIO (the guest's own page tables in a hole, permission
 * faults on RAM), crash the guest, never the hypervisor.
 */
#include <lamina/lib.h>
#include <asm/hvm/emulate.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>
#include <asm/hvm/p2m.h>
#include <asm/percpu.h>

#define NPF_WRITE (1ULL << 1)
#define NPF_RSVD (1ULL << 3)
#define NPF_FETCH (1ULL << 4)
#define NPF_IN_WALK (1ULL << 33) /* while walking the guest's page tables */
#define EFER_LMA (1UL << 10)
#define SEG_ATTR_L (1u << 9)
#define SEG_ATTR_DB (1u << 10)

static void crash(struct vcpu *v, const char *what, uint64_t gpa)
{
    char why[96];
    snprintf(why, sizeof(why), "%s at gpa %#lx", what, gpa);
    hvm_vcpu_crash(v, why);
}

enum emul_mode hvm_insn_mode(struct vcpu *v)
{
    struct vmcb *vm = v->arch.vmcb;

    if ((vm->efer & EFER_LMA) && (vm->cs.attr & SEG_ATTR_L))
        return EMUL_64;
    return (vm->cs.attr & SEG_ATTR_DB) ? EMUL_32 : EMUL_16;
}

/* Up to 15 bytes at CS:RIP; fewer at the end of mapped memory. */
size_t hvm_fetch_insn(struct vcpu *v, enum emul_mode mode, uint8_t *buf)
{
    struct vmcb *vm = v->arch.vmcb;
    uint64_t la = (mode == EMUL_64 ? 0 : vm->cs.base) + vm->rip;
    size_t n = EMUL_MAX_INSN_LEN;

    if (vm->insn_len) { /* decode assists fetched them already */
        n = MIN((size_t)vm->insn_len, (size_t)EMUL_MAX_INSN_LEN);
        memcpy(buf, vm->insn_bytes, n);
        return n;
    }
    if (mode != EMUL_64)
        la = (uint32_t)la;
    if (copy_from_guest(v, buf, la, n) == 0)
        return n;
    n = PAGE_SIZE - (la & (PAGE_SIZE - 1)); /* the rest of this page, then */
    return n < EMUL_MAX_INSN_LEN && copy_from_guest(v, buf, la, n) == 0 ? n : 0;
}

bool hvm_mmio_fault(struct vcpu *v, uint64_t gpa, uint64_t ec)
{
    struct vmcb *vm = v->arch.vmcb;
    uint8_t bytes[EMUL_MAX_INSN_LEN];
    struct emul_insn insn;
    struct emul_regs regs;

    if (ec & (NPF_RSVD | NPF_IN_WALK | NPF_FETCH)) {
        crash(v, ec & NPF_FETCH ? "instruction fetch from a hole" : "page walk through a hole",
              gpa);
        return false;
    }
    if (p2m_lookup(v->domain, gpa >> PAGE_SHIFT, NULL) != INVALID_MFN) {
        crash(v, "write to read-only memory", gpa);
        return false;
    }
    enum emul_mode mode = hvm_insn_mode(v);
    size_t n = hvm_fetch_insn(v, mode, bytes);
    if (n == 0 || emul_decode(bytes, n, mode, &insn) < 0) {
        crash(v, "MMIO access by an instruction Lamina cannot emulate", gpa);
        return false;
    }
    insn.fault = (ec & NPF_WRITE) ? EMUL_FAULT_WRITE : EMUL_FAULT_READ;
    for (unsigned int i = 0; i < 16; i++)
        regs.gpr[i] = hvm_get_gpr(v, i);
    regs.rip = vm->rip;
    regs.rflags = vm->rflags;
    uint64_t dropped;
    if (emul_execute(&insn, &regs, ~0ULL, &dropped) < 0) {
        crash(v, "MMIO access Lamina cannot emulate", gpa);
        return false;
    }
    for (unsigned int i = 0; i < 16; i++)
        hvm_set_gpr(v, i, regs.gpr[i]);
    vm->rip = regs.rip;
    vm->rflags = regs.rflags;
    vm->interrupt_shadow &= ~1ULL;
    return true;
}
