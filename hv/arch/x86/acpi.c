// SPDX-License-Identifier: MIT
/*
 * Firmware describes the CPUs, interrupt controllers, NUMA layout and HPET in
 * ACPI tables. We read only those few tables and treat every length, offset
 * and count in them as untrusted: a firmware bug costs a warning, never a read
 * outside what acpi_map() handed us. Fields are loaded byte by byte because
 * table entries are packed with no alignment promise.
 *
 * acpi_map() must return pointers that stay valid (the direct map): acpi_init
 * keeps the root table mapped while it maps the tables it points to.
 */
#include <lamina/acpi.h>
#include <lamina/errno.h>
#include <lamina/printk.h>

#define ACPI_HDR_LEN 36u
#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u
#define MADT_ENTRIES 44u
#define SRAT_ENTRIES 48u
#define HPET_MIN_LEN 56u
/* Far above any table we parse; a larger length is a corrupt header. */
#define ACPI_MAX_TABLE_LEN (1u << 20)

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)ld16(p) | (uint32_t)ld16(p + 2) << 16;
}

static uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static bool sig_eq(const uint8_t *p, const char *sig, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)sig[i])
            return false;
    return true;
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    while (len--)
        s += *p++;
    return s;
}

int acpi_rsdp_parse(const void *p, size_t len, uint64_t *root, bool *is_xsdt)
{
    const uint8_t *b = p;
    uint64_t xsdt = 0;

    if (!b || len < RSDP_V1_LEN || !sig_eq(b, "RSD PTR ", 8) || sum8(b, RSDP_V1_LEN))
        return -EINVAL;
    if (b[15] >= 2) {
        /* Revision 2 promises the longer layout; without all of it, no trust. */
        if (len < RSDP_V2_LEN)
            return -EINVAL;
        uint32_t length = ld32(b + 20);
        if (length < RSDP_V2_LEN || length > len || sum8(b, length))
            return -EINVAL;
        xsdt = ld64(b + 24);
    }
    if (xsdt) {
        *root = xsdt;
        *is_xsdt = true;
    } else if (ld32(b + 16)) {
        *root = ld32(b + 16);
        *is_xsdt = false;
    } else {
        return -EINVAL;
    }
    return 0;
}

int acpi_table_valid(const struct acpi_header *t, size_t maplen)
{
    const uint8_t *b = (const uint8_t *)t;

    if (!b || maplen < ACPI_HDR_LEN)
        return -EINVAL;
    uint32_t len = ld32(b + 4);
    if (len < ACPI_HDR_LEN || len > maplen || sum8(b, len))
        return -EINVAL;
    return 0;
}

/* Length of a valid table with signature `sig` and at least `min` bytes, else 0. */
static uint32_t table_len(const struct acpi_header *t, size_t maplen, const char *sig, uint32_t min)
{
    if (acpi_table_valid(t, maplen) || !sig_eq((const uint8_t *)t, sig, 4))
        return 0;
    uint32_t len = ld32((const uint8_t *)t + 4);
    return len >= min ? len : 0;
}

/*
 * MADT and SRAT entries share one frame: type, length, body. The whole list is
 * checked before any of it is used, so a broken frame leaves `info` untouched
 * and the parsers below can trust each entry to lie inside the table.
 */
static int entries_check(const uint8_t *b, uint32_t off, uint32_t len)
{
    while (off < len) {
        if (len - off < 2 || b[off + 1] < 2 || b[off + 1] > len - off)
            return -EINVAL;
        off += b[off + 1];
    }
    return 0;
}

static struct acpi_cpu *cpu_find(struct acpi_info *info, uint32_t apic_id)
{
    for (unsigned int i = 0; i < info->nr_cpus; i++)
        if (info->cpus[i].apic_id == apic_id)
            return &info->cpus[i];
    return NULL;
}

/* Online-capable but disabled CPUs are for hotplug, which we do not do. */
static void cpu_add(struct acpi_info *info, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
    if (!(flags & 1) || info->nr_cpus >= ACPI_MAX_CPUS || cpu_find(info, apic_id))
        return;
    info->cpus[info->nr_cpus++] = (struct acpi_cpu){.apic_id = apic_id, .uid = uid};
}

/* Shortest entry of each MADT type we read; shorter ones would be read past. */
static const uint8_t madt_min_len[10] = {[0] = 8, [1] = 12, [2] = 10, [5] = 12, [9] = 16};

/*
 * A broken entry frame rejects the table with `info` untouched. An entry too
 * short for its type is skipped and reported with -EINVAL, but the valid
 * entries around it are kept: the CPUs they list exist either way.
 */
int acpi_parse_madt(const struct acpi_header *t, size_t maplen, struct acpi_info *info)
{
    const uint8_t *b = (const uint8_t *)t;
    uint32_t len = table_len(t, maplen, "APIC", MADT_ENTRIES);
    int rc = 0;

    if (!len || entries_check(b, MADT_ENTRIES, len))
        return -EINVAL;
    info->lapic_addr = ld32(b + 36);
    info->pcat_compat = ld32(b + 40) & 1;

    for (uint32_t off = MADT_ENTRIES, elen; off < len; off += elen) {
        const uint8_t *e = b + off;
        uint8_t type = e[0];
        elen = e[1];
        if (type < sizeof(madt_min_len) && elen < madt_min_len[type]) {
            rc = -EINVAL;
            continue;
        }
        switch (type) {
        case 0: /* processor local APIC */
            cpu_add(info, e[3], e[2], ld32(e + 4));
            break;
        case 1: /* I/O APIC */
            if (info->nr_ioapics < ACPI_MAX_IOAPICS)
                info->ioapics[info->nr_ioapics++] =
                    (struct acpi_ioapic){.id = e[2], .addr = ld32(e + 4), .gsi_base = ld32(e + 8)};
            break;
        case 2: /* interrupt source override */
            if (info->nr_overrides < ACPI_MAX_OVERRIDES)
                info->overrides[info->nr_overrides++] = (struct acpi_override){
                    .bus = e[2], .source = e[3], .gsi = ld32(e + 4), .flags = ld16(e + 8)};
            break;
        case 5: /* 64-bit local APIC address: wins over the header's, whatever the order */
            info->lapic_addr = ld64(e + 4);
            break;
        case 9: /* processor local x2APIC */
            cpu_add(info, ld32(e + 4), ld32(e + 12), ld32(e + 8));
            break;
        default:
            break;
        }
    }
    return rc;
}

/* Dense node index for a proximity domain, allocated on first sight; -1 when full. */
static int srat_node(struct acpi_info *info, unsigned int *nr, uint32_t pxm)
{
    for (unsigned int i = 0; i < *nr; i++)
        if (info->node_pxm[i] == pxm)
            return (int)i;
    if (*nr >= ACPI_MAX_NODES)
        return -1;
    info->node_pxm[*nr] = pxm;
    return (int)(*nr)++;
}

/*
 * Entries are parsed like the MADT's (see above). Before SRAT revision 2 a
 * proximity domain was 8 bits and the bytes that later widened it were
 * reserved, so they are only read from revision 2 on.
 */
int acpi_parse_srat(const struct acpi_header *t, size_t maplen, struct acpi_info *info)
{
    const uint8_t *b = (const uint8_t *)t;
    uint32_t len = table_len(t, maplen, "SRAT", SRAT_ENTRIES);
    unsigned int nodes = 0, nmem = 0;
    bool found = false;
    int rc = 0;

    if (!len || entries_check(b, SRAT_ENTRIES, len))
        return -EINVAL;
    bool wide = t->revision >= 2;

    for (uint32_t off = SRAT_ENTRIES, elen; off < len; off += elen) {
        const uint8_t *e = b + off;
        uint32_t pxm, apic_id;
        int node;
        elen = e[1];
        switch (e[0]) {
        case 0: /* processor local APIC affinity */
        case 2: /* processor local x2APIC affinity */
            if (elen < (e[0] ? 24 : 16)) {
                rc = -EINVAL;
                break;
            }
            if (e[0] == 0) {
                if (!(ld32(e + 4) & 1))
                    break;
                pxm = e[2];
                if (wide)
                    pxm |= (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16 | (uint32_t)e[11] << 24;
                apic_id = e[3];
            } else {
                if (!(ld32(e + 12) & 1))
                    break;
                pxm = ld32(e + 4);
                apic_id = ld32(e + 8);
            }
            node = srat_node(info, &nodes, pxm);
            if (node < 0)
                break;
            found = true;
            struct acpi_cpu *cpu = cpu_find(info, apic_id);
            if (cpu)
                cpu->node = (uint32_t)node;
            break;
        case 1: { /* memory affinity */
            if (elen < 40) {
                rc = -EINVAL;
                break;
            }
            uint32_t flags = ld32(e + 28);
            uint64_t base = ld64(e + 8), size = ld64(e + 16);
            if (!(flags & 1) || !size)
                break;
            if (base + size < base) {
                rc = -EINVAL;
                break;
            }
            pxm = wide ? ld32(e + 2) : e[2];
            node = srat_node(info, &nodes, pxm);
            if (node < 0)
                break;
            found = true;
            if (nmem < ACPI_MAX_MEM_AFFINITY)
                info->mem_affinity[nmem++] = (struct acpi_mem_affinity){.start = base,
                                                                        .end = base + size,
                                                                        .node = (uint32_t)node,
                                                                        .hotplug = flags & 2};
            break;
        }
        default:
            break;
        }
    }
    if (found) {
        info->have_srat = true;
        info->nr_nodes = nodes;
        info->nr_mem_affinity = nmem;
    }
    return rc;
}

int acpi_parse_hpet(const struct acpi_header *t, size_t maplen, struct acpi_info *info)
{
    const uint8_t *b = (const uint8_t *)t;
    uint32_t len = table_len(t, maplen, "HPET", HPET_MIN_LEN);

    /* Only a memory-mapped HPET is usable; address space 0 is system memory. */
    if (!len || b[40] != 0 || !ld64(b + 44))
        return -EINVAL;
    info->hpet_addr = ld64(b + 44);
    return 0;
}

/* Map a whole table: the header first, since only it knows the length. */
static const struct acpi_header *map_table(paddr_t pa, const char *sig, uint32_t *lenp)
{
    const uint8_t *h = acpi_map(pa, ACPI_HDR_LEN);

    if (!h || !sig_eq(h, sig, 4))
        return NULL;
    uint32_t len = MAX(ld32(h + 4), ACPI_HDR_LEN);
    if (len > ACPI_MAX_TABLE_LEN)
        return NULL;
    *lenp = len;
    return acpi_map(pa, len);
}

/* Parse order matters: the SRAT assigns nodes to CPUs the MADT listed. */
static const struct {
    char sig[5];
    int (*parse)(const struct acpi_header *t, size_t maplen, struct acpi_info *info);
} known[] = {
    {"APIC", acpi_parse_madt},
    {"SRAT", acpi_parse_srat},
    {"HPET", acpi_parse_hpet},
    {"FACP", acpi_parse_fadt},
};

int acpi_init(paddr_t rsdp_pa, struct acpi_info *info)
{
    paddr_t found_pa[ARRAY_SIZE(known)] = {0};
    uint32_t found_len[ARRAY_SIZE(known)] = {0};
    const struct acpi_header *rt;
    uint32_t rtlen = 0;
    uint64_t root;
    bool xsdt;
    size_t rlen = RSDP_V2_LEN;

    __builtin_memset(info, 0, sizeof(*info));
    info->nr_nodes = 1;
    if (!rsdp_pa)
        return -ENODEV;

    /* A v1 RSDP may sit so close to the end of memory that only 20 bytes exist. */
    const uint8_t *r = acpi_map(rsdp_pa, rlen);
    if (!r)
        r = acpi_map(rsdp_pa, rlen = RSDP_V1_LEN);
    if (!r || acpi_rsdp_parse(r, rlen, &root, &xsdt)) {
        printk(LOG_WARN "acpi: no valid RSDP at 0x%llx\n", (unsigned long long)rsdp_pa);
        return -ENODEV;
    }
    rt = map_table(root, xsdt ? "XSDT" : "RSDT", &rtlen);
    if (!rt || acpi_table_valid(rt, rtlen)) {
        printk(LOG_WARN "acpi: bad %s at 0x%llx\n", xsdt ? "XSDT" : "RSDT",
               (unsigned long long)root);
        return -ENODEV;
    }

    uint32_t esz = xsdt ? 8 : 4, n = (rtlen - ACPI_HDR_LEN) / esz;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *ent = (const uint8_t *)rt + ACPI_HDR_LEN + i * esz;
        paddr_t pa = xsdt ? ld64(ent) : ld32(ent);
        const uint8_t *h;
        size_t k;

        if (!pa) /* unused slot left by firmware */
            continue;
        h = acpi_map(pa, ACPI_HDR_LEN);
        if (!h) {
            printk(LOG_WARN "acpi: table at 0x%llx unreachable\n", (unsigned long long)pa);
            continue;
        }
        for (k = 0; k < ARRAY_SIZE(known) && !sig_eq(h, known[k].sig, 4); k++)
            ;
        if (k == ARRAY_SIZE(known) || found_pa[k])
            continue;
        uint32_t len = 0;
        const struct acpi_header *t = map_table(pa, known[k].sig, &len);
        if (!t || acpi_table_valid(t, len)) {
            printk(LOG_WARN "acpi: bad %s at 0x%llx ignored\n", known[k].sig,
                   (unsigned long long)pa);
            continue;
        }
        found_pa[k] = pa;
        found_len[k] = len;
    }

    for (size_t k = 0; k < ARRAY_SIZE(known); k++) {
        if (!found_pa[k])
            continue;
        const struct acpi_header *t = acpi_map(found_pa[k], found_len[k]);
        if (!t || known[k].parse(t, found_len[k], info))
            printk(LOG_WARN "acpi: malformed %s at 0x%llx (partly) ignored\n", known[k].sig,
                   (unsigned long long)found_pa[k]);
    }
    return 0;
}

/* Scan [pa, pa + size) on 16-byte boundaries, as the spec places the RSDP. */
static paddr_t rsdp_scan(paddr_t pa, size_t size)
{
    const uint8_t *p = acpi_map(pa, size);
    uint64_t root;
    bool xsdt;

    for (size_t off = 0; p && off + RSDP_V1_LEN <= size; off += 16)
        if (!acpi_rsdp_parse(p + off, MIN(size - off, (size_t)RSDP_V2_LEN), &root, &xsdt))
            return pa + off;
    return 0;
}

paddr_t acpi_find_rsdp_legacy(void)
{
    const uint8_t *bda = acpi_map(0x40e, 2);
    paddr_t pa;

    if (bda) {
        paddr_t ebda = (paddr_t)ld16(bda) << 4;
        /* The segment word is BIOS data: believe it only where an EBDA can be. */
        if (ebda >= 0x80000 && ebda < 0xa0000) {
            pa = rsdp_scan(ebda, MIN((paddr_t)1024, 0xa0000 - ebda));
            if (pa)
                return pa;
        }
    }
    return rsdp_scan(0xe0000, 0x20000);
}
