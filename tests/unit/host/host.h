/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit tests. */
#ifndef TEST_HOST_H
#define TEST_HOST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <asm/page.h>

void test_ram_setup(uint64_t frames);
void test_ram_teardown(void);

/* Console capture (host/console.c): everything printk sent to the console. */
extern char test_console[65536];
extern size_t test_console_len;
void test_console_reset(void);
/* Number of times `needle` occurs in the captured console text. */
int test_console_count(const char *needle);

#endif
