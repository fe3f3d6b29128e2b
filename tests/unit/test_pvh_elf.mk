# SPDX-License-Identifier: MIT
UNIT_TESTS += test_pvh_elf
test_pvh_elf_SRCS := tests/unit/test_pvh_elf.c tests/unit/pvh_test_util.c hv/core/pvh_loader.c
$(BUILD)/unit/test_pvh_elf: tests/unit/pvh_test_util.h
