// SPDX-License-Identifier: MIT
/*
 * Multiboot1 (QEMU -kernel) and multiboot2 (GRUB, BIOS or UEFI) information,
 * turned into `struct bootinfo`. The structures come from a loader we trust
 * more than a guest, but sizes are still checked so a broken loader gives a
 * clear message instead of a wild read.
 */
#include <lamina/lib.h>
#include <asm/boot.h>
#include <asm/bootinfo.h>

struct bootinfo bootinfo;

static uint32_t rd32(paddr_t pa)
{
    return *(const uint32_t *)__va(pa);
}

static uint64_t rd64(paddr_t pa)
{
    return *(const uint64_t *)__va(pa);
}

/* Copy a loader string of at most `max` bytes (no terminator required). */
static void copy_string(char *dst, size_t len, paddr_t src, size_t max)
{
    const char *s = __va(src);
    size_t n = src ? strnlen(s, max) : 0;

    if (n >= len)
        n = len - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* "/boot/web.cfg args" -> name "web.cfg", cmdline "args". */
static void add_module(paddr_t start, paddr_t end, const char *string)
{
    struct boot_module *m;
    const char *sp, *base;

    if (bootinfo.nr_modules == MAX_BOOT_MODULES) {
        printk(LOG_WARN "boot: more than %d modules; the rest are ignored\n", MAX_BOOT_MODULES);
        return;
    }
    if (end < start) {
        printk(LOG_WARN "boot: module at %#lx has its end before its start; ignored\n", start);
        return;
    }
    m = &bootinfo.modules[bootinfo.nr_modules++];
    m->start = start;
    m->size = end - start;
    while (*string == ' ')
        string++;
    sp = strchr(string, ' ');
    if (!sp)
        sp = string + strlen(string);
    base = string;
    for (const char *p = string; p < sp; p++)
        if (*p == '/')
            base = p + 1;
    size_t n = MIN((size_t)(sp - base), sizeof(m->name) - 1);
    memcpy(m->name, base, n);
    m->name[n] = '\0';
    if (n == 0)
        snprintf(m->name, sizeof(m->name), "module%u", bootinfo.nr_modules - 1);
    while (*sp == ' ')
        sp++;
    strlcpy(m->cmdline, sp, sizeof(m->cmdline));
}

/*
 * Loaders other than GRUB 2 (QEMU's -kernel among them) put the image's own
 * path first on the command line: drop it so it is not read as an option.
 */
static void cmdline_cook(const char *loader_name)
{
    char *c = bootinfo.cmdline, *p = c;

    while (*p == ' ')
        p++;
    if (strncmp(loader_name, "GRUB 2", 6) != 0) {
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    memmove(c, p, strlen(p) + 1);
}

static int parse_mb1(paddr_t mbi)
{
    uint32_t flags = rd32(mbi);
    char str[512];

    bootinfo.loader = "multiboot1";
    bootinfo.info_start = mbi;
    bootinfo.info_end = mbi + 120;
    if (flags & (1u << 9))
        copy_string(str, sizeof(str), rd32(mbi + 64), 64);
    else
        str[0] = '\0';
    if (flags & (1u << 2)) {
        copy_string(bootinfo.cmdline, sizeof(bootinfo.cmdline), rd32(mbi + 16), 4096);
        cmdline_cook(str);
    }
    if (flags & (1u << 6)) {
        paddr_t p = rd32(mbi + 48), end = p + rd32(mbi + 44);
        bootinfo.map_source = "multiboot1 memory map";
        while (p + 24 <= end) {
            uint32_t size = rd32(p);
            memmap_add(&bootinfo.map, rd64(p + 4), rd64(p + 12), rd32(p + 20));
            if (size < 20)
                break;
            p += size + 4;
        }
    } else if (flags & 1u) {
        bootinfo.map_source = "multiboot1 mem_lower/mem_upper";
        memmap_add(&bootinfo.map, 0, (uint64_t)rd32(mbi + 4) << 10, MEM_USABLE);
        memmap_add(&bootinfo.map, MiB(1), (uint64_t)rd32(mbi + 8) << 10, MEM_USABLE);
    }
    if (flags & (1u << 3)) {
        paddr_t mods = rd32(mbi + 24);
        uint32_t count = rd32(mbi + 20);
        for (uint32_t i = 0; i < count && i < 64; i++) {
            paddr_t m = mods + 16 * i;
            copy_string(str, sizeof(str), rd32(m + 8), sizeof(str));
            add_module(rd32(m), rd32(m + 4), str);
        }
    }
    return 0;
}

/* UEFI memory types to E820 ones; boot services memory is ours after exit. */
static uint32_t efi_type(uint32_t t)
{
    switch (t) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 7:
        return MEM_USABLE;
    case 8:
        return MEM_BAD;
    case 9:
        return MEM_ACPI;
    case 10:
        return MEM_NVS;
    default:
        return MEM_RESERVED;
    }
}

static int parse_mb2(paddr_t mbi)
{
    uint32_t total = rd32(mbi);
    paddr_t p = mbi + 8, end = mbi + total, efi_map = 0, mmap = 0;
    char str[512], loader_name[64] = "";

    bootinfo.loader = "multiboot2";
    bootinfo.info_start = mbi;
    bootinfo.info_end = end;
    if (total < 16 || total > MiB(1))
        return -EINVAL;
    while (p + 8 <= end) {
        uint32_t type = rd32(p), size = rd32(p + 4);
        if (size < 8 || p + size > end)
            break;
        switch (type) {
        case 1:
            copy_string(bootinfo.cmdline, sizeof(bootinfo.cmdline), p + 8, size - 8);
            break;
        case 2:
            copy_string(loader_name, sizeof(loader_name), p + 8, size - 8);
            break;
        case 3:
            if (size >= 16) {
                copy_string(str, sizeof(str), p + 16, size - 16);
                add_module(rd32(p + 8), rd32(p + 12), str);
            }
            break;
        case 6:
            mmap = p;
            break;
        case 14:
            if (!bootinfo.rsdp && size >= 8 + 20)
                bootinfo.rsdp = p + 8;
            break;
        case 15:
            if (size >= 8 + 36)
                bootinfo.rsdp = p + 8; /* the ACPI 2.0 copy wins */
            break;
        case 17:
            efi_map = p;
            break;
        }
        if (type == 0)
            break;
        p += ALIGN_UP(size, 8);
    }
    cmdline_cook(loader_name);
    if (efi_map) {
        /* The firmware's own map, preferred: GRUB's mmap tag is derived from it. */
        uint32_t size = rd32(efi_map + 4), dsz = rd32(efi_map + 8);
        bootinfo.map_source = "UEFI memory map";
        for (paddr_t d = efi_map + 16; dsz >= 40 && d + dsz <= efi_map + size; d += dsz)
            memmap_add(&bootinfo.map, rd64(d + 8), rd64(d + 24) << 12, efi_type(rd32(d)));
    } else if (mmap) {
        uint32_t size = rd32(mmap + 4), esz = rd32(mmap + 8);
        bootinfo.map_source = "multiboot2 memory map";
        for (paddr_t e = mmap + 16; esz >= 24 && e + esz <= mmap + size; e += esz)
            memmap_add(&bootinfo.map, rd64(e), rd64(e + 8), rd32(e + 16));
    }
    return 0;
}

int multiboot_parse(uint32_t magic, paddr_t info)
{
    if (info == 0 || info >= GiB(4))
        return -EINVAL;
    if (magic == MB1_BOOT_MAGIC)
        return parse_mb1(info);
    if (magic == MB2_BOOT_MAGIC)
        return parse_mb2(info);
    return -EINVAL;
}
