# SPDX-License-Identifier: MIT
UNIT_TESTS += test_acpi
test_acpi_SRCS := tests/unit/test_acpi.c hv/arch/x86/acpi.c hv/arch/x86/acpi_fadt.c tests/unit/host/printk_stub.c
