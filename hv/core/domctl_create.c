// SPDX-License-Identifier: MIT
/*
 * A domain's life as the toolstack drives it (xl create, xl destroy):
 * createdomain gives an empty, paused PVH domain; max_vcpus, max_mem and the
 * TSC, clock and paging-pool settings follow; memory, the start state and
 * the grant table come through memory_op and hvmcontext; the first unpause
 * starts the vCPUs that were given a state; destroydomain stops it and frees
 * it once no CPU uses it. Domain ids come from a rover, as on Xen: libxl
 * refuses an id it saw die in the last minute, so the lowest free id would
 * make it retry forever.
 */
#include <lamina/domctl.h>
#include <lamina/lib.h>
#include <asm/hvm/hvm.h>

#define SUPPORTED_CDF \
    (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_s3_integrity)

static domid_t rover; /* the last id handed out */
static spinlock_t rover_lock = SPINLOCK_INIT;

/* The next free id after the last one given, wrapping below the reserved ids. */
static domid_t next_free_id(void)
{
    unsigned long flags = spin_lock_irqsave(&rover_lock);
    domid_t id = DOMID_INVALID;

    for (unsigned int tries = 1; tries < DOMID_FIRST_RESERVED; tries++) {
        domid_t cand = (domid_t)((rover + tries) % DOMID_FIRST_RESERVED);
        if (cand == 0)
            continue;
        struct domain *d = domain_get_by_id(cand);
        if (!d) {
            id = rover = cand;
            break;
        }
        domain_put(d);
    }
    spin_unlock_irqrestore(&rover_lock, flags);
    return id;
}

static long check_create(const struct xen_domctl_createdomain *c)
{
    if (!(c->flags & XEN_DOMCTL_CDF_hvm) || !(c->flags & XEN_DOMCTL_CDF_hap))
        return -EOPNOTSUPP; /* PV guests and shadow paging are not there yet */
    if (c->flags & ~SUPPORTED_CDF)
        return -EOPNOTSUPP; /* IOMMU, nested virtualisation, vPMU */
    if (c->emulation_flags != XEN_X86_EMU_LAPIC)
        return -EOPNOTSUPP; /* PVH only: HVM's emulated platform comes with stub domains */
    if (c->max_vcpus == 0 || c->max_vcpus > MAX_VCPUS)
        return -EINVAL;
    if (c->max_grant_frames != -1 &&
        (c->max_grant_frames < 1 || c->max_grant_frames > GRANT_FRAMES_MAX))
        return -EINVAL;
    if ((c->grant_opts & 0xf) > 1 || c->vmtrace_size || c->iommu_opts)
        return -EINVAL; /* grant tables v1 only */
    if (c->cpupool_id != 0)
        return -ENOENT;
    return 0;
}

long domctl_createdomain(struct xen_domctl *op)
{
    struct xen_domctl_createdomain *c = &op->u.createdomain;
    long rc = check_create(c);

    if (rc)
        return rc;
    domid_t id = op->domain;
    if (id == 0 || id >= DOMID_FIRST_RESERVED) {
        id = next_free_id(); /* libxl passes 0xffff: "any" */
        if (id == DOMID_INVALID)
            return -ENOMEM;
    } else {
        struct domain *busy = domain_get_by_id(id);
        if (busy) {
            domain_put(busy);
            return -EEXIST;
        }
    }
    struct domain *d = domain_create(id, "domU", RIGHT_NONE, c->max_vcpus);
    if (!d)
        return -ENOMEM; /* or the id was taken meanwhile */
    memcpy(d->handle, c->handle, sizeof(d->handle));
    d->toolstack = true;
    d->pause_count = 1; /* xl unpauses it when it is built */
    d->max_pages = 0;   /* max_mem sets it */
    d->state = DOMAIN_RUNNING;
    op->domain = d->id;
    return 0;
}

/* The first unpause starts every vCPU the toolstack gave a state (vCPU 0). */
static long unpause(struct vcpu *caller, struct domain *d)
{
    if (d == caller->domain)
        return -EINVAL;
    long rc = domain_unpause(d);
    if (rc || !d->toolstack || __atomic_exchange_n(&d->started, true, __ATOMIC_ACQ_REL))
        return rc;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i]->initialised)
            sched_start_vcpu(d->vcpus[i]);
    return 0;
}

long domctl_lifecycle_op(struct vcpu *caller, struct domain *d, struct xen_domctl *op)
{
    switch (op->cmd) {
    case XEN_DOMCTL_pausedomain:
        return d == caller->domain ? -EINVAL : domain_pause(d);
    case XEN_DOMCTL_unpausedomain:
        return unpause(caller, d);
    case XEN_DOMCTL_destroydomain:
        return d == caller->domain ? -EINVAL : domain_kill(d);
    case XEN_DOMCTL_setdomainhandle:
        memcpy(d->handle, op->u.handle, sizeof(d->handle));
        return 0;
    case XEN_DOMCTL_max_vcpus:
        /* vCPUs are made with the domain: the count must be the same. */
        return op->u.max_vcpus == d->nr_vcpus ? 0 : -EINVAL;
    case XEN_DOMCTL_max_mem:
        /* Below what it has is allowed: it just gets no more until it frees some. */
        d->max_pages = op->u.max_memkb >> (PAGE_SHIFT - 10);
        return 0;
    case XEN_DOMCTL_settscinfo:
        /* Native TSC with one offset per domain is all there is; modes 0-3 all get it. */
        return op->u.tsc_info.tsc_mode <= 3 ? 0 : -EINVAL;
    case XEN_DOMCTL_settimeoffset:
        return 0; /* PVH guests have no emulated RTC for the offset to apply to */
    case XEN_DOMCTL_set_paging_mempool_size:
        /* NPT tables come from the hypervisor's own heap; only the shape is checked. */
        return op->u.paging_mempool_size & (PAGE_SIZE - 1) ? -EINVAL : 0;
    default:
        return -ENOSYS;
    }
}
