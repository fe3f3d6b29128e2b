// SPDX-License-Identifier: MIT
/* Firmware memory maps are messy; these pin down how every kind of mess is resolved. */
#include <string.h>

#include "host.h"
#include "mm_printk_stub.h"
#include <lamina/errno.h>
#include <lamina/memmap.h>

static struct memmap map;

static int setup(void **state)
{
    (void)state;
    memset(&map, 0, sizeof(map));
    test_mm_printk_calls = 0;
    return 0;
}

static void add(uint64_t start, uint64_t end, uint32_t type)
{
    assert_int_equal(memmap_add(&map, start, end - start, type), 0);
}

/* The map must equal exp[] and obey the sanitised-map invariants. */
static void expect(const struct mem_region *exp, unsigned int n)
{
    for (unsigned int i = 0; i < map.nr && i < n; i++) {
        assert_int_equal(map.r[i].start, exp[i].start);
        assert_int_equal(map.r[i].end, exp[i].end);
        assert_int_equal(map.r[i].type, exp[i].type);
    }
    assert_int_equal(map.nr, n);
    for (unsigned int i = 0; i < map.nr; i++) {
        assert_true(map.r[i].start < map.r[i].end);
        if (i > 0)
            assert_true(map.r[i - 1].end <= map.r[i].start);
        if (map.r[i].type == MEM_USABLE)
            assert_true(IS_ALIGNED(map.r[i].start | map.r[i].end, PAGE_SIZE));
    }
}
#define EXPECT(...)                                   \
    do {                                              \
        const struct mem_region e_[] = {__VA_ARGS__}; \
        expect(e_, ARRAY_SIZE(e_));                   \
    } while (0)

static void test_add_rejects(void **state)
{
    (void)state;
    assert_int_equal(memmap_add(&map, 0x1000, 0, MEM_USABLE), -EINVAL);
    assert_int_equal(memmap_add(&map, UINT64_MAX - 0xfff, 0x2000, MEM_USABLE), -EINVAL);
    assert_int_equal(memmap_add(&map, UINT64_MAX - 0xfff, 0x1000, MEM_USABLE), -EINVAL);
    assert_int_equal(memmap_add(&map, UINT64_MAX - 0xfff, 0xfff, MEM_RESERVED), 0);
    for (unsigned int i = 1; i < MEMMAP_MAX; i++)
        assert_int_equal(memmap_add(&map, i * PAGE_SIZE, PAGE_SIZE, MEM_USABLE), 0);
    assert_int_equal(memmap_add(&map, 0, PAGE_SIZE, MEM_USABLE), -ENOSPC);
    assert_int_equal(map.nr, MEMMAP_MAX);
}

/* What QEMU's SeaBIOS reports for -m 512, given out of order. */
static void test_qemu_e820(void **state)
{
    (void)state;
    add(0x100000, 0x1ffe0000, MEM_USABLE);
    add(0xfffc0000, 0x100000000, MEM_RESERVED);
    add(0, 0x9fc00, MEM_USABLE);
    add(0x9fc00, 0xa0000, MEM_RESERVED);
    add(0xf0000, 0x100000, MEM_RESERVED);
    add(0x1ffe0000, 0x20000000, MEM_RESERVED);
    memmap_sanitize(&map);
    EXPECT({0, 0x9f000, MEM_USABLE}, {0x9fc00, 0xa0000, MEM_RESERVED},
           {0xf0000, 0x100000, MEM_RESERVED}, {0x100000, 0x1ffe0000, MEM_USABLE},
           {0x1ffe0000, 0x20000000, MEM_RESERVED}, {0xfffc0000, 0x100000000, MEM_RESERVED});
    assert_int_equal(memmap_ram_bytes(&map), 0x9f000 + 0x1fee0000);
    assert_int_equal(memmap_ram_end(&map), 0x1ffe0000);
    assert_int_equal(test_mm_printk_calls, 0);
}

static void test_reserved_inside_usable(void **state)
{
    (void)state;
    add(0, MiB(16), MEM_USABLE);
    add(MiB(4), MiB(5), MEM_RESERVED);
    memmap_sanitize(&map);
    EXPECT({0, MiB(4), MEM_USABLE}, {MiB(4), MiB(5), MEM_RESERVED}, {MiB(5), MiB(16), MEM_USABLE});
}

static void test_usable_inside_reserved(void **state)
{
    (void)state;
    add(MiB(4), MiB(5), MEM_USABLE);
    add(0, MiB(16), MEM_RESERVED);
    memmap_sanitize(&map);
    EXPECT({0, MiB(16), MEM_RESERVED});
}

static void test_partial_overlaps(void **state)
{
    (void)state;
    add(0, MiB(8), MEM_USABLE);
    add(MiB(6), MiB(10), MEM_ACPI);
    add(MiB(9), MiB(12), MEM_NVS);
    add(MiB(11), MiB(14), MEM_BAD);
    add(MiB(13), MiB(16), MEM_RESERVED);
    memmap_sanitize(&map);
    EXPECT({0, MiB(6), MEM_USABLE}, {MiB(6), MiB(9), MEM_ACPI}, {MiB(9), MiB(11), MEM_NVS},
           {MiB(11), MiB(14), MEM_BAD}, {MiB(14), MiB(16), MEM_RESERVED});
}

static void test_identical(void **state)
{
    (void)state;
    add(0, MiB(1), MEM_USABLE);
    add(0, MiB(1), MEM_USABLE);
    add(MiB(2), MiB(3), MEM_USABLE);
    add(MiB(2), MiB(3), MEM_NVS);
    add(MiB(2), MiB(3), MEM_USABLE);
    memmap_sanitize(&map);
    EXPECT({0, MiB(1), MEM_USABLE}, {MiB(2), MiB(3), MEM_NVS});
}

/* Russian dolls of every type, each one inside the weaker one. */
static void test_nested_priority(void **state)
{
    (void)state;
    add(MiB(4), MiB(5), MEM_BAD);
    add(0, MiB(9), MEM_USABLE);
    add(MiB(3), MiB(6), MEM_RESERVED);
    add(MiB(1), MiB(8), MEM_ACPI);
    add(MiB(2), MiB(7), MEM_NVS);
    memmap_sanitize(&map);
    EXPECT({0, MiB(1), MEM_USABLE}, {MiB(1), MiB(2), MEM_ACPI}, {MiB(2), MiB(3), MEM_NVS},
           {MiB(3), MiB(4), MEM_RESERVED}, {MiB(4), MiB(5), MEM_BAD},
           {MiB(5), MiB(6), MEM_RESERVED}, {MiB(6), MiB(7), MEM_NVS}, {MiB(7), MiB(8), MEM_ACPI},
           {MiB(8), MiB(9), MEM_USABLE});
    assert_int_equal(memmap_ram_bytes(&map), MiB(2));
    assert_int_equal(memmap_ram_end(&map), MiB(9));
}

static void test_merge_and_unaligned(void **state)
{
    (void)state;
    add(0x1800, 0x3000, MEM_USABLE); /* two halves of a page: merged before shrinking */
    add(0x0, 0x1800, MEM_USABLE);
    add(0x10234, 0x15678, MEM_USABLE);
    add(0x20100, 0x20f00, MEM_USABLE); /* no whole page: gone */
    add(0x30000, 0x31000, MEM_ACPI);
    add(0x31000, 0x32000, MEM_ACPI);
    add(0x40010, 0x40020, MEM_RESERVED); /* reserved keeps its exact edges */
    memmap_sanitize(&map);
    EXPECT({0, 0x3000, MEM_USABLE}, {0x11000, 0x15000, MEM_USABLE}, {0x30000, 0x32000, MEM_ACPI},
           {0x40010, 0x40020, MEM_RESERVED});
}

static void test_unknown_types(void **state)
{
    (void)state;
    add(0, MiB(4), MEM_USABLE);
    add(MiB(1), MiB(2), 7);   /* persistent memory */
    add(MiB(3), MiB(5), 12);  /* PRAM */
    add(MiB(6), MiB(7), 0);   /* nonsense */
    add(MiB(8), MiB(9), 999); /* nonsense */
    add(MiB(9), MiB(10), MEM_HV);
    memmap_sanitize(&map);
    EXPECT({0, MiB(1), MEM_USABLE}, {MiB(1), MiB(2), MEM_RESERVED}, {MiB(2), MiB(3), MEM_USABLE},
           {MiB(3), MiB(5), MEM_RESERVED}, {MiB(6), MiB(7), MEM_RESERVED},
           {MiB(8), MiB(9), MEM_RESERVED}, {MiB(9), MiB(10), MEM_HV});
}

static void test_empty_and_degenerate(void **state)
{
    (void)state;
    memmap_sanitize(&map);
    assert_int_equal(map.nr, 0);
    /* Entries not made by memmap_add may still be empty or inverted. */
    map.r[0] = (struct mem_region){MiB(1), MiB(1), MEM_USABLE};
    map.r[1] = (struct mem_region){MiB(3), MiB(2), MEM_RESERVED};
    map.r[2] = (struct mem_region){MiB(4), MiB(5), MEM_USABLE};
    map.nr = 3;
    memmap_sanitize(&map);
    EXPECT({MiB(4), MiB(5), MEM_USABLE});
    /* The very top of the address space: no wrap when aligning. */
    setup(NULL);
    add(UINT64_MAX - 0x800, UINT64_MAX, MEM_USABLE);
    add(UINT64_MAX - 0x3800, UINT64_MAX - 0x800, MEM_USABLE);
    add(UINT64_MAX - 0x6800, UINT64_MAX - 0x6000, MEM_USABLE); /* less than a page */
    memmap_sanitize(&map);
    EXPECT({UINT64_MAX - 0x2fff, UINT64_MAX - 0xfff, MEM_USABLE});
}

/* 64 separate usable ranges, each split by a reserved page: 192 regions do not fit. */
static void test_overflow_keeps_lowest(void **state)
{
    (void)state;
    for (uint64_t i = 0; i < 64; i++) {
        add(i * MiB(4), i * MiB(4) + MiB(2), MEM_USABLE);
        add(i * MiB(4) + MiB(1), i * MiB(4) + MiB(1) + 0x1000, MEM_RESERVED);
    }
    memmap_sanitize(&map);
    assert_int_equal(map.nr, MEMMAP_MAX);
    assert_int_equal(test_mm_printk_calls, 1);
    for (unsigned int i = 0; i < MEMMAP_MAX; i++) {
        uint64_t base = (i / 3) * MiB(4);
        static const uint64_t off[3][2] = {
            {0, MiB(1)}, {MiB(1), MiB(1) + 0x1000}, {MiB(1) + 0x1000, MiB(2)}};
        assert_int_equal(map.r[i].start, base + off[i % 3][0]);
        assert_int_equal(map.r[i].end, base + off[i % 3][1]);
        assert_int_equal(map.r[i].type, i % 3 == 1 ? MEM_RESERVED : MEM_USABLE);
    }
}

static void test_many_random_overlaps(void **state)
{
    /* Against a per-page reference computed the obvious way. */
    static uint8_t ref[512];
    static const unsigned int prio[] = {0, 1, 4, 2, 3, 5};
    uint32_t seed = 12345;
    (void)state;
    memset(ref, 0, sizeof(ref));
    for (int i = 0; i < MEMMAP_MAX; i++) {
        seed = seed * 1103515245 + 12345;
        uint64_t s = (seed >> 8) % 500, len = 1 + (seed >> 20) % 12;
        uint32_t t = 1 + (seed >> 4) % 5;
        add(s * PAGE_SIZE, (s + len) * PAGE_SIZE, t);
        for (uint64_t p = s; p < s + len; p++)
            if (ref[p] == 0 || prio[t] > prio[ref[p]])
                ref[p] = (uint8_t)t;
    }
    memmap_sanitize(&map);
    expect(map.r, map.nr); /* invariants only */
    for (uint64_t p = 0; p < 512; p++) {
        uint32_t got = 0;
        for (unsigned int i = 0; i < map.nr; i++)
            if (map.r[i].start <= p * PAGE_SIZE && p * PAGE_SIZE < map.r[i].end)
                got = map.r[i].type;
        assert_int_equal(got, ref[p]);
    }
    for (unsigned int i = 1; i < map.nr; i++)
        assert_false(map.r[i - 1].end == map.r[i].start && map.r[i - 1].type == map.r[i].type);
}

static void test_reserve_split_and_merge(void **state)
{
    (void)state;
    add(0, MiB(16), MEM_USABLE);
    add(MiB(16), MiB(17), MEM_ACPI);
    add(MiB(17), MiB(32), MEM_USABLE);
    memmap_sanitize(&map);
    assert_int_equal(memmap_reserve(&map, MiB(1) + 0x10, MiB(2) - 0x10, MEM_HV), 0);
    EXPECT({0, MiB(1), MEM_USABLE}, {MiB(1), MiB(2), MEM_HV}, {MiB(2), MiB(16), MEM_USABLE},
           {MiB(16), MiB(17), MEM_ACPI}, {MiB(17), MiB(32), MEM_USABLE});
    /* Touching a reservation of the same type extends it. */
    assert_int_equal(memmap_reserve(&map, MiB(2), MiB(3), MEM_HV), 0);
    EXPECT({0, MiB(1), MEM_USABLE}, {MiB(1), MiB(3), MEM_HV}, {MiB(3), MiB(16), MEM_USABLE},
           {MiB(16), MiB(17), MEM_ACPI}, {MiB(17), MiB(32), MEM_USABLE});
    /* Ours may be re-typed; firmware ACPI stays. */
    assert_int_equal(memmap_reserve(&map, MiB(2), MiB(18), MEM_MODULE), 0);
    EXPECT({0, MiB(1), MEM_USABLE}, {MiB(1), MiB(2), MEM_HV}, {MiB(2), MiB(16), MEM_MODULE},
           {MiB(16), MiB(17), MEM_ACPI}, {MiB(17), MiB(18), MEM_MODULE},
           {MiB(18), MiB(32), MEM_USABLE});
    assert_int_equal(memmap_ram_bytes(&map), MiB(31));
    assert_int_equal(memmap_ram_end(&map), MiB(32));
    /* A re-sanitised map keeps the reservations. */
    memmap_sanitize(&map);
    assert_int_equal(map.nr, 6);
    assert_int_equal(map.r[2].type, MEM_MODULE);
}

static void test_reserve_edges(void **state)
{
    (void)state;
    add(MiB(1), MiB(2), MEM_USABLE);
    memmap_sanitize(&map);
    assert_int_equal(memmap_reserve(&map, 0, PAGE_SIZE, MEM_RESERVED), -EINVAL);
    assert_int_equal(memmap_reserve(&map, MiB(2), MiB(1), MEM_HV), -EINVAL);
    assert_int_equal(memmap_reserve(&map, 0, UINT64_MAX, MEM_HV), -EINVAL);
    assert_int_equal(memmap_reserve(&map, MiB(1), MiB(1), MEM_HV), 0);
    /* Partly outside any entry: only the covered part changes. */
    assert_int_equal(memmap_reserve(&map, 0, MiB(1) + 1, MEM_BOOTINFO), 0);
    EXPECT({MiB(1), MiB(1) + PAGE_SIZE, MEM_BOOTINFO}, {MiB(1) + PAGE_SIZE, MiB(2), MEM_USABLE});
    assert_int_equal(memmap_reserve(&map, MiB(1), MiB(3), MEM_BOOTINFO), 0);
    EXPECT({MiB(1), MiB(2), MEM_BOOTINFO});
}

static void test_reserve_enospc(void **state)
{
    (void)state;
    for (uint64_t i = 0; i < MEMMAP_MAX - 1; i++)
        add(i * MiB(1), i * MiB(1) + MiB(1), i % 2 ? MEM_RESERVED : MEM_USABLE);
    memmap_sanitize(&map);
    assert_int_equal(map.nr, MEMMAP_MAX - 1);
    static struct memmap before;
    before = map;
    assert_int_equal(memmap_reserve(&map, MiB(2) + 0x1000, MiB(2) + 0x2000, MEM_HV), -ENOSPC);
    expect(before.r, before.nr);
    /* At the edge of an entry only one more region is needed: fits. */
    assert_int_equal(memmap_reserve(&map, MiB(2), MiB(2) + 0x2000, MEM_HV), 0);
    assert_int_equal(map.nr, MEMMAP_MAX);
}

static void test_alloc(void **state)
{
    (void)state;
    add(MiB(1), MiB(64), MEM_USABLE);
    add(GiB(4), GiB(5), MEM_USABLE);
    memmap_sanitize(&map);
    uint64_t ram = memmap_ram_bytes(&map);

    assert_int_equal(memmap_alloc(&map, PAGE_SIZE, MiB(16)), MiB(16) - PAGE_SIZE);
    assert_int_equal(memmap_alloc(&map, 1, MiB(16) + 5), MiB(16) - 2 * PAGE_SIZE);
    EXPECT({MiB(1), MiB(16) - 2 * PAGE_SIZE, MEM_USABLE},
           {MiB(16) - 2 * PAGE_SIZE, MiB(16), MEM_HV}, {MiB(16), MiB(64), MEM_USABLE},
           {GiB(4), GiB(5), MEM_USABLE});
    /* Limit inside the high region: its lower part is used. */
    assert_int_equal(memmap_alloc(&map, MiB(2), GiB(4) + MiB(3)), GiB(4) + MiB(1));
    /* Limit exactly at a region's start: that region is out of reach. */
    assert_int_equal(memmap_alloc(&map, MiB(1), GiB(4)), MiB(63));
    /* Unlimited: the top of RAM. */
    assert_int_equal(memmap_alloc(&map, MiB(1), UINT64_MAX), GiB(5) - MiB(1));
    /* Too big for the part below the limit: falls to a lower region. */
    assert_int_equal(memmap_alloc(&map, MiB(4), GiB(4) + MiB(1)), MiB(59));
    assert_int_equal(memmap_ram_bytes(&map), ram);
    /* Exhaustion and nonsense. */
    assert_int_equal(memmap_alloc(&map, GiB(2), UINT64_MAX), 0);
    assert_int_equal(memmap_alloc(&map, PAGE_SIZE, MiB(1)), 0);
    assert_int_equal(memmap_alloc(&map, 0, UINT64_MAX), 0);
    assert_int_equal(memmap_alloc(&map, UINT64_MAX, UINT64_MAX), 0);
    expect(map.r, map.nr);
}

static void test_alloc_never_returns_zero(void **state)
{
    (void)state;
    add(0, 2 * PAGE_SIZE, MEM_USABLE);
    memmap_sanitize(&map);
    assert_int_equal(memmap_alloc(&map, PAGE_SIZE, UINT64_MAX), PAGE_SIZE);
    assert_int_equal(memmap_alloc(&map, PAGE_SIZE, UINT64_MAX), 0);
    EXPECT({0, PAGE_SIZE, MEM_USABLE}, {PAGE_SIZE, 2 * PAGE_SIZE, MEM_HV});
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(memmap_type_name(MEM_USABLE), "usable");
    assert_string_equal(memmap_type_name(MEM_RESERVED), "reserved");
    assert_string_equal(memmap_type_name(MEM_ACPI), "ACPI");
    assert_string_equal(memmap_type_name(MEM_NVS), "ACPI NVS");
    assert_string_equal(memmap_type_name(MEM_BAD), "bad");
    assert_string_equal(memmap_type_name(MEM_HV), "hypervisor");
    assert_string_equal(memmap_type_name(MEM_MODULE), "module");
    assert_string_equal(memmap_type_name(MEM_BOOTINFO), "boot info");
    assert_string_equal(memmap_type_name(0), "unknown");
    assert_string_equal(memmap_type_name(7), "unknown");
}

#define T(f) cmocka_unit_test_setup(f, setup)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_add_rejects),
        T(test_qemu_e820),
        T(test_reserved_inside_usable),
        T(test_usable_inside_reserved),
        T(test_partial_overlaps),
        T(test_identical),
        T(test_nested_priority),
        T(test_merge_and_unaligned),
        T(test_unknown_types),
        T(test_empty_and_degenerate),
        T(test_overflow_keeps_lowest),
        T(test_many_random_overlaps),
        T(test_reserve_split_and_merge),
        T(test_reserve_edges),
        T(test_reserve_enospc),
        T(test_alloc),
        T(test_alloc_never_returns_zero),
        T(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
