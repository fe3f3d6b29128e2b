// SPDX-License-Identifier: MIT
/*
 * The PVH loader parses hostile kernel images and writes guest memory, so these
 * tests build real ELF64/ELF32 images, load them into a fake guest through the
 * callbacks, and break every header field in turn. Images are exact-size heap
 * copies, so ASan reports any read past the end; the fake guest records any
 * write outside it, which the loader's own checks must have prevented.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include <lamina/errno.h>
#include <lamina/pvh_loader.h>

/* ------------------------------------------------------------ fake guest */

struct fake_guest {
    uint8_t *ram;
    uint64_t ram_size;
    unsigned int writes, zeros;
    bool oob;    /* a callback was asked to touch memory outside ram */
    int fail_at; /* make the n-th callback (1-based) fail; 0: never */
    unsigned int calls;
};

static int fake_check(struct fake_guest *g, uint64_t gpa, size_t len)
{
    if (g->fail_at && ++g->calls == (unsigned int)g->fail_at)
        return -EFAULT;
    if (gpa > g->ram_size || len > g->ram_size - gpa) {
        g->oob = true;
        return -EFAULT;
    }
    return 0;
}

static int fake_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    struct fake_guest *g = ctx;
    int rc = fake_check(g, gpa, len);

    if (!rc) {
        memcpy(g->ram + gpa, src, len);
        g->writes++;
    }
    return rc;
}

static int fake_zero(void *ctx, uint64_t gpa, size_t len)
{
    struct fake_guest *g = ctx;
    int rc = fake_check(g, gpa, len);

    if (!rc) {
        memset(g->ram + gpa, 0, len);
        g->zeros++;
    }
    return rc;
}

static struct guest_mem_ops fake_new(struct fake_guest *g, uint64_t size)
{
    memset(g, 0, sizeof(*g));
    g->ram = malloc(size);
    assert_non_null(g->ram);
    memset(g->ram, 0xcc, size); /* so zero-fill and untouched bytes are both visible */
    g->ram_size = size;
    return (struct guest_mem_ops){
        .ctx = g, .mem_bytes = size, .write = fake_write, .zero = fake_zero};
}

static void fake_free(struct fake_guest *g)
{
    free(g->ram);
    g->ram = NULL;
}

/* ------------------------------------------------------------ ELF builder */

static void w16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}
static void w32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static void w64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}
static uint32_t r32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static uint64_t r64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Field offsets of the two ELF classes, as the test writes them. */
struct cls {
    size_t ehsize, phentsize, word;
    size_t e_entry, e_phoff, e_ehsize, e_phentsize, e_phnum;
    size_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
static const struct cls C64 = {64, 56, 8, 24, 32, 52, 54, 56, 8, 16, 24, 32, 40, 4, 48};
static const struct cls C32 = {52, 32, 4, 24, 28, 40, 42, 44, 4, 8, 12, 16, 20, 24, 28};

struct tseg {
    uint64_t paddr;
    uint32_t filesz, memsz;
};

struct telf {
    bool elf64;
    uint16_t machine;
    const struct tseg *segs;
    unsigned int nsegs;
    unsigned int desc; /* size of the PHYS32_ENTRY descriptor; 0: no such note */
    uint64_t entry;
};

struct img {
    uint8_t *buf;
    size_t size;
    const struct cls *c;
    size_t phoff;
    size_t note_off;   /* start of the PT_NOTE data */
    size_t entry_note; /* header of the PHYS32_ENTRY note */
    size_t seg_off[20];
    unsigned int note_phdr; /* index of the PT_NOTE header */
};

static void wword(const struct img *im, size_t off, uint64_t v)
{
    if (im->c->word == 8)
        w64(im->buf + off, v);
    else
        w32(im->buf + off, (uint32_t)v);
}

static size_t ph_at(const struct img *im, unsigned int i, size_t field)
{
    return im->phoff + i * im->c->phentsize + field;
}

static size_t put_note(uint8_t *p, const char *name, uint32_t type, const void *desc,
                       uint32_t descsz)
{
    uint32_t namesz = (uint32_t)strlen(name) + 1;
    size_t off = 12;

    if (p) {
        w32(p, namesz);
        w32(p + 4, descsz);
        w32(p + 8, type);
        memcpy(p + off, name, namesz);
    }
    off += (namesz + 3) & ~3u;
    if (p)
        memcpy(p + off, desc, descsz);
    return off + ((descsz + 3) & ~3u);
}

/* Byte k of segment s's file data: distinct per segment and position. */
static uint8_t seg_byte(unsigned int s, size_t k)
{
    return (uint8_t)(0x40 + s * 0x31 + k * 7);
}

static size_t notes(uint8_t *p, const struct telf *t, size_t *entry_note)
{
    static const uint8_t build_id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t desc[16] = {0};
    size_t off = 0;

    off += put_note(p ? p + off : NULL, "GNU", 3, build_id, sizeof(build_id));
    off += put_note(p ? p + off : NULL, "Xen", 6, "linux", 6); /* XEN_ELFNOTE_GUEST_OS */
    *entry_note = off;
    if (t->desc) {
        memcpy(desc, &t->entry, 8);
        off += put_note(p ? p + off : NULL, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, desc, t->desc);
    }
    return off;
}

static struct img build(const struct telf *t)
{
    struct img im = {.c = t->elf64 ? &C64 : &C32};
    const struct cls *c = im.c;
    unsigned int nph = t->nsegs + 1;
    size_t off, nlen;

    im.phoff = c->ehsize;
    im.note_off = im.phoff + nph * c->phentsize;
    nlen = notes(NULL, t, &im.entry_note);
    off = (im.note_off + nlen + 15) & ~(size_t)15;
    for (unsigned int i = 0; i < t->nsegs; i++) {
        im.seg_off[i] = off;
        off = (off + t->segs[i].filesz + 15) & ~(size_t)15;
    }
    im.size = off;
    im.buf = calloc(1, im.size);
    assert_non_null(im.buf);
    uint8_t *b = im.buf;

    memcpy(b, "\177ELF", 4);
    b[4] = t->elf64 ? 2 : 1;
    b[5] = 1; /* little-endian */
    b[6] = 1; /* EV_CURRENT */
    w16(b + 16, 2);
    w16(b + 18, t->machine);
    w32(b + 20, 1);
    wword(&im, c->e_entry, 0xffffffff81000000ULL & (t->elf64 ? ~0ULL : 0xffffffffULL));
    wword(&im, c->e_phoff, im.phoff);
    w16(b + c->e_ehsize, (uint16_t)c->ehsize);
    w16(b + c->e_phentsize, (uint16_t)c->phentsize);
    w16(b + c->e_phnum, (uint16_t)nph);

    for (unsigned int i = 0; i < t->nsegs; i++) {
        const struct tseg *s = &t->segs[i];
        w32(b + ph_at(&im, i, 0), 1); /* PT_LOAD */
        w32(b + ph_at(&im, i, c->p_flags), 7);
        wword(&im, ph_at(&im, i, c->p_offset), im.seg_off[i]);
        /* A virtual address unlike the physical one: the loader must use p_paddr. */
        wword(&im, ph_at(&im, i, c->p_vaddr), s->paddr + (t->elf64 ? 0xffffffff80000000ULL : 0));
        wword(&im, ph_at(&im, i, c->p_paddr), s->paddr);
        wword(&im, ph_at(&im, i, c->p_filesz), s->filesz);
        wword(&im, ph_at(&im, i, c->p_memsz), s->memsz);
        wword(&im, ph_at(&im, i, c->p_align), 0x1000);
        for (size_t k = 0; k < s->filesz; k++)
            b[im.seg_off[i] + k] = seg_byte(i, k);
    }
    im.note_phdr = t->nsegs;
    w32(b + ph_at(&im, t->nsegs, 0), 4); /* PT_NOTE */
    wword(&im, ph_at(&im, t->nsegs, c->p_offset), im.note_off);
    wword(&im, ph_at(&im, t->nsegs, c->p_filesz), nlen);
    wword(&im, ph_at(&im, t->nsegs, c->p_memsz), nlen);
    notes(b + im.note_off, t, &im.entry_note);
    im.entry_note += im.note_off;
    return im;
}

/* An exact-size heap copy of the first n bytes, so ASan sees any overread. */
static uint8_t *dup_n(const struct img *im, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, im->buf, n);
    return p;
}

static const struct tseg std_segs[] = {
    {0x100000, 0x1000, 0x1000}, /* text: entry here */
    {0x102000, 0x800, 0x3000},  /* data + bss */
    {0x108000, 0x100, 0x100},
};

static struct img std_img(bool elf64)
{
    struct telf t = {.elf64 = elf64,
                     .machine = elf64 ? 62 : 3,
                     .segs = std_segs,
                     .nsegs = 3,
                     .desc = elf64 ? 8 : 4,
                     .entry = 0x100010};
    return build(&t);
}

static char err[256];

/* Probe must fail with rc, a message containing `want`, and no overread. */
static void expect_probe(const struct img *im, size_t n, int rc, const char *want)
{
    struct pvh_image_info info;
    uint8_t *copy = dup_n(im, n);

    memset(err, 0, sizeof(err));
    assert_int_equal(pvh_elf_probe(copy, n, &info, err, sizeof(err)), rc);
    assert_true(err[0] != '\0');
    if (want && !strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    free(copy);
}

/* ------------------------------------------------------------ good images */

static void check_std_load(bool elf64)
{
    struct img im = std_img(elf64);
    struct pvh_image_info info;
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(2));
    uint8_t *copy = dup_n(&im, im.size);

    assert_int_equal(pvh_elf_probe(copy, im.size, &info, err, sizeof(err)), 0);
    assert_int_equal(info.elf64, elf64);
    assert_int_equal(info.entry, 0x100010);
    assert_int_equal(info.nr_segments, 3);
    assert_int_equal(info.paddr_lo, 0x100000);
    assert_int_equal(info.paddr_hi, 0x108100);
    assert_int_equal(info.seg[1].paddr, 0x102000);
    assert_int_equal(info.seg[1].filesz, 0x800);
    assert_int_equal(info.seg[1].memsz, 0x3000);

    assert_int_equal(pvh_elf_load(copy, im.size, &info, &mem, err, sizeof(err)), 0);
    assert_false(g.oob);
    for (unsigned int s = 0; s < 3; s++) {
        const struct tseg *t = &std_segs[s];
        for (size_t k = 0; k < t->filesz; k++)
            assert_int_equal(g.ram[t->paddr + k], seg_byte(s, k));
        for (size_t k = t->filesz; k < t->memsz; k++)
            assert_int_equal(g.ram[t->paddr + k], 0); /* bss */
    }
    /* Nothing outside the segments was touched. */
    assert_int_equal(g.ram[0xfffff], 0xcc);
    assert_int_equal(g.ram[0x101000], 0xcc);
    assert_int_equal(g.ram[0x105000], 0xcc);
    assert_int_equal(g.ram[0x108100], 0xcc);
    free(copy);
    free(im.buf);
    fake_free(&g);
}

static void test_elf64_load(void **state)
{
    (void)state;
    check_std_load(true);
}

static void test_elf32_load(void **state)
{
    (void)state;
    check_std_load(false);
}

/* ELFCLASS32 with EM_X86_64 (64-bit code linked low) and an 8-byte note in ELF32. */
static void test_elf32_x86_64(void **state)
{
    struct telf t = {.machine = 62, .segs = std_segs, .nsegs = 1, .desc = 8, .entry = 0x100000};
    struct img im = build(&t);
    struct pvh_image_info info;
    uint8_t *copy = dup_n(&im, im.size);

    (void)state;
    assert_int_equal(pvh_elf_probe(copy, im.size, &info, err, sizeof(err)), 0);
    assert_false(info.elf64);
    assert_int_equal(info.machine, 62);
    assert_int_equal(info.entry, 0x100000);
    free(copy);
    free(im.buf);
}

/* Shaped like Debian's vmlinux: one big segment at 16 MiB, 8-byte note, entry inside. */
static void test_linux_like(void **state)
{
    static const struct tseg segs[] = {
        {0x1000000, 0x20000, 0x20000}, {0x1020000, 0x1000, 0x1000}, {0x1021000, 0x1000, 0x80000}};
    struct telf t = {
        .elf64 = true, .machine = 62, .segs = segs, .nsegs = 3, .desc = 8, .entry = 0x1000040};
    struct img im = build(&t);
    struct pvh_image_info info;
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(18));

    (void)state;
    assert_int_equal(pvh_elf_probe(im.buf, im.size, &info, err, sizeof(err)), 0);
    assert_int_equal(pvh_elf_load(im.buf, im.size, &info, &mem, err, sizeof(err)), 0);
    assert_int_equal(g.ram[0x1000000], seg_byte(0, 0));
    assert_int_equal(g.ram[0x10a0fff], 0);
    assert_int_equal(g.ram[0x10a1000], 0xcc);
    /* Just below what it needs: the whole check runs before anything is written. */
    fake_free(&g);
    mem = fake_new(&g, 0x10a1000 - 1);
    assert_int_equal(pvh_elf_load(im.buf, im.size, &info, &mem, err, sizeof(err)), -ENOMEM);
    assert_non_null(strstr(err, "kernel needs memory up to 0x10a1000"));
    assert_non_null(strstr(err, "only 16 MiB"));
    assert_int_equal(g.writes + g.zeros, 0);
    fake_free(&g);
    free(im.buf);
}

/* The first PHYS32 note wins; later notes of other owners are skipped. */
static void test_note_variants(void **state)
{
    struct img im = std_img(true);
    struct pvh_image_info info;

    (void)state;
    /* "Xen" without its NUL (namesz 3) still counts. */
    w32(im.buf + im.entry_note, 3);
    assert_int_equal(pvh_elf_probe(im.buf, im.size, &info, err, sizeof(err)), 0);
    assert_int_equal(info.entry, 0x100010);
    /* Another owner with type 18 is not the entry note. */
    w32(im.buf + im.entry_note, 4);
    memcpy(im.buf + im.entry_note + 12, "Xem", 4);
    expect_probe(&im, im.size, -ENOEXEC, "XEN_ELFNOTE_PHYS32_ENTRY note missing");
    free(im.buf);
}

/* ------------------------------------------------------------ malformed images */

static void test_not_elf(void **state)
{
    struct img im = std_img(true);

    (void)state;
    expect_probe(&im, 0, -ENOEXEC, "not an ELF file");
    expect_probe(&im, 3, -ENOEXEC, "not an ELF file");
    expect_probe(&im, 10, -EINVAL, "truncated ELF header");
    expect_probe(&im, 63, -EINVAL, "truncated ELF header");
    im.buf[1] = 'e';
    expect_probe(&im, im.size, -ENOEXEC, "not an ELF file");
    free(im.buf);

    im = std_img(false);
    expect_probe(&im, 51, -EINVAL, "truncated ELF header");
    free(im.buf);
}

static void test_class_machine(void **state)
{
    struct img im = std_img(true);

    (void)state;
    im.buf[4] = 3;
    expect_probe(&im, im.size, -ENOEXEC, "ELF class/machine not supported");
    im.buf[4] = 2;
    w16(im.buf + 18, 3); /* EM_386 in an ELF64 */
    expect_probe(&im, im.size, -ENOEXEC, "ELF class/machine not supported");
    w16(im.buf + 18, 183); /* aarch64 */
    expect_probe(&im, im.size, -ENOEXEC, "ELF class/machine not supported");
    w16(im.buf + 18, 62);
    im.buf[5] = 2; /* big-endian */
    expect_probe(&im, im.size, -ENOEXEC, "little-endian");
    im.buf[5] = 1;
    w16(im.buf + 16, 3); /* ET_DYN */
    expect_probe(&im, im.size, -ENOEXEC, "not an executable");
    free(im.buf);

    im = std_img(false);
    w16(im.buf + 18, 40); /* ARM */
    expect_probe(&im, im.size, -ENOEXEC, "ELF class/machine not supported");
    free(im.buf);
}

static void test_bad_phdrs(void **state)
{
    for (int elf64 = 0; elf64 < 2; elf64++) {
        struct img im = std_img(elf64);
        const struct cls *c = im.c;

        (void)state;
        w16(im.buf + c->e_phnum, 0);
        expect_probe(&im, im.size, -ENOEXEC, "no program headers");
        w16(im.buf + c->e_phnum, 65);
        expect_probe(&im, im.size, -EINVAL, "too many program headers");
        w16(im.buf + c->e_phnum, 0xffff);
        expect_probe(&im, im.size, -EINVAL, "too many program headers");
        w16(im.buf + c->e_phnum, 4);
        w16(im.buf + c->e_phentsize, (uint16_t)(c->phentsize - 1));
        expect_probe(&im, im.size, -EINVAL, "program header size");
        w16(im.buf + c->e_phentsize, (uint16_t)c->phentsize);
        /* Cut in the middle of the last program header. */
        expect_probe(&im, im.phoff + 4 * c->phentsize - 1, -EINVAL, "truncated program headers");
        wword(&im, c->e_phoff, im.size - 8);
        expect_probe(&im, im.size, -EINVAL, "truncated program headers");
        wword(&im, c->e_phoff, elf64 ? UINT64_MAX - 8 : UINT32_MAX - 8);
        expect_probe(&im, im.size, -EINVAL, "truncated program headers");
        free(im.buf);
    }
}

static void test_bad_segments(void **state)
{
    for (int elf64 = 0; elf64 < 2; elf64++) {
        struct img im = std_img(elf64);
        const struct cls *c = im.c;
        uint64_t wmax = elf64 ? UINT64_MAX : UINT32_MAX;

        (void)state;
        wword(&im, ph_at(&im, 2, c->p_offset), im.size - 0x80);
        expect_probe(&im, im.size, -EINVAL, "segment 2 extends past the end of the file");
        wword(&im, ph_at(&im, 2, c->p_offset), wmax - 0x10); /* offset + filesz overflows */
        expect_probe(&im, im.size, -EINVAL, "segment 2 extends past the end of the file");
        wword(&im, ph_at(&im, 2, c->p_offset), im.seg_off[2]);
        /* The last byte of the file is segment 2's: one byte short is caught too. */
        expect_probe(&im, im.seg_off[2] + 0xff, -EINVAL, "segment 2 extends past");

        wword(&im, ph_at(&im, 1, c->p_filesz), 0x3001);
        expect_probe(&im, im.size, -EINVAL, "segment 1: file size 0x3001 exceeds memory size");
        wword(&im, ph_at(&im, 1, c->p_filesz), 0x800);

        wword(&im, ph_at(&im, 1, c->p_paddr), wmax - 0xfff);
        expect_probe(&im, im.size, -EINVAL, "segment 1 wraps around");
        wword(&im, ph_at(&im, 1, c->p_paddr), 0x102000);

        /* Entry outside every segment (in the gap between segments 0 and 1). */
        wword(&im, im.entry_note + 16, 0x101800);
        expect_probe(&im, im.size, -EINVAL, "outside the loaded segments");
        wword(&im, im.entry_note + 16, 0x100010);

        /* Every PT_LOAD turned into PT_NULL: nothing to load. */
        for (unsigned int i = 0; i < 3; i++)
            w32(im.buf + ph_at(&im, i, 0), 0);
        expect_probe(&im, im.size, -ENOEXEC, "no loadable segments");
        free(im.buf);
    }
}

static void test_too_many_segments(void **state)
{
    struct tseg segs[17];
    for (unsigned int i = 0; i < 17; i++)
        segs[i] = (struct tseg){0x100000 + i * 0x1000, 0x10, 0x1000};
    struct telf t = {
        .elf64 = true, .machine = 62, .segs = segs, .nsegs = 17, .desc = 8, .entry = 0x100000};
    struct img im = build(&t);
    struct pvh_image_info info;

    (void)state;
    expect_probe(&im, im.size, -EINVAL, "too many loadable segments");
    /* Sixteen are fine, and an empty (memsz 0) one does not count. */
    wword(&im, ph_at(&im, 16, im.c->p_filesz), 0);
    wword(&im, ph_at(&im, 16, im.c->p_memsz), 0);
    assert_int_equal(pvh_elf_probe(im.buf, im.size, &info, err, sizeof(err)), 0);
    assert_int_equal(info.nr_segments, 16);
    free(im.buf);
}

static void test_bad_notes(void **state)
{
    for (int elf64 = 0; elf64 < 2; elf64++) {
        struct img im = std_img(elf64);
        const struct cls *c = im.c;
        size_t n0 = im.note_off, en = im.entry_note;

        (void)state;
        w32(im.buf + n0, 0xffffffff); /* namesz */
        expect_probe(&im, im.size, -EINVAL, "malformed ELF note");
        w32(im.buf + n0, 0xfffffffd); /* rounds up to 2^32 */
        expect_probe(&im, im.size, -EINVAL, "malformed ELF note");
        w32(im.buf + n0, 4);
        w32(im.buf + n0 + 4, 0xffffffff); /* descsz */
        expect_probe(&im, im.size, -EINVAL, "malformed ELF note");
        w32(im.buf + n0 + 4, 8);

        w32(im.buf + en + 4, 2);
        expect_probe(&im, im.size, -EINVAL, "2-byte value");
        w32(im.buf + en + 4, 16);
        expect_probe(&im, im.size, -EINVAL, "malformed ELF note"); /* runs past the segment */
        w32(im.buf + en + 4, 8);
        if (elf64) {
            w64(im.buf + en + 16, 0x100000010ULL);
            expect_probe(&im, im.size, -EINVAL, "does not fit in 32 bits");
            w64(im.buf + en + 16, 0x100010);
        }

        wword(&im, ph_at(&im, im.note_phdr, c->p_offset), im.size - 4);
        expect_probe(&im, im.size, -EINVAL, "note segment 3 extends past the end of the file");
        wword(&im, ph_at(&im, im.note_phdr, c->p_offset), im.note_off);
        /* A note segment cut short before the entry note: the note is simply missing. */
        wword(&im, ph_at(&im, im.note_phdr, c->p_filesz), en - n0);
        expect_probe(&im, im.size, -ENOEXEC,
                     "no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY note missing)");
        free(im.buf);
    }
}

static void test_missing_note(void **state)
{
    struct telf t = {.elf64 = true, .machine = 62, .segs = std_segs, .nsegs = 3};
    struct img im = build(&t);

    (void)state;
    expect_probe(&im, im.size, -ENOEXEC,
                 "no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY note missing)");
    free(im.buf);
}

/* ------------------------------------------------------------ loading failures */

static void test_load_failures(void **state)
{
    struct img im = std_img(true);
    struct pvh_image_info info, bad;
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, 0x108000);

    (void)state;
    assert_int_equal(pvh_elf_probe(im.buf, im.size, &info, err, sizeof(err)), 0);
    /* Segment beyond guest memory. */
    assert_int_equal(pvh_elf_load(im.buf, im.size, &info, &mem, err, sizeof(err)), -ENOMEM);
    assert_string_equal(err, "kernel needs memory up to 0x108100 but the domain has only 1 MiB");
    assert_int_equal(g.writes + g.zeros, 0);
    fake_free(&g);

    mem = fake_new(&g, MiB(2));
    /* A stale or tampered info is re-checked against this image. */
    bad = info;
    bad.seg[2].offset = im.size - 0x10;
    assert_int_equal(pvh_elf_load(im.buf, im.size, &bad, &mem, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "segment 2 extends past the end of the file"));
    bad = info;
    bad.entry = 0x200000;
    assert_int_equal(pvh_elf_load(im.buf, im.size, &bad, &mem, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "outside the loaded segments"));
    bad = info;
    bad.nr_segments = 17;
    assert_int_equal(pvh_elf_load(im.buf, im.size, &bad, &mem, err, sizeof(err)), -EINVAL);
    bad = info;
    bad.seg[0].paddr = UINT64_MAX - 0x10;
    assert_int_equal(pvh_elf_load(im.buf, im.size, &bad, &mem, err, sizeof(err)), -EINVAL);
    assert_int_equal(g.writes + g.zeros, 0);

    /* A failing callback is reported with its own error code. */
    g.fail_at = 2;
    assert_int_equal(pvh_elf_load(im.buf, im.size, &info, &mem, err, sizeof(err)), -EFAULT);
    assert_non_null(strstr(err, "cannot write kernel segment"));
    assert_false(g.oob);
    fake_free(&g);
    free(im.buf);
}

/* ------------------------------------------------------------ start info */

static void test_start_info_layout(void **state)
{
    static const struct pvh_reserved special = {0xfeff8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED};
    struct hvm_memmap_table_entry map[4];
    struct pvh_module mods[2] = {
        {.gpa = 0x200000, .size = 0x12345, .cmdline = "initrd"},
        {.gpa = 0x300000, .size = 0x1000},
    };
    const char *cmdline = "console=hvc0 root=/dev/ram0"; /* 27 chars: 32 bytes with NUL */
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(4));
    const uint64_t base = 0x6000;
    uint64_t used = 0;
    int n = pvh_default_memmap(MiB(4), &special, 1, map, 4);
    const uint8_t *si = g.ram + base;

    (void)state;
    assert_int_equal(n, 2);
    struct pvh_start_params p = {.cmdline = cmdline,
                                 .modules = mods,
                                 .nr_modules = 2,
                                 .memmap = map,
                                 .nr_memmap = (size_t)n,
                                 .rsdp_paddr = 0xfc000000};
    assert_int_equal(pvh_build_start_info(&mem, base, &p, &used, err, sizeof(err)), 0);
    const uint64_t cmd = 56, modcmd = cmd + 32, modlist = modcmd + 8, mmap = modlist + 2 * 32;
    assert_int_equal(used, mmap + 2 * 24);
    assert_int_equal(pvh_start_info_size(&p), used);

    assert_int_equal(r32(si + 0), 0x336ec578);
    assert_int_equal(r32(si + 4), 1);
    assert_int_equal(r32(si + 8), 0);
    assert_int_equal(r32(si + 12), 2);
    assert_int_equal(r64(si + 16), base + modlist);
    assert_int_equal(r64(si + 24), base + cmd);
    assert_int_equal(r64(si + 32), 0xfc000000);
    assert_int_equal(r64(si + 40), base + mmap);
    assert_int_equal(r32(si + 48), 2);
    assert_int_equal(r32(si + 52), 0);

    assert_string_equal((const char *)si + cmd, cmdline);
    for (size_t k = cmd + strlen(cmdline); k < modcmd; k++)
        assert_int_equal(si[k], 0); /* NUL and padding */
    assert_string_equal((const char *)si + modcmd, "initrd");
    assert_int_equal(si[modcmd + 7], 0);

    assert_int_equal(r64(si + modlist + 0), 0x200000);
    assert_int_equal(r64(si + modlist + 8), 0x12345);
    assert_int_equal(r64(si + modlist + 16), base + modcmd);
    assert_int_equal(r64(si + modlist + 24), 0);
    assert_int_equal(r64(si + modlist + 32), 0x300000);
    assert_int_equal(r64(si + modlist + 40), 0x1000);
    assert_int_equal(r64(si + modlist + 48), 0); /* no command line */
    assert_int_equal(r64(si + modlist + 56), 0);

    assert_int_equal(r64(si + mmap + 0), 0);
    assert_int_equal(r64(si + mmap + 8), MiB(4));
    assert_int_equal(r32(si + mmap + 16), XEN_HVM_MEMMAP_TYPE_RAM);
    assert_int_equal(r32(si + mmap + 20), 0);
    assert_int_equal(r64(si + mmap + 24), 0xfeff8000);
    assert_int_equal(r64(si + mmap + 32), 0x8000);
    assert_int_equal(r32(si + mmap + 40), XEN_HVM_MEMMAP_TYPE_RESERVED);
    assert_int_equal(r32(si + mmap + 44), 0);

    assert_int_equal(g.ram[base - 1], 0xcc);
    assert_int_equal(g.ram[base + used], 0xcc);
    assert_false(g.oob);
    fake_free(&g);
}

static void test_start_info_minimal(void **state)
{
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(1));
    struct pvh_start_params p = {.flags = SIF_PRIVILEGED | SIF_INITDOMAIN};
    uint64_t used = 0;
    const uint8_t *si = g.ram + 0x1000;

    (void)state;
    assert_int_equal(pvh_build_start_info(&mem, 0x1000, &p, &used, err, sizeof(err)), 0);
    assert_int_equal(used, 64);
    assert_int_equal(r32(si + 8), 3);
    assert_int_equal(r32(si + 12), 0);
    assert_int_equal(r64(si + 16), 0);      /* no modlist */
    assert_int_equal(r64(si + 24), 0x1038); /* "" */
    assert_int_equal(si[56], 0);
    assert_int_equal(r64(si + 32), 0);
    assert_int_equal(r64(si + 40), 0); /* no memmap */
    assert_int_equal(r32(si + 48), 0);
    fake_free(&g);
}

static void expect_si(const struct guest_mem_ops *mem, uint64_t base,
                      const struct pvh_start_params *p, int rc, const char *want)
{
    struct fake_guest *g = mem->ctx;
    unsigned int before = g->writes + g->zeros;

    memset(err, 0, sizeof(err));
    assert_int_equal(pvh_build_start_info(mem, base, p, NULL, err, sizeof(err)), rc);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    if (rc < 0 && rc != -EFAULT)
        assert_int_equal(g->writes + g->zeros, before); /* validated before writing */
    assert_false(g->oob);
}

static void test_start_info_errors(void **state)
{
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(1));
    struct pvh_module mods[PVH_MAX_MODULES + 1] = {{.gpa = 0x80000, .size = 0x1000}};
    struct pvh_start_params p = {.cmdline = "x", .modules = mods, .nr_modules = 1};
    char *longcmd = malloc(PVH_CMDLINE_MAX + 1);

    (void)state;
    expect_si(&mem, MiB(1) - 0x1000, &p, 0, ""); /* ends exactly at the top: fine */
    g.writes = g.zeros = 0;
    expect_si(&mem, MiB(1), &p, -ENOMEM, "start info needs memory up to 0x100060");
    expect_si(&mem, 0x1800, &p, -EINVAL, "not page aligned");
    mem.mem_bytes = GiB(8);
    expect_si(&mem, GiB(4), &p, -EINVAL, "below 4 GiB");
    expect_si(&mem, UINT64_MAX & ~0xfffULL, &p, -EINVAL, "below 4 GiB");
    mem.mem_bytes = MiB(1);

    mods[0].gpa = MiB(1) - 0x800;
    expect_si(&mem, 0x1000, &p, -EINVAL, "module 0");
    mods[0].gpa = UINT64_MAX - 0x10;
    expect_si(&mem, 0x1000, &p, -EINVAL, "outside guest memory");
    mods[0].gpa = 0x80000;

    p.nr_modules = PVH_MAX_MODULES + 1;
    expect_si(&mem, 0x1000, &p, -EINVAL, "too many modules");
    assert_int_equal(pvh_start_info_size(&p), 0);
    p.nr_modules = 1;
    p.nr_memmap = PVH_MAX_MEMMAP + 1;
    p.memmap = (const struct hvm_memmap_table_entry *)mods; /* never read */
    expect_si(&mem, 0x1000, &p, -EINVAL, "too many memory map entries");
    p.nr_memmap = 0;
    p.memmap = NULL;

    memset(longcmd, 'a', PVH_CMDLINE_MAX);
    longcmd[PVH_CMDLINE_MAX] = '\0';
    p.cmdline = longcmd;
    expect_si(&mem, 0x1000, &p, -EINVAL, "command line too long");
    longcmd[PVH_CMDLINE_MAX - 1] = '\0'; /* 4095 characters: the longest allowed */
    expect_si(&mem, 0x1000, &p, 0, "");
    mem.mem_bytes = GiB(8); /* a blob that would straddle 4 GiB */
    expect_si(&mem, 0xfffff000, &p, -EINVAL, "below 4 GiB");
    mem.mem_bytes = MiB(1);
    longcmd[PVH_CMDLINE_MAX - 1] = 'a';
    mods[0].cmdline = longcmd;
    p.cmdline = "x";
    expect_si(&mem, 0x1000, &p, -EINVAL, "module 0 command line too long");
    mods[0].cmdline = NULL;

    g.fail_at = 3;
    g.calls = 0;
    expect_si(&mem, 0x1000, &p, -EFAULT, "cannot write start info");
    free(longcmd);
    fake_free(&g);
}

/* ------------------------------------------------------------ memmap, ramdisk */

static void test_default_memmap(void **state)
{
    struct hvm_memmap_table_entry m[8];
    const struct pvh_reserved res[2] = {
        {0xfeff8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED},
        {0xfc000000, 0x10000, XEN_HVM_MEMMAP_TYPE_NVS},
    };

    (void)state;
    assert_int_equal(pvh_default_memmap(MiB(512), NULL, 0, m, 8), 1);
    assert_int_equal(m[0].addr, 0);
    assert_int_equal(m[0].size, MiB(512));
    assert_int_equal(m[0].type, XEN_HVM_MEMMAP_TYPE_RAM);

    /* Above the hole: RAM splits around it; entries come out sorted by address. */
    assert_int_equal(pvh_default_memmap(GiB(6), res, 2, m, 8), 4);
    assert_int_equal(m[0].size, 0xf0000000);
    assert_int_equal(m[1].addr, 0xfc000000);
    assert_int_equal(m[1].type, XEN_HVM_MEMMAP_TYPE_NVS);
    assert_int_equal(m[2].addr, 0xfeff8000);
    assert_int_equal(m[2].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
    assert_int_equal(m[3].addr, GiB(4));
    assert_int_equal(m[3].size, GiB(6) - 0xf0000000);
    assert_int_equal(m[3].type, XEN_HVM_MEMMAP_TYPE_RAM);
    for (int i = 0; i < 4; i++)
        assert_int_equal(m[i].reserved, 0);

    assert_int_equal(pvh_default_memmap(GiB(6), res, 2, m, 3), -ENOSPC);
    assert_int_equal(pvh_default_memmap(0, NULL, 0, m, 8), -EINVAL);
    assert_int_equal(pvh_default_memmap(MiB(512), NULL, 0, m, 0), -ENOSPC);
    const struct pvh_reserved in_ram = {0x100000, 0x1000, XEN_HVM_MEMMAP_TYPE_RESERVED};
    assert_int_equal(pvh_default_memmap(MiB(512), &in_ram, 1, m, 8), -EINVAL);
    const struct pvh_reserved in_high = {GiB(5), 0x1000, XEN_HVM_MEMMAP_TYPE_RESERVED};
    assert_int_equal(pvh_default_memmap(GiB(6), &in_high, 1, m, 8), -EINVAL);
    const struct pvh_reserved empty = {0xfeff8000, 0, XEN_HVM_MEMMAP_TYPE_RESERVED};
    assert_int_equal(pvh_default_memmap(MiB(512), &empty, 1, m, 8), -EINVAL);
    const struct pvh_reserved wraps = {UINT64_MAX - 0xfff, 0x2000, XEN_HVM_MEMMAP_TYPE_RESERVED};
    assert_int_equal(pvh_default_memmap(MiB(512), &wraps, 1, m, 8), -EINVAL);
}

static void test_place_ramdisk(void **state)
{
    struct pvh_image_info info = {.paddr_lo = MiB(16), .paddr_hi = MiB(16) + 0x123456};

    (void)state;
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), MiB(10) + 1, UINT64_MAX),
                     MiB(512) - MiB(10) - 0x1000);
    /* The caller's reserved top, rounded down to a page. */
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), 0x1000, 0x10000123), 0x0ffff000);
    /* Large guests: below the MMIO hole, not at mem_bytes. */
    assert_int_equal(pvh_place_ramdisk(&info, GiB(8), 0x1000, UINT64_MAX), 0xf0000000 - 0x1000);
    /* Exactly fits between the kernel's end (page-rounded) and the top. */
    uint64_t kend = MiB(16) + 0x124000;
    assert_int_equal(pvh_place_ramdisk(&info, MiB(32), MiB(32) - kend, UINT64_MAX), kend);
    assert_int_equal(pvh_place_ramdisk(&info, MiB(32), MiB(32) - kend + 1, UINT64_MAX), 0);
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), 0, UINT64_MAX), 0);
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), UINT64_MAX, UINT64_MAX), 0);
    assert_int_equal(pvh_place_ramdisk(&info, MiB(16), 0x1000, UINT64_MAX), 0);
    /* Never below 1 MiB, even for a kernel linked lower. */
    info.paddr_hi = 0x9000;
    assert_int_equal(pvh_place_ramdisk(&info, MiB(2), MiB(1), UINT64_MAX), MiB(1));
    assert_int_equal(pvh_place_ramdisk(&info, MiB(2), MiB(1) + 1, UINT64_MAX), 0);
    info.paddr_hi = UINT64_MAX;
    assert_int_equal(pvh_place_ramdisk(&info, MiB(512), 0x1000, UINT64_MAX), 0);
}

/* ------------------------------------------------------------ fuzz */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Interesting values: boundaries that catch overflow and off-by-one mistakes. */
static uint64_t rnd_value(void)
{
    static const uint64_t v[] = {0,          1,
                                 3,          4,
                                 7,          8,
                                 12,         0x7f,
                                 0xff,       0x1000,
                                 0xffff,     0x7fffffff,
                                 0xffffffff, 0x100000000ULL,
                                 UINT64_MAX, UINT64_MAX - 7};
    return (rnd() & 1) ? v[rnd() % ARRAY_SIZE(v)] : rnd();
}

/* Returns true if the mutant was probed and loaded successfully. */
static bool fuzz_one(const struct img *base, struct fake_guest *g, const struct guest_mem_ops *mem)
{
    size_t n = base->size;
    uint8_t *copy;
    struct pvh_image_info info;
    int rc;

    if (rnd() % 8 == 0)
        n = rnd() % (base->size + 1);
    copy = dup_n(base, n);
    for (unsigned int k = 1 + rnd() % 6; n && k; k--) {
        /* Mostly headers and notes: that is where the parsing is. */
        size_t span = rnd() % 4 ? MIN(n, base->note_off + 96) : n;
        size_t at = rnd() % span;
        unsigned int w = 1u << (rnd() % 4);
        uint64_t v = rnd_value();

        if (at + w > n)
            w = 1;
        memcpy(copy + at, &v, w);
    }
    err[0] = 'X';
    rc = pvh_elf_probe(copy, n, &info, err, sizeof(err));
    assert_true(rc == 0 || rc == -ENOEXEC || rc == -EINVAL);
    if (rc) {
        assert_true(err[0] != '\0');
    } else {
        assert_true(info.nr_segments >= 1 && info.nr_segments <= PVH_MAX_SEGMENTS);
        rc = pvh_elf_load(copy, n, &info, mem, err, sizeof(err));
        assert_true(rc == 0 || rc == -ENOMEM);
        if (rc)
            assert_true(err[0] != '\0');
    }
    assert_false(g->oob);
    free(copy);
    return rc == 0;
}

static void test_fuzz(void **state)
{
    struct fake_guest g;
    struct guest_mem_ops mem = fake_new(&g, MiB(2));
    struct img im64 = std_img(true), im32 = std_img(false);
    unsigned int loaded = 0;

    (void)state;
    for (unsigned int i = 0; i < 50000; i++)
        loaded += fuzz_one(i & 1 ? &im32 : &im64, &g, &mem);
    assert_true(loaded > 0); /* some mutants were still loadable: loading got fuzzed too */
    free(im64.buf);
    free(im32.buf);
    fake_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf64_load),
        cmocka_unit_test(test_elf32_load),
        cmocka_unit_test(test_elf32_x86_64),
        cmocka_unit_test(test_linux_like),
        cmocka_unit_test(test_note_variants),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_class_machine),
        cmocka_unit_test(test_bad_phdrs),
        cmocka_unit_test(test_bad_segments),
        cmocka_unit_test(test_too_many_segments),
        cmocka_unit_test(test_bad_notes),
        cmocka_unit_test(test_missing_note),
        cmocka_unit_test(test_load_failures),
        cmocka_unit_test(test_start_info_layout),
        cmocka_unit_test(test_start_info_minimal),
        cmocka_unit_test(test_start_info_errors),
        cmocka_unit_test(test_default_memmap),
        cmocka_unit_test(test_place_ramdisk),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
