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

#define BUG_ON(c)                                              \
    do {                                                       \
        if (unlikely(c))                                       \
            panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); \
    } while (0)

#endif
