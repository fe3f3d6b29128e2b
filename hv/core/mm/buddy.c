// SPDX-License-Identifier: MIT
/*
 * The frame heap. A buddy allocator keeps every free block 2^order frames
 * long and aligned to its size, so the block it can merge with is found by
 * flipping one bit of its frame number and fragmentation heals itself on
 * free. All bookkeeping lives in the frame table: the heap owns no memory.
 *
 * Frees are checked against the frame table before anything changes: a
 * double or mismatched free is the classic way a heap bug turns into one
 * domain reading another's memory, so it is refused and logged instead.
 */
#include <lamina/errno.h>
#include <lamina/mm.h>
#include <lamina/printk.h>
#include <lamina/string.h>

struct page_info *frame_table;
mfn_t max_mfn;

static struct list_head free_list[MAX_ORDER + 1];
static uint64_t free_frames;
static spinlock_t heap_lock = SPINLOCK_INIT;

static bool state_allocated(uint8_t s)
{
    return s == PAGE_HV || s == PAGE_XHEAP || s == PAGE_DOMAIN;
}

void buddy_init(struct page_info *table, mfn_t nr_frames)
{
    frame_table = table;
    max_mfn = nr_frames;
    for (mfn_t i = 0; i < nr_frames; i++) {
        struct page_info *pg = &table[i];
        memset(pg, 0, sizeof(*pg));
        list_init(&pg->list);
        pg->owner = DOMID_INVALID;
        pg->state = PAGE_RESERVED;
    }
    for (unsigned int o = 0; o <= MAX_ORDER; o++)
        list_init(&free_list[o]);
    free_frames = 0;
    spin_lock_init(&heap_lock);
}

/* Put a block that is not in the heap into it, merging upwards. Lock held. */
static void free_block(mfn_t mfn, unsigned int order)
{
    for (mfn_t i = 0; i < (1UL << order); i++) {
        struct page_info *pg = mfn_to_page(mfn + i);
        pg->state = PAGE_FREE;
        pg->owner = DOMID_INVALID;
        pg->order = 0;
        pg->refcount = 0;
        pg->type_info = 0;
    }
    free_frames += 1UL << order;

    while (order < MAX_ORDER) {
        mfn_t buddy = mfn ^ (1UL << order);
        struct page_info *bp;
        if (buddy >= max_mfn)
            break;
        bp = mfn_to_page(buddy);
        /* A free head of our order covers exactly the buddy block. */
        if (bp->state != PAGE_FREE || bp->order != (order | PAGE_ORDER_HEAD))
            break;
        list_del(&bp->list);
        bp->order = 0;
        mfn &= ~(mfn_t)(1UL << order);
        order++;
    }
    mfn_to_page(mfn)->order = (uint8_t)(order | PAGE_ORDER_HEAD);
    list_add(&mfn_to_page(mfn)->list, &free_list[order]);
}

static bool block_reserved(mfn_t mfn, unsigned int order)
{
    for (mfn_t i = 0; i < (1UL << order); i++)
        if (mfn_to_page(mfn + i)->state != PAGE_RESERVED)
            return false;
    return true;
}

void buddy_add_range(mfn_t start, mfn_t end)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    mfn_t first = start;
    uint64_t skipped = 0;

    end = MIN(end, max_mfn);
    while (start < end) {
        unsigned int order = 0;
        while (order < MAX_ORDER && (start & (1UL << order)) == 0 && end - start >= (2UL << order))
            order++;
        /* Frames already in use or in the heap must not be added twice. */
        while (order > 0 && !block_reserved(start, order))
            order--;
        if (block_reserved(start, order))
            free_block(start, order);
        else
            skipped++;
        start += 1UL << order;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    if (skipped)
        printk(LOG_ERR "mm: %lu frames in [%#lx, %#lx) were not reserved, not added\n",
               (unsigned long)skipped, (unsigned long)first, (unsigned long)end);
}

struct page_info *alloc_pages(unsigned int order)
{
    struct page_info *pg;
    unsigned long flags;
    unsigned int o = order;
    mfn_t mfn;

    if (order > MAX_ORDER)
        return NULL;
    flags = spin_lock_irqsave(&heap_lock);
    while (o <= MAX_ORDER && list_empty(&free_list[o]))
        o++;
    if (o > MAX_ORDER) {
        spin_unlock_irqrestore(&heap_lock, flags);
        return NULL;
    }
    pg = list_first_entry(&free_list[o], struct page_info, list);
    list_del(&pg->list);
    mfn = page_to_mfn(pg);
    while (o > order) {
        struct page_info *upper;
        o--;
        upper = mfn_to_page(mfn + (1UL << o));
        upper->order = (uint8_t)(o | PAGE_ORDER_HEAD);
        list_add(&upper->list, &free_list[o]);
    }
    for (mfn_t i = 0; i < (1UL << order); i++) {
        pg[i].state = PAGE_HV;
        pg[i].owner = DOMID_HV;
        pg[i].order = PAGE_ORDER_TAIL;
    }
    pg->order = (uint8_t)order;
    free_frames -= 1UL << order;
    spin_unlock_irqrestore(&heap_lock, flags);
    return pg;
}

/* Is [mfn, mfn + 2^order) exactly one allocated block (of state `want`, if set)? */
static bool block_allocated(mfn_t mfn, unsigned int order, uint8_t want)
{
    struct page_info *pg;

    if (order > MAX_ORDER || mfn >= max_mfn || (mfn & ((1UL << order) - 1)) != 0 ||
        max_mfn - mfn < (1UL << order))
        return false;
    pg = mfn_to_page(mfn);
    if (pg->order != order)
        return false;
    for (mfn_t i = 0; i < (1UL << order); i++) {
        if (!state_allocated(pg[i].state) || (want && pg[i].state != want))
            return false;
        if (i > 0 && pg[i].order != PAGE_ORDER_TAIL)
            return false;
    }
    return true;
}

static int free_checked(mfn_t mfn, unsigned int order, uint8_t want)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    int rc = 0;

    if (block_allocated(mfn, order, want))
        free_block(mfn, order);
    else
        rc = -EINVAL;
    spin_unlock_irqrestore(&heap_lock, flags);
    if (rc)
        printk(LOG_ERR "mm: bad free of mfn %#lx order %u\n", (unsigned long)mfn, order);
    return rc;
}

/* Pointer arithmetic on integers: pg may point anywhere when the caller is wrong. */
static mfn_t page_to_mfn_checked(const struct page_info *pg)
{
    uintptr_t off = (uintptr_t)pg - (uintptr_t)frame_table;
    if (pg == NULL || off % sizeof(*pg) != 0)
        return ~(mfn_t)0;
    return off / sizeof(*pg);
}

int free_pages(struct page_info *pg, unsigned int order)
{
    return free_checked(page_to_mfn_checked(pg), order, 0);
}

uint64_t buddy_free_frames(void)
{
    return __atomic_load_n(&free_frames, __ATOMIC_RELAXED);
}

void *alloc_hv_pages(unsigned int order)
{
    struct page_info *pg = alloc_pages(order);
    void *va;

    if (!pg)
        return NULL;
    va = page_to_virt(pg);
    memset(va, 0, PAGE_SIZE << order);
    return va;
}

void free_hv_pages(void *va, unsigned int order)
{
    paddr_t pa;

    if (!va)
        return;
    pa = __pa(va);
    free_checked((pa & (PAGE_SIZE - 1)) ? ~(mfn_t)0 : pa >> PAGE_SHIFT, order, PAGE_HV);
}

struct page_info *alloc_domain_pages(domid_t owner, unsigned int order)
{
    struct page_info *pg = alloc_pages(order);

    if (!pg)
        return NULL;
    /* Scrub while the frames still belong to us: no domain may see old data. */
    memset(page_to_virt(pg), 0, PAGE_SIZE << order);
    for (mfn_t i = 0; i < (1UL << order); i++) {
        pg[i].owner = owner;
        pg[i].refcount = 0;
        pg[i].type_info = 0;
        pg[i].state = PAGE_DOMAIN;
    }
    return pg;
}

int free_domain_pages(struct page_info *pg, unsigned int order)
{
    return free_checked(page_to_mfn_checked(pg), order, PAGE_DOMAIN);
}

static int check_fail(mfn_t mfn, const char *what)
{
    printk(LOG_ERR "mm: heap inconsistent at mfn %#lx: %s\n", (unsigned long)mfn, what);
    return -EINVAL;
}

/* Every listed block is a well-formed, unmerged free block. Lock held. */
static int check_lists(uint64_t *listed, uint64_t *heads)
{
    for (unsigned int o = 0; o <= MAX_ORDER; o++) {
        uint64_t n = 0;
        for (struct list_head *l = free_list[o].next; l != &free_list[o]; l = l->next) {
            const struct page_info *pg = list_entry(l, struct page_info, list);
            mfn_t mfn = page_to_mfn_checked(pg), buddy = mfn ^ (1UL << o);

            if (++n > max_mfn || l->next->prev != l)
                return check_fail(0, "free list corrupt");
            if (mfn >= max_mfn || (mfn & ((1UL << o) - 1)) || max_mfn - mfn < (1UL << o))
                return check_fail(mfn, "listed block outside table or misaligned");
            if (pg->state != PAGE_FREE || pg->order != (o | PAGE_ORDER_HEAD))
                return check_fail(mfn, "listed block is not a free head of its order");
            for (mfn_t i = 1; i < (1UL << o); i++)
                if (pg[i].state != PAGE_FREE || pg[i].order != 0)
                    return check_fail(mfn + i, "free block has a bad tail");
            if (o < MAX_ORDER && buddy < max_mfn && frame_table[buddy].state == PAGE_FREE &&
                frame_table[buddy].order == (o | PAGE_ORDER_HEAD))
                return check_fail(mfn, "free buddies not merged");
            *listed += 1UL << o;
            (*heads)++;
        }
    }
    return 0;
}

int buddy_check(void)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    uint64_t listed = 0, heads = 0, free_seen = 0, heads_seen = 0;
    int rc = check_lists(&listed, &heads);

    for (mfn_t mfn = 0; rc == 0 && mfn < max_mfn; mfn++) {
        const struct page_info *pg = &frame_table[mfn];
        if (pg->state == PAGE_FREE) {
            free_seen++;
            heads_seen += (pg->order & PAGE_ORDER_HEAD) != 0;
        } else if (pg->state != PAGE_RESERVED && !state_allocated(pg->state)) {
            rc = check_fail(mfn, "unknown page state");
        }
    }
    if (rc == 0 && (listed != free_frames || free_seen != free_frames))
        rc = check_fail(0, "free frame count wrong");
    if (rc == 0 && heads_seen != heads)
        rc = check_fail(0, "free head not on its list");
    spin_unlock_irqrestore(&heap_lock, flags);
    return rc;
}
