// SPDX-License-Identifier: MIT
/* The frame heap: splitting, merging, exhaustion and every kind of bad free. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "mm_printk_stub.h"
#include <lamina/errno.h>
#include <lamina/mm.h>

#define FRAMES 1024

static struct page_info *table;

static int setup(void **state)
{
    (void)state;
    test_ram_setup(FRAMES);
    table = calloc(FRAMES, sizeof(*table));
    assert_non_null(table);
    buddy_init(table, FRAMES);
    test_mm_printk_calls = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(table);
    test_ram_teardown();
    return 0;
}

static void check(void)
{
    assert_int_equal(buddy_check(), 0);
}

/* The free heads must be exactly the greedy maximal decomposition of [start, end). */
static void expect_maximal(mfn_t start, mfn_t end)
{
    unsigned int heads = 0;
    for (mfn_t m = start; m < end;) {
        unsigned int o = 0;
        while (o < MAX_ORDER && !(m & (1UL << o)) && end - m >= (2UL << o))
            o++;
        assert_int_equal(table[m].state, PAGE_FREE);
        assert_int_equal(table[m].order, o | PAGE_ORDER_HEAD);
        heads++;
        m += 1UL << o;
    }
    for (mfn_t m = 0; m < FRAMES; m++)
        heads -= table[m].state == PAGE_FREE && (table[m].order & PAGE_ORDER_HEAD);
    assert_int_equal(heads, 0);
    assert_int_equal(buddy_free_frames(), end - start);
    check();
}

static void test_init(void **state)
{
    (void)state;
    for (mfn_t m = 0; m < FRAMES; m++) {
        assert_int_equal(table[m].state, PAGE_RESERVED);
        assert_int_equal(table[m].owner, DOMID_INVALID);
    }
    assert_ptr_equal(frame_table, table);
    assert_int_equal(max_mfn, FRAMES);
    assert_int_equal(buddy_free_frames(), 0);
    assert_null(alloc_pages(0));
    check();
}

static void test_add_odd_range(void **state)
{
    (void)state;
    buddy_add_range(3, 1000);
    expect_maximal(3, 1000);
    assert_int_equal(table[2].state, PAGE_RESERVED);
    assert_int_equal(table[1000].state, PAGE_RESERVED);
    /* Adjacent pieces added later merge with what is there. */
    buddy_add_range(1000, 5000); /* clamped to the table */
    buddy_add_range(0, 3);
    expect_maximal(0, FRAMES);
    assert_int_equal(test_mm_printk_calls, 0);
}

static void test_add_twice_refused(void **state)
{
    (void)state;
    buddy_add_range(0, 64);
    assert_non_null(alloc_pages(0));           /* mfn 0 is in use now */
    buddy_add_range(0, 128);                   /* only [64, 128) is new */
    assert_int_equal(test_mm_printk_calls, 1); /* one line, not one per frame */
    assert_non_null(strstr(test_mm_printk_last, "64 frames in [0, 0x80)"));
    assert_int_equal(buddy_free_frames(), 127);
    assert_int_equal(table[0].state, PAGE_HV);
    check();
}

static void test_split_and_merge(void **state)
{
    (void)state;
    buddy_add_range(0, FRAMES);
    struct page_info *pg = alloc_pages(0);
    assert_ptr_equal(pg, &table[0]);
    check();
    /* One block of each order 0..9 is left: the upper halves of every split. */
    for (unsigned int o = 0; o < 10; o++) {
        assert_int_equal(table[1UL << o].state, PAGE_FREE);
        assert_int_equal(table[1UL << o].order, o | PAGE_ORDER_HEAD);
    }
    assert_int_equal(buddy_free_frames(), FRAMES - 1);
    assert_int_equal(pg->state, PAGE_HV);
    assert_int_equal(pg->owner, DOMID_HV);
    assert_int_equal(pg->order, 0);

    struct page_info *big = alloc_pages(3);
    assert_ptr_equal(big, &table[8]);
    assert_int_equal(big->order, 3);
    for (int i = 1; i < 8; i++)
        assert_int_equal(big[i].state, PAGE_HV);
    check();
    assert_int_equal(free_pages(pg, 0), 0);
    check();
    assert_int_equal(free_pages(big, 3), 0);
    expect_maximal(0, FRAMES);
}

static void test_exhaustion(void **state)
{
    (void)state;
    buddy_add_range(0, FRAMES);
    assert_null(alloc_pages(11));
    assert_null(alloc_pages(MAX_ORDER + 1));
    assert_null(alloc_pages(~0u));
    struct page_info *all = alloc_pages(10);
    assert_non_null(all);
    assert_null(alloc_pages(0));
    assert_int_equal(buddy_free_frames(), 0);
    check();
    assert_int_equal(free_pages(all, 10), 0);
    expect_maximal(0, FRAMES);
}

/* Random orders until the heap is dry, then frees in a scrambled order. */
static void test_stress(void **state)
{
    static struct page_info *got[FRAMES];
    static unsigned int order[FRAMES];
    static uint8_t used[FRAMES];
    unsigned int n = 0;
    uint32_t seed = 42;
    (void)state;

    buddy_add_range(5, FRAMES - 7);
    uint64_t start = buddy_free_frames();
    for (int misses = 0; misses < 8;) {
        seed = seed * 1103515245 + 12345;
        unsigned int o = (seed >> 16) % 6;
        struct page_info *pg = alloc_pages(o);
        if (!pg) {
            misses++;
            continue;
        }
        mfn_t m = page_to_mfn(pg);
        assert_true(m % (1UL << o) == 0 && m >= 5 && m + (1UL << o) <= FRAMES - 7);
        for (mfn_t i = 0; i < (1UL << o); i++) {
            assert_false(used[m + i]);
            used[m + i] = 1;
        }
        got[n] = pg;
        order[n++] = o;
        check();
    }
    while (alloc_pages(0)) /* drain the rest in single frames */
        ;
    assert_int_equal(buddy_free_frames(), 0);
    for (unsigned int i = 0; i < n; i++) {
        unsigned int j = i + (seed = seed * 1103515245 + 12345) % (n - i);
        struct page_info *tp = got[i];
        unsigned int to = order[i];
        got[i] = got[j];
        order[i] = order[j];
        got[j] = tp;
        order[j] = to;
    }
    for (unsigned int i = 0; i < n; i++) {
        assert_int_equal(free_pages(got[i], order[i]), 0);
        check();
    }
    /* The drained single frames were never recorded: free them via the table. */
    for (mfn_t m = 0; m < FRAMES; m++)
        if (table[m].state == PAGE_HV)
            assert_int_equal(free_pages(&table[m], 0), 0);
    assert_int_equal(buddy_free_frames(), start);
    expect_maximal(5, FRAMES - 7);
    assert_int_equal(test_mm_printk_calls, 0);
}

/* A refused free must leave the frame table byte for byte as it was. */
static void expect_refused(struct page_info *pg, unsigned int order)
{
    static struct page_info before[FRAMES];
    uint64_t free_before = buddy_free_frames();
    int calls = test_mm_printk_calls;

    memcpy(before, table, sizeof(before));
    assert_int_equal(free_pages(pg, order), -EINVAL);
    assert_int_equal(test_mm_printk_calls, calls + 1);
    assert_non_null(strstr(test_mm_printk_last, "mm: bad free of mfn"));
    assert_memory_equal(before, table, sizeof(before));
    assert_int_equal(buddy_free_frames(), free_before);
    check();
}

static void test_double_free(void **state)
{
    (void)state;
    buddy_add_range(0, FRAMES);
    struct page_info *a = alloc_pages(2), *b = alloc_pages(2);
    assert_int_equal(free_pages(a, 2), 0);
    expect_refused(a, 2);
    assert_non_null(strstr(test_mm_printk_last, "mfn 0 order 2"));
    /* Freed, merged into a bigger block, and freed again. */
    assert_int_equal(free_pages(b, 2), 0);
    expect_refused(b, 2);
    expect_refused(a, 0);
    expect_maximal(0, FRAMES);
}

static void test_bad_frees(void **state)
{
    (void)state;
    buddy_add_range(16, FRAMES);
    struct page_info *pg = alloc_pages(2);
    assert_ptr_equal(pg, &table[16]);
    expect_refused(pg + 1, 2);     /* misaligned */
    expect_refused(pg + 1, 0);     /* a tail alone */
    expect_refused(pg + 2, 1);     /* the second half */
    expect_refused(pg, 1);         /* too small */
    expect_refused(pg, 3);         /* too big */
    expect_refused(pg, 40);        /* beyond MAX_ORDER */
    expect_refused(&table[3], 0);  /* reserved */
    expect_refused(&table[32], 0); /* free */
    expect_refused(NULL, 0);
    expect_refused(&table[FRAMES], 0);
    expect_refused((struct page_info *)((char *)pg + 1), 0);
    /* Two neighbouring allocations are not one block. */
    struct page_info *x = alloc_pages(0), *y = alloc_pages(0);
    assert_ptr_equal(y, x + 1);
    expect_refused(x, 1);
    /* Nor is a head whose order byte happens to match (it overlays slab_class). */
    x->order = 1;
    expect_refused(x, 1);
    x->order = 0;
    assert_int_equal(free_pages(x, 0), 0);
    assert_int_equal(free_pages(y, 0), 0);
    assert_int_equal(free_pages(pg, 2), 0);
    expect_maximal(16, FRAMES);
}

static void test_domain_pages(void **state)
{
    (void)state;
    buddy_add_range(0, FRAMES);
    struct page_info *pg = alloc_domain_pages(7, NODEMASK_ALL, 3);
    assert_non_null(pg);
    const unsigned char *p = page_to_virt(pg);
    for (size_t i = 0; i < 8 * PAGE_SIZE; i++)
        assert_int_equal(p[i], 0);
    /* Only the block is scrubbed: its neighbour still has the boot pattern. */
    assert_int_equal(p[8 * PAGE_SIZE], 0xa5);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pg[i].state, PAGE_DOMAIN);
        assert_int_equal(pg[i].owner, 7);
        assert_int_equal(pg[i].refcount, 0);
    }
    check();
    /* Dirty it as a guest would; the next owner gets it clean. */
    memset(page_to_virt(pg), 0x5a, 8 * PAGE_SIZE);
    struct page_info *hv = alloc_pages(0);
    expect_refused(pg, 2);
    assert_int_equal(free_domain_pages(hv, 0), -EINVAL); /* not a domain's */
    assert_int_equal(free_domain_pages(pg, 3), 0);
    assert_int_equal(free_domain_pages(pg, 3), -EINVAL);
    struct page_info *again = alloc_domain_pages(9, NODEMASK_ALL, 3);
    assert_ptr_equal(again, pg);
    for (size_t i = 0; i < 8 * PAGE_SIZE; i++)
        assert_int_equal(p[i], 0);
    assert_int_equal(again->owner, 9);
    assert_int_equal(free_pages(again, 3), 0);
    assert_int_equal(free_pages(hv, 0), 0);
    expect_maximal(0, FRAMES);
}

static void test_hv_pages(void **state)
{
    (void)state;
    buddy_add_range(0, 64);
    unsigned char *va = alloc_hv_pages(4);
    assert_non_null(va);
    assert_ptr_equal(va, test_ram); /* the direct map of mfn 0 */
    for (size_t i = 0; i < 16 * PAGE_SIZE; i++)
        assert_int_equal(va[i], 0);
    free_hv_pages(va + 8, 4);
    free_hv_pages(va + PAGE_SIZE, 4);
    free_hv_pages(va, 3);
    assert_int_equal(test_mm_printk_calls, 3);
    assert_int_equal(buddy_free_frames(), 48);
    free_hv_pages(NULL, 0);
    free_hv_pages(va, 4);
    assert_int_equal(buddy_free_frames(), 64);
    free_hv_pages(va, 4);
    assert_int_equal(test_mm_printk_calls, 4);
    assert_null(alloc_hv_pages(7));
    /* Domain memory is not freed through the hypervisor's door. */
    struct page_info *d = alloc_domain_pages(1, NODEMASK_ALL, 0);
    free_hv_pages(page_to_virt(d), 0);
    assert_int_equal(test_mm_printk_calls, 5);
    assert_int_equal(free_domain_pages(d, 0), 0);
    expect_maximal(0, 64);
}

static void test_check_catches_corruption(void **state)
{
    (void)state;
    buddy_add_range(0, FRAMES);
    struct page_info *pg = alloc_pages(0);
    check();
    table[1].order = 0; /* a free head loses its flag */
    assert_int_equal(buddy_check(), -EINVAL);
    table[1].order = PAGE_ORDER_HEAD;
    check();
    table[700].state = PAGE_HV; /* a free tail "allocated" behind the heap's back */
    assert_int_equal(buddy_check(), -EINVAL);
    table[700].state = PAGE_FREE;
    pg->state = 9;
    assert_int_equal(buddy_check(), -EINVAL);
    pg->state = PAGE_HV;
    check();
}

/* Two nodes split at a frame that no large block boundary matches. */
static const struct mem_node_range two_nodes[] = {
    {.start = 0, .end = 300, .node = 0},
    {.start = 300, .end = FRAMES, .node = 1},
};

static void expect_node_counts(uint64_t n0, uint64_t n1)
{
    assert_int_equal(buddy_free_frames_node(0), n0);
    assert_int_equal(buddy_free_frames_node(1), n1);
    assert_int_equal(buddy_free_frames(), n0 + n1);
    check(); /* also: no free block spans two nodes, none on another node's list */
}

static void test_nodes_resort_free_memory(void **state)
{
    (void)state;
    buddy_add_range(0, FRAMES);
    expect_node_counts(FRAMES, 0); /* no node map yet: all node 0 */
    assert_int_equal(buddy_set_nodes(two_nodes, 2), 0);
    expect_node_counts(300, FRAMES - 300);
    assert_int_equal(mfn_node(299), 0);
    assert_int_equal(mfn_node(300), 1);
    /* The largest block of node 1 starts at 512, not at 256 (which holds node 0 frames). */
    assert_int_equal(table[512].order, 9 | PAGE_ORDER_HEAD);
    assert_int_equal(table[256].state, PAGE_FREE);
    assert_int_equal(table[256].order, 5 | PAGE_ORDER_HEAD); /* 256..287, then 288..299 */
}

static void test_nodes_set_before_memory(void **state)
{
    (void)state;
    assert_int_equal(buddy_set_nodes(two_nodes, 2), 0);
    buddy_add_range(0, FRAMES);
    expect_node_counts(300, FRAMES - 300);
    static struct mem_node_range many[MAX_NODE_RANGES + 1];
    assert_int_equal(buddy_set_nodes(many, MAX_NODE_RANGES + 1), -EINVAL);
    expect_node_counts(300, FRAMES - 300); /* unchanged */
    /* A firmware node past MAX_NODES counts as the last one. */
    const struct mem_node_range far[] = {{.start = 0, .end = FRAMES, .node = 200}};
    assert_int_equal(buddy_set_nodes(far, 1), 0);
    assert_int_equal(buddy_free_frames_node(MAX_NODES - 1), FRAMES);
    assert_int_equal(buddy_free_frames_node(MAX_NODES), 0);
    check();
}

static void test_alloc_prefers_nodes_then_falls_back(void **state)
{
    (void)state;
    static struct page_info *got[FRAMES];
    buddy_add_range(0, FRAMES);
    assert_int_equal(buddy_set_nodes(two_nodes, 2), 0);

    struct page_info *a = alloc_pages_on(1u << 0, 3);
    assert_non_null(a);
    assert_true(page_to_mfn(a) + 8 <= 300);
    expect_node_counts(300 - 8, FRAMES - 300);
    assert_int_equal(free_pages(a, 0 + 3), 0);

    /* Node 1 until it is empty, then node 0: never NULL while memory is left. */
    for (unsigned int i = 0; i < FRAMES; i++) {
        got[i] = alloc_domain_pages(3, 1u << 1, 0);
        assert_non_null(got[i]);
        assert_int_equal(mfn_node(page_to_mfn(got[i])), i < FRAMES - 300 ? 1 : 0);
    }
    assert_null(alloc_pages_on(1u << 1, 0));
    expect_node_counts(0, 0);
    for (unsigned int i = 0; i < FRAMES; i++)
        assert_int_equal(free_domain_pages(got[i], 0), 0);
    expect_node_counts(300, FRAMES - 300);
    /* No preference among nodes: the one with the most free memory. */
    a = alloc_pages(0);
    assert_int_equal(mfn_node(page_to_mfn(a)), 1);
    assert_int_equal(free_pages(a, 0), 0);
    /* Freed blocks merged back, but never across the node boundary. */
    assert_int_equal(table[512].order, 9 | PAGE_ORDER_HEAD);
    assert_int_equal(table[256].order, 5 | PAGE_ORDER_HEAD);
}

static void test_nodes_stress(void **state)
{
    (void)state;
    static struct page_info *held[256];
    static unsigned int held_order[256];
    const struct mem_node_range three[] = {
        {.start = 0, .end = 333, .node = 0},
        {.start = 333, .end = 700, .node = 2},
        {.start = 700, .end = FRAMES, .node = 1},
    };
    buddy_add_range(0, FRAMES);
    assert_int_equal(buddy_set_nodes(three, 3), 0);
    srand(7);
    for (int step = 0; step < 20000; step++) {
        unsigned int k = (unsigned int)rand() % 256;
        if (held[k]) {
            assert_int_equal(free_pages(held[k], held_order[k]), 0);
            held[k] = NULL;
        } else {
            held_order[k] = (unsigned int)rand() % 5;
            held[k] = alloc_pages_on((nodemask_t)(rand() % 8), held_order[k]);
        }
        if (step % 1000 == 0)
            check();
    }
    for (unsigned int k = 0; k < 256; k++)
        if (held[k])
            assert_int_equal(free_pages(held[k], held_order[k]), 0);
    assert_int_equal(buddy_free_frames_node(0), 333);
    assert_int_equal(buddy_free_frames_node(2), 700 - 333);
    assert_int_equal(buddy_free_frames_node(1), FRAMES - 700);
    check();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_init),
        T(test_add_odd_range),
        T(test_add_twice_refused),
        T(test_split_and_merge),
        T(test_exhaustion),
        T(test_stress),
        T(test_double_free),
        T(test_bad_frees),
        T(test_domain_pages),
        T(test_hv_pages),
        T(test_check_catches_corruption),
        T(test_nodes_resort_free_memory),
        T(test_nodes_set_before_memory),
        T(test_alloc_prefers_nodes_then_falls_back),
        T(test_nodes_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
