/* SPDX-License-Identifier: MIT */
/* What the boot loader told us, in one loader-independent form. */
#ifndef ASM_BOOTINFO_H
#define ASM_BOOTINFO_H

#include <lamina/memmap.h>
#include <lamina/types.h>

#define MAX_BOOT_MODULES 16

struct boot_module {
    paddr_t start;
    uint64_t size;
    char name[64];     /* first word of the command line, without directories */
    char cmdline[256]; /* the rest */
};

struct bootinfo {
    const char *loader;
    char cmdline[1024];
    struct memmap map; /* raw firmware map (not yet sanitized) */
    const char *map_source;
    unsigned int nr_modules;
    struct boot_module modules[MAX_BOOT_MODULES];
    paddr_t rsdp;                 /* 0: search the BIOS areas */
    paddr_t info_start, info_end; /* the loader's structures, to keep */
};

extern struct bootinfo bootinfo;

/* Fill `bootinfo` from the loader's magic and info pointer; -EINVAL if unknown. */
int multiboot_parse(uint32_t magic, paddr_t info);

#endif
