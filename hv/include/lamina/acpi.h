/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables the hypervisor reads: RSDP -> XSDT/RSDT -> MADT (CPUs, IOAPICs,
 * interrupt overrides), SRAT (NUMA), HPET. Firmware tables are input like any
 * other: lengths, checksums and entry sizes are checked before a byte is used.
 */
#ifndef LAMINA_ACPI_H
#define LAMINA_ACPI_H

#include <lamina/types.h>

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_OVERRIDES 32
#define ACPI_MAX_MEM_AFFINITY 64
#define ACPI_MAX_NODES 64

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __packed;

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;
    uint32_t node; /* index into nodes (dense 0..nr_nodes-1) */
};

struct acpi_ioapic {
    uint32_t id;
    uint32_t addr;
    uint32_t gsi_base;
};

struct acpi_override {
    uint8_t bus, source;
    uint32_t gsi;
    uint16_t flags;
};

struct acpi_mem_affinity {
    uint64_t start, end; /* [start, end) */
    uint32_t node;       /* dense node index */
    bool hotplug;
};

struct acpi_info {
    uint64_t lapic_addr;  /* MADT local APIC address, or its 64-bit override */
    bool pcat_compat;     /* MADT flag: legacy 8259s present */
    unsigned int nr_cpus; /* enabled CPUs only, in MADT order */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    unsigned int nr_ioapics;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned int nr_overrides;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];

    /* SRAT: firmware proximity domains are mapped to dense node indexes. */
    bool have_srat;
    unsigned int nr_nodes; /* 1 when there is no usable SRAT */
    uint32_t node_pxm[ACPI_MAX_NODES];
    unsigned int nr_mem_affinity;
    struct acpi_mem_affinity mem_affinity[ACPI_MAX_MEM_AFFINITY];

    uint64_t hpet_addr; /* 0: no HPET table */

    /* FADT + DSDT \_S5: how to power off. */
    uint32_t pm1a_cnt, pm1b_cnt; /* I/O ports, 0 if absent */
    bool have_s5;
    uint8_t s5_slp_typ_a, s5_slp_typ_b;
};

/*
 * Validate an RSDP at `p` (of `len` readable bytes): signature, v1 checksum,
 * and for revision >= 2 the length and extended checksum. On success stores
 * the root table address and whether it is an XSDT.
 */
int acpi_rsdp_parse(const void *p, size_t len, uint64_t *root, bool *is_xsdt);

/* Check a table's header: length within [sizeof header, maplen], checksum 0. */
int acpi_table_valid(const struct acpi_header *t, size_t maplen);

/* Parse one table into `info`. Each returns 0 or a negative errno. */
int acpi_parse_madt(const struct acpi_header *t, size_t maplen, struct acpi_info *info);
int acpi_parse_srat(const struct acpi_header *t, size_t maplen, struct acpi_info *info);
int acpi_parse_fadt(const struct acpi_header *t, size_t maplen, struct acpi_info *info);
int acpi_parse_hpet(const struct acpi_header *t, size_t maplen, struct acpi_info *info);

/*
 * Walk from the RSDP at physical `rsdp_pa` through the root table and parse
 * every table we know. Tables are reached with acpi_map(), provided by the
 * platform (the direct map) or a unit test. An invalid table is skipped with
 * a warning; -ENODEV only when there is no usable root at all.
 */
int acpi_init(paddr_t rsdp_pa, struct acpi_info *info);

/* Return a readable pointer to [pa, pa + len), or NULL if it cannot be reached. */
const void *acpi_map(paddr_t pa, size_t len);

/* Power off through ACPI S5 (arch/x86/acpi_power.c); returns only if that failed. */
void acpi_power_init(const struct acpi_info *info);
void machine_poweroff(void);

/* Find the RSDP in the legacy BIOS areas (EBDA, 0xE0000-0xFFFFF); 0 if none. */
paddr_t acpi_find_rsdp_legacy(void);

#endif
