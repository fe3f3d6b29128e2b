// SPDX-License-Identifier: MIT
/*
 * What powering the machine off needs from ACPI: the FADT names the PM1
 * control ports, and the DSDT's \_S5 object the sleep type to write there. \_S5 is
 * AML; rather than an interpreter we recognise its one common encoding
 * (NameOp "_S5_" Package { SLP_TYPa, SLP_TYPb, ... }), as small kernels do.
 */
#include <lamina/acpi.h>
#include <lamina/lib.h>

#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172 /* GAS: space id, width, offset, access size, u64 address */

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* One AML integer constant: Zero, One, or BytePrefix n. */
static int aml_small_int(const uint8_t *p, const uint8_t *end, uint8_t *val, size_t *used)
{
    if (p >= end)
        return -EINVAL;
    if (*p == 0x00 || *p == 0x01) {
        *val = *p, *used = 1;
        return 0;
    }
    if (*p == 0x0a && p + 1 < end) {
        *val = p[1], *used = 2;
        return 0;
    }
    return -EINVAL;
}

static void find_s5(const uint8_t *dsdt, uint32_t len, struct acpi_info *info)
{
    const uint8_t *end = dsdt + len;

    for (const uint8_t *p = dsdt + sizeof(struct acpi_header); p + 8 <= end; p++) {
        if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12) /* PackageOp */
            continue;
        const uint8_t *q = p + 5;
        q += 1 + (*q >> 6); /* PkgLength: 1 to 4 bytes */
        q += 1;             /* NumElements */
        uint8_t a, b;
        size_t n1, n2;
        if (q >= end || aml_small_int(q, end, &a, &n1) || aml_small_int(q + n1, end, &b, &n2))
            continue;
        info->s5_slp_typ_a = a & 7;
        info->s5_slp_typ_b = b & 7;
        info->have_s5 = true;
        return;
    }
}

int acpi_parse_fadt(const struct acpi_header *t, size_t maplen, struct acpi_info *info)
{
    const uint8_t *b = (const uint8_t *)t;
    uint32_t len = t->length;

    if (len < FADT_PM1B_CNT + 4 || len > maplen)
        return -EINVAL;
    info->pm1a_cnt = rd32(b + FADT_PM1A_CNT);
    info->pm1b_cnt = rd32(b + FADT_PM1B_CNT);
    if (len >= FADT_X_PM1A_CNT + 12 && b[FADT_X_PM1A_CNT] == 1 /* system I/O */ &&
        rd64(b + FADT_X_PM1A_CNT + 4))
        info->pm1a_cnt = (uint32_t)rd64(b + FADT_X_PM1A_CNT + 4);
    uint64_t dsdt = rd32(b + FADT_DSDT);
    if (len >= FADT_X_DSDT + 8 && rd64(b + FADT_X_DSDT))
        dsdt = rd64(b + FADT_X_DSDT);
    const struct acpi_header *h = dsdt ? acpi_map(dsdt, sizeof(*h)) : NULL;
    if (!h || memcmp(h->signature, "DSDT", 4) != 0 || h->length > MiB(1))
        return 0; /* no \_S5: poweroff will say so */
    const struct acpi_header *full = acpi_map(dsdt, h->length);
    if (full && acpi_table_valid(full, h->length) == 0)
        find_s5((const uint8_t *)full, full->length, info);
    return 0;
}
