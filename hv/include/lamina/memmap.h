/* SPDX-License-Identifier: MIT */
/*
 * Physical memory map: what firmware reported, made sane (sorted, no
 * overlaps, RAM edges page-aligned), then carved by the hypervisor's own
 * reservations (image, boot modules, boot-time allocations).
 */
#ifndef LAMINA_MEMMAP_H
#define LAMINA_MEMMAP_H

#include <lamina/types.h>

/* E820 numbering for the firmware types; ours start at 16. */
enum mem_type {
    MEM_USABLE = 1,
    MEM_RESERVED = 2,
    MEM_ACPI = 3, /* ACPI reclaimable: tables live here */
    MEM_NVS = 4,
    MEM_BAD = 5,
    MEM_HV = 16,       /* hypervisor image and boot-time allocations */
    MEM_MODULE = 17,   /* a boot module */
    MEM_BOOTINFO = 18, /* multiboot information and command lines */
};

#define MEMMAP_MAX 128

struct mem_region {
    uint64_t start, end; /* [start, end) */
    uint32_t type;
};

struct memmap {
    struct mem_region r[MEMMAP_MAX];
    unsigned int nr;
};

/* Append a raw firmware entry. -ENOSPC when full, -EINVAL for len 0 or wrap. */
int memmap_add(struct memmap *m, uint64_t start, uint64_t len, uint32_t type);

/*
 * Make the map sane: sorted by address, no overlaps (where entries overlap the
 * more restrictive type wins: BAD > RESERVED/unknown > NVS > ACPI > USABLE),
 * adjacent entries of one type merged, USABLE shrunk to whole pages, empty
 * entries dropped. Unknown firmware types become MEM_RESERVED.
 */
void memmap_sanitize(struct memmap *m);

/* Mark [start, end) as `type` (one of ours), splitting entries as needed. */
int memmap_reserve(struct memmap *m, uint64_t start, uint64_t end, uint32_t type);

/* Bytes of MEM_USABLE RAM plus what we reserved out of it (MEM_HV, ...). */
uint64_t memmap_ram_bytes(const struct memmap *m);

/* End of the highest RAM-like region (usable, ours, ACPI, NVS). */
uint64_t memmap_ram_end(const struct memmap *m);

/*
 * Boot-time allocation before the buddy allocator exists: take `bytes`
 * (page-aligned, from the top of the highest MEM_USABLE region that ends at or
 * below `limit`) and mark it MEM_HV. Returns the physical address, or 0.
 */
paddr_t memmap_alloc(struct memmap *m, uint64_t bytes, uint64_t limit);

const char *memmap_type_name(uint32_t type);

#endif
