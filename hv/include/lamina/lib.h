/* SPDX-License-Identifier: MIT */
/* Things almost every file needs: logging, panic, assertions. */
#ifndef LAMINA_LIB_H
#define LAMINA_LIB_H

#include <lamina/errno.h>
#include <lamina/printk.h>
#include <lamina/string.h>
#include <lamina/types.h>
#include <asm/page.h>
#include <asm/system.h>

/*
 * Set once the machine is going down (panic, fatal exception): console
 * locks are then taken with a bounded wait so the report always gets out.
 */
extern volatile bool system_crashing;

/* For boot failures and broken invariants only: never for guest behaviour. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/*
 * Clamp an index that was bounds-checked to 0 when out of range, without a
 * branch the CPU could mispredict (Spectre v1): use it right after the check.
 */
static inline size_t array_index_nospec(size_t idx, size_t size)
{
    size_t mask;
    __asm__("cmp %1, %2; sbb %0, %0" : "=r"(mask) : "g"(size), "r"(idx) : "cc");
    return idx & mask;
}

#define BUG_ON(c)                                              \
    do {                                                       \
        if (unlikely(c))                                       \
            panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); \
    } while (0)

#endif
