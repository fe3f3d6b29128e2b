// SPDX-License-Identifier: MIT
/*
 * memory_op and hvm_op for PVH guests: the memory map, putting shared_info
 * into the guest's physical address space, and HVM parameters. A domain may
 * only name itself here until the toolstack issues give the control right
 * its own paths.
 */
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/p2m.h>
#include <public/xen.h>

#define GFN_MAX (1ULL << 36) /* 48-bit guest physical addresses */

static bool is_self(struct domain *d, domid_t id)
{
    return id == DOMID_SELF || id == d->id;
}

long do_memory_map(struct vcpu *v, const struct hc_args *a)
{
    struct domain *d = v->domain;
    struct xen_memory_map map;

    if (copy_from_guest(v, &map, a->a[1], sizeof(map)))
        return -EFAULT;
    uint32_t n = MIN(map.nr_entries, d->arch.nr_e820);
    for (uint32_t i = 0; i < n; i++) {
        const struct e820_entry *e = &d->arch.e820[i];
        if (copy_to_guest(v, map.buffer + i * sizeof(*e), e, sizeof(*e)))
            return -EFAULT;
    }
    map.nr_entries = n;
    return copy_to_guest(v, a->a[1], &map, sizeof(map)) ? -EFAULT : 0;
}

/*
 * Put a hypervisor-owned page at gpfn, replacing whatever was there (a RAM
 * frame stays the domain's, unmapped) and unmapping it from *old_gfn. Every
 * new place can cost page-table pages the domain is not charged for, hence
 * the per-domain budget of such calls.
 */
static long map_hv_page(struct domain *d, void *page, uint64_t *old_gfn, uint64_t gpfn)
{
    if (gpfn == 0 || gpfn >= GFN_MAX)
        return -EINVAL;
    if (d->arch.physmap_ops >= PHYSMAP_OPS_MAX)
        return -ENOSPC;
    d->arch.physmap_ops++;
    if (*old_gfn)
        p2m_unmap(d, *old_gfn);
    p2m_unmap(d, gpfn);
    int rc = p2m_map(d, gpfn, virt_to_mfn(page), 1, P2M_RW, P2M_SHARED);
    *old_gfn = rc < 0 ? 0 : gpfn;
    return rc;
}

/* Grant frame idx of d, allocated on first use; NULL past the limit or out of memory. */
void *grant_frame(struct domain *d, uint64_t idx)
{
    if (idx >= GRANT_FRAMES_MAX)
        return NULL;
    idx = array_index_nospec(idx, GRANT_FRAMES_MAX);
    unsigned long flags = spin_lock_irqsave(&d->lock);
    if (!d->arch.grant_frames[idx]) {
        void *f = alloc_hv_pages(0);
        if (f)
            virt_to_page(f)->owner = d->id; /* others map it with a counted reference */
        d->arch.grant_frames[idx] = f;
    }
    void *f = d->arch.grant_frames[idx];
    spin_unlock_irqrestore(&d->lock, flags);
    return f;
}

void arch_forget_hv_gfn(struct domain *d, uint64_t gfn)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    if (d->arch.shared_info_gfn == gfn)
        d->arch.shared_info_gfn = 0;
    for (unsigned int i = 0; i < GRANT_FRAMES_MAX; i++)
        if (d->arch.grant_gfn[i] == gfn)
            d->arch.grant_gfn[i] = 0;
    spin_unlock_irqrestore(&d->lock, flags);
}

static long map_grant_frame(struct domain *d, uint64_t idx, uint64_t gpfn)
{
    if (idx >= GRANT_FRAMES_MAX)
        return -EINVAL;
    void *f = grant_frame(d, idx);
    if (!f)
        return -ENOMEM;
    return map_hv_page(d, f, &d->arch.grant_gfn[array_index_nospec(idx, GRANT_FRAMES_MAX)], gpfn);
}

static long map_shared_info(struct domain *d, uint64_t gpfn)
{
    long rc = map_hv_page(d, d->shared_info, &d->arch.shared_info_gfn, gpfn);
    if (rc < 0)
        return rc;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        vcpu_time_update(d->vcpus[i]);
    domain_wallclock_update(d);
    return 0;
}

long do_add_to_physmap(struct vcpu *v, const struct hc_args *a)
{
    struct xen_add_to_physmap x;

    if (copy_from_guest(v, &x, a->a[1], sizeof(x)))
        return -EFAULT;
    if (!is_self(v->domain, x.domid))
        return -EPERM;
    switch (x.space) {
    case XENMAPSPACE_shared_info:
        return x.idx == 0 ? map_shared_info(v->domain, x.gpfn) : -EINVAL;
    case XENMAPSPACE_grant_table:
        /* Frames map; the grant operations come with the PV device work. */
        return map_grant_frame(v->domain, x.idx, x.gpfn);
    default:
        return -EINVAL;
    }
}

/*
 * The domain a param op names, referenced: the caller, or, for a control
 * domain, the one it builds (libxl sets the store and console params).
 */
static long param_target(struct vcpu *v, uint64_t arg, struct xen_hvm_param *p, struct domain **d)
{
    if (copy_from_guest(v, p, arg, sizeof(*p)))
        return -EFAULT;
    if (p->index >= HVM_NR_PARAMS)
        return -EINVAL;
    return domain_get_target(v, p->domid, d);
}

long do_hvm_get_param(struct vcpu *v, const struct hc_args *a)
{
    struct xen_hvm_param p;
    struct domain *d;
    long rc = param_target(v, a->a[1], &p, &d);

    if (rc)
        return rc;
    p.value = d->arch.hvm_params[array_index_nospec(p.index, HVM_NR_PARAMS)];
    domain_put(d);
    return copy_to_guest(v, a->a[1], &p, sizeof(p)) ? -EFAULT : 0;
}

/* Params the toolstack sets for a domain it builds (libxl, libxenguest). */
static bool toolstack_param(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_IOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_PFN:
    case HVM_PARAM_TIMER_MODE:
    case HVM_PARAM_IDENT_PT:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_PAGING_RING_PFN:
    case HVM_PARAM_MONITOR_RING_PFN:
    case HVM_PARAM_SHARING_RING_PFN:
    case HVM_PARAM_ALTP2M:
        return true;
    default:
        return false;
    }
}

static long set_callback(struct domain *d, uint64_t value)
{
    uint8_t type = (uint8_t)(value >> 56);
    /* 0 turns upcalls off; a vector is how PVH guests take them (no GSI, no INTx). */
    if (value != 0 && (type != HVM_PARAM_CALLBACK_TYPE_VECTOR || (uint8_t)value < 0x10))
        return -EINVAL;
    d->arch.hvm_params[HVM_PARAM_CALLBACK_IRQ] = value;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (vcpu_upcall_pending(d->vcpus[i]))
            vcpu_kick(d->vcpus[i]);
    return 0;
}

long do_hvm_set_param(struct vcpu *v, const struct hc_args *a)
{
    struct xen_hvm_param p;
    struct domain *d;
    long rc = param_target(v, a->a[1], &p, &d);

    if (rc)
        return rc;
    if (p.index == HVM_PARAM_CALLBACK_IRQ && d == v->domain)
        rc = set_callback(d, p.value);
    else if (d == v->domain || !toolstack_param(p.index))
        rc = -EPERM; /* the rest are set by whoever built the domain */
    else if (p.index == HVM_PARAM_TIMER_MODE && p.value > 3)
        rc = -EINVAL;
    else if (p.index == HVM_PARAM_ALTP2M && p.value)
        rc = -EOPNOTSUPP; /* alternate p2m views: not here */
    else
        d->arch.hvm_params[array_index_nospec(p.index, HVM_NR_PARAMS)] = p.value;
    domain_put(d);
    return rc;
}
