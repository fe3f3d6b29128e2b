// SPDX-License-Identifier: MIT
/*
 * domctl get/sethvmcontext: how libxenguest reads a new domain's vCPU
 * records and gives vCPU 0 its PVH start state. Records are converted to
 * and from the neutral vCPU state (asm/hvm/vcpu_state.h); the backend's own
 * structures are never seen here. The blob is the caller's and hostile:
 * every descriptor is bounds-checked against the size given, and a record
 * only takes effect once it has been checked whole.
 */
#include <lamina/domctl.h>
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/vcpu_state.h>
#include <public/hvm_save.h>

#define DESC sizeof(struct hvm_save_descriptor)
#define MTRR_DEF_TYPE_WB_ENABLED 0x806 /* what a PVH vCPU gets: write-back, enabled */
#define DEFAULT_PAT 0x0007040600070406ULL

struct hvmctx_args {
    uint32_t size; /* IN: bytes at buffer (0: ask the size); OUT: bytes used */
    uint32_t pad;
    uint64_t buffer;
};

static uint32_t context_size(const struct domain *d)
{
    return DESC + sizeof(struct hvm_save_header) +
           d->nr_vcpus * (2 * DESC + sizeof(struct hvm_hw_cpu) + sizeof(struct hvm_hw_mtrr)) + DESC;
}

static void fpu_reset(uint8_t *fpu)
{
    memset(fpu, 0, 512);
    fpu[0] = 0x7f, fpu[1] = 0x03;   /* x87 control word 0x37f */
    fpu[24] = 0x80, fpu[25] = 0x1f; /* MXCSR 0x1f80 */
}

#define SEGS(X) X(cs) X(ds) X(es) X(fs) X(gs) X(ss) X(tr) X(ldtr)

static void state_to_record(const struct hvm_vcpu_state *s, struct hvm_hw_cpu *c)
{
    memset(c, 0, sizeof(*c));
    memcpy(c->fpu_regs, s->fpu, sizeof(c->fpu_regs));
    c->rax = s->gpr[0], c->rcx = s->gpr[1], c->rdx = s->gpr[2], c->rbx = s->gpr[3];
    c->rsp = s->gpr[4], c->rbp = s->gpr[5], c->rsi = s->gpr[6], c->rdi = s->gpr[7];
    c->r8 = s->gpr[8], c->r9 = s->gpr[9], c->r10 = s->gpr[10], c->r11 = s->gpr[11];
    c->r12 = s->gpr[12], c->r13 = s->gpr[13], c->r14 = s->gpr[14], c->r15 = s->gpr[15];
    c->rip = s->rip, c->rflags = s->rflags;
    c->cr0 = s->cr0, c->cr2 = s->cr2, c->cr3 = s->cr3, c->cr4 = s->cr4;
    c->dr0 = s->dr[0], c->dr1 = s->dr[1], c->dr2 = s->dr[2], c->dr3 = s->dr[3];
    c->dr6 = s->dr6, c->dr7 = s->dr7;
#define OUT(r)                                                                 \
    c->r##_sel = s->r.sel, c->r##_limit = s->r.limit, c->r##_base = s->r.base, \
    c->r##_arbytes = s->r.attr;
    SEGS(OUT)
#undef OUT
    c->gdtr_base = s->gdtr.base, c->gdtr_limit = s->gdtr.limit;
    c->idtr_base = s->idtr.base, c->idtr_limit = s->idtr.limit;
    c->sysenter_cs = s->sysenter_cs, c->sysenter_esp = s->sysenter_esp;
    c->sysenter_eip = s->sysenter_eip, c->shadow_gs = s->kernel_gs_base;
    c->msr_lstar = s->lstar, c->msr_star = s->star, c->msr_cstar = s->cstar;
    c->msr_syscall_mask = s->sfmask, c->msr_efer = s->efer;
    c->flags = XEN_X86_FPU_INITIALISED;
}

static void record_to_state(const struct hvm_hw_cpu *c, struct hvm_vcpu_state *s)
{
    s->gpr[0] = c->rax, s->gpr[1] = c->rcx, s->gpr[2] = c->rdx, s->gpr[3] = c->rbx;
    s->gpr[4] = c->rsp, s->gpr[5] = c->rbp, s->gpr[6] = c->rsi, s->gpr[7] = c->rdi;
    s->gpr[8] = c->r8, s->gpr[9] = c->r9, s->gpr[10] = c->r10, s->gpr[11] = c->r11;
    s->gpr[12] = c->r12, s->gpr[13] = c->r13, s->gpr[14] = c->r14, s->gpr[15] = c->r15;
    s->rip = c->rip, s->rflags = c->rflags;
    s->cr0 = c->cr0, s->cr2 = c->cr2, s->cr3 = c->cr3, s->cr4 = c->cr4, s->efer = c->msr_efer;
    s->dr[0] = c->dr0, s->dr[1] = c->dr1, s->dr[2] = c->dr2, s->dr[3] = c->dr3;
    s->dr6 = c->dr6, s->dr7 = c->dr7;
#define IN(r)                                                                             \
    s->r = (struct hvm_seg){(uint16_t)c->r##_sel, (uint16_t)c->r##_arbytes, c->r##_limit, \
                            c->r##_base};
    SEGS(IN)
#undef IN
    s->gdtr = (struct hvm_dtr){c->gdtr_base, c->gdtr_limit};
    s->idtr = (struct hvm_dtr){c->idtr_base, c->idtr_limit};
    s->sysenter_cs = c->sysenter_cs, s->sysenter_esp = c->sysenter_esp;
    s->sysenter_eip = c->sysenter_eip, s->kernel_gs_base = c->shadow_gs;
    s->lstar = c->msr_lstar, s->star = c->msr_star, s->cstar = c->msr_cstar;
    s->sfmask = c->msr_syscall_mask;
    if (c->flags & XEN_X86_FPU_INITIALISED)
        memcpy(s->fpu, c->fpu_regs, sizeof(s->fpu));
    else
        fpu_reset(s->fpu); /* "not initialised": the state after FNINIT */
}

/* One record into the caller's buffer at *off; -ENOSPC past `size`. */
static long put_record(struct vcpu *caller, const struct hvmctx_args *a, uint32_t *off,
                       uint16_t type, uint16_t inst, const void *payload, uint32_t len)
{
    struct hvm_save_descriptor desc = {type, inst, len};

    if (len > a->size || *off > a->size - len || a->size - len - *off < DESC)
        return -ENOSPC;
    if (copy_to_guest(caller, a->buffer + *off, &desc, DESC) ||
        (len && copy_to_guest(caller, a->buffer + *off + DESC, payload, len)))
        return -EFAULT;
    *off += DESC + len;
    return 0;
}

static long get_context(struct vcpu *caller, struct domain *d, struct hvmctx_args *a)
{
    struct hvm_save_header h = {HVM_FILE_MAGIC, HVM_FILE_VERSION, 0, cpuid(1).eax, 0};
    uint32_t off = 0;
    long rc;

    if (!a->buffer) {
        a->size = context_size(d); /* libxc asks the size first */
        return 0;
    }
    struct hvm_vcpu_state *s = xmalloc(struct hvm_vcpu_state);
    struct hvm_hw_cpu *c = xmalloc(struct hvm_hw_cpu);
    if (!s || !c) {
        rc = -ENOMEM;
        goto out;
    }
    h.gtsc_khz = arch_tsc_khz();
    if ((rc = put_record(caller, a, &off, HVM_SAVE_HEADER, 0, &h, sizeof(h))))
        goto out;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        hvm_get_state(d->vcpus[i], s);
        state_to_record(s, c);
        if ((rc = put_record(caller, a, &off, HVM_SAVE_CPU, (uint16_t)i, c, sizeof(*c))))
            goto out;
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct hvm_hw_mtrr m = {.msr_pat_cr = DEFAULT_PAT,
                                .msr_mtrr_cap = 0x508, /* 8 variable ranges, fixed, WC */
                                .msr_mtrr_def_type = MTRR_DEF_TYPE_WB_ENABLED};
        if ((rc = put_record(caller, a, &off, HVM_SAVE_MTRR, (uint16_t)i, &m, sizeof(m))))
            goto out;
    }
    rc = put_record(caller, a, &off, HVM_SAVE_END, 0, NULL, 0);
out:
    a->size = off;
    xfree(s);
    xfree(c);
    return rc;
}

/* Load a CPU record into vCPU `inst`; it must not be running. */
static long load_cpu(struct domain *d, uint16_t inst, const struct hvm_hw_cpu *c)
{
    if (inst >= d->nr_vcpus)
        return -EINVAL;
    struct vcpu *v = d->vcpus[array_index_nospec(inst, d->nr_vcpus)];
    if (__atomic_load_n(&v->running, __ATOMIC_ACQUIRE) || (v->up && !d->pause_count))
        return -EBUSY;
    struct hvm_vcpu_state *s = xmalloc(struct hvm_vcpu_state);
    if (!s)
        return -ENOMEM;
    hvm_get_state(v, s); /* what the record does not carry (PAT) stays */
    record_to_state(c, s);
    long rc = hvm_set_state(v, s);
    xfree(s);
    if (rc == 0) {
        vcpu_time_update(v);
        v->initialised = true; /* starts at the domain's first unpause */
    }
    return rc;
}

static long set_context(struct vcpu *caller, struct domain *d, const struct hvmctx_args *a)
{
    struct hvm_save_descriptor desc;
    struct hvm_hw_cpu *c = xmalloc(struct hvm_hw_cpu);
    bool header = false;
    long rc = -EINVAL;

    if (!c)
        return -ENOMEM;
    for (uint32_t off = 0; off <= a->size && a->size - off >= DESC;) {
        if (copy_from_guest(caller, &desc, a->buffer + off, DESC)) {
            rc = -EFAULT;
            break;
        }
        off += DESC;
        if (desc.length > a->size - off || desc.length > sizeof(*c))
            break; /* runs past the blob, or no record of ours is that long */
        if (desc.typecode == HVM_SAVE_END) {
            rc = header ? 0 : -EINVAL;
            break;
        }
        if (copy_from_guest(caller, c, a->buffer + off, desc.length)) {
            rc = -EFAULT;
            break;
        }
        off += desc.length;
        if (desc.typecode == HVM_SAVE_HEADER) {
            const struct hvm_save_header *h = (const void *)c;
            header = desc.length == sizeof(*h) && h->magic == HVM_FILE_MAGIC &&
                     h->version == HVM_FILE_VERSION;
            if (!header)
                break;
        } else if (!header) {
            break; /* the header comes first */
        } else if (desc.typecode == HVM_SAVE_CPU) {
            if (desc.length != sizeof(*c) || (rc = load_cpu(d, desc.instance, c)))
                break;
            rc = -EINVAL;
        } else if (desc.typecode == HVM_SAVE_MTRR) {
            if (desc.length != sizeof(struct hvm_hw_mtrr))
                break; /* write-back everywhere is all a PVH guest gets */
        }
        /* Other records (LAPIC, ...) describe state we keep ourselves: skipped. */
    }
    xfree(c);
    return rc;
}

long arch_domctl(struct vcpu *caller, struct domain *d, struct xen_domctl *op)
{
    struct hvmctx_args *a = (struct hvmctx_args *)op->u.raw;

    switch (op->cmd) {
    case XEN_DOMCTL_gethvmcontext:
        return get_context(caller, d, a);
    case XEN_DOMCTL_sethvmcontext:
        return d == caller->domain ? -EINVAL : set_context(caller, d, a);
    case XEN_DOMCTL_set_cpu_policy:
        return arch_set_cpu_policy(caller, d, op);
    default:
        return -ENOSYS;
    }
}
