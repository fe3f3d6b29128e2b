// SPDX-License-Identifier: MIT
/* MADT, SRAT and HPET parsers meet firmware bugs: good and broken tables, plus mutations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <lamina/acpi.h>
#include <lamina/errno.h>

#include "acpi_test_util.h"

/* ------------------------------------------------ MADT */
static void test_madt_qemu(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    struct acpi_header *t = madt_qemu(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), 0);
    assert_int_equal(info.lapic_addr, 0xfee00000);
    assert_true(info.pcat_compat);
    assert_int_equal(info.nr_cpus, 2);
    assert_int_equal(info.cpus[0].apic_id, 0);
    assert_int_equal(info.cpus[1].apic_id, 1);
    assert_int_equal(info.cpus[1].uid, 1);
    assert_int_equal(info.cpus[1].node, 0);
    assert_int_equal(info.nr_ioapics, 1);
    assert_int_equal(info.ioapics[0].id, 0);
    assert_int_equal(info.ioapics[0].addr, 0xfec00000);
    assert_int_equal(info.ioapics[0].gsi_base, 0);
    assert_int_equal(info.nr_overrides, 5);
    assert_int_equal(info.overrides[0].source, 0);
    assert_int_equal(info.overrides[0].gsi, 2);
    assert_int_equal(info.overrides[0].flags, 0);
    assert_int_equal(info.overrides[4].bus, 0);
    assert_int_equal(info.overrides[4].source, 11);
    assert_int_equal(info.overrides[4].gsi, 11);
    assert_int_equal(info.overrides[4].flags, 0xd);
}

static void test_madt_x2apic(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    madt_start(0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_x2apic(0x100, 1, 7);
    madt_x2apic(0x12345678, 1, 0xabcdef);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), 0);
    assert_false(info.pcat_compat);
    assert_int_equal(info.nr_cpus, 3);
    assert_int_equal(info.cpus[1].apic_id, 0x100);
    assert_int_equal(info.cpus[1].uid, 7);
    assert_int_equal(info.cpus[2].apic_id, 0x12345678);
    assert_int_equal(info.cpus[2].uid, 0xabcdef);
}

static void test_madt_disabled(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    madt_start(0xfee00000, 1);
    madt_lapic(0, 0, 0);
    madt_lapic(1, 1, 2); /* online-capable only: hotplug, not counted */
    madt_lapic(2, 2, 1);
    madt_x2apic(0x200, 0, 3);
    madt_x2apic(0x201, 2, 4);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), 0);
    assert_int_equal(info.nr_cpus, 1);
    assert_int_equal(info.cpus[0].apic_id, 2);
}

static void test_madt_duplicates(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    madt_start(0xfee00000, 1);
    madt_lapic(3, 3, 1);
    madt_x2apic(3, 1, 3); /* the same CPU listed twice */
    madt_lapic(9, 3, 1);
    madt_lapic(4, 4, 0);   /* disabled here... */
    madt_x2apic(4, 1, 4);  /* ...enabled here: counts once */
    madt_x2apic(4, 1, 44); /* and not again */
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), 0);
    assert_int_equal(info.nr_cpus, 2);
    assert_int_equal(info.cpus[0].apic_id, 3);
    assert_int_equal(info.cpus[0].uid, 3);
    assert_int_equal(info.cpus[1].apic_id, 4);
    assert_int_equal(info.cpus[1].uid, 4);
}

static void test_madt_lapic_override(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    madt_start(0xfee00000, 1);
    madt_lapic_override(0x1fee00000ull); /* before the CPUs: still wins */
    madt_lapic(0, 0, 1);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), 0);
    assert_int_equal(info.lapic_addr, 0x1fee00000ull);
    assert_int_equal(info.nr_cpus, 1);
}

static void test_madt_caps(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    madt_start(0xfee00000, 1);
    for (uint32_t i = 0; i < 300; i++)
        madt_x2apic(i, 1, i);
    for (uint8_t i = 0; i < 20; i++)
        madt_ioapic(i, 0xfec00000 + i * 0x1000u, i * 24u);
    for (uint8_t i = 0; i < 40; i++)
        madt_iso(0, i, i, 0);
    u8(200), u8(3), u8(0); /* unknown type, skipped by its length */
    madt_lapic(0, 0xfe, 1);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), 0);
    assert_int_equal(info.nr_cpus, ACPI_MAX_CPUS);
    assert_int_equal(info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
    assert_int_equal(info.nr_ioapics, ACPI_MAX_IOAPICS);
    assert_int_equal(info.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base, (ACPI_MAX_IOAPICS - 1) * 24);
    assert_int_equal(info.nr_overrides, ACPI_MAX_OVERRIDES);
}

/* A broken entry frame rejects the whole table and leaves info untouched. */
static void expect_madt_rejected(void)
{
    struct acpi_info info;
    size_t len;

    info_init(&info);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_table_valid(t, len), 0);
    assert_int_equal(acpi_parse_madt(t, len, &info), -EINVAL);
    assert_int_equal(info.nr_cpus, 0);
    assert_int_equal(info.nr_ioapics, 0);
    assert_int_equal(info.lapic_addr, 0);
}

static void test_madt_bad_frames(void **state)
{
    (void)state;
    for (int elen = 0; elen < 2; elen++) {
        madt_start(0xfee00000, 1);
        madt_lapic(0, 0, 1);
        u8(0), u8(elen), u8(0), u8(0), u32(1);
        madt_ioapic(0, 0xfec00000, 0);
        expect_madt_rejected();
    }

    /* Last entry claims more bytes than the table has. */
    madt_start(0xfee00000, 1);
    madt_lapic(0, 0, 1);
    u8(1), u8(20), u8(0), u8(0), u32(0xfec00000), u32(0);
    expect_madt_rejected();

    /* One stray byte after the last entry: not even a type and length. */
    madt_start(0xfee00000, 1);
    madt_lapic(0, 0, 1);
    u8(0);
    expect_madt_rejected();
}

static void test_madt_short_entries(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    madt_start(0xfee00000, 1);
    u8(0), u8(6), u8(5), u8(5), u16(1);          /* local APIC, 6 < 8 */
    u8(1), u8(8), u8(1), u8(0), u32(0xfec00000); /* IOAPIC, 8 < 12 */
    u8(2), u8(8), u8(0), u8(0), u32(2);          /* override, 8 < 10 */
    u8(5), u8(8), u16(0), u32(0xdead0000);       /* LAPIC address, 8 < 12 */
    u8(9), u8(12), u16(0), u32(0x300), u32(1);   /* x2APIC, 12 < 16 */
    madt_lapic(1, 1, 1);
    madt_ioapic(2, 0xfec01000, 24);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), -EINVAL);
    /* The good entries around the short ones are kept. */
    assert_int_equal(info.nr_cpus, 1);
    assert_int_equal(info.cpus[0].apic_id, 1);
    assert_int_equal(info.nr_ioapics, 1);
    assert_int_equal(info.ioapics[0].id, 2);
    assert_int_equal(info.nr_overrides, 0);
    assert_int_equal(info.lapic_addr, 0xfee00000);
}

static void test_madt_bad_table(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    struct acpi_header *t = madt_qemu(&len);
    assert_int_equal(acpi_parse_madt(dup_exact(t, len - 1), len - 1, &info), -EINVAL);
    assert_int_equal(acpi_parse_madt(dup_exact(t, 36), 36, &info), -EINVAL);

    memcpy(tb, t, len);
    tb[40] ^= 1; /* checksum now wrong */
    assert_int_equal(acpi_parse_madt(dup_exact(tb, len), len, &info), -EINVAL);

    memcpy(tb, t, len);
    tb[3] = 'X'; /* valid table, wrong signature */
    tb_n = len;
    tb_fix((uint32_t)len);
    assert_int_equal(acpi_parse_madt(dup_exact(tb, len), len, &info), -EINVAL);

    /* Valid header but too short for the local APIC address and flags. */
    madt_start(0xfee00000, 1);
    tb_n = 40;
    t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), -EINVAL);
    assert_int_equal(info.nr_cpus, 0);
    assert_int_equal(info.lapic_addr, 0);

    /* Header-only MADT with no entries is fine. */
    madt_start(0xfee00000, 0);
    t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), 0);
    assert_int_equal(info.nr_cpus, 0);
}

/* ------------------------------------------------ SRAT */
static void test_srat_two_nodes(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    madt_start(0xfee00000, 1);
    madt_lapic(0, 0, 1);
    madt_lapic(1, 1, 1);
    madt_x2apic(0x100, 1, 2);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_madt(t, len, &info), 0);

    srat_start(3);
    srat_mem(5, 0x8000000, 0x8000000, 1); /* domain 5 seen first: node 0 */
    srat_cpu(0, 0, 1);
    srat_cpu(5, 1, 1);
    srat_x2apic(0, 0x100, 1);
    srat_x2apic(5, 0x999, 1); /* CPU the MADT did not list: only its node counts */
    srat_mem(0, 0, 0xa0000, 1);
    srat_mem(0, 0x100000000ull, 0x40000000, 3);
    srat_mem(7, 0x200000000ull, 0x1000, 0); /* disabled: no node 7 */
    t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), 0);
    assert_true(info.have_srat);
    assert_int_equal(info.nr_nodes, 2);
    assert_int_equal(info.node_pxm[0], 5);
    assert_int_equal(info.node_pxm[1], 0);
    assert_int_equal(info.cpus[0].node, 1);
    assert_int_equal(info.cpus[1].node, 0);
    assert_int_equal(info.cpus[2].node, 1);
    assert_int_equal(info.nr_mem_affinity, 3);
    assert_int_equal(info.mem_affinity[0].start, 0x8000000);
    assert_int_equal(info.mem_affinity[0].end, 0x10000000);
    assert_int_equal(info.mem_affinity[0].node, 0);
    assert_false(info.mem_affinity[0].hotplug);
    assert_int_equal(info.mem_affinity[1].start, 0);
    assert_int_equal(info.mem_affinity[1].end, 0xa0000);
    assert_int_equal(info.mem_affinity[1].node, 1);
    assert_int_equal(info.mem_affinity[2].start, 0x100000000ull);
    assert_int_equal(info.mem_affinity[2].end, 0x140000000ull);
    assert_true(info.mem_affinity[2].hotplug);
}

static void test_srat_pxm_width(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    srat_start(3);
    srat_cpu(0x01020304, 0, 1);
    srat_mem(0x01020304, 0, 0x1000, 1);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), 0);
    assert_int_equal(info.nr_nodes, 1);
    assert_int_equal(info.node_pxm[0], 0x01020304);

    /* Revision 1: domains were 8 bits wide, the upper bytes reserved. */
    info_init(&info);
    srat_start(1);
    srat_cpu(0x01020304, 0, 1);
    srat_mem(0xaabbcc04, 0, 0x1000, 1);
    t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), 0);
    assert_int_equal(info.nr_nodes, 1);
    assert_int_equal(info.node_pxm[0], 4);
}

static void test_srat_nothing_enabled(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    srat_start(3);
    srat_cpu(0, 0, 0);
    srat_x2apic(1, 0x100, 0);
    srat_mem(2, 0, 0x1000, 2); /* hotplug but not enabled */
    srat_mem(3, 0x1000, 0, 1); /* enabled but empty */
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), 0);
    assert_false(info.have_srat);
    assert_int_equal(info.nr_nodes, 1);
    assert_int_equal(info.nr_mem_affinity, 0);
}

static void test_srat_mem_overflow(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    srat_start(3);
    srat_mem(1, 0xfffffffffffff000ull, 0x2000, 1); /* wraps */
    srat_mem(2, 0xfffffffffffff000ull, 0x1000, 1); /* end not representable */
    srat_mem(3, 0x1000, 0x1000, 1);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), -EINVAL);
    assert_true(info.have_srat);
    assert_int_equal(info.nr_nodes, 1);
    assert_int_equal(info.node_pxm[0], 3);
    assert_int_equal(info.nr_mem_affinity, 1);
    assert_int_equal(info.mem_affinity[0].end, 0x2000);
}

static void test_srat_bad(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    for (int elen = 0; elen < 3; elen++) {
        info_init(&info);
        srat_start(3);
        srat_cpu(0, 0, 1);
        if (elen < 2)
            u8(1), u8(elen);
        else
            u8(1), u8(40), u64(0); /* runs past the end */
        struct acpi_header *t = tb_end(&len);
        assert_int_equal(acpi_parse_srat(t, len, &info), -EINVAL);
        assert_false(info.have_srat);
        assert_int_equal(info.nr_nodes, 1);
    }

    /* Entries too short for their type are skipped; the rest still count. */
    info_init(&info);
    srat_start(3);
    u8(0), u8(8), u8(9), u8(0), u32(1);
    u8(1), u8(24), u32(9), u16(0), u64(0), u64(0x1000);
    u8(2), u8(16), u16(0), u32(9), u32(0), u32(1);
    srat_cpu(4, 0, 1);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), -EINVAL);
    assert_true(info.have_srat);
    assert_int_equal(info.nr_nodes, 1);
    assert_int_equal(info.node_pxm[0], 4);

    /* Header without the 12 SRAT bytes; truncated mapping. */
    tb_start("SRAT", 3);
    u32(1);
    t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), -EINVAL);
    t = srat_two_nodes(&len);
    assert_int_equal(acpi_parse_srat(dup_exact(t, len - 1), len - 1, &info), -EINVAL);
}

static void test_srat_caps(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    srat_start(3);
    for (uint32_t i = 0; i < 70; i++)
        srat_mem(i * 3, i * 0x100000ull, 0x100000, 1);
    struct acpi_header *t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), 0);
    assert_int_equal(info.nr_nodes, ACPI_MAX_NODES);
    assert_int_equal(info.node_pxm[ACPI_MAX_NODES - 1], (ACPI_MAX_NODES - 1) * 3);
    assert_int_equal(info.nr_mem_affinity, ACPI_MAX_MEM_AFFINITY);

    info_init(&info);
    srat_start(3);
    for (uint32_t i = 0; i < 70; i++)
        srat_mem(0, i * 0x100000ull, 0x100000, 1);
    t = tb_end(&len);
    assert_int_equal(acpi_parse_srat(t, len, &info), 0);
    assert_int_equal(info.nr_nodes, 1);
    assert_int_equal(info.nr_mem_affinity, ACPI_MAX_MEM_AFFINITY);
}

/* ------------------------------------------------ HPET */
static void test_hpet(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    info_init(&info);
    struct acpi_header *t = hpet_build(0, 0xfed00000, &len);
    assert_int_equal(len, 56);
    assert_int_equal(acpi_parse_hpet(t, len, &info), 0);
    assert_int_equal(info.hpet_addr, 0xfed00000);

    info_init(&info);
    t = hpet_build(1, 0xfed00000, &len); /* I/O space */
    assert_int_equal(acpi_parse_hpet(t, len, &info), -EINVAL);
    t = hpet_build(0, 0, &len);
    assert_int_equal(acpi_parse_hpet(t, len, &info), -EINVAL);
    hpet_build(0, 0xfed00000, &len);
    tb_n = 52; /* address field cut off */
    t = tb_end(&len);
    assert_int_equal(acpi_parse_hpet(t, len, &info), -EINVAL);
    t = hpet_build(0, 0xfed00000, &len);
    assert_int_equal(acpi_parse_madt(t, len, &info), -EINVAL);
    assert_int_equal(info.hpet_addr, 0);
}

/* ------------------------------------------------ mutation: no crash, no overread */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void fuzz(struct acpi_header *base, size_t base_len,
                 int (*parse)(const struct acpi_header *, size_t, struct acpi_info *))
{
    static struct acpi_info info;

    for (int iter = 0; iter < 20000; iter++) {
        memcpy(tb, base, base_len);
        tb_n = base_len;
        for (uint32_t k = rnd() % 4 + 1; k; k--)
            tb[36 + rnd() % (base_len - 36)] = (uint8_t)rnd();
        if (rnd() % 4 == 0)
            tb_n = 36 + rnd() % (base_len - 35);
        tb_fix((uint32_t)tb_n);
        size_t maplen = rnd() % 8 ? tb_n : rnd() % (tb_n + 1);
        uint8_t *p = malloc(maplen ? maplen : 1);
        assert_non_null(p);
        memcpy(p, tb, maplen);
        info_init(&info);
        int rc = parse((struct acpi_header *)p, maplen, &info);
        free(p);
        assert_true(rc == 0 || rc == -EINVAL);
        assert_true(info.nr_cpus <= ACPI_MAX_CPUS);
        assert_true(info.nr_nodes <= ACPI_MAX_NODES);
        assert_true(info.nr_mem_affinity <= ACPI_MAX_MEM_AFFINITY);
    }
}

static void test_fuzz(void **state)
{
    size_t len;

    (void)state;
    struct acpi_header *t = madt_qemu(&len);
    fuzz(t, len, acpi_parse_madt);
    madt_start(0xfee00000, 1);
    madt_x2apic(0x100, 1, 1);
    madt_lapic_override(0x1000);
    madt_ioapic(1, 2, 3);
    t = tb_end(&len);
    fuzz(t, len, acpi_parse_madt);
    t = srat_two_nodes(&len);
    fuzz(t, len, acpi_parse_srat);
    t = hpet_build(0, 0xfed00000, &len);
    fuzz(t, len, acpi_parse_hpet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_madt_qemu),
        T(test_madt_x2apic),
        T(test_madt_disabled),
        T(test_madt_duplicates),
        T(test_madt_lapic_override),
        T(test_madt_caps),
        T(test_madt_bad_frames),
        T(test_madt_short_entries),
        T(test_madt_bad_table),
        T(test_srat_two_nodes),
        T(test_srat_pxm_width),
        T(test_srat_nothing_enabled),
        T(test_srat_mem_overflow),
        T(test_srat_bad),
        T(test_srat_caps),
        T(test_hpet),
        T(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
