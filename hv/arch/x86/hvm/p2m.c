// SPDX-License-Identifier: MIT
/*
 * Nested page tables: the guest-physical address space of a domain. They use
 * the long-mode page table format, with one rule of their own: every entry
 * needs the User bit, because nested walks are treated as user accesses.
 * Table pages belong to the hypervisor; the frames they point to belong to
 * the domain (checked here), so no frame leaks into another domain by mistake.
 */
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <asm/cpu.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/p2m.h>
#include <asm/paging.h>

#define PTE_U (1UL << 2)
#define NPT_TABLE (PTE_P | PTE_W | PTE_U)
#define GFN_LIMIT (1ULL << (48 - PAGE_SHIFT)) /* 4-level tables: 48-bit guest addresses */

static spinlock_t p2m_lock = SPINLOCK_INIT; /* table updates (rare, short) */

int p2m_init(struct domain *d)
{
    void *root = alloc_hv_pages(0);
    if (!root)
        return -ENOMEM;
    d->arch.p2m_root = __pa(root);
    return 0;
}

static void free_table(paddr_t pa, int level)
{
    uint64_t *t = __va(pa);

    for (int i = 0; level > 1 && i < 512; i++)
        if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
            free_table(t[i] & PTE_ADDR, level - 1);
    free_hv_pages(t, 0);
}

void p2m_destroy(struct domain *d)
{
    if (d->arch.p2m_root)
        free_table(d->arch.p2m_root, 4);
    d->arch.p2m_root = 0;
}

static unsigned int idx(uint64_t gfn, int level)
{
    return (gfn >> (9 * (level - 1))) & 511;
}

/* Replace a large entry by a table of the next size down, same mappings. */
static int split(uint64_t *e, int level)
{
    uint64_t *t = alloc_hv_pages(0);
    uint64_t step = 1ULL << (PAGE_SHIFT + 9 * (level - 2));
    uint64_t base = *e & PTE_ADDR & ~(step * 512 - 1);
    uint64_t bits = (*e & ~PTE_ADDR) & ~(level == 2 ? PTE_PS : 0);

    if (!t)
        return -ENOMEM;
    for (int i = 0; i < 512; i++)
        t[i] = (base + i * step) | bits;
    __atomic_store_n(e, __pa(t) | NPT_TABLE, __ATOMIC_RELEASE);
    return 0;
}

/* The entry for gfn at `level`, creating or splitting tables above it. */
static uint64_t *walk(struct domain *d, uint64_t gfn, int level, bool create)
{
    uint64_t *t = __va(d->arch.p2m_root);

    for (int l = 4; l > level; l--) {
        uint64_t *e = &t[idx(gfn, l)];
        if (!(*e & PTE_P)) {
            uint64_t *n = create ? alloc_hv_pages(0) : NULL;
            if (!n)
                return NULL;
            __atomic_store_n(e, __pa(n) | NPT_TABLE, __ATOMIC_RELEASE);
        } else if (*e & PTE_PS) {
            if (!create || split(e, l) < 0)
                return NULL;
        }
        t = __va(*e & PTE_ADDR);
    }
    return &t[idx(gfn, level)];
}

static bool owned(struct domain *d, mfn_t mfn, uint64_t nr)
{
    for (uint64_t i = 0; i < nr; i++) {
        if (mfn + i >= max_mfn)
            return false;
        struct page_info *pg = mfn_to_page(mfn + i);
        if (pg->state != PAGE_DOMAIN || pg->owner != d->id)
            return false;
    }
    return true;
}

int p2m_map(struct domain *d, uint64_t gfn, mfn_t mfn, uint64_t nr, enum p2m_access a,
            unsigned int flags)
{
    uint64_t bits = PTE_P | PTE_U | (a == P2M_RW ? PTE_W : 0);
    int rc = 0;

    if (gfn + nr < gfn || gfn + nr > GFN_LIMIT)
        return -EINVAL;
    if (!(flags & P2M_SHARED) && !owned(d, mfn, nr))
        return -EPERM;
    unsigned long irq = spin_lock_irqsave(&p2m_lock);
    while (nr) {
        int level = 1;
        uint64_t span = 1;
        if (cpu_features.pdpe1gb && IS_ALIGNED(gfn | mfn, 1ULL << 18) && nr >= (1ULL << 18))
            level = 3, span = 1ULL << 18;
        else if (IS_ALIGNED(gfn | mfn, 512) && nr >= 512)
            level = 2, span = 512;
        uint64_t *e = walk(d, gfn, level, true);
        if (!e) {
            rc = -ENOMEM;
            break;
        }
        if (*e & PTE_P) {
            rc = -EEXIST;
            break;
        }
        __atomic_store_n(e, ((paddr_t)mfn << PAGE_SHIFT) | bits | (level > 1 ? PTE_PS : 0),
                         __ATOMIC_RELEASE);
        gfn += span, mfn += span, nr -= span;
        d->arch.max_gfn = MAX(d->arch.max_gfn, gfn - 1);
    }
    spin_unlock_irqrestore(&p2m_lock, irq);
    return rc;
}

mfn_t p2m_unmap(struct domain *d, uint64_t gfn)
{
    mfn_t old = INVALID_MFN;

    if (gfn >= GFN_LIMIT)
        return INVALID_MFN;
    unsigned long irq = spin_lock_irqsave(&p2m_lock);
    uint64_t *e = p2m_lookup(d, gfn, NULL) == INVALID_MFN ? NULL : walk(d, gfn, 1, true);
    if (e && (*e & PTE_P)) {
        old = (*e & PTE_ADDR) >> PAGE_SHIFT;
        __atomic_store_n(e, 0, __ATOMIC_RELEASE);
        /* vCPUs pick a fresh ASID before they run again: no stale translation. */
        __atomic_fetch_add(&d->arch.p2m_generation, 1, __ATOMIC_SEQ_CST);
    }
    spin_unlock_irqrestore(&p2m_lock, irq);
    /* ... and those running now on other CPUs leave the guest before the frame can go. */
    if (old != INVALID_MFN)
        hvm_flush_remote_translations(d);
    return old;
}

mfn_t p2m_lookup(struct domain *d, uint64_t gfn, bool *writable)
{
    uint64_t *t;

    if (gfn >= GFN_LIMIT || !d->arch.p2m_root)
        return INVALID_MFN;
    t = __va(d->arch.p2m_root);
    for (int l = 4; l >= 1; l--) {
        uint64_t e = __atomic_load_n(&t[idx(gfn, l)], __ATOMIC_ACQUIRE);
        if (!(e & PTE_P))
            return INVALID_MFN;
        if (l == 1 || (e & PTE_PS)) {
            uint64_t within = gfn & ((1ULL << (9 * (l - 1))) - 1);
            if (writable)
                *writable = e & PTE_W;
            return ((e & PTE_ADDR) >> PAGE_SHIFT) + within;
        }
        t = __va(e & PTE_ADDR);
    }
    return INVALID_MFN;
}
