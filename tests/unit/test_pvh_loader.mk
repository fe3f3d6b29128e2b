# SPDX-License-Identifier: MIT
UNIT_TESTS += test_pvh_loader
test_pvh_loader_SRCS := tests/unit/test_pvh_loader.c hv/core/pvh_loader.c
