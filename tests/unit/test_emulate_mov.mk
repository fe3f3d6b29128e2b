# SPDX-License-Identifier: MIT
UNIT_TESTS += test_emulate_mov
test_emulate_mov_SRCS := tests/unit/test_emulate_mov.c tests/unit/emulate_test_util.c hv/arch/x86/hvm/emulate.c
$(BUILD)/unit/test_emulate_mov: tests/unit/emulate_test_util.h
