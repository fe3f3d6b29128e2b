// SPDX-License-Identifier: MIT
/*
 * domctl (hypercall 36), the Xen 4.17 toolstack's per-domain operations. One
 * dispatcher: the hypercall table already gave it to `control` domains only;
 * here the interface version is checked once (-EACCES, as Xen answers an old
 * or new libxenctrl), the target domain is found and held by a counted
 * reference for the whole operation, and each op family lives in its own file
 * (lifecycle and info here, vCPUs and scheduling in domctl_vcpu.c). The
 * argument is in the caller's memory (for dom0: a user-space bounce buffer);
 * it is read once and written back whole for the ops that report results.
 */
#include <lamina/domctl.h>
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <asm/hvm/guest.h>

void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    bool any_up = false, all_blocked = true, any_running = false;
    uint64_t cpu_time = 0;
    uint32_t online = 0;

    memset(info, 0, sizeof(*info));
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        enum runstate st;
        uint64_t entry, time[4];
        unsigned int cpu;
        bool running;

        sched_vcpu_runstate(v, &st, &entry, time, &cpu, &running);
        cpu_time += time[RUNSTATE_RUNNING];
        if (!vcpu_reported_online(d, v, st))
            continue;
        online++;
        any_up = true;
        all_blocked &= st == RUNSTATE_BLOCKED;
        any_running |= running;
    }
    info->domain = d->id;
    info->flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
    if (d->state == DOMAIN_DYING)
        info->flags |= XEN_DOMINF_dying;
    if (d->state == DOMAIN_SHUTDOWN)
        info->flags |= XEN_DOMINF_shutdown | (d->shutdown_reason << XEN_DOMINF_shutdownshift);
    if (__atomic_load_n(&d->pause_count, __ATOMIC_RELAXED))
        info->flags |= XEN_DOMINF_paused;
    if (any_up && all_blocked)
        info->flags |= XEN_DOMINF_blocked;
    if (any_running)
        info->flags |= XEN_DOMINF_running;
    if (d->rights & RIGHT_STORE)
        info->flags |= XEN_DOMINF_xs_domain;
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    info->shared_info_frame = arch_domain_shared_info_gfn(d);
    info->cpu_time = cpu_time;
    info->nr_online_vcpus = online;
    info->max_vcpu_id = d->nr_vcpus ? d->nr_vcpus - 1 : ~0u;
    memcpy(info->handle, d->handle, sizeof(info->handle));
    info->cpupool = 0; /* one pool: every pCPU, Credit2 */
    info->gpaddr_bits = 48;
    info->emulation_flags = XEN_X86_EMU_LAPIC;
}

/*
 * The first live domain with id >= `first`, referenced; NULL if none. This
 * is how Xen's getdomaininfo answers an id that does not exist, and what
 * xenconsoled and libxc rely on to walk all domains.
 */
struct domain *domain_get_first_from(domid_t first)
{
    struct domain *d, *best = NULL;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);

    list_for_each_entry(d, &domain_list, list)
    {
        if (d->id >= first && (!best || d->id < best->id))
            best = d;
    }
    if (best)
        domain_get(best);
    spin_unlock_irqrestore(&domain_list_lock, flags);
    return best;
}

static long op_getdomaininfo(struct xen_domctl *op)
{
    if (op->domain >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    struct domain *d = domain_get_first_from(op->domain);
    if (!d)
        return -ESRCH;
    domain_getinfo(d, &op->u.getdomaininfo);
    op->domain = d->id;
    domain_put(d);
    return 0;
}

/* Ops whose results are in the structure: it goes back to the caller whole. */
static bool copies_back(uint32_t cmd)
{
    switch (cmd) {
    case XEN_DOMCTL_createdomain:
    case XEN_DOMCTL_getdomaininfo:
    case XEN_DOMCTL_getvcpuinfo:
    case XEN_DOMCTL_scheduler_op:
    case XEN_DOMCTL_getvcpuaffinity:
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getnodeaffinity:
    case XEN_DOMCTL_gethvmcontext:
    case XEN_DOMCTL_set_cpu_policy:
        return true;
    default:
        return false;
    }
}

static long dispatch(struct vcpu *caller, struct xen_domctl *op)
{
    if (op->cmd == XEN_DOMCTL_getdomaininfo)
        return op_getdomaininfo(op);
    if (op->cmd == XEN_DOMCTL_createdomain)
        return domctl_createdomain(op);
    /* Dying domains too: a second destroydomain must still answer 0. */
    struct domain *d = caller->domain;
    if (op->domain == DOMID_SELF)
        domain_get(d);
    else if (!(d = domain_get_by_id(op->domain)))
        return -ESRCH;
    long rc;
    switch (op->cmd) {
    case XEN_DOMCTL_getvcpuinfo:
    case XEN_DOMCTL_getvcpuaffinity:
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_scheduler_op:
    case XEN_DOMCTL_setnodeaffinity:
    case XEN_DOMCTL_getnodeaffinity:
        rc = domctl_vcpu_op(caller, d, op);
        break;
    case XEN_DOMCTL_gethvmcontext:
    case XEN_DOMCTL_sethvmcontext:
    case XEN_DOMCTL_set_cpu_policy:
        rc = arch_domctl(caller, d, op);
        break;
    default:
        rc = domctl_lifecycle_op(caller, d, op);
    }
    domain_put(d);
    return rc;
}

long do_domctl(struct vcpu *v, const struct hc_args *a)
{
    struct xen_domctl op;
    uint64_t arg = a->a[0];

    if (a->compat)
        return -ENOSYS; /* the toolstack is 64-bit */
    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;
    long rc = dispatch(v, &op);
    /* scheduler_op and gethvmcontext report even when they fail, as on Xen. */
    if ((rc == 0 || op.cmd == XEN_DOMCTL_scheduler_op || op.cmd == XEN_DOMCTL_gethvmcontext) &&
        copies_back(op.cmd) && copy_to_guest(v, arg, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}
