// SPDX-License-Identifier: MIT
/*
 * ACPI parsing meets firmware bugs on real machines and can only be exercised
 * on one QEMU layout at boot; these tests build the tables in memory, good and
 * broken, and check every broken one fails cleanly. Each table and each piece
 * of fake physical memory is its own exact-size heap block, so ASan catches a
 * read even one byte too far.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <lamina/acpi.h>
#include <lamina/errno.h>

#include "printk_stub.h"

/* ------------------------------------------------ heap blocks freed per test */
static void *allocs[256];
static int nr_allocs;

static void *dup_exact(const void *src, size_t len)
{
    void *p = malloc(len ? len : 1);

    assert_non_null(p);
    assert_true(nr_allocs < (int)(sizeof(allocs) / sizeof(allocs[0])));
    memcpy(p, src, len);
    allocs[nr_allocs++] = p;
    return p;
}

/* ------------------------------------------------ fake physical memory */
struct region {
    uint64_t pa;
    uint8_t *buf;
    size_t len;
};
static struct region regions[32];
static int nr_regions;

static void place(uint64_t pa, const void *data, size_t len)
{
    assert_true(nr_regions < (int)(sizeof(regions) / sizeof(regions[0])));
    regions[nr_regions++] = (struct region){pa, dup_exact(data, len), len};
}

const void *acpi_map(paddr_t pa, size_t len)
{
    for (int i = 0; i < nr_regions; i++) {
        const struct region *r = &regions[i];
        if (pa >= r->pa && pa - r->pa <= r->len && len <= r->len - (pa - r->pa))
            return r->buf + (pa - r->pa);
    }
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    test_printk_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    while (nr_allocs)
        free(allocs[--nr_allocs]);
    nr_regions = 0;
    return 0;
}

/* ------------------------------------------------ table builder */
static uint8_t tb[1 << 17];
static size_t tb_n;

static void put(uint64_t v, int bytes)
{
    assert_true(tb_n + (size_t)bytes <= sizeof(tb));
    for (int i = 0; i < bytes; i++)
        tb[tb_n++] = (uint8_t)(v >> (8 * i));
}
#define u8(v) put((v), 1)
#define u16(v) put((v), 2)
#define u32(v) put((v), 4)
#define u64(v) put((v), 8)

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

static void tb_start(const char *sig, uint8_t rev)
{
    memset(tb, 0, 36);
    memcpy(tb, sig, 4);
    tb[8] = rev;
    memcpy(tb + 10, "LAMINA", 6);
    memcpy(tb + 16, "TESTTABL", 8);
    tb_n = 36;
}

/* Store `length` (the real size unless overridden) and make the checksum right. */
static void tb_fix(uint32_t length)
{
    for (int i = 0; i < 4; i++)
        tb[4 + i] = (uint8_t)(length >> (8 * i));
    tb[9] = 0;
    tb[9] = (uint8_t)-sum(tb, length < tb_n ? length : tb_n);
}

static struct acpi_header *tb_end(size_t *len)
{
    tb_fix((uint32_t)tb_n);
    *len = tb_n;
    return dup_exact(tb, tb_n);
}

static void madt_start(uint32_t lapic, uint32_t flags)
{
    tb_start("APIC", 5);
    u32(lapic);
    u32(flags);
}
static void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
    u8(0), u8(8), u8(uid), u8(id), u32(flags);
}
static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
    u8(1), u8(12), u8(id), u8(0), u32(addr), u32(gsi);
}
static void madt_iso(uint8_t bus, uint8_t src, uint32_t gsi, uint16_t flags)
{
    u8(2), u8(10), u8(bus), u8(src), u32(gsi), u16(flags);
}
static void madt_lapic_override(uint64_t addr)
{
    u8(5), u8(12), u16(0), u64(addr);
}
static void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
    u8(9), u8(16), u16(0), u32(id), u32(flags), u32(uid);
}

static void srat_start(uint8_t rev)
{
    tb_start("SRAT", rev);
    u32(1);
    u64(0);
}
static void srat_cpu(uint32_t pxm, uint8_t apic, uint32_t flags)
{
    u8(0), u8(16), u8(pxm & 0xff), u8(apic), u32(flags), u8(0);
    u8(pxm >> 8), u8(pxm >> 16), u8(pxm >> 24), u32(0);
}
static void srat_mem(uint32_t pxm, uint64_t base, uint64_t len, uint32_t flags)
{
    u8(1), u8(40), u32(pxm), u16(0), u64(base), u64(len), u32(0), u32(flags), u64(0);
}
static void srat_x2apic(uint32_t pxm, uint32_t id, uint32_t flags)
{
    u8(2), u8(24), u16(0), u32(pxm), u32(id), u32(flags), u32(0), u32(0);
}

static struct acpi_header *hpet_build(uint8_t space, uint64_t addr, size_t *len)
{
    tb_start("HPET", 1);
    u32(0x8086a201);
    u8(space), u8(64), u8(0), u8(0), u64(addr);
    u8(0), u16(0x80), u8(0);
    return tb_end(len);
}

/* RSDP revision 0 (20 bytes) or 2 (36 bytes), checksums right. */
static size_t rsdp_build(uint8_t out[36], uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
    memset(out, 0, 36);
    memcpy(out, "RSD PTR ", 8);
    memcpy(out + 9, "LAMINA", 6);
    out[15] = rev;
    for (int i = 0; i < 4; i++)
        out[16 + i] = (uint8_t)(rsdt >> (8 * i));
    out[8] = (uint8_t)-sum(out, 20);
    if (rev < 2)
        return 20;
    out[20] = 36;
    for (int i = 0; i < 8; i++)
        out[24 + i] = (uint8_t)(xsdt >> (8 * i));
    out[32] = (uint8_t)-sum(out, 36);
    return 36;
}

/* QEMU's i440fx layout: two CPUs, one IOAPIC, the usual overrides, an NMI entry. */
static struct acpi_header *madt_qemu(size_t *len)
{
    madt_start(0xfee00000, 1);
    madt_lapic(0, 0, 1);
    madt_lapic(1, 1, 1);
    madt_ioapic(0, 0xfec00000, 0);
    madt_iso(0, 0, 2, 0);
    madt_iso(0, 5, 5, 0xd);
    madt_iso(0, 9, 9, 0xd);
    madt_iso(0, 10, 10, 0xd);
    madt_iso(0, 11, 11, 0xd);
    u8(4), u8(6), u8(0xff), u16(0), u8(1); /* local APIC NMI: not ours */
    return tb_end(len);
}

/* Two nodes with firmware domains 0 and 5. */
static struct acpi_header *srat_two_nodes(size_t *len)
{
    srat_start(3);
    srat_cpu(0, 0, 1);
    srat_cpu(5, 1, 1);
    srat_mem(0, 0, 0xa0000, 1);
    srat_mem(0, 0x100000, 0x7f00000, 1);
    srat_mem(5, 0x8000000, 0x8000000, 1);
    srat_mem(5, 0x100000000ull, 0x40000000, 3);
    return tb_end(len);
}

static void info_init(struct acpi_info *info)
{
    memset(info, 0, sizeof(*info));
    info->nr_nodes = 1;
}

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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_rsdp_v1),
        T(test_rsdp_v2),
        T(test_rsdp_bad),
        T(test_table_valid),
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
        T(test_init_xsdt),
        T(test_fadt_s5),
        T(test_init_rsdt),
        T(test_init_prefers_xsdt),
        T(test_init_bad_rsdp),
        T(test_init_bad_root),
        T(test_init_bad_tables),
        T(test_init_duplicate_tables),
        T(test_init_many_entries),
        T(test_legacy_ebda),
        T(test_legacy_bios),
        T(test_legacy_none),
        T(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
