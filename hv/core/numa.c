// SPDX-License-Identifier: MIT
/*
 * NUMA placement. The policy is Xen's default, kept small: a domain's memory
 * comes from the nodes of the pCPUs it may run on; a domain with no cpus= or
 * cpus_soft= is placed on the node with the fewest vCPUs per pCPU (then the
 * most free memory), and its vCPUs then prefer (soft affinity) that node's
 * pCPUs. Nothing is strict: memory comes from other nodes when the
 * preferred ones are full.
 */
#include <lamina/domain.h>
#include <lamina/numa.h>
#include <lamina/printk.h>
#include <lamina/string.h>
#include <asm/percpu.h>

void numa_init(const struct acpi_info *acpi)
{
    static struct mem_node_range r[MAX_NODE_RANGES]; /* boot CPU only */
    unsigned int n = 0;

    for (unsigned int i = 0; i < acpi->nr_mem_affinity && n < MAX_NODE_RANGES; i++) {
        const struct acpi_mem_affinity *a = &acpi->mem_affinity[i];
        mfn_t s = ALIGN_UP(a->start, PAGE_SIZE) >> PAGE_SHIFT, e = a->end >> PAGE_SHIFT;
        if (s < e)
            r[n++] = (struct mem_node_range){.start = s, .end = e, .node = a->node};
    }
    if (acpi->nr_nodes > MAX_NODES)
        printk(LOG_WARN "numa: %u nodes; nodes %u and up share node %u's free memory\n",
               acpi->nr_nodes, MAX_NODES - 1, MAX_NODES - 1);
    if (n && buddy_set_nodes(r, n) < 0)
        printk(LOG_WARN "numa: too many memory ranges; all memory counted as node 0\n");
}

/* A pCPU's node as the heap counts it (firmware nodes past the last share it). */
static unsigned int cpu_node(const struct cpu *c)
{
    return MIN(c->node, MAX_NODES - 1u);
}

unsigned int numa_cpu_node(const struct cpu *c)
{
    return cpu_node(c);
}

/*
 * Frames the heap manages on each node (free or handed out), counted once:
 * memory is only added at boot. For the toolstack's physinfo and numainfo.
 */
static uint64_t node_frames[MAX_NODES];
static bool node_frames_counted;
static spinlock_t count_lock = SPINLOCK_INIT;

static void count_node_frames(void)
{
    unsigned long flags = spin_lock_irqsave(&count_lock);
    for (mfn_t m = 0; !node_frames_counted && m < max_mfn; m++)
        if (frame_table[m].state != PAGE_RESERVED)
            node_frames[mfn_node(m)]++;
    __atomic_store_n(&node_frames_counted, true, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&count_lock, flags);
}

uint64_t numa_node_frames(unsigned int node)
{
    if (!__atomic_load_n(&node_frames_counted, __ATOMIC_ACQUIRE))
        count_node_frames();
    return node < MAX_NODES ? node_frames[node] : 0;
}

uint64_t numa_total_frames(void)
{
    uint64_t total = 0;
    for (unsigned int n = 0; n < MAX_NODES; n++)
        total += numa_node_frames(n);
    return total;
}

unsigned int numa_nr_nodes(void)
{
    unsigned int nr = 1;
    struct cpu *c;

    for (unsigned int n = 0; n < MAX_NODES; n++)
        if (numa_node_frames(n))
            nr = MAX(nr, n + 1);
    for_each_online_cpu(c) nr = MAX(nr, cpu_node(c) + 1);
    return nr;
}

void numa_cpus_of(nodemask_t nodes, struct credit2_cpumask *m)
{
    struct cpu *c;

    credit2_mask_zero(m);
    for_each_online_cpu(c) if (nodes & (1u << cpu_node(c))) credit2_mask_set(m, c->id);
}

nodemask_t numa_nodes_of(const struct credit2_cpumask *m)
{
    nodemask_t nodes = 0;
    struct cpu *c;

    for_each_online_cpu(c) if (credit2_mask_test(m, c->id)) nodes |= 1u << cpu_node(c);
    return nodes;
}

bool numa_placement_matters(void)
{
    struct credit2_cpumask all;
    nodemask_t nodes;

    credit2_mask_fill(&all, CREDIT2_MAX_CPUS);
    nodes = numa_nodes_of(&all);
    return (nodes & (nodes - 1)) != 0; /* two bits or more */
}

/* vCPUs of the domains whose memory prefers exactly `node`: the node's load. */
static unsigned int node_vcpus(unsigned int node)
{
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);
    unsigned int n = 0;
    struct domain *d;

    list_for_each_entry(d, &domain_list, list) if (d->node_affinity == 1u << node) n += d->nr_vcpus;
    spin_unlock_irqrestore(&domain_list_lock, flags);
    return n;
}

unsigned int numa_pick_node(void)
{
    unsigned int best = 0, best_vcpus = 0, best_pcpus = 0;
    struct credit2_cpumask m;

    for (unsigned int n = 0; n < MAX_NODES; n++) {
        unsigned int pcpus = 0, vcpus;
        numa_cpus_of(1u << n, &m);
        for (int c = credit2_mask_next(&m, 0); c >= 0; c = credit2_mask_next(&m, (unsigned)c + 1))
            pcpus++;
        if (!pcpus)
            continue;
        vcpus = node_vcpus(n);
        /* Fewest vCPUs per pCPU first (compared crosswise), then most free memory. */
        uint64_t mine = (uint64_t)vcpus * best_pcpus, theirs = (uint64_t)best_vcpus * pcpus;
        if (!best_pcpus || mine < theirs ||
            (mine == theirs && buddy_free_frames_node(n) > buddy_free_frames_node(best))) {
            best = n, best_vcpus = vcpus, best_pcpus = pcpus;
        }
    }
    return best;
}

void cpumask_format(char *buf, size_t len, const struct credit2_cpumask *m)
{
    size_t pos = 0;

    strlcpy(buf, "none", len);
    for (int c = credit2_mask_next(m, 0); c >= 0 && pos < len;) {
        int e = c;
        while (credit2_mask_test(m, (unsigned int)e + 1))
            e++;
        pos += (size_t)snprintf(buf + pos, len - pos, e > c ? "%s%d-%d" : "%s%d", pos ? "," : "", c,
                                e);
        c = credit2_mask_next(m, (unsigned int)e + 1);
    }
}

void numa_report(void)
{
    struct credit2_cpumask m;
    char cpus[64];

    for (unsigned int n = 0; n < MAX_NODES; n++) {
        uint64_t free = buddy_free_frames_node(n);
        numa_cpus_of(1u << n, &m);
        if (!free && credit2_mask_empty(&m))
            continue;
        cpumask_format(cpus, sizeof(cpus), &m);
        printk("numa: node %u: %lu MiB free, pCPUs %s\n", n,
               (unsigned long)(free >> (20 - PAGE_SHIFT)), cpus);
    }
}
