// SPDX-License-Identifier: MIT
/*
 * Grant mappings (grant_table_op map_grant_ref / unmap_grant_ref) for an
 * auto-translated mapper: the granted frame appears in the mapper's p2m at
 * the address it names. xenstored and xenconsoled reach a new domain's
 * store and console rings this way (grant refs 1 and 0, seeded by the
 * toolstack), as in-kernel backends will reach their rings and buffers.
 *
 * The granter's table is its own memory and may change at any time: the
 * entry is read once, checked, and GTF_reading/GTF_writing are set with a
 * compare-and-swap on the word that holds its flags and grantee, so a
 * revocation racing with a map is seen by one side or the other. The frame
 * is held by a counted reference until unmapped. Errors are per operation
 * (Linux BUGs on a hypercall-level failure here); the call itself returns 0.
 */
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/p2m.h>

#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTMAP_host_map (1u << 1)
#define GNTMAP_readonly (1u << 2)
#define GTF_permit_access 1u
#define GTF_type_mask 3u
#define GTF_readonly (1u << 2)
#define GTF_reading (1u << 3)
#define GTF_writing (1u << 4)
#define GNTST_okay 0
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_permission_denied (-8)
#define GNTST_no_space (-13)
#define ENTRIES_PER_FRAME (PAGE_SIZE / 8)
#define GFN_MAX (1ULL << 36)
#define OPS_MAX 4096 /* per call: bounded work */

struct gnttab_map_grant_ref {
    uint64_t host_addr;
    uint32_t flags;
    uint32_t ref;
    uint16_t dom;
    int16_t status;
    uint32_t handle;
    uint64_t dev_bus_addr;
};

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    uint32_t handle;
    int16_t status;
    uint16_t pad;
};

STATIC_ASSERT(sizeof(struct gnttab_map_grant_ref) == 32, "ABI: map_grant_ref");
STATIC_ASSERT(sizeof(struct gnttab_unmap_grant_ref) == 24, "ABI: unmap_grant_ref");

/* The granter's v1 entry for `ref`: its flags+domid word and frame; NULL past the table. */
static uint32_t *grant_entry(struct domain *g, uint32_t ref, uint32_t *frame)
{
    if (ref >= GRANT_FRAMES_MAX * ENTRIES_PER_FRAME)
        return NULL;
    ref = array_index_nospec(ref, GRANT_FRAMES_MAX * ENTRIES_PER_FRAME);
    uint32_t *table = g->arch.grant_frames[ref / ENTRIES_PER_FRAME];
    if (!table)
        return NULL;
    uint32_t *e = table + 2 * (ref % ENTRIES_PER_FRAME);
    *frame = __atomic_load_n(e + 1, __ATOMIC_ACQUIRE);
    return e;
}

/* Set (or clear) the in-use bits of an entry that still grants `mapper`. */
static bool mark_entry(uint32_t *e, domid_t mapper, bool readonly, bool set)
{
    uint32_t old = __atomic_load_n(e, __ATOMIC_ACQUIRE), new;
    uint32_t bits = GTF_reading | (readonly ? 0 : GTF_writing);

    do {
        if (set && ((old & GTF_type_mask) != GTF_permit_access || (old >> 16) != mapper ||
                    (!readonly && (old & GTF_readonly))))
            return false;
        new = set ? old | bits : old & ~(GTF_reading | GTF_writing);
    } while (!__atomic_compare_exchange_n(e, &old, new, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    return true;
}

static int16_t map_one(struct domain *d, struct gnttab_map_grant_ref *op)
{
    bool ro = op->flags & GNTMAP_readonly;
    uint64_t gfn = op->host_addr >> PAGE_SHIFT;
    uint32_t frame;
    int16_t st = GNTST_okay;

    if ((op->flags & ~(GNTMAP_host_map | GNTMAP_readonly)) || !(op->flags & GNTMAP_host_map))
        return GNTST_general_error; /* device and PTE maps make no sense for a translated mapper */
    if ((op->host_addr & (PAGE_SIZE - 1)) || gfn >= GFN_MAX)
        return GNTST_bad_virt_addr;
    if (op->dom == d->id || op->dom >= DOMID_FIRST_RESERVED)
        return GNTST_bad_domain;
    struct domain *g = domain_get_by_id(op->dom);
    if (!g)
        return GNTST_bad_domain;
    struct grant_map *m = NULL;
    uint32_t *e = grant_entry(g, op->ref, &frame);
    if (!e) {
        st = GNTST_bad_gntref;
        goto out;
    }
    unsigned long flags = spin_lock_irqsave(&d->arch.maptrack_lock);
    for (uint32_t h = 0; d->arch.maptrack && h < MAPTRACK_MAX && !m; h++)
        if (!d->arch.maptrack[h].in_use)
            m = &d->arch.maptrack[h];
    if (m)
        m->in_use = true; /* reserved; filled below */
    spin_unlock_irqrestore(&d->arch.maptrack_lock, flags);
    if (!m) {
        st = GNTST_no_space;
        goto out;
    }
    if (!mark_entry(e, d->id, ro, true)) {
        st = GNTST_permission_denied;
        goto free_slot;
    }
    bool w;
    mfn_t mfn = p2m_lookup(g, frame, &w);
    struct page_info *pg = mfn != INVALID_MFN && mfn < max_mfn ? mfn_to_page(mfn) : NULL;
    if (!pg || !page_get_foreign(pg, g->id)) {
        st = GNTST_general_error; /* the frame is not the granter's own memory */
        goto unmark;
    }
    if (p2m_map(d, gfn, mfn, 1, ro ? P2M_RO : P2M_RW, P2M_SHARED) < 0) {
        page_put_foreign(pg);
        st = GNTST_bad_virt_addr; /* something is mapped there already */
        goto unmark;
    }
    *m = (struct grant_map){
        .in_use = true, .ro = ro, .dom = g->id, .ref = op->ref, .gfn = gfn, .mfn = mfn};
    op->handle = (uint32_t)(m - d->arch.maptrack);
    op->dev_bus_addr = 0;
    goto out;
unmark:
    mark_entry(e, d->id, ro, false);
free_slot:
    m->in_use = false;
out:
    domain_put(g);
    return st;
}

static int16_t unmap_one(struct domain *d, struct gnttab_unmap_grant_ref *op)
{
    if (op->handle >= MAPTRACK_MAX || !d->arch.maptrack)
        return GNTST_bad_handle;
    unsigned long flags = spin_lock_irqsave(&d->arch.maptrack_lock);
    struct grant_map *m = &d->arch.maptrack[array_index_nospec(op->handle, MAPTRACK_MAX)];
    struct grant_map copy = *m;
    bool ok = m->in_use && m->gfn == op->host_addr >> PAGE_SHIFT;
    bool others = false;
    if (ok) {
        m->in_use = false;
        for (uint32_t h = 0; h < MAPTRACK_MAX; h++) /* is the entry still mapped elsewhere? */
            others |= d->arch.maptrack[h].in_use && d->arch.maptrack[h].dom == copy.dom &&
                      d->arch.maptrack[h].ref == copy.ref;
    }
    spin_unlock_irqrestore(&d->arch.maptrack_lock, flags);
    if (!ok)
        return GNTST_bad_handle;
    if (p2m_unmap(d, copy.gfn) != copy.mfn)
        printk(LOG_WARN "d%u: grant mapping at gfn %#lx was replaced\n", d->id,
               (unsigned long)copy.gfn);
    page_put_foreign(mfn_to_page(copy.mfn));
    struct domain *g = domain_get_by_id(copy.dom);
    uint32_t frame;
    uint32_t *e = g && !others ? grant_entry(g, copy.ref, &frame) : NULL;
    if (e)
        mark_entry(e, d->id, copy.ro, false);
    if (g)
        domain_put(g);
    return GNTST_okay;
}

long do_grant_table_op(struct vcpu *v, const struct hc_args *a)
{
    struct domain *d = v->domain;
    uint64_t cmd = a->a[0], uop = a->a[1], count = a->a[2];

    if (count > OPS_MAX)
        return -EINVAL;
    if (!d->arch.maptrack) {
        struct grant_map *t = xmalloc_array(struct grant_map, MAPTRACK_MAX);
        unsigned long flags = spin_lock_irqsave(&d->arch.maptrack_lock);
        if (!d->arch.maptrack)
            d->arch.maptrack = t, t = NULL;
        spin_unlock_irqrestore(&d->arch.maptrack_lock, flags);
        xfree(t);
        if (!d->arch.maptrack)
            return -ENOMEM;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (cmd == GNTTABOP_map_grant_ref) {
            struct gnttab_map_grant_ref op;
            uint64_t at = uop + i * sizeof(op);
            if (copy_from_guest(v, &op, at, sizeof(op)))
                return -EFAULT;
            op.status = map_one(d, &op);
            if (copy_to_guest(v, at, &op, sizeof(op)))
                return -EFAULT;
        } else {
            struct gnttab_unmap_grant_ref op;
            uint64_t at = uop + i * sizeof(op);
            if (copy_from_guest(v, &op, at, sizeof(op)))
                return -EFAULT;
            op.status = unmap_one(d, &op);
            if (copy_to_guest(v, at, &op, sizeof(op)))
                return -EFAULT;
        }
    }
    return 0;
}
