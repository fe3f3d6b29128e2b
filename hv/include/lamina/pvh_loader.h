/* SPDX-License-Identifier: MIT */
/*
 * PVH kernel loader: checks an ELF kernel (ELF64 or ELF32), copies its
 * segments into guest memory and builds the hvm_start_info blob the kernel
 * finds through %ebx. Guest memory is reached only through struct
 * guest_mem_ops, so the same code runs in the hypervisor and in host tests.
 *
 * Every function that can fail takes (err, errlen) and, on failure, writes one
 * human-readable sentence there (err may be NULL). Return values are 0 or a
 * negative errno:
 *   -ENOEXEC  a well-formed file that is not a usable PVH x86 kernel
 *             (not ELF, wrong class/machine, not executable, no PVH note)
 *   -EINVAL   a corrupt image or invalid arguments
 *   -ENOMEM   it does not fit in the domain's memory
 *   other     whatever a guest_mem_ops callback returned
 */
#ifndef LAMINA_PVH_LOADER_H
#define LAMINA_PVH_LOADER_H

#include <lamina/types.h>
#include <public/pvh.h>

#define PVH_MAX_PHDRS 64    /* more program headers than this: rejected */
#define PVH_MAX_SEGMENTS 16 /* loadable (PT_LOAD, memsz > 0) segments kept */
#define PVH_MAX_MODULES 16
#define PVH_MAX_MEMMAP 128
#define PVH_CMDLINE_MAX 4096 /* bytes, including the NUL */
#define PVH_PAGE_SIZE 4096ULL

/* Low guest RAM ends here at most; [PVH_LOWMEM_END, 4 GiB) is the MMIO hole. */
#define PVH_LOWMEM_END 0xF0000000ULL
#define PVH_4GIB 0x100000000ULL

/* The domain's memory as the loader may touch it. */
struct guest_mem_ops {
    void *ctx;
    uint64_t mem_bytes; /* guest RAM is [0, mem_bytes) */
    int (*write)(void *ctx, uint64_t gpa, const void *src, size_t len); /* 0 or -EFAULT */
    int (*zero)(void *ctx, uint64_t gpa, size_t len);                   /* 0 or -EFAULT */
};

/* One PT_LOAD segment: file bytes [offset, offset+filesz) go to paddr, then zeroes up to memsz. */
struct pvh_segment {
    uint64_t offset;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
};

/* What pvh_elf_probe() learned; pvh_elf_load() and pvh_place_ramdisk() consume it. */
struct pvh_image_info {
    bool elf64;        /* ELFCLASS64 (else ELFCLASS32) */
    uint16_t machine;  /* EM_X86_64 (62) or EM_386 (3) */
    uint32_t entry;    /* XEN_ELFNOTE_PHYS32_ENTRY: where the vCPU starts, paging off */
    uint64_t paddr_lo; /* lowest p_paddr of the loaded segments */
    uint64_t paddr_hi; /* highest p_paddr + p_memsz (exclusive) */
    unsigned int nr_segments;
    struct pvh_segment seg[PVH_MAX_SEGMENTS];
};

/*
 * Validate a kernel image and fill *info. Accepts ELF64/EM_X86_64 and ELF32
 * with EM_386 or EM_X86_64, ET_EXEC, little-endian. Every header, segment and
 * note is bounds-checked against [image, image+size); the image is only read.
 * The entry point comes from the first owner "Xen", type 18 note found in a
 * PT_NOTE segment (4- or 8-byte descriptor; an 8-byte value must fit in 32
 * bits) and must lie inside a loaded segment. PT_LOAD segments with
 * p_memsz == 0 are ignored. After a failure *info holds nothing useful.
 */
int pvh_elf_probe(const void *image, size_t size, struct pvh_image_info *info, char *err,
                  size_t errlen);

/*
 * Copy each segment to its p_paddr and zero-fill its tail. Everything is
 * checked (all segments inside [0, mem_bytes), entry inside one) before the
 * first byte is written.
 */
int pvh_elf_load(const void *image, size_t size, const struct pvh_image_info *info,
                 const struct guest_mem_ops *mem, char *err, size_t errlen);

/* A module already placed in guest memory (by the caller). */
struct pvh_module {
    uint64_t gpa;
    uint64_t size;
    const char *cmdline; /* NULL: none */
};

struct pvh_start_params {
    const char *cmdline;                         /* kernel command line; NULL is written as "" */
    const struct pvh_module *modules;            /* modules[0] is the ramdisk (Linux's initrd) */
    size_t nr_modules;                           /* <= PVH_MAX_MODULES; 0: modlist_paddr = 0 */
    const struct hvm_memmap_table_entry *memmap; /* e.g. from pvh_default_memmap() */
    size_t nr_memmap;    /* <= PVH_MAX_MEMMAP; 0: memmap_paddr = 0 (guest asks instead) */
    uint64_t rsdp_paddr; /* ACPI RSDP; 0 = none */
    uint32_t flags;      /* SIF_*; 0 for a domU */
};

/*
 * Bytes the start-info blob for *p needs, so a caller can choose where to put
 * it; 0 if *p is invalid (too many modules or entries, command line too long).
 */
uint64_t pvh_start_info_size(const struct pvh_start_params *p);

/*
 * Write the start-info blob at guest physical `base` (page aligned; the whole
 * blob must lie below 4 GiB, since %ebx is 32 bits, and inside guest memory):
 *
 *   base + 0    struct hvm_start_info (version 1)
 *   base + 56   kernel command line, NUL-terminated, padded to 8 bytes
 *               then each module's command line, the same way
 *               struct hvm_modlist_entry[nr_modules]
 *               struct hvm_memmap_table_entry[nr_memmap]
 *
 * The region is zeroed first, so padding and reserved fields are 0. Each
 * module must lie inside guest memory. *used (if not NULL) gets the size.
 * The caller sets %ebx = base.
 */
int pvh_build_start_info(const struct guest_mem_ops *mem, uint64_t base,
                         const struct pvh_start_params *p, uint64_t *used, char *err,
                         size_t errlen);

/* A non-RAM range for pvh_default_memmap() (special pages, ACPI tables, ...). */
struct pvh_reserved {
    uint64_t addr;
    uint64_t size;
    uint32_t type; /* XEN_HVM_MEMMAP_TYPE_* */
};

/*
 * The usual PVH domU memory map, sorted by address:
 *   RAM [0, min(mem_bytes, PVH_LOWMEM_END))  (starts at 0: Linux needs RAM below 1 MiB)
 *   each res[i] as given (e.g. RESERVED [0xFEFF8000, 0xFF000000) for the special pages)
 *   RAM [4 GiB, 4 GiB + mem_bytes - PVH_LOWMEM_END) if mem_bytes > PVH_LOWMEM_END
 * Returns the number of entries written to out, -EINVAL if mem_bytes is 0 or
 * a reserved range is empty, wraps or overlaps the RAM, -ENOSPC if max is
 * too small.
 */
int pvh_default_memmap(uint64_t mem_bytes, const struct pvh_reserved *res, size_t nres,
                       struct hvm_memmap_table_entry *out, size_t max);

/*
 * A page-aligned guest address for a ramdisk of ramdisk_size bytes, as high
 * as possible: below min(mem_bytes, PVH_LOWMEM_END, reserve_top) and at or
 * above both the kernel's end (info->paddr_hi) and 1 MiB (Linux keeps the
 * real-mode trampoline below 1 MiB). reserve_top is where the caller's own
 * data starts (start info, ...); UINT64_MAX for none. 0 if it does not fit
 * or ramdisk_size is 0.
 */
uint64_t pvh_place_ramdisk(const struct pvh_image_info *info, uint64_t mem_bytes,
                           uint64_t ramdisk_size, uint64_t reserve_top);

#endif
