// SPDX-License-Identifier: MIT
/*
 * domctl's vCPU and scheduling ops: getvcpuinfo (xl vcpu-list, xentop),
 * get/setvcpuaffinity (xl vcpu-pin, cpus=), the Credit2 weight and cap
 * (xl sched-credit2), and node affinity. The target is referenced by the
 * dispatcher (core/domctl.c); vCPU indexes are the caller's and are clamped
 * before use.
 */
#include <lamina/domctl.h>
#include <lamina/lib.h>
#include <asm/hvm/guest.h>

#define BITMAP_MAX_BYTES 512 /* far more CPUs or nodes than any host has: bounded work */

int bitmap_to_guest(struct vcpu *v, const struct xenctl_bitmap *b, const uint64_t *bits,
                    unsigned int nr)
{
    uint32_t bytes = MIN((b->nr_bits + 7) / 8, BITMAP_MAX_BYTES);
    uint8_t buf[BITMAP_MAX_BYTES];

    for (uint32_t i = 0; i < bytes; i++)
        buf[i] = i < nr / 8 ? (uint8_t)(bits[i / 8] >> (8 * (i % 8))) : 0;
    if (b->nr_bits % 8 && bytes)
        buf[bytes - 1] &= (uint8_t)((1u << (b->nr_bits % 8)) - 1);
    return bytes && copy_to_guest(v, b->bitmap, buf, bytes) ? -EFAULT : 0;
}

int bitmap_from_guest(struct vcpu *v, const struct xenctl_bitmap *b, uint64_t *bits,
                      unsigned int nr)
{
    uint32_t bytes = MIN((b->nr_bits + 7) / 8, nr / 8);
    uint8_t buf[BITMAP_MAX_BYTES];

    memset(bits, 0, nr / 8);
    if (bytes > sizeof(buf))
        bytes = sizeof(buf);
    if (bytes && copy_from_guest(v, buf, b->bitmap, bytes))
        return -EFAULT;
    for (uint32_t i = 0; i < bytes; i++) {
        uint8_t byte = buf[i];
        if (i == bytes - 1 && b->nr_bits < 8 * bytes)
            byte &= (uint8_t)((1u << (b->nr_bits % 8)) - 1);
        bits[i / 8] |= (uint64_t)byte << (8 * (i % 8));
    }
    return 0;
}

static long get_vcpu(struct domain *d, uint32_t id, struct vcpu **v)
{
    if (id >= d->nr_vcpus)
        return -EINVAL;
    *v = d->vcpus[array_index_nospec(id, d->nr_vcpus)];
    return 0;
}

static long op_getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *gi)
{
    struct vcpu *v;
    enum runstate st;
    uint64_t entry, time[4];
    unsigned int cpu;
    bool running;
    long rc = get_vcpu(d, gi->vcpu, &v);

    if (rc)
        return rc;
    sched_vcpu_runstate(v, &st, &entry, time, &cpu, &running);
    gi->online = vcpu_reported_online(d, v, st);
    gi->blocked = st == RUNSTATE_BLOCKED;
    gi->running = running;
    gi->pad = 0;
    gi->cpu_time = time[RUNSTATE_RUNNING];
    gi->cpu = cpu;
    gi->pad2 = 0;
    return 0;
}

/* The masks as the toolstack sees them: an unset one means every online pCPU. */
static void effective_masks(struct vcpu *v, struct credit2_cpumask *hard,
                            struct credit2_cpumask *soft)
{
    struct credit2_cpumask online;

    sched_online_mask(&online);
    *hard = credit2_mask_empty(&v->hard_affinity) ? online : v->hard_affinity;
    credit2_mask_and(hard, hard, &online, false);
    *soft = v->soft_set ? v->soft_affinity : online;
    credit2_mask_and(soft, soft, hard, false);
}

static long put_masks(struct vcpu *caller, struct vcpu *v, struct xen_domctl_vcpuaffinity *va)
{
    struct credit2_cpumask hard, soft;

    effective_masks(v, &hard, &soft);
    if ((va->flags & XEN_VCPUAFFINITY_HARD) &&
        bitmap_to_guest(caller, &va->cpumap_hard, hard.bits, CREDIT2_MAX_CPUS))
        return -EFAULT;
    if ((va->flags & XEN_VCPUAFFINITY_SOFT) &&
        bitmap_to_guest(caller, &va->cpumap_soft, soft.bits, CREDIT2_MAX_CPUS))
        return -EFAULT;
    return 0;
}

static long op_setvcpuaffinity(struct vcpu *caller, struct domain *d,
                               struct xen_domctl_vcpuaffinity *va)
{
    struct credit2_cpumask online, hard, soft;
    struct vcpu *v;
    long rc = get_vcpu(d, va->vcpu, &v);

    if (rc)
        return rc;
    if (!(va->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)))
        return -EINVAL;
    sched_online_mask(&online);
    effective_masks(v, &hard, &soft);
    bool soft_set = v->soft_set;
    if (va->flags & XEN_VCPUAFFINITY_HARD) {
        if (bitmap_from_guest(caller, &va->cpumap_hard, hard.bits, CREDIT2_MAX_CPUS))
            return -EFAULT;
        credit2_mask_and(&hard, &hard, &online, false);
        if (credit2_mask_empty(&hard))
            return -EINVAL; /* no online pCPU left to run on */
    }
    if (va->flags & XEN_VCPUAFFINITY_SOFT) {
        if (bitmap_from_guest(caller, &va->cpumap_soft, soft.bits, CREDIT2_MAX_CPUS))
            return -EFAULT;
        soft_set = true;
    }
    /* A preference outside the hard mask means none, as on Xen. */
    credit2_mask_and(&soft, &soft, &hard, false);
    if (credit2_mask_empty(&soft) || credit2_mask_subset(&hard, &soft))
        soft_set = false;
    rc = sched_set_affinity(v, &hard, soft_set ? &soft : NULL);
    return rc ? rc : put_masks(caller, v, va);
}

static long op_scheduler(struct domain *d, struct xen_domctl_scheduler_op *so)
{
    if (so->sched_id != XEN_SCHEDULER_CREDIT2)
        return -EINVAL;
    if (so->cmd == XEN_DOMCTL_SCHEDOP_getinfo) {
        so->weight = (uint16_t)d->sched.weight;
        so->cap = (uint16_t)d->sched.cap;
        return 0;
    }
    if (so->cmd != XEN_DOMCTL_SCHEDOP_putinfo)
        return -EINVAL;
    /* Check both before changing either. Weight 0 leaves it as it is. */
    if (credit2_check_cap(so->cap, d->nr_vcpus))
        return -EINVAL;
    long rc = so->weight ? sched_set_weight(d, so->weight) : 0;
    return rc ? rc : sched_set_cap(d, so->cap);
}

static long op_nodeaffinity(struct vcpu *caller, struct domain *d, struct xen_domctl *op)
{
    uint64_t nodes = d->node_affinity;

    if (op->cmd == XEN_DOMCTL_getnodeaffinity)
        return bitmap_to_guest(caller, &op->u.nodeaffinity.nodemap, &nodes, 64);
    if (bitmap_from_guest(caller, &op->u.nodeaffinity.nodemap, &nodes, 64))
        return -EFAULT;
    nodes &= NODEMASK_ALL;
    if (!nodes)
        return -EINVAL;
    d->node_affinity = (nodemask_t)nodes; /* where its next memory comes from */
    return 0;
}

long domctl_vcpu_op(struct vcpu *caller, struct domain *d, struct xen_domctl *op)
{
    struct vcpu *v;
    long rc;

    switch (op->cmd) {
    case XEN_DOMCTL_getvcpuinfo:
        return op_getvcpuinfo(d, &op->u.getvcpuinfo);
    case XEN_DOMCTL_getvcpuaffinity:
        rc = get_vcpu(d, op->u.vcpuaffinity.vcpu, &v);
        return rc ? rc : put_masks(caller, v, &op->u.vcpuaffinity);
    case XEN_DOMCTL_setvcpuaffinity:
        return op_setvcpuaffinity(caller, d, &op->u.vcpuaffinity);
    case XEN_DOMCTL_scheduler_op:
        return op_scheduler(d, &op->u.scheduler_op);
    case XEN_DOMCTL_setnodeaffinity:
    case XEN_DOMCTL_getnodeaffinity:
        return op_nodeaffinity(caller, d, op);
    default:
        return -ENOSYS;
    }
}
