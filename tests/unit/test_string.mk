# SPDX-License-Identifier: MIT
UNIT_TESTS += test_string
test_string_SRCS := tests/unit/test_string.c tests/unit/string_wrap.c
# string_wrap.c #includes the source under test.
$(BUILD)/unit/test_string: hv/lib/string.c
