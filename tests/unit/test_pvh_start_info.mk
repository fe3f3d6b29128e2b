# SPDX-License-Identifier: MIT
UNIT_TESTS += test_pvh_start_info
test_pvh_start_info_SRCS := tests/unit/test_pvh_start_info.c tests/unit/pvh_test_util.c hv/core/pvh_loader.c
$(BUILD)/unit/test_pvh_start_info: tests/unit/pvh_test_util.h
