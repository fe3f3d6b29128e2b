// SPDX-License-Identifier: MIT
/*
 * The hypervisor's address space: a direct map of machine memory (largest
 * pages possible, never executable) and the image mapped with W^X: text
 * read-only + executable, rodata read-only, data/bss writable. The image's
 * alias in the direct map gets the same write protection, so no writable
 * mapping of code exists anywhere.
 *
 * MMIO (LAPIC, IOAPIC, HPET) is reached through the direct map too: its
 * write-back page attribute is overridden by the firmware's uncacheable
 * MTRRs for those ranges.
 */
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <asm/cpu.h>
#include <asm/paging.h>

extern char _stext[], _etext[], _srodata[], _erodata[], _sdata[], _end[];

paddr_t idle_pml4_pa;
paddr_t directmap_end = GiB(4); /* what head.S maps, until paging_init() */
static struct memmap *boot_map; /* page-table pages come from here during boot */

static uint64_t kind_bits(enum map_kind k)
{
    uint64_t nx = cpu_features.nx ? PTE_NX : 0;

    switch (k) {
    case MAP_RX:
        return PTE_P;
    case MAP_RO:
        return PTE_P | nx;
    case MAP_RWX:
        return PTE_P | PTE_W;
    default:
        return PTE_P | PTE_W | nx;
    }
}

static uint64_t *table_alloc(void)
{
    /* Once the heap exists its frames are the only free ones: take from it. */
    if (!boot_map)
        return alloc_hv_pages(0); /* zeroed */

    /* Below 4 GiB: the boot tables map only that, and APs load CR3 in 32-bit mode. */
    paddr_t pa = memmap_alloc(boot_map, PAGE_SIZE, GiB(4));
    if (!pa)
        return NULL;
    memset(__va(pa), 0, PAGE_SIZE);
    return __va(pa);
}

void paging_heap_ready(void)
{
    boot_map = NULL;
}

/* Entry for `va` at `level` (4 = PML4 ... 1 = PT), creating tables above it. */
static uint64_t *walk(uintptr_t va, int level, bool create)
{
    uint64_t *t = __va(idle_pml4_pa);

    for (int l = 4; l > level; l--) {
        uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
        if (!(*e & PTE_P)) {
            uint64_t *n = create ? table_alloc() : NULL;
            if (!n)
                return NULL;
            *e = __pa(n) | PTE_P | PTE_W; /* permissions are set at the leaf */
        } else if (*e & PTE_PS) {
            return NULL; /* a large page covers it: callers never split them */
        }
        t = __va(*e & PTE_ADDR);
    }
    return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

/* Map with the largest pages alignment allows. */
static int map_range(uintptr_t va, paddr_t pa, uint64_t len, enum map_kind kind)
{
    uint64_t bits = kind_bits(kind);

    len = ALIGN_UP(len, PAGE_SIZE);
    while (len) {
        int level = 1;
        uint64_t size = PAGE_SIZE;
        if (cpu_features.pdpe1gb && IS_ALIGNED(va | pa, GiB(1)) && len >= GiB(1))
            level = 3, size = GiB(1);
        else if (IS_ALIGNED(va | pa, MiB(2)) && len >= MiB(2))
            level = 2, size = MiB(2);
        uint64_t *e = walk(va, level, true);
        if (!e)
            return -ENOMEM;
        *e = pa | bits | (level > 1 ? PTE_PS : 0);
        va += size, pa += size, len -= size;
    }
    return 0;
}

int map_4k(uintptr_t va, paddr_t pa, uint64_t len, enum map_kind kind)
{
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t *e = walk(va + off, 1, true);
        if (!e)
            return -ENOMEM;
        *e = (pa + off) | kind_bits(kind);
    }
    return 0;
}

void unmap_4k(uintptr_t va, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t *e = walk(va + off, 1, false);
        if (e)
            *e = 0;
        invlpg((void *)(va + off));
    }
}

void paging_init(struct memmap *map)
{
    paddr_t text = __pa(_stext), ro_end = ALIGN_UP(__pa(_erodata), PAGE_SIZE);
    paddr_t end = ALIGN_UP(__pa(_end), PAGE_SIZE);
    uint64_t top = ALIGN_UP(MAX(GiB(4), memmap_ram_end(map)), GiB(1));
    int rc = 0;

    boot_map = map;
    uint64_t *pml4 = table_alloc();
    if (!pml4)
        panic("paging: no memory below 4 GiB for page tables");
    idle_pml4_pa = __pa(pml4);
    if (top > DIRECTMAP_SIZE) {
        printk(LOG_WARN "paging: memory above %lu GiB is not mapped\n", DIRECTMAP_SIZE >> 30);
        top = DIRECTMAP_SIZE;
    }

    /* Direct map: everything writable except the image's code and rodata. */
    rc |= map_range(DIRECTMAP_BASE, 0, text, MAP_RW);
    rc |= map_range(DIRECTMAP_BASE + text, text, ro_end - text, MAP_RO);
    rc |= map_range(DIRECTMAP_BASE + ro_end, ro_end, top - ro_end, MAP_RW);

    /* The image at its link address, section by section. */
    rc |= map_4k((uintptr_t)_stext, text, __pa(_etext) - text, MAP_RX);
    rc |= map_4k((uintptr_t)_srodata, __pa(_srodata), ro_end - __pa(_srodata), MAP_RO);
    rc |= map_4k((uintptr_t)_sdata, __pa(_sdata), end - __pa(_sdata), MAP_RW);
    if (rc)
        panic("paging: out of memory building the page tables");

    write_cr3(idle_pml4_pa);
    directmap_end = top;
    printk("paging: direct map of %lu GiB (%s pages), image W^X%s\n", top >> 30,
           cpu_features.pdpe1gb ? "1 GiB" : "2 MiB", cpu_features.nx ? " + NX" : " (no NX)");
}

/* ACPI tables live in RAM or firmware-reserved ranges: all in the direct map. */
const void *acpi_map(paddr_t pa, size_t len)
{
    if (pa >= directmap_end || len > directmap_end - pa)
        return NULL;
    return __va(pa);
}
