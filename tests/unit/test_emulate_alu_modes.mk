# SPDX-License-Identifier: MIT
UNIT_TESTS += test_emulate_alu_modes
test_emulate_alu_modes_SRCS := tests/unit/test_emulate_alu_modes.c tests/unit/emulate_test_util.c hv/arch/x86/hvm/emulate.c
$(BUILD)/unit/test_emulate_alu_modes: tests/unit/emulate_test_util.h
