// SPDX-License-Identifier: MIT
/*
 * PVH kernel loading. The kernel image comes from whoever creates the domain,
 * so it is hostile input: every offset and size is checked, overflow-safe,
 * before it is used, and fields are read byte-wise because the image may sit
 * at any alignment. Guest memory is reached only through the caller's
 * callbacks, which lets the same code run in the hypervisor and on the host.
 */
#include <lamina/errno.h>
#include <lamina/printk.h>
#include <lamina/pvh_loader.h>
#include <lamina/string.h>

#define ELFMAG_LEN 4
#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define NOTE_HDR 12 /* namesz, descsz, type */

/* e_type and e_machine sit at the same offsets in both classes. */
#define E_TYPE 16
#define E_MACHINE 18

/* Where the fields we use sit in each ELF class. */
struct elf_layout {
    size_t ehsize;    /* sizeof(ElfN_Ehdr) */
    size_t phentsize; /* sizeof(ElfN_Phdr) */
    size_t word;      /* 4 or 8: size of addresses and offsets */
    size_t e_phoff, e_phentsize, e_phnum;
    size_t p_offset, p_paddr, p_filesz, p_memsz;
};

/* In the order of struct elf_layout's fields. */
static const struct elf_layout elf32_layout = {52, 32, 4, 28, 42, 44, 4, 12, 16, 20};
static const struct elf_layout elf64_layout = {64, 56, 8, 32, 54, 56, 8, 24, 32, 40};

struct phdr {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
};

/* Report a failure: one sentence in err, rc returned. */
static __printf(4, 5) int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* x86 is little-endian, as is every image we accept (EI_DATA is checked). */
static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint64_t rd_word(const struct elf_layout *l, const uint8_t *p)
{
    return l->word == 8 ? rd64(p) : rd32(p);
}

static unsigned long long mib(uint64_t bytes)
{
    return (unsigned long long)(bytes >> 20);
}

/* True if [off, off+len) lies inside a file of `size` bytes; never overflows. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= size - off;
}

static bool entry_in_segments(const struct pvh_image_info *info)
{
    for (unsigned int i = 0; i < info->nr_segments && i < PVH_MAX_SEGMENTS; i++) {
        const struct pvh_segment *s = &info->seg[i];
        if (info->entry >= s->paddr && info->entry - s->paddr < s->memsz)
            return true;
    }
    return false;
}

static bool is_xen_owner(const uint8_t *name, uint32_t namesz)
{
    /* The owner is "Xen\0"; tolerate a producer that leaves out the NUL. */
    return (namesz == 4 && !memcmp(name, "Xen", 4)) || (namesz == 3 && !memcmp(name, "Xen", 3));
}

/*
 * Walk the notes in one PT_NOTE segment. Name and descriptor are each padded
 * to 4 bytes; a last descriptor may end without its padding. A tail shorter
 * than a note header is ignored (alignment padding).
 */
static int walk_notes(const uint8_t *p, uint64_t len, unsigned int seg, bool *found,
                      uint32_t *entry, char *err, size_t errlen)
{
    while (len >= NOTE_HDR) {
        uint32_t namesz = rd32(p), descsz = rd32(p + 4), type = rd32(p + 8);
        uint64_t name_sp = ALIGN_UP((uint64_t)namesz, 4), desc_sp = ALIGN_UP((uint64_t)descsz, 4);
        const uint8_t *desc;
        uint64_t adv;

        p += NOTE_HDR;
        len -= NOTE_HDR;
        if (name_sp > len || descsz > len - name_sp)
            return fail(err, errlen, -EINVAL,
                        "malformed ELF note in segment %u (runs past its end)", seg);
        desc = p + name_sp;
        if (!*found && type == XEN_ELFNOTE_PHYS32_ENTRY && is_xen_owner(p, namesz)) {
            uint64_t v;

            if (descsz == 4) {
                v = rd32(desc);
            } else if (descsz == 8) {
                v = rd64(desc);
                if (v > UINT32_MAX)
                    return fail(err, errlen, -EINVAL,
                                "PVH entry point 0x%llx does not fit in 32 bits",
                                (unsigned long long)v);
            } else {
                return fail(err, errlen, -EINVAL,
                            "XEN_ELFNOTE_PHYS32_ENTRY note has a %u-byte value (expected 4 or 8)",
                            descsz);
            }
            *entry = (uint32_t)v;
            *found = true;
        }
        adv = name_sp + desc_sp;
        if (adv > len)
            adv = len;
        p += adv;
        len -= adv;
    }
    return 0;
}

static void read_phdr(const struct elf_layout *l, const uint8_t *ph, struct phdr *out)
{
    out->type = rd32(ph);
    out->offset = rd_word(l, ph + l->p_offset);
    out->paddr = rd_word(l, ph + l->p_paddr);
    out->filesz = rd_word(l, ph + l->p_filesz);
    out->memsz = rd_word(l, ph + l->p_memsz);
}

static int check_load(const struct elf_layout *l, const struct phdr *ph, unsigned int i,
                      size_t size, char *err, size_t errlen)
{
    uint64_t end = ph->paddr + ph->memsz;
    uint64_t limit = l->word == 8 ? UINT64_MAX : UINT32_MAX;

    if (ph->filesz > ph->memsz)
        return fail(err, errlen, -EINVAL, "segment %u: file size 0x%llx exceeds memory size 0x%llx",
                    i, (unsigned long long)ph->filesz, (unsigned long long)ph->memsz);
    if (ph->filesz && !in_file(ph->offset, ph->filesz, size))
        return fail(err, errlen, -EINVAL, "segment %u extends past the end of the file", i);
    /* An ELF32 segment must also end within its 32-bit address space. */
    if (ph->memsz && (end < ph->paddr || end - 1 > limit))
        return fail(err, errlen, -EINVAL, "segment %u wraps around the end of the address space",
                    i);
    return 0;
}

int pvh_elf_probe(const void *image, size_t size, struct pvh_image_info *info, char *err,
                  size_t errlen)
{
    const uint8_t *img = image;
    const struct elf_layout *l;
    uint64_t phoff;
    unsigned int phentsize, phnum;
    bool found = false;
    uint16_t machine, type;
    int rc;

    memset(info, 0, sizeof(*info));
    if (err && errlen)
        err[0] = '\0';
    if (!img || size < ELFMAG_LEN || memcmp(img, "\177ELF", ELFMAG_LEN))
        return fail(err, errlen, -ENOEXEC, "not an ELF file");
    if (size < EI_NIDENT)
        return fail(err, errlen, -EINVAL, "truncated ELF header");
    if (img[EI_CLASS] == ELFCLASS64)
        l = &elf64_layout;
    else if (img[EI_CLASS] == ELFCLASS32)
        l = &elf32_layout;
    else
        return fail(err, errlen, -ENOEXEC, "ELF class/machine not supported (class %u)",
                    img[EI_CLASS]);
    if (img[EI_DATA] != ELFDATA2LSB)
        return fail(err, errlen, -ENOEXEC, "ELF file is not little-endian");
    if (size < l->ehsize)
        return fail(err, errlen, -EINVAL, "truncated ELF header");

    machine = rd16(img + E_MACHINE);
    if (!(machine == EM_X86_64 || (l->word == 4 && machine == EM_386)))
        return fail(err, errlen, -ENOEXEC, "ELF class/machine not supported (ELF%u, machine %u)",
                    (unsigned int)l->word * 8, machine);
    type = rd16(img + E_TYPE);
    if (type != ET_EXEC)
        return fail(err, errlen, -ENOEXEC, "ELF file is not an executable (e_type %u)", type);

    phoff = rd_word(l, img + l->e_phoff);
    phentsize = rd16(img + l->e_phentsize);
    phnum = rd16(img + l->e_phnum);
    if (phnum == 0)
        return fail(err, errlen, -ENOEXEC, "ELF file has no program headers");
    if (phnum > PVH_MAX_PHDRS)
        return fail(err, errlen, -EINVAL, "too many program headers (%u, at most %u)", phnum,
                    PVH_MAX_PHDRS);
    if (phentsize < l->phentsize)
        return fail(err, errlen, -EINVAL, "bad program header size %u (expected %u)", phentsize,
                    (unsigned int)l->phentsize);
    if (!in_file(phoff, (uint64_t)phnum * phentsize, size))
        return fail(err, errlen, -EINVAL, "truncated program headers");

    info->elf64 = l->word == 8;
    info->machine = machine;
    for (unsigned int i = 0; i < phnum; i++) {
        struct phdr ph;

        read_phdr(l, img + phoff + (uint64_t)i * phentsize, &ph);
        if (ph.type == PT_NOTE) {
            if (!in_file(ph.offset, ph.filesz, size))
                return fail(err, errlen, -EINVAL,
                            "note segment %u extends past the end of the file", i);
            rc = walk_notes(img + ph.offset, ph.filesz, i, &found, &info->entry, err, errlen);
            if (rc)
                return rc;
            continue;
        }
        if (ph.type != PT_LOAD)
            continue;
        rc = check_load(l, &ph, i, size, err, errlen);
        if (rc)
            return rc;
        if (!ph.memsz)
            continue;
        if (info->nr_segments == PVH_MAX_SEGMENTS)
            return fail(err, errlen, -EINVAL, "too many loadable segments (at most %u)",
                        PVH_MAX_SEGMENTS);
        info->seg[info->nr_segments++] = (struct pvh_segment){
            .offset = ph.offset, .paddr = ph.paddr, .filesz = ph.filesz, .memsz = ph.memsz};
        if (info->nr_segments == 1 || ph.paddr < info->paddr_lo)
            info->paddr_lo = ph.paddr;
        if (ph.paddr + ph.memsz > info->paddr_hi)
            info->paddr_hi = ph.paddr + ph.memsz;
    }

    if (!info->nr_segments)
        return fail(err, errlen, -ENOEXEC, "ELF file has no loadable segments");
    if (!found)
        return fail(err, errlen, -ENOEXEC,
                    "no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY note missing)");
    if (!entry_in_segments(info))
        return fail(err, errlen, -EINVAL, "PVH entry point 0x%x is outside the loaded segments",
                    info->entry);
    return 0;
}

int pvh_elf_load(const void *image, size_t size, const struct pvh_image_info *info,
                 const struct guest_mem_ops *mem, char *err, size_t errlen)
{
    const uint8_t *img = image;
    unsigned int n = info->nr_segments;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    if (n == 0 || n > PVH_MAX_SEGMENTS)
        return fail(err, errlen, -EINVAL, "no valid segment list (probe the image first)");

    /* Re-check what the probe found: info may be stale or belong to another image. */
    for (unsigned int i = 0; i < n; i++) {
        const struct pvh_segment *s = &info->seg[i];
        uint64_t end = s->paddr + s->memsz;

        if (s->filesz > s->memsz || (s->filesz && !in_file(s->offset, s->filesz, size)))
            return fail(err, errlen, -EINVAL, "segment %u extends past the end of the file", i);
        if (end < s->paddr)
            return fail(err, errlen, -EINVAL,
                        "segment %u wraps around the end of the address space", i);
        if (end > mem->mem_bytes)
            return fail(err, errlen, -ENOMEM,
                        "kernel needs memory up to 0x%llx but the domain has only %llu MiB",
                        (unsigned long long)MAX(end, info->paddr_hi), mib(mem->mem_bytes));
    }
    if (!entry_in_segments(info))
        return fail(err, errlen, -EINVAL, "PVH entry point 0x%x is outside the loaded segments",
                    info->entry);

    for (unsigned int i = 0; i < n; i++) {
        const struct pvh_segment *s = &info->seg[i];

        rc = s->filesz ? mem->write(mem->ctx, s->paddr, img + s->offset, s->filesz) : 0;
        if (!rc && s->memsz > s->filesz)
            rc = mem->zero(mem->ctx, s->paddr + s->filesz, s->memsz - s->filesz);
        if (rc)
            return fail(err, errlen, rc < 0 ? rc : -EFAULT,
                        "cannot write kernel segment %u to guest memory at 0x%llx", i,
                        (unsigned long long)s->paddr);
    }
    return 0;
}

/* Offsets (from base) of each part of the start-info blob. */
struct start_layout {
    uint64_t cmdline;
    uint64_t modcmd[PVH_MAX_MODULES];
    uint64_t modlist;
    uint64_t memmap;
    uint64_t total;
};

/* Bytes a string takes in the blob (with NUL, padded to 8); 0 if too long. */
static uint64_t str_space(const char *s)
{
    size_t len = strnlen(s, PVH_CMDLINE_MAX);

    return len >= PVH_CMDLINE_MAX ? 0 : ALIGN_UP((uint64_t)len + 1, 8);
}

static int start_layout(const struct pvh_start_params *p, struct start_layout *lay, char *err,
                        size_t errlen)
{
    uint64_t off = sizeof(struct hvm_start_info), sp;

    if (p->nr_modules > PVH_MAX_MODULES)
        return fail(err, errlen, -EINVAL, "too many modules (%zu, at most %u)", p->nr_modules,
                    PVH_MAX_MODULES);
    if (p->nr_memmap > PVH_MAX_MEMMAP)
        return fail(err, errlen, -EINVAL, "too many memory map entries (%zu, at most %u)",
                    p->nr_memmap, PVH_MAX_MEMMAP);
    if ((p->nr_modules && !p->modules) || (p->nr_memmap && !p->memmap))
        return fail(err, errlen, -EINVAL, "module or memory map array missing");

    lay->cmdline = off;
    sp = str_space(p->cmdline ? p->cmdline : "");
    if (!sp)
        return fail(err, errlen, -EINVAL, "command line too long (at most %u bytes)",
                    PVH_CMDLINE_MAX - 1);
    off += sp;
    for (size_t i = 0; i < p->nr_modules; i++) {
        lay->modcmd[i] = 0;
        if (!p->modules[i].cmdline)
            continue;
        sp = str_space(p->modules[i].cmdline);
        if (!sp)
            return fail(err, errlen, -EINVAL, "module %zu command line too long", i);
        lay->modcmd[i] = off;
        off += sp;
    }
    lay->modlist = off;
    off += p->nr_modules * sizeof(struct hvm_modlist_entry);
    lay->memmap = off;
    off += p->nr_memmap * sizeof(struct hvm_memmap_table_entry);
    lay->total = off;
    return 0;
}

uint64_t pvh_start_info_size(const struct pvh_start_params *p)
{
    struct start_layout lay;

    return start_layout(p, &lay, NULL, 0) ? 0 : lay.total;
}

static int put(const struct guest_mem_ops *mem, uint64_t gpa, const void *src, size_t len)
{
    return len ? mem->write(mem->ctx, gpa, src, len) : 0;
}

int pvh_build_start_info(const struct guest_mem_ops *mem, uint64_t base,
                         const struct pvh_start_params *p, uint64_t *used, char *err, size_t errlen)
{
    struct start_layout lay;
    struct hvm_start_info si;
    const char *cmdline = p->cmdline ? p->cmdline : "";
    uint64_t end;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    rc = start_layout(p, &lay, err, errlen);
    if (rc)
        return rc;
    if (!IS_ALIGNED(base, PVH_PAGE_SIZE))
        return fail(err, errlen, -EINVAL, "start info address 0x%llx is not page aligned",
                    (unsigned long long)base);
    end = base + lay.total;
    if (end < base || end > PVH_4GIB)
        return fail(err, errlen, -EINVAL, "start info at 0x%llx must lie below 4 GiB",
                    (unsigned long long)base);
    if (end > mem->mem_bytes)
        return fail(err, errlen, -ENOMEM,
                    "start info needs memory up to 0x%llx but the domain has only %llu MiB",
                    (unsigned long long)end, mib(mem->mem_bytes));
    for (size_t i = 0; i < p->nr_modules; i++) {
        const struct pvh_module *m = &p->modules[i];
        if (m->gpa + m->size < m->gpa || m->gpa + m->size > mem->mem_bytes)
            return fail(err, errlen, -EINVAL,
                        "module %zu (0x%llx, 0x%llx bytes) lies outside guest memory", i,
                        (unsigned long long)m->gpa, (unsigned long long)m->size);
    }

    si = (struct hvm_start_info){
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = XEN_HVM_START_INFO_VERSION,
        .flags = p->flags,
        .nr_modules = (uint32_t)p->nr_modules,
        .modlist_paddr = p->nr_modules ? base + lay.modlist : 0,
        .cmdline_paddr = base + lay.cmdline,
        .rsdp_paddr = p->rsdp_paddr,
        .memmap_paddr = p->nr_memmap ? base + lay.memmap : 0,
        .memmap_entries = (uint32_t)p->nr_memmap,
    };
    rc = mem->zero(mem->ctx, base, lay.total);
    if (!rc)
        rc = put(mem, base, &si, sizeof(si));
    if (!rc)
        rc = put(mem, base + lay.cmdline, cmdline, strlen(cmdline));
    for (size_t i = 0; !rc && i < p->nr_modules; i++) {
        const struct pvh_module *m = &p->modules[i];
        struct hvm_modlist_entry e = {.paddr = m->gpa, .size = m->size};

        if (m->cmdline) {
            e.cmdline_paddr = base + lay.modcmd[i];
            rc = put(mem, e.cmdline_paddr, m->cmdline, strlen(m->cmdline));
        }
        if (!rc)
            rc = put(mem, base + lay.modlist + i * sizeof(e), &e, sizeof(e));
    }
    for (size_t i = 0; !rc && i < p->nr_memmap; i++) {
        struct hvm_memmap_table_entry e = {
            .addr = p->memmap[i].addr, .size = p->memmap[i].size, .type = p->memmap[i].type};

        rc = put(mem, base + lay.memmap + i * sizeof(e), &e, sizeof(e));
    }
    if (rc)
        return fail(err, errlen, rc < 0 ? rc : -EFAULT,
                    "cannot write start info to guest memory at 0x%llx", (unsigned long long)base);
    if (used)
        *used = lay.total;
    return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

int pvh_default_memmap(uint64_t mem_bytes, const struct pvh_reserved *res, size_t nres,
                       struct hvm_memmap_table_entry *out, size_t max)
{
    uint64_t low = MIN(mem_bytes, PVH_LOWMEM_END);
    uint64_t high = mem_bytes - low;
    size_t n = 0;

    if (!mem_bytes || (nres && !res) || high > UINT64_MAX - PVH_4GIB)
        return -EINVAL;
    if (nres >= max || 1 + nres + (high != 0) > max)
        return -ENOSPC;

    out[n++] =
        (struct hvm_memmap_table_entry){.addr = 0, .size = low, .type = XEN_HVM_MEMMAP_TYPE_RAM};
    for (size_t i = 0; i < nres; i++) {
        const struct pvh_reserved *r = &res[i];

        if (!r->size || r->addr + r->size < r->addr || overlaps(r->addr, r->size, 0, low) ||
            overlaps(r->addr, r->size, PVH_4GIB, high))
            return -EINVAL;
        out[n++] =
            (struct hvm_memmap_table_entry){.addr = r->addr, .size = r->size, .type = r->type};
    }
    if (high)
        out[n++] = (struct hvm_memmap_table_entry){
            .addr = PVH_4GIB, .size = high, .type = XEN_HVM_MEMMAP_TYPE_RAM};

    /* Insertion sort: a handful of entries, and the guest sees them in address order. */
    for (size_t i = 1; i < n; i++) {
        struct hvm_memmap_table_entry e = out[i];
        size_t j = i;

        for (; j > 0 && out[j - 1].addr > e.addr; j--)
            out[j] = out[j - 1];
        out[j] = e;
    }
    return (int)n;
}

uint64_t pvh_place_ramdisk(const struct pvh_image_info *info, uint64_t mem_bytes,
                           uint64_t ramdisk_size, uint64_t reserve_top)
{
    uint64_t top = MIN(MIN(mem_bytes, PVH_LOWMEM_END), reserve_top);
    uint64_t floor = MAX(info->paddr_hi, MiB(1)), size;

    if (!ramdisk_size || ramdisk_size > PVH_LOWMEM_END)
        return 0;
    size = ALIGN_UP(ramdisk_size, PVH_PAGE_SIZE);
    top = ALIGN_DOWN(top, PVH_PAGE_SIZE);
    floor = ALIGN_UP(floor, PVH_PAGE_SIZE); /* paddr_hi is at most 2^64 - 1: may wrap */
    if (floor < MiB(1) || top < size || top - size < floor)
        return 0;
    return top - size;
}
