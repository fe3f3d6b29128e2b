// SPDX-License-Identifier: MIT
/*
 * The small hypercalls every guest uses first: console output, version and
 * feature queries, VM assists, and sched_op (yield, block, shutdown, poll).
 */
#include <lamina/cmdline.h>
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <public/xen.h>

#define CONSOLE_WRITE_MAX 4096 /* per call: bounded work for one exit */

long do_console_write(struct vcpu *v, const struct hc_args *a)
{
    uint64_t count = a->a[1], buf = a->a[2];
    char chunk[128];

    if (count > CONSOLE_WRITE_MAX)
        return -EINVAL;
    for (uint64_t done = 0; done < count;) {
        size_t n = MIN(sizeof(chunk), count - done);
        if (copy_from_guest(v, chunk, buf + done, n) < 0)
            return -EFAULT;
        if (v->domain->initial)
            console_write_raw(chunk, n); /* dom0's own terminal: as it wrote it, as on Xen */
        else
            for (size_t i = 0; i < n; i++)
                domain_debug_putc(v->domain, chunk[i]);
        done += n;
    }
    return 0;
}

#define XENVER_version 0
#define XENVER_extraversion 1
#define XENVER_compile_info 2
#define XENVER_capabilities 3
#define XENVER_changeset 4
#define XENVER_platform_parameters 5
#define XENVER_get_features 6
#define XENVER_pagesize 7
#define XENVER_guest_handle 8
#define XENVER_commandline 9
#define XENVER_build_id 10

#define XENFEAT_writable_page_tables 0
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock 9

/* The Xen ABI version we speak: 4.17, which Debian's toolstack wrappers check. */
#define XEN_ABI_MAJOR 4
#define XEN_ABI_MINOR 17
#define VIRT_START 0xffff800000000000UL /* what Xen reports as platform_parameters */

struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};

/* Fixed-size string answers: the whole buffer, NUL-padded, as Xen copies them. */
static long put_string(struct vcpu *v, uint64_t arg, const char *s, size_t size)
{
    char buf[1024] = {0};

    strlcpy(buf, s, MIN(size, sizeof(buf)));
    return copy_to_guest(v, arg, buf, size) ? -EFAULT : 0;
}

long do_xen_version(struct vcpu *v, const struct hc_args *a)
{
    uint64_t arg = a->a[1];

    switch (a->a[0]) {
    case XENVER_version:
        return (XEN_ABI_MAJOR << 16) | XEN_ABI_MINOR;
    case XENVER_extraversion:
        return put_string(v, arg, ".0-lamina", 16);
    case XENVER_compile_info: {
        static const struct xen_compile_info ci = {
            .compiler = "gcc " __VERSION__,
            .compile_by = "lamina",
            .compile_domain = "",
            .compile_date = "Lamina " LAMINA_VERSION,
        };
        return copy_to_guest(v, arg, &ci, sizeof(ci)) ? -EFAULT : 0;
    }
    case XENVER_capabilities:
        /* libxenguest builds a PVH guest only if hvm-3.0-x86_32 is here. */
        return put_string(v, arg, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64", 1024);
    case XENVER_changeset:
        return put_string(v, arg, "lamina " LAMINA_VERSION, 64);
    case XENVER_platform_parameters: {
        uint64_t virt_start = VIRT_START;
        return copy_to_guest(v, arg, &virt_start, sizeof(virt_start)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        uint32_t fi[2];
        if (copy_from_guest(v, fi, arg, sizeof(fi)))
            return -EFAULT;
        if (fi[0] != 0)
            return -EINVAL; /* only submap 0 exists */
        fi[1] = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
                (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock);
        return copy_to_guest(v, arg, fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return PAGE_SIZE;
    case XENVER_guest_handle:
        return copy_to_guest(v, arg, v->domain->handle, sizeof(v->domain->handle)) ? -EFAULT : 0;
    case XENVER_commandline:
        /* xl reads dom0_mem= here to decide on ballooning; only dom0 may see it. */
        if (!(v->domain->rights & RIGHT_CONTROL))
            return -EPERM;
        return put_string(v, arg, hv_command_line(), 1024);
    case XENVER_build_id:
        return -ENODATA; /* the image carries no build id; the tools print none */
    default:
        return -ENOSYS;
    }
}

#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_runstate_update_flag 5

long do_vm_assist(struct vcpu *v, const struct hc_args *a)
{
    if (a->a[0] != VMASST_CMD_enable && a->a[0] != VMASST_CMD_disable)
        return -ENOSYS;
    if (a->a[1] != VMASST_TYPE_runstate_update_flag)
        return -EINVAL;
    v->domain->runstate_update_flag = a->a[0] == VMASST_CMD_enable;
    return 0;
}

long do_sched_yield(struct vcpu *v, const struct hc_args *a)
{
    (void)v, (void)a;
    sched_yield();
    return 0;
}

long do_sched_block(struct vcpu *v, const struct hc_args *a)
{
    (void)a;
    if (!vcpu_upcall_pending(v))
        vcpu_block(v);
    return 0;
}

long do_sched_poll(struct vcpu *v, const struct hc_args *a)
{
    struct sched_poll p;
    uint32_t ports[4];

    if (copy_from_guest(v, &p, a->a[1], sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > ARRAY_SIZE(ports))
        return -EINVAL;
    if (p.nr_ports && copy_from_guest(v, ports, p.ports, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    return evtchn_poll(v, ports, p.nr_ports, p.timeout);
}

long do_sched_shutdown(struct vcpu *v, const struct hc_args *a)
{
    uint32_t reason;

    if (copy_from_guest(v, &reason, a->a[1], sizeof(reason)))
        return -EFAULT;
    if (reason > SHUTDOWN_SOFT_RESET)
        return -EINVAL;
    domain_shutdown(v->domain, reason);
    return 0;
}
