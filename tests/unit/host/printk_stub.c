// SPDX-License-Identifier: MIT
/*
 * Host stand-in for printk, so a unit test does not need the log ring and
 * console: it formats with libc and keeps a count and the last message.
 */
#include <stdio.h>

#include <lamina/printk.h>

#include "printk_stub.h"

int test_printk_calls;
char test_printk_last[512];

void test_printk_reset(void)
{
    test_printk_calls = 0;
    test_printk_last[0] = '\0';
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(test_printk_last, sizeof(test_printk_last), fmt, ap);
    va_end(ap);
    test_printk_calls++;
}
