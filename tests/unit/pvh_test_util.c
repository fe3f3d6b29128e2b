// SPDX-License-Identifier: MIT
/* PVH loader test files share one fake guest and one ELF builder, so images are made alike. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include <lamina/errno.h>
#include <lamina/pvh_loader.h>

#include "pvh_test_util.h"

/* ------------------------------------------------------------ fake guest */

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

struct guest_mem_ops fake_new(struct fake_guest *g, uint64_t size)
{
    memset(g, 0, sizeof(*g));
    g->ram = malloc(size);
    assert_non_null(g->ram);
    memset(g->ram, 0xcc, size); /* so zero-fill and untouched bytes are both visible */
    g->ram_size = size;
    return (struct guest_mem_ops){
        .ctx = g, .mem_bytes = size, .write = fake_write, .zero = fake_zero};
}

void fake_free(struct fake_guest *g)
{
    free(g->ram);
    g->ram = NULL;
}

/* ------------------------------------------------------------ ELF builder */

void w16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}
void w32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
void w64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}
uint32_t r32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
uint64_t r64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static const struct cls C64 = {64, 56, 8, 24, 32, 52, 54, 56, 8, 16, 24, 32, 40, 4, 48};
static const struct cls C32 = {52, 32, 4, 24, 28, 40, 42, 44, 4, 8, 12, 16, 20, 24, 28};

void wword(const struct img *im, size_t off, uint64_t v)
{
    if (im->c->word == 8)
        w64(im->buf + off, v);
    else
        w32(im->buf + off, (uint32_t)v);
}

size_t ph_at(const struct img *im, unsigned int i, size_t field)
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
uint8_t seg_byte(unsigned int s, size_t k)
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

struct img build(const struct telf *t)
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
uint8_t *dup_n(const struct img *im, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, im->buf, n);
    return p;
}

const struct tseg std_segs[] = {
    {0x100000, 0x1000, 0x1000}, /* text: entry here */
    {0x102000, 0x800, 0x3000},  /* data + bss */
    {0x108000, 0x100, 0x100},
};

struct img std_img(bool elf64)
{
    struct telf t = {.elf64 = elf64,
                     .machine = elf64 ? 62 : 3,
                     .segs = std_segs,
                     .nsegs = 3,
                     .desc = elf64 ? 8 : 4,
                     .entry = 0x100010};
    return build(&t);
}
