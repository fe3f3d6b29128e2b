// SPDX-License-Identifier: MIT
/*
 * SVM's side of the neutral vCPU state (asm/hvm/vcpu_state.h): VMCB fields
 * to and from struct hvm_vcpu_state. SVM already keeps segment attributes in
 * the packed 12-bit form the neutral state uses, so segments copy as they are.
 */
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>
#include <asm/hvm/vcpu_state.h>

#define CR0_PE (1UL << 0)
#define CR0_PG (1UL << 31)
#define CR0_CD (1UL << 30)
#define CR0_NW (1UL << 29)
#define EFER_LMA (1UL << 10)
#define EFER_SCE (1UL << 0)
/* CR4 bits a guest may hold: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT (0-10),
 * FSGSBASE (16), OSXSAVE (18), SMEP (20), SMAP (21). */
#define CR4_ALLOWED 0x3507ffUL
#define EFER_ALLOWED (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

static void seg_out(struct hvm_seg *d, const struct vmcb_seg *s)
{
    *d = (struct hvm_seg){s->sel, s->attr, s->limit, s->base};
}

static void seg_in(struct vmcb_seg *d, const struct hvm_seg *s)
{
    d->sel = s->sel;
    d->attr = s->attr & 0xfff;
    d->limit = s->limit;
    d->base = s->base;
}

void hvm_get_state(struct vcpu *v, struct hvm_vcpu_state *s)
{
    const struct vmcb *vm = v->arch.vmcb;

    memset(s, 0, sizeof(*s));
    for (unsigned int i = 0; i < 16; i++)
        s->gpr[i] = hvm_get_gpr(v, i);
    s->rip = vm->rip;
    s->rflags = vm->rflags;
    s->cr0 = vm->cr0, s->cr2 = vm->cr2, s->cr3 = vm->cr3, s->cr4 = vm->cr4;
    s->efer = vm->efer & ~EFER_SVME; /* ours, not the guest's */
    memcpy(s->dr, v->arch.dr, sizeof(s->dr));
    s->dr6 = vm->dr6, s->dr7 = vm->dr7;
    seg_out(&s->cs, &vm->cs), seg_out(&s->ds, &vm->ds), seg_out(&s->es, &vm->es);
    seg_out(&s->fs, &vm->fs), seg_out(&s->gs, &vm->gs), seg_out(&s->ss, &vm->ss);
    seg_out(&s->tr, &vm->tr), seg_out(&s->ldtr, &vm->ldtr);
    s->gdtr = (struct hvm_dtr){vm->gdtr.base, vm->gdtr.limit};
    s->idtr = (struct hvm_dtr){vm->idtr.base, vm->idtr.limit};
    s->sysenter_cs = vm->sysenter_cs, s->sysenter_esp = vm->sysenter_esp;
    s->sysenter_eip = vm->sysenter_eip;
    s->kernel_gs_base = vm->kernel_gs_base, s->star = vm->star, s->lstar = vm->lstar;
    s->cstar = vm->cstar, s->sfmask = vm->sfmask;
    s->pat = vm->g_pat;
    memcpy(s->fpu, v->arch.fpu, sizeof(s->fpu));
}

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* What VMRUN would refuse, or a CPU could never be in. */
static bool state_valid(const struct hvm_vcpu_state *s)
{
    bool lma = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);

    if ((s->cr0 >> 32) || ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE)) ||
        ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD)))
        return false;
    if ((s->cr4 & ~CR4_ALLOWED) || (s->efer & ~EFER_ALLOWED))
        return false;
    if (lma && (!(s->cr4 & (1UL << 5)) || !canonical(s->rip))) /* long mode needs PAE */
        return false;
    if ((s->dr6 >> 32) || (s->dr7 >> 32))
        return false;
    return true;
}

int hvm_set_state(struct vcpu *v, const struct hvm_vcpu_state *s)
{
    struct vmcb *vm = v->arch.vmcb;

    if (!state_valid(s))
        return -EINVAL;
    for (unsigned int i = 0; i < 16; i++)
        hvm_set_gpr(v, i, s->gpr[i]);
    vm->rip = s->rip;
    vm->rflags = (s->rflags & 0x3f7fd7) | 0x2; /* bit 1 always set; reserved bits clear */
    vm->cr0 = s->cr0 | (1UL << 4);             /* ET is hardwired on */
    vm->cr2 = s->cr2, vm->cr3 = s->cr3, vm->cr4 = s->cr4;
    vm->efer = (s->efer & ~EFER_LMA) | EFER_SVME;
    if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG))
        vm->efer |= EFER_LMA;
    memcpy(v->arch.dr, s->dr, sizeof(v->arch.dr));
    vm->dr6 = s->dr6, vm->dr7 = s->dr7;
    seg_in(&vm->cs, &s->cs), seg_in(&vm->ds, &s->ds), seg_in(&vm->es, &s->es);
    seg_in(&vm->fs, &s->fs), seg_in(&vm->gs, &s->gs), seg_in(&vm->ss, &s->ss);
    seg_in(&vm->tr, &s->tr), seg_in(&vm->ldtr, &s->ldtr);
    vm->gdtr.base = s->gdtr.base, vm->gdtr.limit = s->gdtr.limit;
    vm->idtr.base = s->idtr.base, vm->idtr.limit = s->idtr.limit;
    vm->cpl = (uint8_t)((s->ss.attr >> 5) & 3); /* SVM takes CPL from SS.DPL */
    vm->sysenter_cs = s->sysenter_cs, vm->sysenter_esp = s->sysenter_esp;
    vm->sysenter_eip = s->sysenter_eip;
    vm->kernel_gs_base = s->kernel_gs_base, vm->star = s->star, vm->lstar = s->lstar;
    vm->cstar = s->cstar, vm->sfmask = s->sfmask;
    vm->g_pat = s->pat;
    memcpy(v->arch.fpu, s->fpu, sizeof(v->arch.fpu));
    vm->clean_bits = 0; /* everything changed */
    return 0;
}

bool hvm_hypercall_args(struct vcpu *v, uint64_t *nr, uint64_t a[5], unsigned int *cpl)
{
    const struct vmcb *vm = v->arch.vmcb;
    const struct guest_regs *r = &v->arch.regs;
    bool compat = !((vm->efer & EFER_LMA) && (vm->cs.attr & (1u << 9))); /* long mode, CS.L */

    *cpl = vm->cpl;
    if (compat) { /* eax; ebx, ecx, edx, esi, edi */
        *nr = (uint32_t)vm->rax;
        a[0] = (uint32_t)r->rbx, a[1] = (uint32_t)r->rcx, a[2] = (uint32_t)r->rdx;
        a[3] = (uint32_t)r->rsi, a[4] = (uint32_t)r->rdi;
    } else { /* rax; rdi, rsi, rdx, r10, r8 */
        *nr = vm->rax;
        a[0] = r->rdi, a[1] = r->rsi, a[2] = r->rdx, a[3] = r->r10, a[4] = r->r8;
    }
    return compat;
}

bool hvm_events_deliverable(struct vcpu *v)
{
    return ((vcpu_upcall_pending(v) && vcpu_callback_vector(v)) || vlapic_pending(v) >= 0) &&
           (v->arch.vmcb->rflags & X86_EFLAGS_IF);
}
