// SPDX-License-Identifier: MIT
/* Powering the machine off: ACPI S5 through the PM1 control ports (acpi_fadt.c). */
#include <lamina/acpi.h>
#include <lamina/lib.h>
#include <lamina/time.h>
#include <asm/cpu.h>

static const struct acpi_info *power_info;

void acpi_power_init(const struct acpi_info *info)
{
    power_info = info;
}

void machine_poweroff(void)
{
    const struct acpi_info *i = power_info;

    if (i && i->have_s5 && i->pm1a_cnt && i->pm1a_cnt <= 0xffff) {
        outw((uint16_t)i->pm1a_cnt, (uint16_t)((i->s5_slp_typ_a << 10) | (1u << 13)));
        if (i->pm1b_cnt && i->pm1b_cnt <= 0xffff)
            outw((uint16_t)i->pm1b_cnt, (uint16_t)((i->s5_slp_typ_b << 10) | (1u << 13)));
        udelay(100000);
    }
    printk(LOG_ERR "poweroff: no ACPI S5 method worked; halting instead\n");
}
