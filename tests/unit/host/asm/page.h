/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for the hypervisor's direct map: "machine memory" is a buffer
 * the test allocates (test_ram, covering frames [0, test_ram_frames)), so core
 * code that turns frames into pointers runs unchanged under ASan.
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <assert.h>
#include <lamina/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

extern unsigned char *test_ram;
extern uint64_t test_ram_frames;

static inline void *__va(paddr_t pa)
{
    assert((pa >> PAGE_SHIFT) < test_ram_frames);
    return test_ram + pa;
}

static inline paddr_t __pa(const void *va)
{
    return (paddr_t)((const unsigned char *)va - test_ram);
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
