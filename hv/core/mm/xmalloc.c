// SPDX-License-Identifier: MIT
/*
 * Small-object heap for the hypervisor's own structures (domains, vCPUs,
 * event channels...), which are far smaller than a frame. Each size class
 * carves single frames into equal objects; the frame's page_info holds the
 * free list, so an object needs no header and finding its class from a
 * pointer is one frame-table lookup. Larger requests get whole frames.
 *
 * Every xfree() is checked (right kind of frame, object boundary, not already
 * free) and a bad one is logged and ignored: a stray free must not turn into
 * two owners of one object.
 *
 * xmalloc_bytes(0) returns a valid smallest object, so callers need not treat
 * empty arrays specially; it is freed like any other.
 */
#include <lamina/mm.h>
#include <lamina/printk.h>
#include <lamina/string.h>

#define SLAB_MIN_SHIFT 4  /* 16 bytes: the alignment every object gets */
#define SLAB_MAX_SHIFT 11 /* 2048 bytes: two per frame, beyond that use frames */
#define NR_CLASSES (SLAB_MAX_SHIFT - SLAB_MIN_SHIFT + 1)
#define SLAB_LARGE 0xff /* slab_class of the head frame of a multi-frame block */

STATIC_ASSERT(PAGE_ORDER_TAIL >= NR_CLASSES && PAGE_ORDER_TAIL != SLAB_LARGE,
              "a tail frame's order must not read as a size class");

struct free_obj {
    struct free_obj *next;
};

/* Per class: frames with at least one free object. Full frames are on no list. */
static struct list_head partial[NR_CLASSES] = {
    LIST_HEAD_INIT(partial[0]), LIST_HEAD_INIT(partial[1]), LIST_HEAD_INIT(partial[2]),
    LIST_HEAD_INIT(partial[3]), LIST_HEAD_INIT(partial[4]), LIST_HEAD_INIT(partial[5]),
    LIST_HEAD_INIT(partial[6]), LIST_HEAD_INIT(partial[7]),
};
STATIC_ASSERT(NR_CLASSES == 8, "initialise every partial list");
static spinlock_t xheap_lock = SPINLOCK_INIT;

static size_t class_size(unsigned int c)
{
    return (size_t)1 << (c + SLAB_MIN_SHIFT);
}

/* Is p a properly placed object of pg's class (NULL allowed: end of list)? */
static bool obj_in_page(const struct page_info *pg, const void *p)
{
    uintptr_t base = (uintptr_t)page_to_virt(pg), v = (uintptr_t)p;
    return p == NULL ||
           (v >= base && v - base < PAGE_SIZE && (v - base) % class_size(pg->slab_class) == 0);
}

static struct page_info *slab_new(unsigned int c)
{
    struct page_info *pg = alloc_pages(0);
    struct free_obj *prev = NULL;
    unsigned char *base;
    size_t size = class_size(c);

    if (!pg)
        return NULL;
    base = page_to_virt(pg);
    for (size_t off = PAGE_SIZE; off >= size; off -= size) {
        struct free_obj *o = (struct free_obj *)(base + off - size);
        o->next = prev;
        prev = o;
    }
    pg->state = PAGE_XHEAP;
    pg->slab_class = (uint8_t)c;
    pg->slab_free = prev;
    pg->slab_inuse = 0;
    list_add(&pg->list, &partial[c]);
    return pg;
}

static void *slab_alloc(unsigned int c)
{
    unsigned long flags = spin_lock_irqsave(&xheap_lock);
    struct page_info *pg;
    struct free_obj *o = NULL;

    if (!list_empty(&partial[c]))
        pg = list_first_entry(&partial[c], struct page_info, list);
    else
        pg = slab_new(c);
    if (pg) {
        o = pg->slab_free;
        if (!obj_in_page(pg, o->next)) {
            /* Written after free: drop the rest of the list rather than follow it. */
            printk(LOG_ERR "xmalloc: free list of mfn %#lx corrupt\n",
                   (unsigned long)page_to_mfn(pg));
            o->next = NULL;
        }
        pg->slab_free = o->next;
        pg->slab_inuse++;
        if (!pg->slab_free)
            list_del(&pg->list);
    }
    spin_unlock_irqrestore(&xheap_lock, flags);
    if (o)
        memset(o, 0, class_size(c));
    return o;
}

static void *large_alloc(size_t size)
{
    unsigned int order = 0;
    struct page_info *pg;

    while (order <= MAX_ORDER && (PAGE_SIZE << order) < size)
        order++;
    pg = order <= MAX_ORDER ? alloc_pages(order) : NULL;
    if (!pg)
        return NULL;
    memset(page_to_virt(pg), 0, PAGE_SIZE << order);
    for (mfn_t i = 0; i < (1UL << order); i++)
        pg[i].state = PAGE_XHEAP;
    /* slab_class overlays the buddy order, so the order moves to slab_inuse. */
    pg->slab_class = SLAB_LARGE;
    pg->slab_inuse = order;
    return page_to_virt(pg);
}

void *xmalloc_bytes(size_t size)
{
    unsigned int c = 0;

    if (size > class_size(NR_CLASSES - 1))
        return large_alloc(size);
    while (class_size(c) < size)
        c++;
    return slab_alloc(c);
}

void *xzalloc_bytes(size_t size)
{
    return xmalloc_bytes(size);
}

static void bad_free(const void *p, const char *why)
{
    printk(LOG_ERR "xmalloc: bad free of %p: %s\n", p, why);
}

/* Lock held: a racing double free must not see the half-restored header. */
static void large_free(struct page_info *pg, const void *p)
{
    unsigned int order = pg->slab_inuse;

    if (p != page_to_virt(pg) || order > MAX_ORDER) {
        bad_free(p, "not the start of a block");
        return;
    }
    pg->order = (uint8_t)order;
    pg->slab_inuse = 0;
    if (free_pages(pg, order) != 0) {
        pg->slab_class = SLAB_LARGE; /* refused: leave it as it was */
        pg->slab_inuse = order;
    }
}

/* Lock held. Walks at most PAGE_SIZE / 16 links, each checked before use. */
static bool on_free_list(const struct page_info *pg, const void *p)
{
    unsigned int n = 0;
    for (const struct free_obj *o = pg->slab_free; o; o = o->next) {
        if (o == p)
            return true;
        if (++n > PAGE_SIZE / class_size(pg->slab_class) || !obj_in_page(pg, o->next))
            break;
    }
    return false;
}

/* Lock held. */
static void slab_free(struct page_info *pg, void *p)
{
    struct free_obj *o = p;

    if (!obj_in_page(pg, p)) {
        bad_free(p, "not at an object boundary");
        return;
    }
    if (pg->slab_inuse == 0 || on_free_list(pg, p)) {
        bad_free(p, "double free");
        return;
    }
    if (!pg->slab_free)
        list_add(&pg->list, &partial[pg->slab_class]); /* was full */
    o->next = pg->slab_free;
    pg->slab_free = o;
    if (--pg->slab_inuse == 0) {
        list_del(&pg->list);
        pg->slab_free = NULL;
        pg->order = 0; /* overlays slab_class: what free_pages() expects */
        free_pages(pg, 0);
    }
}

void xfree(void *p)
{
    unsigned long flags;
    struct page_info *pg;
    mfn_t mfn;

    if (!p)
        return;
    mfn = virt_to_mfn(p);
    if (mfn >= max_mfn) {
        bad_free(p, "not heap memory");
        return;
    }
    pg = mfn_to_page(mfn);
    flags = spin_lock_irqsave(&xheap_lock);
    if (pg->state != PAGE_XHEAP)
        bad_free(p, "not heap memory");
    else if (pg->slab_class == SLAB_LARGE)
        large_free(pg, p);
    else if (pg->slab_class < NR_CLASSES)
        slab_free(pg, p);
    else
        bad_free(p, "inside a large block");
    spin_unlock_irqrestore(&xheap_lock, flags);
}
