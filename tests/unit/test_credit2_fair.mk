# SPDX-License-Identifier: MIT
UNIT_TESTS += test_credit2_fair
test_credit2_fair_SRCS := tests/unit/test_credit2_fair.c tests/unit/credit2_sim.c hv/core/credit2.c hv/core/credit2_balance.c
