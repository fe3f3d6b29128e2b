/* SPDX-License-Identifier: MIT */
/*
 * Machine frames. Every frame below max_mfn has a `struct page_info` in the
 * frame table; its state says who may use it. Isolation and grants later rely
 * on this: a frame is mapped into a domain only if that domain owns it.
 */
#ifndef LAMINA_MM_H
#define LAMINA_MM_H

#include <lamina/list.h>
#include <lamina/spinlock.h>
#include <lamina/types.h>
#include <asm/page.h>

#define MAX_ORDER 18 /* largest block: 2^18 frames = 1 GiB */

enum page_state {
    PAGE_RESERVED = 0, /* never allocatable: firmware, holes, image, modules */
    PAGE_FREE,         /* in the buddy allocator (head or tail of a free block) */
    PAGE_HV,           /* allocated to the hypervisor */
    PAGE_XHEAP,        /* an xmalloc slab page */
    PAGE_DOMAIN,       /* owned by domain `owner` */
};

struct page_info {
    struct list_head list; /* buddy free list / slab partial list / owner's list */
    union {
        void *slab_free;    /* PAGE_XHEAP: first free object in this page */
        uint64_t type_info; /* PAGE_DOMAIN: use type and type count (later) */
    };
    union {
        uint32_t refcount;   /* PAGE_DOMAIN: general references */
        uint32_t slab_inuse; /* PAGE_XHEAP: objects handed out */
    };
    domid_t owner; /* DOMID_HV, a domain id, or DOMID_INVALID */
    uint8_t state; /* enum page_state */
    union {
        uint8_t order;      /* head of a free or allocated block: its order */
        uint8_t slab_class; /* PAGE_XHEAP: size class index */
    };
};

/* Head flag: set in `order` with 0x80 on the first frame of a free block. */
#define PAGE_ORDER_HEAD 0x80
/*
 * `order` of the other frames of an allocated block (free tails have 0): lets
 * free_pages() reject a pointer into the middle of a block or a wrong order.
 */
#define PAGE_ORDER_TAIL 0x40

extern struct page_info *frame_table;
extern mfn_t max_mfn; /* frames [0, max_mfn) have a page_info */

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
    return &frame_table[mfn];
}

static inline mfn_t page_to_mfn(const struct page_info *pg)
{
    return (mfn_t)(pg - frame_table);
}

static inline void *page_to_virt(const struct page_info *pg)
{
    return mfn_to_virt(page_to_mfn(pg));
}

static inline struct page_info *virt_to_page(const void *va)
{
    return mfn_to_page(virt_to_mfn(va));
}

/*
 * NUMA: the heap keeps free memory per node, so a domain's memory can come
 * from the node its vCPUs run on. Firmware nodes past MAX_NODES - 1 are
 * counted as the last one (memory still usable, placement coarser).
 */
#define MAX_NODES 16
typedef uint32_t nodemask_t; /* bit n: node n */
#define NODEMASK_ALL ((nodemask_t)((1UL << MAX_NODES) - 1))

struct mem_node_range {
    mfn_t start, end; /* [start, end) */
    unsigned int node;
};

/* Buddy allocator (core/mm/buddy.c). */
void buddy_init(struct page_info *table, mfn_t nr_frames);
void buddy_add_range(mfn_t start, mfn_t end); /* hand [start, end) to the heap */
/*
 * Which frames belong to which node (frames in no range: node 0). May be
 * called once the heap has memory: free blocks are re-sorted by node.
 * -EINVAL (nothing changed) for more than MAX_NODE_RANGES ranges.
 */
#define MAX_NODE_RANGES 64
int buddy_set_nodes(const struct mem_node_range *r, unsigned int n);
unsigned int mfn_node(mfn_t mfn);
/* From the nodes in `prefer` (the one with most free memory first), else from any node. */
struct page_info *alloc_pages_on(nodemask_t prefer, unsigned int order); /* NULL: exhausted */
static inline struct page_info *alloc_pages(unsigned int order)
{
    return alloc_pages_on(NODEMASK_ALL, order);
}
int free_pages(struct page_info *pg, unsigned int order); /* -EINVAL: double/bad free */
/* Turn an allocated block into 2^order single-frame blocks (contiguous, freed one by one). */
int buddy_split(struct page_info *pg, unsigned int order);
uint64_t buddy_free_frames(void);
uint64_t buddy_free_frames_node(unsigned int node); /* 0 for a node >= MAX_NODES */
/* For tests and debug: check the free lists against the frame table; 0 or -EINVAL. */
int buddy_check(void);

/* Hypervisor pages: mapped through the direct map. */
void *alloc_hv_pages(unsigned int order); /* NULL when exhausted; contents zeroed */
void free_hv_pages(void *va, unsigned int order);

/* Domain pages: owner set, contents scrubbed (zeroed) before they are returned. */
struct page_info *alloc_domain_pages(domid_t owner, nodemask_t prefer, unsigned int order);
int free_domain_pages(struct page_info *pg, unsigned int order);

/*
 * References from other domains' p2m (foreign and grant mappings, the
 * toolstack's view of a domain's grant table), on single frames (order-0
 * blocks): a domain's or a hypervisor page given to a domain, with `owner`
 * naming that domain. When the owner lets go (it dies), the frame is freed
 * at once if nobody else maps it, otherwise when the last mapping goes: no
 * domain ever sees a frame reused under a mapping it still has.
 */
#define PAGE_ORPHAN (1u << 31) /* in refcount: the owner has let go */
/* Take a reference; false if the frame is not `owner`'s, is part of a larger block, or was let go.
 */
bool page_get_foreign(struct page_info *pg, domid_t owner);
void page_put_foreign(struct page_info *pg);
/* The owner lets go of an order-0 frame: freed now (true) or by the last page_put_foreign. */
bool page_release(struct page_info *pg);

/*
 * Small-object heap (core/mm/xmalloc.c). Zeroed memory, 16-byte aligned; a
 * 0-byte request gets a valid smallest object; xfree(NULL) is a no-op.
 */
void *xmalloc_bytes(size_t size);
void *xzalloc_bytes(size_t size);
void xfree(void *p);
#define xmalloc(type) ((type *)xzalloc_bytes(sizeof(type)))
static inline void *xzalloc_array_bytes(size_t size, size_t n)
{
    return n && size > SIZE_MAX / n ? NULL : xzalloc_bytes(size * n);
}
#define xmalloc_array(type, n) ((type *)xzalloc_array_bytes(sizeof(type), (n)))

#endif
