// SPDX-License-Identifier: MIT
/*
 * Domains described at boot: every boot module whose name ends in ".cfg" is
 * an xl.cfg-style description (core/xlcfg.c) whose `kernel` and `ramdisk`
 * name other modules. A bad description skips that domain with one clear
 * error; the others still start. on_last_domain_exit= says what happens when
 * the last domain is gone.
 */
#include <lamina/acpi.h>
#include <lamina/cmdline.h>
#include <lamina/domain.h>
#include <lamina/lib.h>
#include <lamina/numa.h>
#include <lamina/xlcfg.h>
#include <asm/bootinfo.h>

STATIC_ASSERT(XLCFG_RIGHT_CONTROL == RIGHT_CONTROL && XLCFG_RIGHT_HARDWARE == RIGHT_HARDWARE &&
                  XLCFG_RIGHT_STORE == RIGHT_STORE &&
                  XLCFG_RIGHT_DEVICE_MODEL == RIGHT_DEVICE_MODEL,
              "one numbering of rights");

static bool opt_poweroff;

static int parse_last_exit(const char *v)
{
    if (v && strcmp(v, "poweroff") == 0)
        opt_poweroff = true;
    else if (v && strcmp(v, "idle") == 0)
        opt_poweroff = false;
    else
        return -EINVAL;
    return 0;
}
custom_param("on_last_domain_exit", parse_last_exit);

void domains_all_gone(void)
{
    if (!opt_poweroff) {
        printk("all domains have exited; idling\n");
        return;
    }
    printk("all domains have exited: powering off\n");
    machine_poweroff();
}

static const struct boot_module *module_named(const char *name)
{
    for (unsigned int i = 0; i < bootinfo.nr_modules; i++)
        if (strcmp(bootinfo.modules[i].name, name) == 0)
            return &bootinfo.modules[i];
    return NULL;
}

bool boot_module_is_config(const struct boot_module *m)
{
    size_t n = strlen(m->name);
    return n > 4 && strcmp(m->name + n - 4, ".cfg") == 0;
}

/*
 * A cpus= mask from the config: every pCPU it names must be online ("all":
 * the online ones); "node:N" items name the online pCPUs of those nodes.
 */
static int config_mask(uint64_t bits, uint32_t nodes, const char *key, struct credit2_cpumask *m,
                       char *err, size_t errlen)
{
    struct credit2_cpumask online;
    char names[64];

    sched_online_mask(&online);
    if (bits == XLCFG_CPUS_ALL) {
        *m = online;
        return 0;
    }
    if (nodes) {
        numa_cpus_of(nodes, m);
        if (!credit2_mask_empty(m))
            return 0;
        snprintf(err, errlen, "'%s' names only nodes without online pCPUs", key);
        return -EINVAL;
    }
    credit2_mask_from_u64(m, bits);
    if (sched_check_cpumask(m) == 0)
        return 0;
    cpumask_format(names, sizeof(names), &online);
    snprintf(err, errlen, "'%s' names a pCPU that is not online (online: %s)", key, names);
    return -EINVAL;
}

/*
 * NUMA (numa.c): memory from the nodes the config names (cpus, else
 * cpus_soft: "node:N" items, or the nodes of the pCPUs named); with neither,
 * from the least loaded node, whose pCPUs become the vCPUs' soft affinity.
 * Returns how it was chosen.
 */
static const char *config_nodes(struct domain *d, const struct xlcfg *cfg,
                                const struct credit2_cpumask *hard, struct credit2_cpumask *soft,
                                bool *soft_set)
{
    if (!numa_placement_matters())
        return NULL;
    if (cfg->cpus != XLCFG_CPUS_ALL) {
        d->node_affinity = cfg->cpus_nodes ? cfg->cpus_nodes : numa_nodes_of(hard);
        return "from cpus";
    }
    if (cfg->has_cpus_soft) {
        d->node_affinity = cfg->cpus_soft_nodes ? cfg->cpus_soft_nodes : numa_nodes_of(soft);
        return "from cpus_soft";
    }
    unsigned int node = numa_pick_node();
    d->node_affinity = 1u << node;
    numa_cpus_of(1u << node, soft);
    *soft_set = true;
    return "placed: least loaded node";
}

/* cpu_weight, cap, latency_sensitive, cpus, cpus_soft (parsed, range-checked already). */
static int config_sched(struct domain *d, const struct xlcfg *cfg, const char **placed, char *err,
                        size_t errlen)
{
    struct credit2_cpumask hard, soft;
    bool soft_set = cfg->has_cpus_soft;
    int rc;

    if ((rc = config_mask(cfg->cpus, cfg->cpus_nodes, "cpus", &hard, err, errlen)) < 0 ||
        (cfg->has_cpus_soft && (rc = config_mask(cfg->cpus_soft, cfg->cpus_soft_nodes, "cpus_soft",
                                                 &soft, err, errlen)) < 0))
        return rc;
    *placed = config_nodes(d, cfg, &hard, &soft, &soft_set);
    if (sched_set_weight(d, cfg->cpu_weight) < 0) {
        snprintf(err, errlen, "bad 'cpu_weight' %u (1..65535)", cfg->cpu_weight);
        return -EINVAL;
    }
    if (sched_set_cap(d, cfg->cap) < 0) {
        snprintf(err, errlen, "bad 'cap' %u (at most 100 per vCPU)", cfg->cap);
        return -EINVAL;
    }
    sched_set_latency(d, cfg->latency_sensitive);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        if (sched_set_affinity(d->vcpus[i], &hard, soft_set ? &soft : NULL) < 0) {
            snprintf(err, errlen, "bad 'cpus' or 'cpus_soft'");
            return -EINVAL;
        }
    }
    return 0;
}

/* Where the domain's vCPUs prefer to run and where its memory ended up. */
static void print_placement(struct domain *d, const char *how)
{
    uint64_t frames[MAX_NODES];
    char soft[64], mem[96];
    size_t pos = 0;
    mfn_t lo, hi;

    domain_memory_by_node(d, frames, &lo, &hi);
    mem[0] = '\0';
    for (unsigned int n = 0; n < MAX_NODES && pos < sizeof(mem); n++)
        if (frames[n])
            pos +=
                (size_t)snprintf(mem + pos, sizeof(mem) - pos, "%snode %u %lu KiB", pos ? ", " : "",
                                 n, (unsigned long)(frames[n] << (PAGE_SHIFT - 10)));
    cpumask_format(soft, sizeof(soft), &d->vcpus[0]->soft_affinity);
    printk("d%u (%s): node affinity %#x (%s), cpus_soft %s; memory: %s; mfn %#lx-%#lx\n", d->id,
           d->name, d->node_affinity, how, soft, mem, (unsigned long)lo, (unsigned long)hi);
}

static int start_one(const struct boot_module *m, char *err, size_t errlen)
{
    static struct xlcfg cfg; /* boot is single-threaded; keep 2 KiB off the stack */
    struct pvh_build_args b = {0};

    if (xlcfg_parse(__va(m->start), m->size, &cfg, err, errlen) < 0)
        return -EINVAL;
    for (unsigned int i = 0; i < cfg.nr_warnings && i < XLCFG_MAX_WARNINGS; i++)
        printk(LOG_WARN "%s: %s\n", m->name, cfg.warnings[i]);
    const struct boot_module *k = module_named(cfg.kernel);
    const struct boot_module *r = cfg.has_ramdisk ? module_named(cfg.ramdisk) : NULL;
    if (!k || (cfg.has_ramdisk && !r)) {
        snprintf(err, errlen, "no boot module named '%s'", k ? cfg.ramdisk : cfg.kernel);
        return -ENOENT;
    }
    /* The first domain with the control right is domain 0, as users expect. */
    domid_t id = (cfg.rights & RIGHT_CONTROL) && !domain_by_id(0) ? 0 : domain_next_id();
    struct domain *d = domain_create(id, cfg.name, cfg.rights, cfg.vcpus);
    if (!d) {
        snprintf(err, errlen, "cannot create the domain (out of memory or ids)");
        return -ENOMEM;
    }
    d->dm_target = cfg.dm_target;
    const char *placed = NULL;
    int rc = config_sched(d, &cfg, &placed, err, errlen);
    if (rc < 0) {
        domain_discard(d);
        return rc;
    }
    b.kernel = __va(k->start), b.kernel_size = k->size;
    if (r)
        b.ramdisk = __va(r->start), b.ramdisk_size = r->size;
    b.cmdline = cfg.cmdline;
    b.mem_bytes = cfg.memory_mib << 20;
    rc = pvh_domain_build(d, &b, err, errlen);
    if (rc < 0) {
        domain_discard(d);
        return rc;
    }
    d->state = DOMAIN_RUNNING;
    printk("d%u (%s): %lu MiB, %u vCPU(s), kernel %s%s%s\n", d->id, d->name,
           (unsigned long)cfg.memory_mib, cfg.vcpus, cfg.kernel, r ? ", ramdisk " : "",
           r ? cfg.ramdisk : "");
    if (cfg.cpu_weight != XLCFG_WEIGHT_DEFAULT || cfg.cap || cfg.cpus != XLCFG_CPUS_ALL ||
        cfg.has_cpus_soft || cfg.latency_sensitive) {
        char hard[64], soft[64];
        cpumask_format(hard, sizeof(hard), &d->vcpus[0]->hard_affinity);
        cpumask_format(soft, sizeof(soft), &d->vcpus[0]->soft_affinity);
        printk("d%u (%s): weight %u, cap %u%%, cpus %s, cpus_soft %s%s\n", d->id, d->name,
               cfg.cpu_weight, cfg.cap, hard, soft,
               cfg.latency_sensitive ? ", latency-sensitive" : "");
    }
    if (placed)
        print_placement(d, placed);
    sched_start_vcpu(d->vcpus[0]);
    return 0;
}

unsigned int boot_domains_start(void)
{
    char err[160];
    unsigned int started = dom0_start() ? 1 : 0; /* first: it is domain 0 */

    for (unsigned int i = 0; i < bootinfo.nr_modules; i++) {
        const struct boot_module *m = &bootinfo.modules[i];
        if (!boot_module_is_config(m))
            continue;
        if (start_one(m, err, sizeof(err)) < 0)
            printk(LOG_ERR "%s: %s; domain skipped\n", m->name, err);
        else
            started++;
    }
    return started;
}
