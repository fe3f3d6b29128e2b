// SPDX-License-Identifier: MIT
/*
 * dom0, booted the way Xen boots it, so a GRUB entry written for Xen works:
 * the first boot module that is neither an xl.cfg description (".cfg") nor
 * named by one is dom0's kernel, and its module string is dom0's command
 * line; the next such module is its initrd. dom0 is domain 0, holds the
 * control and store rights, is told it is the initial domain
 * (SIF_INITDOMAIN), and uses the machine's console through console_io.
 *
 * Options, as on Xen: dom0_mem=<size> (default: half the free memory, at
 * most 1 GiB), dom0_max_vcpus=<n> (default: one per pCPU), dom0=pvh.
 */
#include <lamina/cmdline.h>
#include <lamina/domain.h>
#include <lamina/lib.h>
#include <asm/bootinfo.h>
#include <asm/percpu.h>

#define DOM0_MEM_DEFAULT_MAX GiB(1)
#define DOM0_MEM_MIN MiB(64)

static uint64_t opt_dom0_mem;       /* bytes; 0: the default */
static unsigned int opt_dom0_vcpus; /* 0: one per online pCPU */

/* Xen's forms: "512M", "1G", and "max:512M" (the only part we use of min:/max: lists). */
static int parse_dom0_mem(const char *v)
{
    static char buf[32];
    uint64_t bytes;

    if (!v)
        return -EINVAL;
    if (!strncmp(v, "max:", 4))
        v += 4;
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, v, n + 1);
    bool bare = buf[n - 1] >= '0' && buf[n - 1] <= '9'; /* a bare number is KiB, as on Xen */
    if (parse_size(buf, &bytes) || (bare && bytes > (UINT64_MAX >> 10)))
        return -EINVAL;
    bytes <<= bare ? 10 : 0;
    if (bytes < DOM0_MEM_MIN)
        return -EINVAL;
    opt_dom0_mem = ALIGN_DOWN(bytes, MiB(2));
    return 0;
}
custom_param("dom0_mem", parse_dom0_mem);
uint_param("dom0_max_vcpus", opt_dom0_vcpus, 1, MAX_VCPUS);

static int parse_dom0(const char *v)
{
    /* PVH is the only kind of dom0 there is; "pvh" says so, anything else is refused. */
    return v && !strcmp(v, "pvh") ? 0 : -EINVAL;
}
custom_param("dom0", parse_dom0);

/* Does `text` (len bytes) hold `name` in quotes, as a .cfg names a module? */
static bool quoted_in(const char *text, size_t len, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; n && i + n + 2 <= len; i++) {
        char q = text[i];
        if ((q == '"' || q == '\'') && text[i + n + 1] == q && !memcmp(text + i + 1, name, n))
            return true;
    }
    return false;
}

/*
 * Does some .cfg module name `m` (as its kernel or ramdisk)? Read as text,
 * not parsed: a .cfg with a mistake in it still claims its kernel, which
 * must not become dom0 by accident.
 */
static bool named_by_config(const struct boot_module *m)
{
    for (unsigned int i = 0; i < bootinfo.nr_modules; i++) {
        const struct boot_module *c = &bootinfo.modules[i];
        if (boot_module_is_config(c) && quoted_in(__va(c->start), c->size, m->name))
            return true;
    }
    return false;
}

/* The next module for dom0 after index `from`, or -1. */
static int next_dom0_module(int from)
{
    for (int i = from + 1; i < (int)bootinfo.nr_modules; i++) {
        const struct boot_module *m = &bootinfo.modules[i];
        if (!boot_module_is_config(m) && !named_by_config(m))
            return i;
    }
    return -1;
}

static uint64_t dom0_memory(void)
{
    uint64_t free = buddy_free_frames() << PAGE_SHIFT;
    uint64_t want = opt_dom0_mem ? opt_dom0_mem : MIN(free / 2, DOM0_MEM_DEFAULT_MAX);

    return ALIGN_DOWN(MIN(want, free), MiB(2));
}

bool dom0_start(void)
{
    char err[160];
    int k = next_dom0_module(-1);

    if (k < 0)
        return false;
    int r = next_dom0_module(k);
    const struct boot_module *kernel = &bootinfo.modules[k];
    const struct boot_module *initrd = r >= 0 ? &bootinfo.modules[r] : NULL;
    unsigned int vcpus = opt_dom0_vcpus ? opt_dom0_vcpus : nr_cpus_online;
    uint64_t mem = dom0_memory();

    struct domain *d = domain_create(0, "Domain-0", RIGHT_CONTROL | RIGHT_STORE, vcpus);
    if (!d) {
        printk(LOG_ERR "dom0: cannot create domain 0 (out of memory)\n");
        return false;
    }
    d->initial = true;
    struct pvh_build_args b = {
        .kernel = __va(kernel->start),
        .kernel_size = kernel->size,
        .ramdisk = initrd ? __va(initrd->start) : NULL,
        .ramdisk_size = initrd ? initrd->size : 0,
        .cmdline = kernel->cmdline,
        .mem_bytes = mem,
        .initial_domain = true,
    };
    if (mem < DOM0_MEM_MIN || pvh_domain_build(d, &b, err, sizeof(err)) < 0) {
        printk(LOG_ERR "dom0: %s: %s\n", kernel->name,
               mem < DOM0_MEM_MIN ? "not enough free memory" : err);
        domain_discard(d);
        return false;
    }
    d->state = DOMAIN_RUNNING;
    printk("d0 (Domain-0): %lu MiB, %u vCPU(s), kernel %s%s%s, command line \"%s\"\n",
           (unsigned long)(mem >> 20), vcpus, kernel->name, initrd ? ", initrd " : "",
           initrd ? initrd->name : "", kernel->cmdline);
    sched_start_vcpu(d->vcpus[0]);
    return true;
}
