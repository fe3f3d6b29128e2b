/* SPDX-License-Identifier: MIT */
/* The hypervisor's own page tables. */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <lamina/memmap.h>
#include <lamina/types.h>

#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_PS (1UL << 7)
#define PTE_G (1UL << 8)
#define PTE_NX (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL

/* Mapping kinds; paging.c turns them into PTE bits (NX only where supported). */
enum map_kind { MAP_RX, MAP_RO, MAP_RW, MAP_RWX };

/*
 * Build the final tables (direct map of everything below max(4 GiB, end of
 * RAM), the image with W^X) from boot memory in `map`, and switch to them.
 */
void paging_init(struct memmap *map);

/* Page tables come from the buddy heap from now on (it owns every free frame). */
void paging_heap_ready(void);

/* Map [va, va+len) to [pa, pa+len) with 4 KiB pages; 0 or -ENOMEM. */
int map_4k(uintptr_t va, paddr_t pa, uint64_t len, enum map_kind kind);
void unmap_4k(uintptr_t va, uint64_t len); /* local TLB flushed */

extern paddr_t idle_pml4_pa;
extern paddr_t directmap_end;
/* machine memory below this is in the direct map */ /* CR3 of the hypervisor's own address
                                                        space */

#endif
