/* SPDX-License-Identifier: MIT */
/* printk for the memory-management tests: counts messages instead of printing. */
#ifndef TEST_MM_PRINTK_STUB_H
#define TEST_MM_PRINTK_STUB_H

extern int test_mm_printk_calls;
extern char test_mm_printk_last[512]; /* the most recent message, truncated */

#endif
