# SPDX-License-Identifier: MIT
UNIT_TESTS += test_acpi_init
test_acpi_init_SRCS := tests/unit/test_acpi_init.c tests/unit/acpi_test_util.c hv/arch/x86/acpi.c hv/arch/x86/acpi_fadt.c tests/unit/host/printk_stub.c
$(BUILD)/unit/test_acpi_init: tests/unit/acpi_test_util.h
