// SPDX-License-Identifier: MIT
/* The small-object heap: classes, large blocks, returning frames, and bad frees. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "mm_printk_stub.h"
#include <lamina/mm.h>

#define FRAMES 2048

static struct page_info *table;
static uint64_t start_free;

static int setup(void **state)
{
    (void)state;
    test_ram_setup(FRAMES);
    table = calloc(FRAMES, sizeof(*table));
    assert_non_null(table);
    buddy_init(table, FRAMES);
    buddy_add_range(0, FRAMES);
    start_free = buddy_free_frames();
    test_mm_printk_calls = 0;
    return 0;
}

/* Every test must hand back every frame, and leave the heap consistent. */
static int teardown(void **state)
{
    (void)state;
    assert_int_equal(buddy_check(), 0);
    assert_int_equal(buddy_free_frames(), start_free);
    free(table);
    test_ram_teardown();
    return 0;
}

static void expect_zero(const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(((const unsigned char *)p)[i], 0);
}

static void test_classes(void **state)
{
    static const size_t sizes[] = {1,   15,  16,  17,  31,  32,  33,  63,   64,   65,   127,  128,
                                   129, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 2047, 2048};
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        unsigned char *p = xmalloc_bytes(sizes[i]);
        struct page_info *pg = virt_to_page(p);
        size_t cls = 16;
        while (cls < sizes[i])
            cls *= 2;
        assert_non_null(p);
        assert_true(((uintptr_t)p & 15) == 0);
        assert_int_equal(pg->state, PAGE_XHEAP);
        assert_int_equal((size_t)16 << pg->slab_class, cls);
        assert_int_equal(pg->slab_inuse, 1);
        expect_zero(p, cls);
        memset(p, 0xee, sizes[i]);
        xfree(p);
        assert_int_equal(buddy_free_frames(), start_free);
        assert_int_equal(buddy_check(), 0);
    }
    assert_int_equal(test_mm_printk_calls, 0);
}

static void test_zero_and_null(void **state)
{
    (void)state;
    void *p = xmalloc_bytes(0), *q = xzalloc_bytes(0);
    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    xfree(p);
    xfree(q);
    xfree(NULL);
    assert_int_equal(test_mm_printk_calls, 0);
    struct pair {
        uint64_t a, b;
    } *s = xmalloc(struct pair);
    assert_non_null(s);
    xfree(s);
    uint32_t *arr = xmalloc_array(uint32_t, 100);
    assert_non_null(arr);
    expect_zero(arr, 400);
    xfree(arr);
    assert_null(xmalloc_array(uint64_t, SIZE_MAX / 4));
}

/* A freed object comes back zeroed, even though its first word held a link. */
static void test_reuse_is_zeroed(void **state)
{
    (void)state;
    unsigned char *keep = xmalloc_bytes(64), *p = xmalloc_bytes(64);
    memset(p, 0xff, 64);
    xfree(p);
    unsigned char *q = xmalloc_bytes(64);
    assert_ptr_equal(q, p);
    expect_zero(q, 64);
    xfree(q);
    xfree(keep);
}

static void test_large(void **state)
{
    static const struct {
        size_t size;
        unsigned int frames;
    } cases[] = {{2049, 1}, {4096, 1}, {4097, 2}, {100000, 32}, {PAGE_SIZE * 64, 64}};
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        unsigned char *p = xmalloc_bytes(cases[i].size);
        assert_non_null(p);
        assert_true(((uintptr_t)p & (PAGE_SIZE - 1)) == 0);
        assert_int_equal(buddy_free_frames(), start_free - cases[i].frames);
        expect_zero(p, cases[i].size);
        memset(p, 0x11, cases[i].size);
        xfree(p);
        assert_int_equal(buddy_free_frames(), start_free);
    }
    assert_null(xmalloc_bytes(SIZE_MAX));
    assert_null(xmalloc_bytes((PAGE_SIZE << MAX_ORDER) + 1));
    assert_null(xmalloc_bytes(FRAMES * PAGE_SIZE + 1)); /* more than there is */
    assert_int_equal(test_mm_printk_calls, 0);
}

static void test_pages_fill_and_return(void **state)
{
    static void *objs[257];
    (void)state;
    for (int i = 0; i < 256; i++)
        objs[i] = xmalloc_bytes(16);
    assert_int_equal(buddy_free_frames(), start_free - 1); /* exactly one full frame */
    objs[256] = xmalloc_bytes(16);
    assert_int_equal(buddy_free_frames(), start_free - 2);
    /* A hole in the full frame is used before the partial one. */
    xfree(objs[100]);
    void *again = xmalloc_bytes(16);
    assert_ptr_equal(again, objs[100]);
    for (int i = 0; i < 257; i++)
        xfree(objs[i]);
    assert_int_equal(test_mm_printk_calls, 0);
}

/* Many mixed sizes, each object filled with its own tag so overlaps show. */
static void test_many(void **state)
{
    enum { N = 3000 };
    static unsigned char *objs[N];
    static size_t sizes[N];
    uint32_t seed = 7;
    unsigned int n = 0;
    (void)state;
    for (unsigned int i = 0; i < N; i++) {
        seed = seed * 1103515245 + 12345;
        sizes[n] = (seed >> 12) % 3000;
        objs[n] = xmalloc_bytes(sizes[n]);
        if (!objs[n])
            continue; /* the heap may run dry; fine */
        expect_zero(objs[n], sizes[n]);
        memset(objs[n], (int)(n & 0xff), sizes[n]);
        n++;
    }
    for (unsigned int i = 0; i < n; i++) {
        unsigned int j = i + (seed = seed * 1103515245 + 12345) % (n - i);
        unsigned char *tp = objs[i];
        size_t ts = sizes[i];
        objs[i] = objs[j], sizes[i] = sizes[j];
        objs[j] = tp, sizes[j] = ts;
    }
    for (unsigned int i = 0; i < n; i++) {
        for (size_t k = 1; k < sizes[i]; k++)
            assert_int_equal(objs[i][k], objs[i][0]);
        xfree(objs[i]);
    }
    assert_int_equal(test_mm_printk_calls, 0);
}

static void test_exhaustion(void **state)
{
    static void *objs[FRAMES * 2 + 1];
    unsigned int n = 0;
    (void)state;
    while ((objs[n] = xmalloc_bytes(2048)) != NULL)
        n++;
    assert_int_equal(n, FRAMES * 2);
    assert_int_equal(buddy_free_frames(), 0);
    assert_null(xmalloc_bytes(16));
    while (n--)
        xfree(objs[n]);
}

static void expect_reported(int *calls, const char *why)
{
    assert_int_equal(test_mm_printk_calls, *calls + 1);
    assert_non_null(strstr(test_mm_printk_last, why));
    *calls = test_mm_printk_calls;
}

static void test_bad_frees(void **state)
{
    int calls = 0;
    char on_stack[32];
    (void)state;
    unsigned char *a = xmalloc_bytes(64), *b = xmalloc_bytes(64);
    unsigned char *big = xmalloc_bytes(3 * PAGE_SIZE);
    void *hv = alloc_hv_pages(0);
    memset(a, 0x77, 64);

    xfree(a + 16);
    expect_reported(&calls, "not at an object boundary");
    xfree(a + 64 * 10); /* a free object in the same frame */
    expect_reported(&calls, "double free");
    xfree(hv);
    expect_reported(&calls, "not heap memory");
    xfree(test_ram + (FRAMES - 1) * PAGE_SIZE); /* a free frame */
    expect_reported(&calls, "not heap memory");
    xfree(on_stack);
    expect_reported(&calls, "not heap memory");
    xfree(big + 16);
    expect_reported(&calls, "not the start of a block");
    xfree(big + PAGE_SIZE);
    expect_reported(&calls, "inside a large block");
    xfree(big + 3 * PAGE_SIZE);
    expect_reported(&calls, "inside a large block");

    /* Nothing was harmed: a keeps its contents, the heap is whole. */
    for (int i = 0; i < 64; i++)
        assert_int_equal(a[i], 0x77);
    assert_int_equal(buddy_check(), 0);
    xfree(a);
    xfree(b);
    xfree(big);
    free_hv_pages(hv, 0);
    assert_int_equal(test_mm_printk_calls, calls);
}

static void test_double_free(void **state)
{
    int calls = 0;
    (void)state;
    void *keep = xmalloc_bytes(32), *p = xmalloc_bytes(32);
    xfree(p);
    xfree(p);
    expect_reported(&calls, "double free");
    /* p is handed out once, not twice. */
    void *x = xmalloc_bytes(32), *y = xmalloc_bytes(32);
    assert_ptr_equal(x, p);
    assert_ptr_not_equal(y, p);
    xfree(x);
    xfree(y);
    xfree(keep); /* the frame goes back to the buddy allocator */
    xfree(keep);
    expect_reported(&calls, "not heap memory");
    void *big = xmalloc_bytes(5000);
    xfree(big);
    xfree(big);
    expect_reported(&calls, "not heap memory");
}

/* A use-after-free scribble on a free link is caught, never followed. */
static void test_scribbled_free_list(void **state)
{
    int calls = 0;
    (void)state;
    void *p = xmalloc_bytes(64), *q = xmalloc_bytes(64), *r = xmalloc_bytes(64);
    xfree(q);
    *(uintptr_t *)q = 0xdeadbeef;
    void *q2 = xmalloc_bytes(64);
    expect_reported(&calls, "corrupt");
    assert_ptr_equal(q2, q);
    expect_zero(q2, 64);
    void *s = xmalloc_bytes(64); /* from a fresh frame: the rest of the list is gone */
    assert_int_equal(virt_to_mfn(s) != virt_to_mfn(p), 1);
    xfree(p);
    xfree(q2);
    xfree(r);
    xfree(s);
    assert_int_equal(test_mm_printk_calls, calls);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_classes),
        T(test_zero_and_null),
        T(test_reuse_is_zeroed),
        T(test_large),
        T(test_pages_fill_and_return),
        T(test_many),
        T(test_exhaustion),
        T(test_bad_frees),
        T(test_double_free),
        T(test_scribbled_free_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
