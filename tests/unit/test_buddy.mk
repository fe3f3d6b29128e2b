# SPDX-License-Identifier: MIT
UNIT_TESTS += test_buddy
test_buddy_SRCS := tests/unit/test_buddy.c hv/core/mm/buddy.c tests/unit/host/ram.c tests/unit/host/mm_printk_stub.c
