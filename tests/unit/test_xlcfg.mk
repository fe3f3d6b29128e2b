# SPDX-License-Identifier: MIT
UNIT_TESTS += test_xlcfg
test_xlcfg_SRCS := tests/unit/test_xlcfg.c hv/core/xlcfg.c
