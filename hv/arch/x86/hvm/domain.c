// SPDX-License-Identifier: MIT
/*
 * x86 side of a domain: its p2m, its TSC offset (one per domain, so every
 * vCPU sees the same time), and building a PVH guest: RAM, kernel, ramdisk,
 * console page and the hvm_start_info the kernel is entered with.
 */
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <lamina/pvh_loader.h>
#include <asm/cpu.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/p2m.h>

#define SPECIAL_PFN_FIRST 0xfeff8ULL /* 8 pages below 4 GiB - 16 MiB, as Xen places them */
#define SPECIAL_PAGES 8
#define CONSOLE_PFN 0xfefffULL
#define ACPI_PFN 0xfc000ULL /* the guest's ACPI tables: one page */
#define EXTRA_PAGES 64      /* special pages and some room for later mappings */

int arch_domain_create(struct domain *d)
{
    d->arch.tsc_offset = -rdtsc(); /* guests' TSC starts near 0 */
    return p2m_init(d);
}

void arch_domain_destroy(struct domain *d)
{
    /* Grants it still maps (it died with them): their frames lose this reference. */
    for (unsigned int h = 0; d->arch.maptrack && h < MAPTRACK_MAX; h++)
        if (d->arch.maptrack[h].in_use)
            page_put_foreign(mfn_to_page(d->arch.maptrack[h].mfn));
    xfree(d->arch.maptrack);
    /* dom0's toolstack may still map a grant frame: then it goes when dom0 unmaps it. */
    for (unsigned int i = 0; i < GRANT_FRAMES_MAX; i++)
        if (d->arch.grant_frames[i])
            page_release(virt_to_page(d->arch.grant_frames[i]));
    p2m_destroy(d);
}

/* Back gfn..gfn+nr with RAM, 2 MiB at a time where possible. */
static int populate(struct domain *d, uint64_t gfn, uint64_t nr)
{
    while (nr) {
        unsigned int order = (IS_ALIGNED(gfn, 512) && nr >= 512) ? 9 : 0;
        struct page_info *pg = domain_alloc_pages(d, order);
        if (!pg && order) /* fragmented: fall back to single pages */
            pg = domain_alloc_pages(d, order = 0);
        if (!pg)
            return -ENOMEM;
        int rc = p2m_map(d, gfn, page_to_mfn(pg), 1ULL << order, P2M_RW, 0);
        if (rc < 0)
            return rc;
        gfn += 1ULL << order, nr -= 1ULL << order;
    }
    return 0;
}

static int mem_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    return copy_to_gpa(ctx, gpa, src, len);
}

static int mem_zero(void *ctx, uint64_t gpa, size_t len)
{
    return zero_gpa(ctx, gpa, len);
}

int pvh_domain_build(struct domain *d, const struct pvh_build_args *b, char *err, size_t errlen)
{
    struct pvh_image_info info;
    struct guest_mem_ops mem = {d, b->mem_bytes, mem_write, mem_zero};
    struct hvm_memmap_table_entry map[8];
    struct pvh_reserved special[] = {
        {ACPI_PFN << PAGE_SHIFT, PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_ACPI},
        {SPECIAL_PFN_FIRST << PAGE_SHIFT, SPECIAL_PAGES * PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_RESERVED},
    };
    uint64_t low = MIN(b->mem_bytes, PVH_LOWMEM_END), used;
    int rc;

    rc = pvh_elf_probe(b->kernel, b->kernel_size, &info, err, errlen);
    if (rc < 0)
        return rc;
    d->max_pages = (b->mem_bytes >> PAGE_SHIFT) + EXTRA_PAGES;
    if (populate(d, 0, low >> PAGE_SHIFT) < 0 ||
        populate(d, PVH_4GIB >> PAGE_SHIFT, (b->mem_bytes - low) >> PAGE_SHIFT) < 0) {
        snprintf(err, errlen, "not enough free memory for %lu MiB", b->mem_bytes >> 20);
        return -ENOMEM;
    }
    rc = pvh_elf_load(b->kernel, b->kernel_size, &info, &mem, err, errlen);
    if (rc < 0)
        return rc;

    /*
     * The console ring: one zeroed page at the special PFN, reserved in the
     * e820. dom0 has none: it writes with console_io and reads serial input
     * on VIRQ_CONSOLE, as on Xen (its console params stay 0).
     */
    struct page_info *con = b->initial_domain ? NULL : domain_alloc_pages(d, 0);
    if (!b->initial_domain &&
        (!con || p2m_map(d, CONSOLE_PFN, page_to_mfn(con), 1, P2M_RW, 0) < 0)) {
        snprintf(err, errlen, "no memory for the console page");
        return -ENOMEM;
    }
    if (con) {
        d->arch.hvm_params[HVM_PARAM_CONSOLE_PFN] = CONSOLE_PFN;
        if (console_ring_init(d, page_to_virt(con)) < 0) {
            snprintf(err, errlen, "no event channel for the console");
            return -ENOSPC;
        }
    }

    struct page_info *acpi = domain_alloc_pages(d, 0);
    if (!acpi || p2m_map(d, ACPI_PFN, page_to_mfn(acpi), 1, P2M_RW, 0) < 0 ||
        acpi_guest_build(d, ACPI_PFN << PAGE_SHIFT) < 0) {
        snprintf(err, errlen, "cannot build the ACPI tables");
        return -ENOMEM;
    }
    int nmap = pvh_default_memmap(b->mem_bytes, special, ARRAY_SIZE(special), map, ARRAY_SIZE(map));
    if (nmap < 0) {
        snprintf(err, errlen, "cannot describe %lu MiB of memory", b->mem_bytes >> 20);
        return nmap;
    }
    d->arch.nr_e820 = (uint32_t)MIN((size_t)nmap, ARRAY_SIZE(d->arch.e820));
    for (uint32_t i = 0; i < d->arch.nr_e820; i++)
        d->arch.e820[i] = (struct e820_entry){map[i].addr, map[i].size, map[i].type};
    struct pvh_module mod = {0, b->ramdisk_size, NULL};
    struct pvh_start_params sp = {
        .cmdline = b->cmdline,
        .modules = &mod,
        .nr_modules = b->ramdisk ? 1 : 0,
        .memmap = map,
        .nr_memmap = (size_t)nmap,
        .rsdp_paddr = ACPI_PFN << PAGE_SHIFT,
        .flags = b->initial_domain ? SIF_PRIVILEGED | SIF_INITDOMAIN : 0,
    };
    /* start_info right after the kernel; the ramdisk as high as it goes. */
    uint64_t si = ALIGN_UP(info.paddr_hi, PAGE_SIZE);
    uint64_t si_end = si + ALIGN_UP(pvh_start_info_size(&sp), PAGE_SIZE);
    if (b->ramdisk) {
        mod.gpa = pvh_place_ramdisk(&info, b->mem_bytes, b->ramdisk_size, UINT64_MAX);
        if (mod.gpa < si_end) {
            snprintf(err, errlen, "%lu MiB is too little for the kernel and a %zu KiB ramdisk",
                     b->mem_bytes >> 20, b->ramdisk_size >> 10);
            return -ENOMEM;
        }
        if (copy_to_gpa(d, mod.gpa, b->ramdisk, b->ramdisk_size) < 0) {
            snprintf(err, errlen, "cannot copy the ramdisk");
            return -EFAULT;
        }
    }
    rc = pvh_build_start_info(&mem, si, &sp, &used, err, errlen);
    if (rc < 0)
        return rc;
    hvm_set_pvh_entry(d->vcpus[0], info.entry, (uint32_t)si);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        vcpu_time_update(d->vcpus[i]); /* the legacy pvclock copies in shared_info */
    domain_wallclock_update(d);
    return 0;
}
