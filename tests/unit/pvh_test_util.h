/* SPDX-License-Identifier: MIT */
/* Split PVH loader test files share the fake guest and the ELF image builder. */
#ifndef PVH_TEST_UTIL_H
#define PVH_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lamina/pvh_loader.h>

/* Fake guest RAM behind guest_mem_ops; writes outside it are recorded, not done. */
struct fake_guest {
    uint8_t *ram;
    uint64_t ram_size;
    unsigned int writes, zeros;
    bool oob;    /* a callback was asked to touch memory outside ram */
    int fail_at; /* make the n-th callback (1-based) fail; 0: never */
    unsigned int calls;
};
struct guest_mem_ops fake_new(struct fake_guest *g, uint64_t size);
void fake_free(struct fake_guest *g);

/* Unaligned little-endian stores and loads. */
void w16(uint8_t *p, uint16_t v);
void w32(uint8_t *p, uint32_t v);
void w64(uint8_t *p, uint64_t v);
uint32_t r32(const uint8_t *p);
uint64_t r64(const uint8_t *p);

/* Field offsets of the two ELF classes, as the test writes them. */
struct cls {
    size_t ehsize, phentsize, word;
    size_t e_entry, e_phoff, e_ehsize, e_phentsize, e_phnum;
    size_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};

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

/* Store a word of the image's ELF class at off. */
void wword(const struct img *im, size_t off, uint64_t v);
/* Offset of `field` in program header i. */
size_t ph_at(const struct img *im, unsigned int i, size_t field);
/* Byte k of segment s's file data: distinct per segment and position. */
uint8_t seg_byte(unsigned int s, size_t k);
/* A heap-allocated image (free im.buf) with PT_LOADs, then a PT_NOTE. */
struct img build(const struct telf *t);
/* An exact-size heap copy of the first n bytes, so ASan sees any overread. */
uint8_t *dup_n(const struct img *im, size_t n);
/* Three segments: text (entry at 0x100010), data + bss, a small one. */
extern const struct tseg std_segs[3];
struct img std_img(bool elf64);

#endif
