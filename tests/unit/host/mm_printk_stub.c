// SPDX-License-Identifier: MIT
/*
 * Stand-in printk for the mm tests, so they do not depend on the real log
 * ring: tests check that a bad free was reported by counting calls.
 */
#include <stdarg.h>
#include <stdio.h>

#include "mm_printk_stub.h"

int test_mm_printk_calls;
char test_mm_printk_last[512];

void printk(const char *fmt, ...);

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(test_mm_printk_last, sizeof(test_mm_printk_last), fmt, ap);
    va_end(ap);
    test_mm_printk_calls++;
}
