# SPDX-License-Identifier: MIT
UNIT_TESTS += test_printk
test_printk_SRCS := tests/unit/test_printk.c hv/core/printk.c hv/lib/vsprintf.c tests/unit/host/console.c
