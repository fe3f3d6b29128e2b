// SPDX-License-Identifier: MIT
/* Kernel images are hostile input: build real ELF64/ELF32 ones, break each field, load them. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include <lamina/errno.h>
#include <lamina/pvh_loader.h>

#include "pvh_test_util.h"

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
        cmocka_unit_test(test_elf64_load),    cmocka_unit_test(test_elf32_load),
        cmocka_unit_test(test_elf32_x86_64),  cmocka_unit_test(test_linux_like),
        cmocka_unit_test(test_note_variants), cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_class_machine), cmocka_unit_test(test_bad_phdrs),
        cmocka_unit_test(test_bad_segments),  cmocka_unit_test(test_too_many_segments),
        cmocka_unit_test(test_bad_notes),     cmocka_unit_test(test_missing_note),
        cmocka_unit_test(test_load_failures), cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
