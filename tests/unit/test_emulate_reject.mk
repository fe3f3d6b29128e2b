# SPDX-License-Identifier: MIT
UNIT_TESTS += test_emulate_reject
test_emulate_reject_SRCS := tests/unit/test_emulate_reject.c tests/unit/emulate_test_util.c hv/arch/x86/hvm/emulate.c
$(BUILD)/unit/test_emulate_reject: tests/unit/emulate_test_util.h
