// SPDX-License-Identifier: MIT
/*
 * memory_op as the toolstack uses it to build a domain from dom0: claim and
 * populate its memory, give it a memory map, and map its frames into dom0
 * (foreign mappings, one page per call as Linux's privcmd makes them, and
 * its grant table through acquire_resource). A frame mapped into another
 * domain holds a counted reference (mm/pageref.c): the domain may die, but
 * the frame stays allocated until dom0 unmaps it.
 *
 * Targets other than the caller need the control right; everything read
 * from the caller is checked, and per-frame failures of a batch go to its
 * error array, as Xen reports them (never -ENOENT, which makes
 * libxenforeignmemory retry forever).
 */
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/p2m.h>
#include <public/xen.h>

#define GFN_MAX (1ULL << 36) /* 48-bit guest physical addresses */
#define XENMAPSPACE_gmfn_foreign 4
#define XENMEM_resource_grant_table 1
#define POPULATE_BATCH_MAX 4096 /* extents per call: bounded work, libxc sends 2048 */
#define XENMEMF_populate_on_demand (1u << 16)

struct xen_memory_reservation {
    uint64_t extent_start; /* guest handle: GFNs */
    uint64_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    uint16_t domid;
    uint16_t pad[3];
};

struct xen_foreign_memory_map {
    uint16_t domid;
    uint16_t pad[3];
    struct xen_memory_map map;
};

struct xen_add_to_physmap_batch {
    uint16_t domid;
    uint16_t space;
    uint16_t size;
    uint16_t foreign_domid;
    uint64_t idxs;  /* xen_ulong_t[size]: frames in the foreign domain */
    uint64_t gpfns; /* xen_pfn_t[size]: where they go in `domid` */
    uint64_t errs;  /* int[size], OUT */
};

struct xen_remove_from_physmap {
    uint16_t domid;
    uint16_t pad[3];
    uint64_t gpfn;
};

struct xen_mem_acquire_resource {
    uint16_t domid;
    uint16_t type;
    uint32_t id;
    uint32_t nr_frames; /* IN/OUT */
    uint32_t pad;
    uint64_t frame;
    uint64_t frame_list; /* xen_pfn_t[nr_frames]: caller GFNs to map at */
};

STATIC_ASSERT(sizeof(struct xen_memory_reservation) == 32, "ABI: memory_reservation");
STATIC_ASSERT(sizeof(struct xen_foreign_memory_map) == 24, "ABI: foreign_memory_map");
STATIC_ASSERT(sizeof(struct xen_add_to_physmap_batch) == 32, "ABI: add_to_physmap_batch");
STATIC_ASSERT(sizeof(struct xen_remove_from_physmap) == 16, "ABI: remove_from_physmap");
STATIC_ASSERT(sizeof(struct xen_mem_acquire_resource) == 32, "ABI: acquire_resource");

/*
 * populate_physmap (map = true) and increase_reservation. Both take 4 KiB
 * and 2 MiB extents (libxenguest asks for 1 GiB first and takes a short
 * answer as "try smaller"); a 2 MiB extent is one contiguous block, mapped
 * with a large page, whose frames are single blocks all the same. For an
 * auto-translated domain (all of ours) increase_reservation, as on Xen,
 * only gives it frames: counted in its memory, mapped nowhere, reported
 * nowhere, freed with the domain.
 */
static long grow_reservation(struct vcpu *v, const struct hc_args *a, bool map)
{
    struct xen_memory_reservation r;
    struct domain *d;
    long rc, done = 0;

    if (copy_from_guest(v, &r, a->a[1], sizeof(r)))
        return -EFAULT;
    /* Node hints and address widths are accepted (memory comes from the domain's nodes). */
    if ((r.mem_flags & XENMEMF_populate_on_demand) || r.nr_extents > POPULATE_BATCH_MAX)
        return -EINVAL;
    if ((rc = domain_get_target(v, r.domid, &d)))
        return rc;
    unsigned int order = r.extent_order;
    for (; (order == 0 || order == 9) && (uint64_t)done < r.nr_extents; done++) {
        uint64_t gfn = 0, nr = 1ULL << order;
        if (map && copy_from_guest(v, &gfn, r.extent_start + done * sizeof(gfn), sizeof(gfn)))
            break;
        if (map &&
            (gfn >= GFN_MAX - nr || (gfn & (nr - 1)) || p2m_lookup(d, gfn, NULL) != INVALID_MFN))
            break;
        struct page_info *pg = domain_alloc_frames(d, order); /* scrubbed; max_pages checked */
        if (!pg)
            break;
        if (map && p2m_map(d, gfn, page_to_mfn(pg), nr, P2M_RW, 0) < 0) {
            for (uint64_t i = 0; i < nr; i++) {
                p2m_unmap(d, gfn + i); /* whatever part got mapped */
                domain_free_page(d, pg + i);
            }
            break;
        }
    }
    domain_put(d);
    return done;
}

long do_populate_physmap(struct vcpu *v, const struct hc_args *a)
{
    return grow_reservation(v, a, true);
}

long do_increase_reservation(struct vcpu *v, const struct hc_args *a)
{
    return grow_reservation(v, a, false);
}

/*
 * decrease_reservation: give back frames (a balloon driver, or the toolstack
 * for a domain it builds), named by gfn. Only the domain's own RAM goes; the
 * count of extents done is returned, stopping at the first that cannot.
 */
long do_decrease_reservation(struct vcpu *v, const struct hc_args *a)
{
    struct xen_memory_reservation r;
    struct domain *d;
    long rc, done = 0;

    if (copy_from_guest(v, &r, a->a[1], sizeof(r)))
        return -EFAULT;
    if (r.nr_extents > POPULATE_BATCH_MAX || r.extent_order > 9)
        return -EINVAL;
    if ((rc = domain_get_target(v, r.domid, &d)))
        return rc;
    uint64_t nr = 1ULL << r.extent_order;
    for (; (uint64_t)done < r.nr_extents; done++) {
        uint64_t gfn;
        bool ok = true;
        if (copy_from_guest(v, &gfn, r.extent_start + done * sizeof(gfn), sizeof(gfn)) ||
            gfn >= GFN_MAX - nr)
            break;
        for (uint64_t i = 0; i < nr && ok; i++) {
            mfn_t mfn = p2m_lookup(d, gfn + i, NULL);
            struct page_info *pg = mfn < max_mfn ? mfn_to_page(mfn) : NULL;
            ok = pg && pg->state == PAGE_DOMAIN && pg->owner == d->id;
        }
        if (!ok)
            break; /* a hole, or not its RAM: Xen stops there too */
        for (uint64_t i = 0; i < nr; i++)
            p2m_remove_entry(d, gfn + i);
    }
    domain_put(d);
    return done;
}

long do_claim_pages(struct vcpu *v, const struct hc_args *a)
{
    struct xen_memory_reservation r;
    struct domain *d;
    long rc;

    if (copy_from_guest(v, &r, a->a[1], sizeof(r)))
        return -EFAULT;
    if (r.extent_order)
        return -EINVAL;
    if ((rc = domain_get_target(v, r.domid, &d)))
        return rc;
    /* No reservation is kept; the claim is checked, so xl fails early when memory is short. */
    rc = r.nr_extents > buddy_free_frames() ? -ENOMEM : 0;
    domain_put(d);
    return rc;
}

long do_set_memory_map(struct vcpu *v, const struct hc_args *a)
{
    struct xen_foreign_memory_map fm;
    struct e820_entry map[E820_MAX];
    struct domain *d;
    long rc;

    if (copy_from_guest(v, &fm, a->a[1], sizeof(fm)))
        return -EFAULT;
    if (fm.map.nr_entries > E820_MAX)
        return -E2BIG;
    if (copy_from_guest(v, map, fm.map.buffer, fm.map.nr_entries * sizeof(map[0])))
        return -EFAULT;
    if ((rc = domain_get_target(v, fm.domid, &d)))
        return rc;
    unsigned long flags = spin_lock_irqsave(&d->lock);
    memcpy(d->arch.e820, map, fm.map.nr_entries * sizeof(map[0]));
    d->arch.nr_e820 = fm.map.nr_entries;
    spin_unlock_irqrestore(&d->lock, flags);
    domain_put(d);
    return 0;
}

long do_maximum_gpfn(struct vcpu *v, const struct hc_args *a)
{
    domid_t id;
    struct domain *d;
    long rc;

    if (copy_from_guest(v, &id, a->a[1], sizeof(id)))
        return -EFAULT;
    if ((rc = domain_get_target(v, id, &d)))
        return rc;
    rc = (long)d->arch.max_gfn;
    domain_put(d);
    return rc;
}

/* Map frame `fgfn` of f at `gfn` of d, referenced. Per-frame errno. */
static int map_foreign(struct domain *d, struct domain *f, uint64_t fgfn, uint64_t gfn)
{
    bool writable;

    if (gfn >= GFN_MAX || fgfn >= GFN_MAX)
        return -EINVAL;
    mfn_t mfn = p2m_lookup(f, fgfn, &writable);
    if (mfn == INVALID_MFN || mfn >= max_mfn)
        return -EINVAL; /* a hole: not -ENOENT, which means "paged out, retry" */
    struct page_info *pg = mfn_to_page(mfn);
    if (!page_get_foreign(pg, f->id))
        return -EINVAL; /* not its RAM, or part of a large page (boot domains) */
    int rc = p2m_map(d, gfn, mfn, 1, writable ? P2M_RW : P2M_RO, P2M_SHARED);
    if (rc < 0) {
        page_put_foreign(pg);
        return rc == -EEXIST ? -EBUSY : rc;
    }
    return 0;
}

long do_add_to_physmap_batch(struct vcpu *v, const struct hc_args *a)
{
    struct xen_add_to_physmap_batch b;
    struct domain *d, *f;
    long rc;

    if (copy_from_guest(v, &b, a->a[1], sizeof(b)))
        return -EFAULT;
    if (b.space != XENMAPSPACE_gmfn_foreign)
        return -EOPNOTSUPP; /* the only space the toolstack batches */
    if (!(v->domain->rights & RIGHT_CONTROL))
        return -EPERM;
    if ((rc = domain_get_target(v, b.domid, &d)))
        return rc;
    if (b.foreign_domid == d->id || b.foreign_domid == DOMID_SELF) {
        domain_put(d);
        return -EINVAL;
    }
    if ((rc = domain_get_target(v, b.foreign_domid, &f))) {
        domain_put(d);
        return rc;
    }
    for (uint16_t i = 0; i < b.size && rc == 0; i++) {
        uint64_t idx, gpfn;
        int err;
        if (copy_from_guest(v, &idx, b.idxs + i * sizeof(idx), sizeof(idx)) ||
            copy_from_guest(v, &gpfn, b.gpfns + i * sizeof(gpfn), sizeof(gpfn))) {
            rc = -EFAULT;
            break;
        }
        err = map_foreign(d, f, idx, gpfn);
        if (copy_to_guest(v, b.errs + i * sizeof(err), &err, sizeof(err)))
            rc = -EFAULT;
    }
    domain_put(f);
    domain_put(d);
    return rc;
}

/*
 * Undo whatever is at gfn of d: a frame of another domain (a foreign or
 * grant-table mapping) drops the reference it held; d's own single frame is
 * freed (balloon); a frame of a larger block stays d's until d dies; a
 * hypervisor page (shared_info, d's grant frames) is only unmapped.
 */
long p2m_remove_entry(struct domain *d, uint64_t gfn)
{
    mfn_t mfn = gfn < GFN_MAX ? p2m_unmap(d, gfn) : INVALID_MFN;

    if (mfn == INVALID_MFN || mfn >= max_mfn)
        return mfn == INVALID_MFN ? -ENOENT : 0;
    struct page_info *pg = mfn_to_page(mfn);
    if (pg->owner == DOMID_HV || (pg->owner == d->id && pg->state == PAGE_HV))
        arch_forget_hv_gfn(d, gfn);
    else if (pg->owner != d->id)
        page_put_foreign(pg); /* only foreign and resource maps put such frames here */
    else if (pg->order == 0)
        domain_free_page(d, pg);
    return 0;
}

long do_remove_from_physmap(struct vcpu *v, const struct hc_args *a)
{
    struct xen_remove_from_physmap r;
    struct domain *d;
    long rc;

    if (copy_from_guest(v, &r, a->a[1], sizeof(r)))
        return -EFAULT;
    if ((rc = domain_get_target(v, r.domid, &d)))
        return rc;
    rc = p2m_remove_entry(d, r.gpfn);
    domain_put(d);
    return rc;
}

long do_acquire_resource(struct vcpu *v, const struct hc_args *a)
{
    struct xen_mem_acquire_resource r;
    struct domain *f;
    long rc;

    if (copy_from_guest(v, &r, a->a[1], sizeof(r)))
        return -EFAULT;
    if (r.pad)
        return -EINVAL;
    if (r.type != XENMEM_resource_grant_table)
        return -EOPNOTSUPP; /* ioreq servers and trace buffers come with device models */
    if (r.id != 0)
        return -EINVAL; /* v1 has no status frames */
    if (!r.frame_list && !r.nr_frames) {
        r.nr_frames = GRANT_FRAMES_MAX;
        return copy_to_guest(v, a->a[1], &r, sizeof(r)) ? -EFAULT : 0;
    }
    if (r.frame >= GRANT_FRAMES_MAX || r.nr_frames > GRANT_FRAMES_MAX - r.frame)
        return -EINVAL;
    if ((rc = domain_get_target(v, r.domid, &f)))
        return rc;
    for (uint32_t i = 0; i < r.nr_frames && rc == 0; i++) {
        uint64_t gfn;
        void *frame = grant_frame(f, r.frame + i);
        if (copy_from_guest(v, &gfn, r.frame_list + i * sizeof(gfn), sizeof(gfn)))
            rc = -EFAULT;
        else if (!frame)
            rc = -ENOMEM;
        else if (gfn >= GFN_MAX || !page_get_foreign(virt_to_page(frame), f->id))
            rc = -EINVAL;
        else if (p2m_map(v->domain, gfn, virt_to_mfn(frame), 1, P2M_RW, P2M_SHARED) < 0) {
            page_put_foreign(virt_to_page(frame));
            rc = -EBUSY;
        }
        if (rc && i)
            rc = -EIO; /* some frames are mapped: Xen's answer for a partial map */
    }
    domain_put(f);
    return rc;
}
