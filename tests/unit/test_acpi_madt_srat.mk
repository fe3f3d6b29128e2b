# SPDX-License-Identifier: MIT
UNIT_TESTS += test_acpi_madt_srat
test_acpi_madt_srat_SRCS := tests/unit/test_acpi_madt_srat.c tests/unit/acpi_test_util.c hv/arch/x86/acpi.c hv/arch/x86/acpi_fadt.c tests/unit/host/printk_stub.c
$(BUILD)/unit/test_acpi_madt_srat: tests/unit/acpi_test_util.h
