/* SPDX-License-Identifier: MIT */
/*
 * A printk that only records, for tests of code whose sole output is
 * warnings: they assert how many were printed and what the last one said.
 */
#ifndef TEST_PRINTK_STUB_H
#define TEST_PRINTK_STUB_H

extern int test_printk_calls;
extern char test_printk_last[512];

/* Forget earlier calls, so each test counts only its own warnings. */
void test_printk_reset(void);

#endif
