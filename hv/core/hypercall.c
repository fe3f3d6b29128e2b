// SPDX-License-Identifier: MIT
/*
 * Hypercall entry: read the number and arguments in the caller's register
 * convention, check privilege and rights from the table, call the handler,
 * return its result in RAX. Indexes into the table are bounds-checked and
 * then clamped against speculation (array_index_nospec).
 */
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>

static bool domain_has_right(const struct domain *d, unsigned int right)
{
    return (d->rights & right) == right;
}

static long dispatch(struct vcpu *v, uint64_t nr, const struct hc_args *args)
{
    if (nr >= NR_HYPERCALLS)
        return -ENOSYS;
    const struct hc_family *f = &hypercall_table[array_index_nospec(nr, NR_HYPERCALLS)];
    if (f->whole.fn)
        return domain_has_right(v->domain, f->whole.right) ? f->whole.fn(v, args) : -EPERM;
    uint64_t sub = args->a[0];
    if (!f->subops || sub >= f->nr_subops)
        return -ENOSYS;
    const struct hc_subop *op = &f->subops[array_index_nospec(sub, f->nr_subops)];
    if (!op->fn)
        return -ENOSYS;
    if (!domain_has_right(v->domain, op->right))
        return -EPERM;
    return op->fn(v, args);
}

void hypercall_dispatch(struct vcpu *v)
{
    struct vmcb *vm = v->arch.vmcb;
    struct guest_regs *r = &v->arch.regs;
    struct hc_args args;
    uint64_t nr;
    long rc;

    /* 64-bit code: long mode with CS.L; anything else uses the 32-bit registers. */
    args.compat = !((vm->efer & (1UL << 10)) && (vm->cs.attr & (1u << 9)));
    if (args.compat) {
        nr = (uint32_t)vm->rax;
        args.a[0] = (uint32_t)r->rbx, args.a[1] = (uint32_t)r->rcx;
        args.a[2] = (uint32_t)r->rdx, args.a[3] = (uint32_t)r->rsi;
        args.a[4] = (uint32_t)r->rdi;
    } else {
        nr = vm->rax;
        args.a[0] = r->rdi, args.a[1] = r->rsi, args.a[2] = r->rdx;
        args.a[3] = r->r10, args.a[4] = r->r8;
    }
    if (vm->cpl != 0)
        rc = -EPERM; /* only the guest kernel may call */
    else
        rc = dispatch(v, nr, &args);
    vm->rax = args.compat ? (uint32_t)rc : (uint64_t)rc;
}
