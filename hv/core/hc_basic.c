// SPDX-License-Identifier: MIT
/*
 * The small hypercalls every guest uses first: console output, version and
 * feature queries, VM assists, and sched_op (yield, block, shutdown, poll).
 */
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
        for (size_t i = 0; i < n; i++)
            domain_debug_putc(v->domain, chunk[i]);
        done += n;
    }
    return 0;
}

#define XENVER_version 0
#define XENVER_extraversion 1
#define XENVER_capabilities 3
#define XENVER_get_features 6
#define XENVER_pagesize 7

#define XENFEAT_writable_page_tables 0
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock 9

long do_xen_version(struct vcpu *v, const struct hc_args *a)
{
    static const char extra[16] = "-lamina";
    static const char caps[] = "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p";
    uint64_t arg = a->a[1];

    switch (a->a[0]) {
    case XENVER_version:
        return (4 << 16) | 17; /* the Xen ABI version we speak */
    case XENVER_extraversion:
        return copy_to_guest(v, arg, extra, sizeof(extra)) ? -EFAULT : 0;
    case XENVER_capabilities: {
        char buf[1024] = {0};
        memcpy(buf, caps, sizeof(caps));
        return copy_to_guest(v, arg, buf, sizeof(buf)) ? -EFAULT : 0;
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
