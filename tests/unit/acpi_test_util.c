// SPDX-License-Identifier: MIT
/* ACPI test files build tables and fake memory alike, as exact-size heap blocks for ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acpi_test_util.h"
#include "printk_stub.h"

/* ------------------------------------------------ heap blocks freed per test */
static void *allocs[256];
static int nr_allocs;

void *dup_exact(const void *src, size_t len)
{
    void *p = malloc(len ? len : 1);

    assert_non_null(p);
    assert_true(nr_allocs < (int)(sizeof(allocs) / sizeof(allocs[0])));
    memcpy(p, src, len);
    allocs[nr_allocs++] = p;
    return p;
}

/* ------------------------------------------------ fake physical memory */
struct region regions[32];
int nr_regions;

void place(uint64_t pa, const void *data, size_t len)
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

int setup(void **state)
{
    (void)state;
    test_printk_reset();
    return 0;
}

int teardown(void **state)
{
    (void)state;
    while (nr_allocs)
        free(allocs[--nr_allocs]);
    nr_regions = 0;
    return 0;
}

/* ------------------------------------------------ table builder */
uint8_t tb[1 << 17];
size_t tb_n;

void put(uint64_t v, int bytes)
{
    assert_true(tb_n + (size_t)bytes <= sizeof(tb));
    for (int i = 0; i < bytes; i++)
        tb[tb_n++] = (uint8_t)(v >> (8 * i));
}

uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

void tb_start(const char *sig, uint8_t rev)
{
    memset(tb, 0, 36);
    memcpy(tb, sig, 4);
    tb[8] = rev;
    memcpy(tb + 10, "LAMINA", 6);
    memcpy(tb + 16, "TESTTABL", 8);
    tb_n = 36;
}

/* Store `length` (the real size unless overridden) and make the checksum right. */
void tb_fix(uint32_t length)
{
    for (int i = 0; i < 4; i++)
        tb[4 + i] = (uint8_t)(length >> (8 * i));
    tb[9] = 0;
    tb[9] = (uint8_t)-sum(tb, length < tb_n ? length : tb_n);
}

struct acpi_header *tb_end(size_t *len)
{
    tb_fix((uint32_t)tb_n);
    *len = tb_n;
    return dup_exact(tb, tb_n);
}

void madt_start(uint32_t lapic, uint32_t flags)
{
    tb_start("APIC", 5);
    u32(lapic);
    u32(flags);
}
void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
    u8(0), u8(8), u8(uid), u8(id), u32(flags);
}
void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
    u8(1), u8(12), u8(id), u8(0), u32(addr), u32(gsi);
}
void madt_iso(uint8_t bus, uint8_t src, uint32_t gsi, uint16_t flags)
{
    u8(2), u8(10), u8(bus), u8(src), u32(gsi), u16(flags);
}
void madt_lapic_override(uint64_t addr)
{
    u8(5), u8(12), u16(0), u64(addr);
}
void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
    u8(9), u8(16), u16(0), u32(id), u32(flags), u32(uid);
}

void srat_start(uint8_t rev)
{
    tb_start("SRAT", rev);
    u32(1);
    u64(0);
}
void srat_cpu(uint32_t pxm, uint8_t apic, uint32_t flags)
{
    u8(0), u8(16), u8(pxm & 0xff), u8(apic), u32(flags), u8(0);
    u8(pxm >> 8), u8(pxm >> 16), u8(pxm >> 24), u32(0);
}
void srat_mem(uint32_t pxm, uint64_t base, uint64_t len, uint32_t flags)
{
    u8(1), u8(40), u32(pxm), u16(0), u64(base), u64(len), u32(0), u32(flags), u64(0);
}
void srat_x2apic(uint32_t pxm, uint32_t id, uint32_t flags)
{
    u8(2), u8(24), u16(0), u32(pxm), u32(id), u32(flags), u32(0), u32(0);
}

struct acpi_header *hpet_build(uint8_t space, uint64_t addr, size_t *len)
{
    tb_start("HPET", 1);
    u32(0x8086a201);
    u8(space), u8(64), u8(0), u8(0), u64(addr);
    u8(0), u16(0x80), u8(0);
    return tb_end(len);
}

/* RSDP revision 0 (20 bytes) or 2 (36 bytes), checksums right. */
size_t rsdp_build(uint8_t out[36], uint8_t rev, uint32_t rsdt, uint64_t xsdt)
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
struct acpi_header *madt_qemu(size_t *len)
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
struct acpi_header *srat_two_nodes(size_t *len)
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

void info_init(struct acpi_info *info)
{
    memset(info, 0, sizeof(*info));
    info->nr_nodes = 1;
}
