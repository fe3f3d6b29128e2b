/* SPDX-License-Identifier: MIT */
/* Split ACPI test files share one table builder and one fake physical memory. */
#ifndef ACPI_TEST_UTIL_H
#define ACPI_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <lamina/acpi.h>

/* An exact-size heap copy of src, freed by teardown(). */
void *dup_exact(const void *src, size_t len);

/* Fake physical memory: acpi_map() finds what place() put there. */
struct region {
    uint64_t pa;
    uint8_t *buf;
    size_t len;
};
extern struct region regions[32];
extern int nr_regions;
void place(uint64_t pa, const void *data, size_t len);

/* Per-test fixtures: reset printk capture; free the blocks, forget the regions. */
int setup(void **state);
int teardown(void **state);

/* Table builder: bytes go to tb[0..tb_n), little-endian. */
extern uint8_t tb[1 << 17];
extern size_t tb_n;
void put(uint64_t v, int bytes);
#define u8(v) put((v), 1)
#define u16(v) put((v), 2)
#define u32(v) put((v), 4)
#define u64(v) put((v), 8)
uint8_t sum(const uint8_t *p, size_t n);
void tb_start(const char *sig, uint8_t rev);
void tb_fix(uint32_t length);
struct acpi_header *tb_end(size_t *len);

void madt_start(uint32_t lapic, uint32_t flags);
void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags);
void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi);
void madt_iso(uint8_t bus, uint8_t src, uint32_t gsi, uint16_t flags);
void madt_lapic_override(uint64_t addr);
void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid);

void srat_start(uint8_t rev);
void srat_cpu(uint32_t pxm, uint8_t apic, uint32_t flags);
void srat_mem(uint32_t pxm, uint64_t base, uint64_t len, uint32_t flags);
void srat_x2apic(uint32_t pxm, uint32_t id, uint32_t flags);

struct acpi_header *hpet_build(uint8_t space, uint64_t addr, size_t *len);
size_t rsdp_build(uint8_t out[36], uint8_t rev, uint32_t rsdt, uint64_t xsdt);
struct acpi_header *madt_qemu(size_t *len);
struct acpi_header *srat_two_nodes(size_t *len);
void info_init(struct acpi_info *info);

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

#endif
