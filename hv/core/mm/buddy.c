// SPDX-License-Identifier: MIT
/*
 * The frame heap. A buddy allocator keeps every free block 2^order frames
 * long and aligned to its size, so the block it can merge with is found by
 * flipping one bit of its frame number and fragmentation heals itself on
 * free. All bookkeeping lives in the frame table: the heap owns no memory.
 *
 * Each NUMA node has its own free lists, and a block never spans two nodes:
 * ranges are split at node boundaries when added, and buddies of different
 * nodes are not merged. (Each free block lies in one node, so comparing the
 * two heads' nodes is enough.)
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

static struct list_head free_list[MAX_NODES][MAX_ORDER + 1];
static uint64_t free_frames, node_free[MAX_NODES];
static struct mem_node_range node_ranges[MAX_NODE_RANGES];
static unsigned int nr_node_ranges;
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
    for (unsigned int n = 0; n < MAX_NODES; n++) {
        for (unsigned int o = 0; o <= MAX_ORDER; o++)
            list_init(&free_list[n][o]);
        node_free[n] = 0;
    }
    free_frames = 0;
    nr_node_ranges = 0;
    spin_lock_init(&heap_lock);
}

unsigned int mfn_node(mfn_t mfn)
{
    for (unsigned int i = 0; i < nr_node_ranges; i++)
        if (mfn >= node_ranges[i].start && mfn < node_ranges[i].end)
            return node_ranges[i].node;
    return 0;
}

/* The first frame after mfn whose node may differ from mfn's. */
static mfn_t node_run_end(mfn_t mfn)
{
    mfn_t end = max_mfn;
    for (unsigned int i = 0; i < nr_node_ranges; i++) {
        if (node_ranges[i].start > mfn)
            end = MIN(end, node_ranges[i].start);
        if (node_ranges[i].end > mfn)
            end = MIN(end, node_ranges[i].end);
    }
    return end;
}

/* Put a block that is not in the heap into it, merging upwards. Lock held. */
static void free_block(mfn_t mfn, unsigned int order)
{
    unsigned int node = mfn_node(mfn);

    for (mfn_t i = 0; i < (1UL << order); i++) {
        struct page_info *pg = mfn_to_page(mfn + i);
        pg->state = PAGE_FREE;
        pg->owner = DOMID_INVALID;
        pg->order = 0;
        pg->refcount = 0;
        pg->type_info = 0;
    }
    free_frames += 1UL << order;
    node_free[node] += 1UL << order;

    while (order < MAX_ORDER) {
        mfn_t buddy = mfn ^ (1UL << order);
        struct page_info *bp;
        if (buddy >= max_mfn)
            break;
        bp = mfn_to_page(buddy);
        /* A free head of our order covers exactly the buddy block. */
        if (bp->state != PAGE_FREE || bp->order != (order | PAGE_ORDER_HEAD) ||
            mfn_node(buddy) != node)
            break;
        list_del(&bp->list);
        bp->order = 0;
        mfn &= ~(mfn_t)(1UL << order);
        order++;
    }
    mfn_to_page(mfn)->order = (uint8_t)(order | PAGE_ORDER_HEAD);
    list_add(&mfn_to_page(mfn)->list, &free_list[node][order]);
}

static bool block_reserved(mfn_t mfn, unsigned int order)
{
    for (mfn_t i = 0; i < (1UL << order); i++)
        if (mfn_to_page(mfn + i)->state != PAGE_RESERVED)
            return false;
    return true;
}

/* Add [start, end) in aligned blocks that stay within one node. Lock held. */
static uint64_t add_range_locked(mfn_t start, mfn_t end)
{
    uint64_t skipped = 0;

    end = MIN(end, max_mfn);
    while (start < end) {
        unsigned int order = 0;
        mfn_t stop = MIN(end, node_run_end(start));
        while (order < MAX_ORDER && (start & (1UL << order)) == 0 && stop - start >= (2UL << order))
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
    return skipped;
}

void buddy_add_range(mfn_t start, mfn_t end)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    uint64_t skipped = add_range_locked(start, end);
    mfn_t first = start;

    spin_unlock_irqrestore(&heap_lock, flags);
    if (skipped)
        printk(LOG_ERR "mm: %lu frames in [%#lx, %#lx) were not reserved, not added\n",
               (unsigned long)skipped, (unsigned long)first, (unsigned long)end);
}

int buddy_set_nodes(const struct mem_node_range *r, unsigned int n)
{
    struct list_head all;
    unsigned long flags;

    if (n > MAX_NODE_RANGES)
        return -EINVAL;
    flags = spin_lock_irqsave(&heap_lock);
    for (unsigned int i = 0; i < n; i++) {
        node_ranges[i] = r[i];
        node_ranges[i].node = MIN(r[i].node, MAX_NODES - 1u);
    }
    nr_node_ranges = n;
    /* Take every free block out, then add it back under the new node map. */
    list_init(&all);
    for (unsigned int nd = 0; nd < MAX_NODES; nd++) {
        for (unsigned int o = 0; o <= MAX_ORDER; o++)
            while (!list_empty(&free_list[nd][o])) {
                struct page_info *pg = list_first_entry(&free_list[nd][o], struct page_info, list);
                list_del(&pg->list);
                list_add_tail(&pg->list, &all);
                /* Out of the heap (no merging) until added back; the head keeps its order. */
                for (mfn_t i = 0; i < (1UL << o); i++)
                    pg[i].state = PAGE_RESERVED;
            }
        node_free[nd] = 0;
    }
    free_frames = 0;
    while (!list_empty(&all)) {
        struct page_info *pg = list_first_entry(&all, struct page_info, list);
        unsigned int order = pg->order & ~PAGE_ORDER_HEAD;
        mfn_t mfn = page_to_mfn(pg);
        list_del(&pg->list);
        pg->order = 0;
        add_range_locked(mfn, mfn + (1UL << order));
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return 0;
}

/* The node in `mask` with the most free frames that has a block of `order`; -1 if none. */
static int pick_node(nodemask_t mask, unsigned int order)
{
    int best = -1;
    for (unsigned int n = 0; n < MAX_NODES; n++) {
        if (!(mask & (1u << n)) || (best >= 0 && node_free[n] <= node_free[best]))
            continue;
        for (unsigned int o = order; o <= MAX_ORDER; o++)
            if (!list_empty(&free_list[n][o])) {
                best = (int)n;
                break;
            }
    }
    return best;
}

struct page_info *alloc_pages_on(nodemask_t prefer, unsigned int order)
{
    struct page_info *pg;
    unsigned long flags;
    unsigned int o = order;
    int node;
    mfn_t mfn;

    if (order > MAX_ORDER)
        return NULL;
    flags = spin_lock_irqsave(&heap_lock);
    node = pick_node(prefer, order);
    if (node < 0)
        node = pick_node(NODEMASK_ALL, order);
    if (node < 0) {
        spin_unlock_irqrestore(&heap_lock, flags);
        return NULL;
    }
    while (list_empty(&free_list[node][o]))
        o++;
    pg = list_first_entry(&free_list[node][o], struct page_info, list);
    list_del(&pg->list);
    mfn = page_to_mfn(pg);
    while (o > order) {
        struct page_info *upper;
        o--;
        upper = mfn_to_page(mfn + (1UL << o));
        upper->order = (uint8_t)(o | PAGE_ORDER_HEAD);
        list_add(&upper->list, &free_list[node][o]);
    }
    for (mfn_t i = 0; i < (1UL << order); i++) {
        pg[i].state = PAGE_HV;
        pg[i].owner = DOMID_HV;
        pg[i].refcount = 0; /* no foreign references (mm/pageref.c) */
        pg[i].order = PAGE_ORDER_TAIL;
    }
    pg->order = (uint8_t)order;
    free_frames -= 1UL << order;
    node_free[node] -= 1UL << order;
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

int buddy_split(struct page_info *pg, unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    mfn_t mfn = page_to_mfn_checked(pg);
    bool ok = block_allocated(mfn, order, 0);

    for (mfn_t i = 0; ok && i < (1UL << order); i++)
        pg[i].order = 0; /* each frame its own block: freed one by one, merged again */
    spin_unlock_irqrestore(&heap_lock, flags);
    return ok ? 0 : -EINVAL;
}

int free_pages(struct page_info *pg, unsigned int order)
{
    return free_checked(page_to_mfn_checked(pg), order, 0);
}

uint64_t buddy_free_frames(void)
{
    return __atomic_load_n(&free_frames, __ATOMIC_RELAXED);
}

uint64_t buddy_free_frames_node(unsigned int node)
{
    return node < MAX_NODES ? __atomic_load_n(&node_free[node], __ATOMIC_RELAXED) : 0;
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

struct page_info *alloc_domain_pages(domid_t owner, nodemask_t prefer, unsigned int order)
{
    struct page_info *pg = alloc_pages_on(prefer, order);

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

/* Every listed block is a well-formed, unmerged free block of its list's node. Lock held. */
static int check_lists(unsigned int node, uint64_t *listed, uint64_t *heads)
{
    uint64_t on_node = 0;

    for (unsigned int o = 0; o <= MAX_ORDER; o++) {
        uint64_t n = 0;
        const struct list_head *h = &free_list[node][o];
        for (struct list_head *l = h->next; l != h; l = l->next) {
            const struct page_info *pg = list_entry(l, struct page_info, list);
            mfn_t mfn = page_to_mfn_checked(pg), buddy = mfn ^ (1UL << o);

            if (++n > max_mfn || l->next->prev != l)
                return check_fail(0, "free list corrupt");
            if (mfn >= max_mfn || (mfn & ((1UL << o) - 1)) || max_mfn - mfn < (1UL << o))
                return check_fail(mfn, "listed block outside table or misaligned");
            if (pg->state != PAGE_FREE || pg->order != (o | PAGE_ORDER_HEAD))
                return check_fail(mfn, "listed block is not a free head of its order");
            for (mfn_t i = 0; i < (1UL << o); i++) {
                if (i > 0 && (pg[i].state != PAGE_FREE || pg[i].order != 0))
                    return check_fail(mfn + i, "free block has a bad tail");
                if (mfn_node(mfn + i) != node)
                    return check_fail(mfn + i, "free block on another node's list");
            }
            if (o < MAX_ORDER && buddy < max_mfn && frame_table[buddy].state == PAGE_FREE &&
                frame_table[buddy].order == (o | PAGE_ORDER_HEAD) && mfn_node(buddy) == node)
                return check_fail(mfn, "free buddies not merged");
            on_node += 1UL << o;
            (*heads)++;
        }
    }
    if (on_node != node_free[node])
        return check_fail(0, "free frame count of a node wrong");
    *listed += on_node;
    return 0;
}

int buddy_check(void)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    uint64_t listed = 0, heads = 0, free_seen = 0, heads_seen = 0;
    int rc = 0;

    for (unsigned int n = 0; rc == 0 && n < MAX_NODES; n++)
        rc = check_lists(n, &listed, &heads);

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
