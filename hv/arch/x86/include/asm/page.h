/* SPDX-License-Identifier: MIT */
/*
 * Virtual layout (4-level paging):
 *   0xffff800000000000  direct map of machine memory (PML4 slots 256..)
 *   0xffffffff80000000  the hypervisor image: virt = phys + XEN_IMAGE_BASE
 * Core code converts between frames and pointers only through these helpers,
 * which unit tests replace with their own (tests/unit/host/asm/page.h).
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <lamina/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define DIRECTMAP_BASE 0xffff800000000000UL
#define DIRECTMAP_SIZE (1UL << 45) /* 32 TiB: PML4 slots 256..319 */
#define IMAGE_BASE 0xffffffff80000000UL

static inline void *__va(paddr_t pa)
{
    return (void *)(pa + DIRECTMAP_BASE);
}

static inline paddr_t __pa(const void *va)
{
    uintptr_t v = (uintptr_t)va;
    return v >= IMAGE_BASE ? v - IMAGE_BASE : v - DIRECTMAP_BASE;
}

static inline void *mfn_to_virt(mfn_t mfn)
{
    return __va((paddr_t)mfn << PAGE_SHIFT);
}

static inline mfn_t virt_to_mfn(const void *va)
{
    return __pa(va) >> PAGE_SHIFT;
}

#endif
