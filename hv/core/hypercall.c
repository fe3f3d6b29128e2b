// SPDX-License-Identifier: MIT
/*
 * Hypercall entry: read the number and arguments in the caller's register
 * convention, check privilege and rights from the table, call the handler,
 * return its result in RAX. Indexes into the table are bounds-checked and
 * then clamped against speculation (array_index_nospec).
 */
#include <lamina/cmdline.h>
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

#define __HYPERVISOR_multicall 13
#define MULTICALL_MAX 64 /* entries per call: bounded work */

struct multicall_entry {
    uint64_t op, result, args[6];
};
struct multicall_entry32 {
    uint32_t op, result, args[6];
};

/*
 * multicall: a list of hypercalls in the caller's memory, each run through
 * the same table and rights as a direct call; results go back into the list.
 * libxc sends memory_op this way, one entry, to read its full 64-bit result.
 * No nesting: a multicall inside one gets -EINVAL in its result.
 */
static long do_multicall(struct vcpu *v, const struct hc_args *a)
{
    uint64_t list = a->a[0], n = a->a[1];
    size_t size = a->compat ? sizeof(struct multicall_entry32) : sizeof(struct multicall_entry);

    if (n > MULTICALL_MAX)
        return -EINVAL;
    for (uint64_t i = 0; i < n; i++) {
        union {
            struct multicall_entry e;
            struct multicall_entry32 e32;
        } u;
        struct hc_args args = {.compat = a->compat};
        uint64_t at = list + i * size, op;
        if (copy_from_guest(v, &u, at, size))
            return -EFAULT;
        for (unsigned int j = 0; j < 5; j++)
            args.a[j] = a->compat ? u.e32.args[j] : u.e.args[j];
        op = a->compat ? u.e32.op : u.e.op;
        long rc = op == __HYPERVISOR_multicall ? -EINVAL : dispatch(v, op, &args);
        if (a->compat)
            u.e32.result = (uint32_t)rc;
        else
            u.e.result = (uint64_t)rc;
        if (copy_to_guest(v, at, &u, size))
            return -EFAULT;
    }
    return 0;
}

/* hc_trace: log every failed hypercall (debugging a toolstack or a guest). */
static bool opt_hc_trace;
boolean_param("hc_trace", opt_hc_trace);

/* Registers through the neutral accessors: core code never sees the backend's state. */
void hypercall_dispatch(struct vcpu *v)
{
    struct hc_args args;
    unsigned int cpl;
    uint64_t nr;
    long rc;

    args.compat = hvm_hypercall_args(v, &nr, args.a, &cpl);
    if (cpl != 0)
        rc = -EPERM; /* only the guest kernel may call */
    else if (nr == __HYPERVISOR_multicall)
        rc = do_multicall(v, &args);
    else
        rc = dispatch(v, nr, &args);
    if (opt_hc_trace && rc < 0)
        printk("d%u: hypercall %lu (%s) sub-op %lu arg %#lx: %ld\n", v->domain->id,
               (unsigned long)nr,
               nr < NR_HYPERCALLS && hypercall_table[array_index_nospec(nr, NR_HYPERCALLS)].name
                   ? hypercall_table[array_index_nospec(nr, NR_HYPERCALLS)].name
                   : "?",
               (unsigned long)args.a[0], (unsigned long)args.a[1], rc);
    hvm_set_gpr(v, 0, args.compat ? (uint32_t)rc : (uint64_t)rc);
}
