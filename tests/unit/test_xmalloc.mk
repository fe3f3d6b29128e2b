# SPDX-License-Identifier: MIT
UNIT_TESTS += test_xmalloc
test_xmalloc_SRCS := tests/unit/test_xmalloc.c hv/core/mm/xmalloc.c hv/core/mm/buddy.c tests/unit/host/ram.c tests/unit/host/mm_printk_stub.c
