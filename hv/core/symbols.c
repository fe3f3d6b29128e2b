// SPDX-License-Identifier: MIT
/*
 * Name the function an address falls in, from the table scripts/gensyms.py
 * embeds in the image, so a crash report reads "vmexit_handler+0x12/0x80"
 * instead of a bare address.
 */
#include <lamina/symbols.h>

struct symtab_entry {
    uint32_t offset; /* from _stext */
    uint32_t name;   /* into symtab_names */
};

extern const uint32_t symtab_count;
extern const struct symtab_entry symtab_entries[];
extern const char symtab_names[];
extern const char _stext[], _etext[];

const char *symbol_lookup(uintptr_t addr, uintptr_t *offset, uintptr_t *size)
{
    uintptr_t base = (uintptr_t)_stext;
    uint32_t lo = 0, hi = symtab_count;

    if (addr < base || addr >= (uintptr_t)_etext || symtab_count == 0)
        return NULL;
    /* Last entry whose offset is <= addr - base. */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (symtab_entries[mid].offset <= addr - base)
            lo = mid;
        else
            hi = mid;
    }
    if (symtab_entries[lo].offset > addr - base)
        return NULL;
    uintptr_t start = base + symtab_entries[lo].offset;
    uintptr_t end =
        lo + 1 < symtab_count ? base + symtab_entries[lo + 1].offset : (uintptr_t)_etext;
    *offset = addr - start;
    *size = end - start;
    return symtab_names + symtab_entries[lo].name;
}
