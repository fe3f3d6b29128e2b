// SPDX-License-Identifier: MIT
/*
 * Frames other domains map (mm.h: page_get_foreign). The reference count
 * and the "owner let go" bit share one word so that a release and the last
 * put agree, without a lock, on who frees the frame. Taking a reference
 * needs the caller to hold a reference on the owning domain, so the frame
 * cannot be released and reused while it is being taken; the owner and
 * state are checked again after taking it all the same.
 */
#include <lamina/lib.h>
#include <lamina/mm.h>

static void free_orphan(struct page_info *pg)
{
    memset(page_to_virt(pg), 0, PAGE_SIZE); /* nothing of it reaches the next user */
    if (pg->state == PAGE_HV)
        free_hv_pages(page_to_virt(pg), 0);
    else
        free_domain_pages(pg, 0);
}

bool page_get_foreign(struct page_info *pg, domid_t owner)
{
    uint32_t c = __atomic_load_n(&pg->refcount, __ATOMIC_ACQUIRE);

    if ((pg->state != PAGE_DOMAIN && pg->state != PAGE_HV) || pg->owner != owner || pg->order)
        return false; /* not the owner's, or a tail or head of a larger block */
    do {
        if (c & PAGE_ORPHAN)
            return false;
    } while (!__atomic_compare_exchange_n(&pg->refcount, &c, c + 1, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    if (pg->owner != owner) { /* cannot happen while the owner is held; be sure */
        __atomic_fetch_sub(&pg->refcount, 1, __ATOMIC_ACQ_REL);
        return false;
    }
    return true;
}

void page_put_foreign(struct page_info *pg)
{
    if (__atomic_sub_fetch(&pg->refcount, 1, __ATOMIC_ACQ_REL) == PAGE_ORPHAN)
        free_orphan(pg);
}

bool page_release(struct page_info *pg)
{
    uint32_t old = __atomic_fetch_or(&pg->refcount, PAGE_ORPHAN, __ATOMIC_ACQ_REL);

    if (old & ~PAGE_ORPHAN)
        return false; /* still mapped elsewhere: the last put frees it */
    free_orphan(pg);
    return true;
}
