# SPDX-License-Identifier: MIT
UNIT_TESTS += test_memmap
test_memmap_SRCS := tests/unit/test_memmap.c hv/core/mm/memmap.c tests/unit/host/ram.c tests/unit/host/mm_printk_stub.c
