/* SPDX-License-Identifier: MIT */
/*
 * PVH boot ABI (guest-visible). A PVH kernel is entered in 32-bit protected
 * mode with paging off at the physical address named by its
 * XEN_ELFNOTE_PHYS32_ENTRY note, with %ebx holding the guest physical address
 * of a struct hvm_start_info. The layout below is the one Xen documents
 * (docs/misc/pvh.pandoc, public/arch-x86/hvm/start_info.h), written here from
 * that description; the asserts pin every offset, because guests copy the
 * structure byte for byte. All addresses are guest physical; 0 means "absent".
 * Everything is little-endian and naturally aligned.
 */
#ifndef LAMINA_PUBLIC_PVH_H
#define LAMINA_PUBLIC_PVH_H

#include <stddef.h>
#include <stdint.h>

/* ELF note (owner "Xen") whose descriptor is the 32-bit physical entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* hvm_start_info.magic: "xEn3" with bit 7 of the last byte set. */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u

/* Version 1 adds memmap_paddr/memmap_entries; version 0 stops at rsdp_paddr. */
#define XEN_HVM_START_INFO_VERSION 1

/* hvm_start_info.flags. A domU gets 0; dom0 gets both. */
#ifndef SIF_PRIVILEGED
#define SIF_PRIVILEGED (1u << 0) /* the domain may control the machine */
#endif
#ifndef SIF_INITDOMAIN
#define SIF_INITDOMAIN (1u << 1) /* the domain is the initial (control) domain */
#endif

/* hvm_memmap_table_entry.type: the e820 type numbers. */
#define XEN_HVM_MEMMAP_TYPE_RAM 1
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI 3
#define XEN_HVM_MEMMAP_TYPE_NVS 4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5
#define XEN_HVM_MEMMAP_TYPE_DISABLED 6
#define XEN_HVM_MEMMAP_TYPE_PMEM 7

struct hvm_start_info {
    uint32_t magic;          /* @0  XEN_HVM_START_MAGIC_VALUE; Linux BUG()s otherwise */
    uint32_t version;        /* @4  XEN_HVM_START_INFO_VERSION */
    uint32_t flags;          /* @8  SIF_* */
    uint32_t nr_modules;     /* @12 entries at modlist_paddr; module 0 is the initrd */
    uint64_t modlist_paddr;  /* @16 -> struct hvm_modlist_entry[nr_modules] */
    uint64_t cmdline_paddr;  /* @24 -> NUL-terminated ASCII kernel command line */
    uint64_t rsdp_paddr;     /* @32 ACPI RSDP, 0 = no ACPI */
    uint64_t memmap_paddr;   /* @40 (v1) -> struct hvm_memmap_table_entry[memmap_entries] */
    uint32_t memmap_entries; /* @48 (v1) 0: the guest asks XENMEM_memory_map instead */
    uint32_t reserved;       /* @52 must be 0 */
};

struct hvm_modlist_entry {
    uint64_t paddr;         /* @0  first byte of the module */
    uint64_t size;          /* @8  length in bytes */
    uint64_t cmdline_paddr; /* @16 -> NUL-terminated module command line, 0 = none */
    uint64_t reserved;      /* @24 must be 0 */
};

struct hvm_memmap_table_entry {
    uint64_t addr;     /* @0  start of the range */
    uint64_t size;     /* @8  length in bytes */
    uint32_t type;     /* @16 XEN_HVM_MEMMAP_TYPE_* */
    uint32_t reserved; /* @20 must be 0 */
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info is 56 bytes");
_Static_assert(offsetof(struct hvm_start_info, magic) == 0, "magic@0");
_Static_assert(offsetof(struct hvm_start_info, version) == 4, "version@4");
_Static_assert(offsetof(struct hvm_start_info, flags) == 8, "flags@8");
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "nr_modules@12");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16, "modlist_paddr@16");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "cmdline_paddr@24");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp_paddr@32");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap_paddr@40");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "memmap_entries@48");
_Static_assert(offsetof(struct hvm_start_info, reserved) == 52, "reserved@52");

_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry is 32 bytes");
_Static_assert(offsetof(struct hvm_modlist_entry, paddr) == 0, "paddr@0");
_Static_assert(offsetof(struct hvm_modlist_entry, size) == 8, "size@8");
_Static_assert(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16, "cmdline_paddr@16");
_Static_assert(offsetof(struct hvm_modlist_entry, reserved) == 24, "reserved@24");

_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry is 24 bytes");
_Static_assert(offsetof(struct hvm_memmap_table_entry, addr) == 0, "addr@0");
_Static_assert(offsetof(struct hvm_memmap_table_entry, size) == 8, "size@8");
_Static_assert(offsetof(struct hvm_memmap_table_entry, type) == 16, "type@16");
_Static_assert(offsetof(struct hvm_memmap_table_entry, reserved) == 20, "reserved@20");

#endif
