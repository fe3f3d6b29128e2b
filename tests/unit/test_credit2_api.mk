# SPDX-License-Identifier: MIT
UNIT_TESTS += test_credit2_api
test_credit2_api_SRCS := tests/unit/test_credit2_api.c hv/core/credit2.c hv/core/credit2_balance.c
