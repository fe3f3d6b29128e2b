// SPDX-License-Identifier: MIT
/*
 * The physical memory map. Firmware tables overlap, repeat themselves and
 * report RAM with ragged edges; everything later (frame table, buddy heap,
 * dom0 layout) trusts this map, so it is normalised once here and then only
 * changed through memmap_reserve(), which keeps it sorted and disjoint.
 */
#include <lamina/errno.h>
#include <lamina/memmap.h>
#include <lamina/printk.h>
#include <asm/page.h>

#define MEM_OURS_LAST MEM_BOOTINFO

static bool type_is_ours(uint32_t t)
{
    return t >= MEM_HV && t <= MEM_OURS_LAST;
}

static uint32_t type_normalise(uint32_t t)
{
    if ((t >= MEM_USABLE && t <= MEM_BAD) || type_is_ours(t))
        return t;
    return MEM_RESERVED;
}

/*
 * Where entries overlap, the type that forbids more wins: handing out RAM
 * that firmware also claims is the mistake we cannot take back. Our own types
 * never come from firmware; they rank above everything so a re-sanitised map
 * keeps its reservations.
 */
static unsigned int type_priority(uint32_t t)
{
    switch (t) {
    case MEM_USABLE:
        return 1;
    case MEM_ACPI:
        return 2;
    case MEM_NVS:
        return 3;
    case MEM_RESERVED:
        return 4;
    case MEM_BAD:
        return 5;
    default:
        return 6 + (t - MEM_HV); /* ours, after type_normalise() */
    }
}

int memmap_add(struct memmap *m, uint64_t start, uint64_t len, uint32_t type)
{
    if (len == 0 || start + len < start) /* the end must be representable */
        return -EINVAL;
    if (m->nr >= MEMMAP_MAX)
        return -ENOSPC;
    m->r[m->nr++] = (struct mem_region){start, start + len, type};
    return 0;
}

/* Output map under construction: sorted, merging touching entries of one type. */
struct builder {
    struct mem_region *r;
    unsigned int nr;
    unsigned int dropped;
};

static void emit(struct builder *b, uint64_t start, uint64_t end, uint32_t type)
{
    if (start >= end)
        return;
    if (b->nr > 0 && b->r[b->nr - 1].end == start && b->r[b->nr - 1].type == type) {
        b->r[b->nr - 1].end = end;
    } else if (b->nr < MEMMAP_MAX) {
        b->r[b->nr++] = (struct mem_region){start, end, type};
    } else {
        b->dropped++;
    }
}

/* Usable RAM is only useful in whole frames; the ragged rest is left out. */
static void emit_closed(struct builder *b, uint64_t start, uint64_t end, uint32_t type)
{
    if (type == MEM_USABLE) {
        if (start > (UINT64_MAX & PAGE_MASK))
            return;
        start = ALIGN_UP(start, PAGE_SIZE);
        end = ALIGN_DOWN(end, PAGE_SIZE);
    }
    emit(b, start, end, type);
}

/*
 * Both sanitize and reserve build the new map aside and copy it back, so a
 * failure leaves the old one intact. Boot-time only, one CPU: a static buffer
 * keeps 3 KiB off the stack.
 */
static struct mem_region scratch[MEMMAP_MAX];

/* The smallest entry edge above x, if any. */
static bool next_boundary(const struct memmap *m, uint64_t x, uint64_t *next)
{
    bool found = false;
    for (unsigned int i = 0; i < m->nr; i++) {
        const struct mem_region *e = &m->r[i];
        if (e->start >= e->end)
            continue;
        if (e->start > x && (!found || e->start < *next)) {
            *next = e->start;
            found = true;
        }
        if (e->end > x && (!found || e->end < *next)) {
            *next = e->end;
            found = true;
        }
    }
    return found;
}

/* Type of [x, next boundary): no edge lies inside, so covering x is enough. */
static uint32_t covering_type(const struct memmap *m, uint64_t x)
{
    uint32_t best = 0;
    for (unsigned int i = 0; i < m->nr; i++) {
        const struct mem_region *e = &m->r[i];
        if (e->start <= x && x < e->end) {
            uint32_t t = type_normalise(e->type);
            if (best == 0 || type_priority(t) > type_priority(best))
                best = t;
        }
    }
    return best;
}

/*
 * Boundary sweep: every entry edge splits the line into elementary intervals
 * that no edge crosses; each gets the winning type of the entries covering
 * it. O(n^2) on at most MEMMAP_MAX entries, once at boot, and immune to any
 * pattern of nesting or repetition.
 */
void memmap_sanitize(struct memmap *m)
{
    struct builder b = {scratch, 0, 0};
    uint64_t x = 0, next = 0;
    uint64_t cur_start = 0, cur_end = 0;
    uint32_t cur_type = 0;
    bool have_x = false;

    for (unsigned int i = 0; i < m->nr; i++) {
        if (m->r[i].start < m->r[i].end && (!have_x || m->r[i].start < x)) {
            x = m->r[i].start;
            have_x = true;
        }
    }
    while (have_x && next_boundary(m, x, &next)) {
        uint32_t t = covering_type(m, x);
        if (t != 0 && t == cur_type && cur_end == x) {
            cur_end = next;
        } else {
            if (cur_type != 0)
                emit_closed(&b, cur_start, cur_end, cur_type);
            cur_type = t;
            cur_start = x;
            cur_end = next;
        }
        x = next;
    }
    if (cur_type != 0)
        emit_closed(&b, cur_start, cur_end, cur_type);

    if (b.dropped)
        printk(LOG_WARN "memmap: too many regions, ignoring %u above %#lx\n", b.dropped,
               (unsigned long)scratch[b.nr - 1].end);
    for (unsigned int i = 0; i < b.nr; i++)
        m->r[i] = scratch[i];
    m->nr = b.nr;
}

int memmap_reserve(struct memmap *m, uint64_t start, uint64_t end, uint32_t type)
{
    struct builder b = {scratch, 0, 0};

    if (!type_is_ours(type) || end < start || end > (UINT64_MAX & PAGE_MASK))
        return -EINVAL;
    start = ALIGN_DOWN(start, PAGE_SIZE);
    end = ALIGN_UP(end, PAGE_SIZE);
    if (start == end)
        return 0;

    for (unsigned int i = 0; i < m->nr; i++) {
        const struct mem_region *e = &m->r[i];
        if (e->end <= start || e->start >= end ||
            (e->type != MEM_USABLE && !type_is_ours(e->type))) {
            emit(&b, e->start, e->end, e->type);
            continue;
        }
        emit(&b, e->start, MAX(e->start, start), e->type);
        emit(&b, MAX(e->start, start), MIN(e->end, end), type);
        emit(&b, MIN(e->end, end), e->end, e->type);
    }
    if (b.dropped)
        return -ENOSPC;
    for (unsigned int i = 0; i < b.nr; i++)
        m->r[i] = scratch[i];
    m->nr = b.nr;
    return 0;
}

uint64_t memmap_ram_bytes(const struct memmap *m)
{
    uint64_t total = 0;
    for (unsigned int i = 0; i < m->nr; i++)
        if (m->r[i].type == MEM_USABLE || m->r[i].type >= MEM_HV)
            total += m->r[i].end - m->r[i].start;
    return total;
}

uint64_t memmap_ram_end(const struct memmap *m)
{
    uint64_t end = 0;
    for (unsigned int i = 0; i < m->nr; i++) {
        uint32_t t = m->r[i].type;
        if (t == MEM_USABLE || t == MEM_ACPI || t == MEM_NVS || t >= MEM_HV)
            end = MAX(end, m->r[i].end);
    }
    return end;
}

paddr_t memmap_alloc(struct memmap *m, uint64_t bytes, uint64_t limit)
{
    if (bytes == 0 || bytes > (UINT64_MAX & PAGE_MASK))
        return 0;
    bytes = ALIGN_UP(bytes, PAGE_SIZE);
    limit = ALIGN_DOWN(limit, PAGE_SIZE);

    /* The map is sorted, so walking down finds the highest fit first. */
    for (unsigned int i = m->nr; i-- > 0;) {
        const struct mem_region *e = &m->r[i];
        uint64_t top = MIN(e->end, limit);
        if (e->type != MEM_USABLE || top <= e->start || top - e->start < bytes)
            continue;
        if (top - bytes == 0)
            break; /* 0 means failure to the caller; nothing lies lower anyway */
        if (memmap_reserve(m, top - bytes, top, MEM_HV) != 0)
            return 0;
        return top - bytes;
    }
    return 0;
}

const char *memmap_type_name(uint32_t type)
{
    switch (type) {
    case MEM_USABLE:
        return "usable";
    case MEM_RESERVED:
        return "reserved";
    case MEM_ACPI:
        return "ACPI";
    case MEM_NVS:
        return "ACPI NVS";
    case MEM_BAD:
        return "bad";
    case MEM_HV:
        return "hypervisor";
    case MEM_MODULE:
        return "module";
    case MEM_BOOTINFO:
        return "boot info";
    default:
        return "unknown";
    }
}
