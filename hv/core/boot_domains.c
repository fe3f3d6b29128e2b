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

static bool is_config(const struct boot_module *m)
{
    size_t n = strlen(m->name);
    return n > 4 && strcmp(m->name + n - 4, ".cfg") == 0;
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
    b.kernel = __va(k->start), b.kernel_size = k->size;
    if (r)
        b.ramdisk = __va(r->start), b.ramdisk_size = r->size;
    b.cmdline = cfg.cmdline;
    b.mem_bytes = cfg.memory_mib << 20;
    int rc = pvh_domain_build(d, &b, err, errlen);
    if (rc < 0) {
        domain_discard(d);
        return rc;
    }
    d->state = DOMAIN_RUNNING;
    printk("d%u (%s): %lu MiB, %u vCPU(s), kernel %s%s%s\n", d->id, d->name,
           (unsigned long)cfg.memory_mib, cfg.vcpus, cfg.kernel, r ? ", ramdisk " : "",
           r ? cfg.ramdisk : "");
    sched_start_vcpu(d->vcpus[0]);
    return 0;
}

unsigned int boot_domains_start(void)
{
    char err[160];
    unsigned int started = 0;

    for (unsigned int i = 0; i < bootinfo.nr_modules; i++) {
        const struct boot_module *m = &bootinfo.modules[i];
        if (!is_config(m))
            continue;
        if (start_one(m, err, sizeof(err)) < 0)
            printk(LOG_ERR "%s: %s; domain skipped\n", m->name, err);
        else
            started++;
    }
    return started;
}
