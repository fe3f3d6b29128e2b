# SPDX-License-Identifier: MIT
UNIT_TESTS += test_emulate
test_emulate_SRCS := tests/unit/test_emulate.c hv/arch/x86/hvm/emulate.c
