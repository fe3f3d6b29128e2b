# SPDX-License-Identifier: MIT
UNIT_TESTS += test_cmdline
test_cmdline_SRCS := tests/unit/test_cmdline.c hv/core/cmdline.c hv/core/printk.c hv/lib/vsprintf.c tests/unit/host/console.c
