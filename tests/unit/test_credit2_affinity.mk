# SPDX-License-Identifier: MIT
UNIT_TESTS += test_credit2_affinity
test_credit2_affinity_SRCS := tests/unit/test_credit2_affinity.c tests/unit/credit2_sim.c hv/core/credit2.c hv/core/credit2_balance.c
