// SPDX-License-Identifier: MIT
/* Finding the tables (RSDP, RSDT/XSDT, FADT, legacy scan) follows firmware pointers: test each. */
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
#include "printk_stub.h"

/* ------------------------------------------------ RSDP and headers */
static void test_rsdp_v1(void **state)
{
    uint8_t raw[36];
    uint64_t root = 0;
    bool x = true;

    (void)state;
    size_t n = rsdp_build(raw, 0, 0x7fe0000, 0);
    assert_int_equal(acpi_rsdp_parse(dup_exact(raw, n), n, &root, &x), 0);
    assert_int_equal(root, 0x7fe0000);
    assert_false(x);
    /* A v1 RSDP ignores whatever follows its 20 bytes. */
    raw[20] = 0x55;
    assert_int_equal(acpi_rsdp_parse(dup_exact(raw, 36), 36, &root, &x), 0);
}

static void test_rsdp_v2(void **state)
{
    uint8_t raw[36];
    uint64_t root = 0;
    bool x = false;

    (void)state;
    rsdp_build(raw, 2, 0x1000, 0x100000000ull);
    assert_int_equal(acpi_rsdp_parse(dup_exact(raw, 36), 36, &root, &x), 0);
    assert_int_equal(root, 0x100000000ull);
    assert_true(x);

    /* No XSDT address: fall back to the RSDT. */
    rsdp_build(raw, 2, 0x1000, 0);
    assert_int_equal(acpi_rsdp_parse(dup_exact(raw, 36), 36, &root, &x), 0);
    assert_int_equal(root, 0x1000);
    assert_false(x);
}

static void test_rsdp_bad(void **state)
{
    uint8_t raw[36], bad[36];
    uint64_t root;
    bool x;

    (void)state;
    rsdp_build(raw, 2, 0x1000, 0x2000);

    memcpy(bad, raw, 36);
    bad[0] = 'r';
    assert_int_equal(acpi_rsdp_parse(dup_exact(bad, 36), 36, &root, &x), -EINVAL);

    memcpy(bad, raw, 36);
    bad[9] ^= 1; /* first-20-bytes checksum */
    assert_int_equal(acpi_rsdp_parse(dup_exact(bad, 36), 36, &root, &x), -EINVAL);

    memcpy(bad, raw, 36);
    bad[33] ^= 1; /* only the extended checksum covers byte 33 */
    assert_int_equal(acpi_rsdp_parse(dup_exact(bad, 36), 36, &root, &x), -EINVAL);

    /* Revision 2 but only 20 bytes readable. */
    assert_int_equal(acpi_rsdp_parse(dup_exact(raw, 20), 20, &root, &x), -EINVAL);
    assert_int_equal(acpi_rsdp_parse(dup_exact(raw, 19), 19, &root, &x), -EINVAL);
    assert_int_equal(acpi_rsdp_parse(NULL, 36, &root, &x), -EINVAL);

    /* Length field below 36, and above what is readable; checksums kept right. */
    memcpy(bad, raw, 36);
    bad[20] = 30;
    bad[32] = 0;
    bad[32] = (uint8_t)-sum(bad, 30);
    assert_int_equal(acpi_rsdp_parse(dup_exact(bad, 36), 36, &root, &x), -EINVAL);
    memcpy(bad, raw, 36);
    bad[20] = 40;
    bad[32] = 0;
    bad[32] = (uint8_t)-sum(bad, 36);
    assert_int_equal(acpi_rsdp_parse(dup_exact(bad, 36), 36, &root, &x), -EINVAL);

    /* Neither root address. */
    size_t n = rsdp_build(bad, 0, 0, 0);
    assert_int_equal(acpi_rsdp_parse(dup_exact(bad, n), n, &root, &x), -EINVAL);
}

static void test_table_valid(void **state)
{
    size_t len;

    (void)state;
    struct acpi_header *t = madt_qemu(&len);
    assert_int_equal(acpi_table_valid(t, len), 0);
    assert_int_equal(acpi_table_valid(t, len + 100), 0);
    /* Truncated: the mapping is shorter than the table says. */
    assert_int_equal(acpi_table_valid(dup_exact(t, len - 1), len - 1), -EINVAL);
    assert_int_equal(acpi_table_valid(dup_exact(t, 35), 35), -EINVAL);
    assert_int_equal(acpi_table_valid(NULL, 36), -EINVAL);

    tb_start("APIC", 5);
    tb_fix(35); /* length below the header's own size */
    assert_int_equal(acpi_table_valid(dup_exact(tb, 36), 36), -EINVAL);

    memcpy(tb, t, len);
    tb[len - 1] ^= 0x80;
    assert_int_equal(acpi_table_valid(dup_exact(tb, len), len), -EINVAL);
}

/* ------------------------------------------------ acpi_init over fake memory */
#define RSDP_PA 0xf0010ull
#define ROOT_PA 0x7ff0000ull
#define TABLE_PA(i) (0x7ff1000ull + (uint64_t)(i)*0x1000)

/* The last table built, between building and placing it. */
static const void *blob;

/* Place the RSDP and a root table listing `pas`. */
static uint64_t put_root(bool xsdt, const uint64_t *pas, int n)
{
    uint8_t raw[36];
    size_t len;

    tb_start(xsdt ? "XSDT" : "RSDT", 1);
    for (int i = 0; i < n; i++)
        put(pas[i], xsdt ? 8 : 4);
    struct acpi_header *t = tb_end(&len);
    place(ROOT_PA, t, len);
    size_t rlen = xsdt ? rsdp_build(raw, 2, 0, ROOT_PA) : rsdp_build(raw, 0, ROOT_PA, 0);
    place(RSDP_PA, raw, rlen);
    return RSDP_PA;
}

static void put_table(int i, const void *t, size_t len)
{
    place(TABLE_PA(i), t, len);
}

/* FADT names the PM1 control ports; the DSDT's \_S5 package the sleep type. */
static void fadt_with_dsdt(uint64_t dsdt_pa, size_t *len, struct acpi_header **out)
{
    tb_start("FACP", 6);
    while (tb_n < 40)
        u8(0);
    u32((uint32_t)dsdt_pa); /* DSDT at 40 */
    while (tb_n < 64)
        u8(0);
    u32(0x604); /* PM1a_CNT_BLK */
    u32(0);     /* PM1b_CNT_BLK */
    while (tb_n < 184)
        u8(0);
    *out = tb_end(len);
}

static void test_fadt_s5(void **state)
{
    static const uint8_t aml_qemu[] = {0x08, '_',  'S',  '5',  '_',  0x12,
                                       0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t aml_bytes[] = {0x08, '_',  'S',  '5',  '_',  0x12, 0x08,
                                        0x04, 0x0a, 0x07, 0x0a, 0x05, 0x00, 0x00};
    const uint8_t *amls[] = {aml_qemu, aml_bytes};
    size_t aml_len[] = {sizeof(aml_qemu), sizeof(aml_bytes)};
    uint8_t want_a[] = {0, 7}, want_b[] = {0, 5};
    struct acpi_info info;
    struct acpi_header *fadt, *dsdt;
    size_t flen, dlen;

    (void)state;
    for (int i = 0; i < 2; i++) {
        tb_start("DSDT", 2);
        u8(0x10); /* some AML before: a ScopeOp we do not interpret */
        for (size_t k = 0; k < aml_len[i]; k++)
            u8(amls[i][k]);
        dsdt = tb_end(&dlen);
        place(TABLE_PA(1), dsdt, dlen);
        fadt_with_dsdt(TABLE_PA(1), &flen, &fadt);
        memset(&info, 0, sizeof(info));
        assert_int_equal(acpi_parse_fadt(fadt, flen, &info), 0);
        assert_int_equal(info.pm1a_cnt, 0x604);
        assert_true(info.have_s5);
        assert_int_equal(info.s5_slp_typ_a, want_a[i]);
        assert_int_equal(info.s5_slp_typ_b, want_b[i]);
        nr_regions = 0; /* the next round places its own DSDT (blobs are freed per test) */
    }
    /* No DSDT behind the pointer, and a truncated FADT: no S5, no crash. */
    fadt_with_dsdt(0xdead0000, &flen, &fadt);
    memset(&info, 0, sizeof(info));
    assert_int_equal(acpi_parse_fadt(fadt, flen, &info), 0);
    assert_false(info.have_s5);
    assert_int_equal(acpi_parse_fadt(fadt, 60, &info), -EINVAL);
}

static void test_init_xsdt(void **state)
{
    struct acpi_info info;
    uint64_t pas[] = {TABLE_PA(0), TABLE_PA(1), TABLE_PA(2), TABLE_PA(3)};
    size_t len;

    (void)state;
    blob = srat_two_nodes(&len);
    put_table(0, blob, len); /* SRAT before MADT */
    blob = hpet_build(0, 0xfed00000, &len);
    put_table(1, blob, len);
    tb_start("BGRT", 1); /* a table we do not read */
    u32(0);
    blob = tb_end(&len);
    put_table(2, blob, len);
    blob = madt_qemu(&len);
    put_table(3, blob, len);
    memset(&info, 0xa5, sizeof(info));
    assert_int_equal(acpi_init(put_root(true, pas, 4), &info), 0);
    assert_int_equal(test_printk_calls, 0);
    assert_int_equal(info.nr_cpus, 2);
    assert_int_equal(info.nr_ioapics, 1);
    assert_int_equal(info.nr_overrides, 5);
    assert_true(info.have_srat);
    assert_int_equal(info.nr_nodes, 2);
    assert_int_equal(info.node_pxm[1], 5);
    assert_int_equal(info.cpus[0].node, 0);
    assert_int_equal(info.cpus[1].node, 1);
    assert_int_equal(info.nr_mem_affinity, 4);
    assert_int_equal(info.hpet_addr, 0xfed00000);
}

static void test_init_rsdt(void **state)
{
    struct acpi_info info;
    uint8_t raw[36];
    size_t len;

    (void)state;
    blob = madt_qemu(&len);
    put_table(0, blob, len);
    /* An unused zero slot, and 3 stray bytes: not a whole number of slots. */
    tb_start("RSDT", 1);
    u32(0);
    u32(TABLE_PA(0));
    u8(0), u8(0), u8(0);
    blob = tb_end(&len);
    place(ROOT_PA, blob, len);
    /* A v1 RSDP with only its own 20 bytes mapped. */
    place(RSDP_PA, raw, rsdp_build(raw, 0, ROOT_PA, 0));
    assert_int_equal(acpi_init(RSDP_PA, &info), 0);
    assert_int_equal(test_printk_calls, 0);
    assert_int_equal(info.nr_cpus, 2);
    assert_false(info.have_srat);
    assert_int_equal(info.nr_nodes, 1);
    assert_int_equal(info.hpet_addr, 0);
}

static void test_init_prefers_xsdt(void **state)
{
    struct acpi_info info;
    uint8_t raw[36];
    size_t len;

    (void)state;
    blob = madt_qemu(&len);
    put_table(0, blob, len);
    tb_start("XSDT", 1);
    u64(TABLE_PA(0));
    blob = tb_end(&len);
    place(ROOT_PA, blob, len);
    tb_start("RSDT", 1); /* lists nothing */
    blob = tb_end(&len);
    place(ROOT_PA + 0x800, blob, len);
    rsdp_build(raw, 2, ROOT_PA + 0x800, ROOT_PA);
    place(RSDP_PA, raw, 36);
    assert_int_equal(acpi_init(RSDP_PA, &info), 0);
    assert_int_equal(info.nr_cpus, 2);
}

static void test_init_bad_rsdp(void **state)
{
    struct acpi_info info;
    uint64_t pas[] = {TABLE_PA(0)};
    size_t len;

    (void)state;
    blob = madt_qemu(&len);
    put_table(0, blob, len);
    put_root(true, pas, 1);
    regions[2].buf[8] ^= 1; /* the RSDP */
    assert_int_equal(acpi_init(RSDP_PA, &info), -ENODEV);
    assert_int_equal(test_printk_calls, 1);
    assert_non_null(strstr(test_printk_last, "acpi: "));
    assert_int_equal(info.nr_cpus, 0);
    assert_int_equal(info.nr_nodes, 1);

    /* Nothing mapped at the address; no address at all (no warning). */
    assert_int_equal(acpi_init(0x12340, &info), -ENODEV);
    assert_int_equal(test_printk_calls, 2);
    assert_int_equal(acpi_init(0, &info), -ENODEV);
    assert_int_equal(test_printk_calls, 2);
}

static void test_init_bad_root(void **state)
{
    struct acpi_info info;
    uint8_t raw[36];
    size_t len;

    (void)state;
    /* Root outside memory. */
    rsdp_build(raw, 2, 0, 0x4000000000ull);
    place(RSDP_PA, raw, 36);
    assert_int_equal(acpi_init(RSDP_PA, &info), -ENODEV);
    assert_int_equal(test_printk_calls, 1);
    teardown(state);

    /* RSDP says XSDT, the table there is an RSDT. */
    rsdp_build(raw, 2, 0, ROOT_PA);
    place(RSDP_PA, raw, 36);
    tb_start("RSDT", 1);
    blob = tb_end(&len);
    place(ROOT_PA, blob, len);
    assert_int_equal(acpi_init(RSDP_PA, &info), -ENODEV);
    assert_int_equal(test_printk_calls, 2);
    teardown(state);

    /* Bad checksum, then a length far beyond the mapping: a huge entry count. */
    place(RSDP_PA, raw, 36);
    tb_start("XSDT", 1);
    u64(TABLE_PA(0));
    blob = tb_end(&len);
    place(ROOT_PA, blob, len);
    regions[1].buf[40] ^= 1;
    assert_int_equal(acpi_init(RSDP_PA, &info), -ENODEV);
    assert_int_equal(test_printk_calls, 3);
    regions[1].buf[40] ^= 1;
    regions[1].buf[7] = 0x7f;
    assert_int_equal(acpi_init(RSDP_PA, &info), -ENODEV);
    assert_int_equal(test_printk_calls, 4);
    regions[1].buf[7] = 0;
    regions[1].buf[5] = 0x01; /* 300 bytes: the mapping has 44 */
    assert_int_equal(acpi_init(RSDP_PA, &info), -ENODEV);
    assert_int_equal(test_printk_calls, 5);
}

static void test_init_bad_tables(void **state)
{
    struct acpi_info info;
    uint64_t pas[] = {0xdead0000, TABLE_PA(0), TABLE_PA(1), TABLE_PA(2), TABLE_PA(3)};
    size_t len;

    (void)state;
    struct acpi_header *t = madt_qemu(&len);
    memcpy(tb, t, len);
    tb[len - 1] ^= 1;
    put_table(0, tb, len);    /* MADT, bad checksum: skipped */
    put_table(1, t, len - 4); /* MADT, truncated mapping: skipped */
    srat_start(3);
    srat_cpu(0, 0, 1);
    u8(1), u8(0);
    blob = tb_end(&len);
    put_table(2, blob, len); /* SRAT with a broken entry frame */
    blob = hpet_build(0, 0xfed00000, &len);
    put_table(3, blob, len);
    assert_int_equal(acpi_init(put_root(true, pas, 5), &info), 0);
    /* Unreachable table, two bad MADTs, one malformed SRAT. */
    assert_int_equal(test_printk_calls, 4);
    assert_int_equal(info.nr_cpus, 0);
    assert_false(info.have_srat);
    assert_int_equal(info.nr_nodes, 1);
    assert_int_equal(info.hpet_addr, 0xfed00000);
}

static void test_init_duplicate_tables(void **state)
{
    struct acpi_info info;
    uint64_t pas[] = {TABLE_PA(0), TABLE_PA(1), TABLE_PA(2)};
    size_t len;

    (void)state;
    madt_start(0xfee00000, 1);
    madt_lapic(0, 0, 1);
    blob = tb_end(&len);
    put_table(0, blob, len);
    blob = madt_qemu(&len);
    put_table(1, blob, len);
    blob = hpet_build(0, 0xfed00000, &len);
    put_table(2, blob, len);
    assert_int_equal(acpi_init(put_root(true, pas, 3), &info), 0);
    assert_int_equal(test_printk_calls, 0);
    assert_int_equal(info.nr_cpus, 1); /* the first MADT only */
}

static void test_init_many_entries(void **state)
{
    struct acpi_info info;
    size_t len;

    (void)state;
    blob = madt_qemu(&len);
    put_table(0, blob, len);
    tb_start("XSDT", 1);
    for (int i = 0; i < 10000; i++)
        u64(0);
    u64(TABLE_PA(0));
    blob = tb_end(&len);
    place(ROOT_PA, blob, len);
    uint8_t raw[36];
    rsdp_build(raw, 2, 0, ROOT_PA);
    place(RSDP_PA, raw, 36);
    assert_int_equal(acpi_init(RSDP_PA, &info), 0);
    assert_int_equal(info.nr_cpus, 2);
    assert_int_equal(test_printk_calls, 0);
}

/* ------------------------------------------------ legacy RSDP search */
static void put_bda(uint16_t ebda_seg)
{
    uint8_t bda[256] = {0};
    bda[0x0e] = (uint8_t)ebda_seg;
    bda[0x0f] = (uint8_t)(ebda_seg >> 8);
    place(0x400, bda, sizeof(bda));
}

static void test_legacy_ebda(void **state)
{
    static uint8_t ebda[1024];
    uint8_t raw[36];

    (void)state;
    memset(ebda, 0, sizeof(ebda));
    rsdp_build(raw, 2, 0x1000, 0x2000);
    memcpy(ebda + 0x40, raw, 36);
    put_bda(0x9fc0);
    place(0x9fc00, ebda, sizeof(ebda));
    assert_int_equal(acpi_find_rsdp_legacy(), 0x9fc40);
}

static void test_legacy_bios(void **state)
{
    uint8_t *bios = calloc(1, 0x20000);
    uint8_t raw[36];

    (void)state;
    assert_non_null(bios);
    rsdp_build(raw, 2, 0x1000, 0x2000);
    memcpy(bios + 0x8, raw, 36); /* not on a 16-byte boundary */
    memcpy(bios + 0x100, raw, 36);
    bios[0x100 + 8] ^= 1; /* bad checksum */
    memcpy(bios + 0x15a30, raw, 36);
    put_bda(0); /* no EBDA */
    place(0xe0000, bios, 0x20000);
    free(bios);
    assert_int_equal(acpi_find_rsdp_legacy(), 0xf5a30);
}

static void test_legacy_none(void **state)
{
    uint8_t *bios = calloc(1, 0x20000);
    uint8_t raw[36];

    (void)state;
    assert_non_null(bios);
    assert_int_equal(acpi_find_rsdp_legacy(), 0); /* nothing mapped at all */

    /* An EBDA segment outside 0x80000-0x9ffff is not believed. */
    rsdp_build(raw, 0, 0x1000, 0);
    put_bda(0x1000);
    place(0x10000, raw, 20);
    /* Near the top only a v1 RSDP fits: a v2 there would need 36 bytes. */
    memcpy(bios + 0x1fff0 - 16, raw, 20);
    bios[0x1fff0 - 16 + 15] = 2;
    bios[0x1fff0 - 16 + 8] -= 2;
    place(0xe0000, bios, 0x20000);
    assert_int_equal(acpi_find_rsdp_legacy(), 0);
    teardown(state);

    memcpy(bios + 0x1fff0 - 16, raw, 20);
    place(0xe0000, bios, 0x20000);
    assert_int_equal(acpi_find_rsdp_legacy(), 0xfffe0);
    free(bios);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_rsdp_v1),           T(test_rsdp_v2),           T(test_rsdp_bad),
        T(test_table_valid),       T(test_init_xsdt),         T(test_fadt_s5),
        T(test_init_rsdt),         T(test_init_prefers_xsdt), T(test_init_bad_rsdp),
        T(test_init_bad_root),     T(test_init_bad_tables),   T(test_init_duplicate_tables),
        T(test_init_many_entries), T(test_legacy_ebda),       T(test_legacy_bios),
        T(test_legacy_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
