// SPDX-License-Identifier: MIT
/*
 * The ACPI tables a PVH guest gets: RSDP, XSDT, a hardware-reduced FADT (no
 * legacy devices, no SCI, no PM ports), an empty DSDT and a MADT with one
 * local APIC per vCPU (APIC ID 2*vcpu, as CPUID says). Linux needs the MADT
 * to start its other vCPUs and, even with one, to set up per-CPU timers.
 * All of it fits in one page.
 */
#include <lamina/acpi.h>
#include <lamina/lib.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>

#define FADT_LEN 268 /* revision 5 */
#define FADT_FLAG_HW_REDUCED (1u << 20)
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define BOOT_ARCH_NO_VGA (1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC (1u << 5)

static uint8_t page[PAGE_SIZE]; /* domains are built one at a time, at boot */

static void put(size_t off, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        page[off + i] = (uint8_t)(v >> (8 * i));
}

static uint8_t sum(size_t off, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += page[off + i];
    return s;
}

static void header(size_t off, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(page + off, sig, 4);
    put(off + 4, len, 4);
    page[off + 8] = rev;
    memcpy(page + off + 10, "LAMINA", 6);
    memcpy(page + off + 16, "LAMINAHV", 8);
    put(off + 24, 1, 4);                /* OEM revision */
    memcpy(page + off + 28, "LMNA", 4); /* creator */
    put(off + 32, 1, 4);
}

static void finish(size_t off, uint32_t len)
{
    page[off + 9] = 0;
    page[off + 9] = (uint8_t)-sum(off, len);
}

int acpi_guest_build(struct domain *d, uint64_t gpa)
{
    const size_t rsdp = 0, xsdt = 64, fadt = 128, dsdt = fadt + FADT_LEN, madt = dsdt + 64;
    uint32_t madt_len = 44 + 8 * d->nr_vcpus;

    if (madt + madt_len > PAGE_SIZE || d->nr_vcpus > 127)
        return -E2BIG;
    memset(page, 0, sizeof(page));

    header(dsdt, "DSDT", 36, 2);
    finish(dsdt, 36);

    header(fadt, "FACP", FADT_LEN, 5);
    put(fadt + 40, gpa + dsdt, 4); /* DSDT */
    put(fadt + 109, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC, 2);
    put(fadt + 112, FADT_FLAG_HW_REDUCED | FADT_FLAG_RESET_REG_SUP, 4);
    /* RESET_REG: an 8-bit I/O port; writing RESET_VALUE reboots (io.c). */
    page[fadt + 116] = 1, page[fadt + 117] = 8, page[fadt + 119] = 1;
    put(fadt + 120, ACPI_GUEST_RESET_PORT, 8);
    page[fadt + 128] = ACPI_GUEST_RESET_VALUE;
    page[fadt + 131] = 1;           /* minor version: 5.1 */
    put(fadt + 140, gpa + dsdt, 8); /* X_DSDT */
    finish(fadt, FADT_LEN);

    header(madt, "APIC", madt_len, 4);
    put(madt + 36, 0xfee00000, 4); /* local APIC address */
    put(madt + 40, 0, 4);          /* no 8259s */
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        size_t e = madt + 44 + 8 * i;
        page[e] = 0, page[e + 1] = 8;   /* processor local APIC */
        page[e + 2] = (uint8_t)i;       /* ACPI processor UID = vCPU id */
        page[e + 3] = (uint8_t)(2 * i); /* APIC ID */
        put(e + 4, 1, 4);               /* enabled */
    }
    finish(madt, madt_len);

    header(xsdt, "XSDT", 36 + 16, 1);
    put(xsdt + 36, gpa + fadt, 8);
    put(xsdt + 44, gpa + madt, 8);
    finish(xsdt, 36 + 16);

    memcpy(page + rsdp, "RSD PTR ", 8);
    memcpy(page + rsdp + 9, "LAMINA", 6);
    page[rsdp + 15] = 2;   /* revision: ACPI 2.0+ */
    put(rsdp + 20, 36, 4); /* length */
    put(rsdp + 24, gpa + xsdt, 8);
    page[rsdp + 8] = (uint8_t)-sum(rsdp, 20);
    page[rsdp + 32] = (uint8_t)-sum(rsdp, 36);

    return copy_to_gpa(d, gpa, page, sizeof(page));
}
