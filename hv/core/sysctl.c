// SPDX-License-Identifier: MIT
/*
 * sysctl (hypercall 35), the Xen 4.17 toolstack's host-wide operations: the
 * domain list (xl list, xentop, xenstored's death watch), host facts (xl
 * info), the log ring (xl dmesg), the one CPU pool and its Credit2
 * ratelimit, and topology for libxl's NUMA placement. The hypercall table
 * gives it to `control` domains only; the interface version is checked
 * here. The structure goes back whole on success, as libxenctrl expects.
 */
#include <lamina/domctl.h>
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <lamina/numa.h>
#include <asm/hvm/guest.h>
#include <asm/percpu.h>

static long op_getdomaininfolist(struct vcpu *v, struct xen_sysctl_getdomaininfolist *l)
{
    uint32_t n = 0;
    domid_t next = l->first_domain;

    /* Ascending ids, one referenced domain at a time: libxl walks it in order. */
    while (n < l->max_domains && next < DOMID_FIRST_RESERVED) {
        struct domain *d = domain_get_first_from(next);
        if (!d)
            break;
        struct xen_domctl_getdomaininfo info;
        domain_getinfo(d, &info);
        next = (domid_t)(d->id + 1);
        domain_put(d);
        if (copy_to_guest(v, l->buffer + (uint64_t)n * sizeof(info), &info, sizeof(info)))
            return -EFAULT;
        n++;
    }
    l->num_domains = n;
    return 0;
}

static long op_physinfo(struct xen_sysctl_physinfo *pi)
{
    struct cpu *c;

    memset(pi, 0, sizeof(*pi));
    pi->threads_per_core = 1; /* each pCPU its own core (no topology parsing yet) */
    pi->nr_nodes = numa_nr_nodes();
    pi->max_node_id = pi->nr_nodes - 1;
    for_each_online_cpu(c)
    {
        pi->nr_cpus++;
        pi->max_cpu_id = MAX(pi->max_cpu_id, c->id);
    }
    pi->cores_per_socket = MAX(1u, pi->nr_cpus / pi->nr_nodes);
    pi->capabilities =
        XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap | XEN_SYSCTL_PHYSCAP_gnttab_v1;
    pi->total_pages = numa_total_frames();
    pi->free_pages = buddy_free_frames();
    pi->max_mfn = max_mfn ? max_mfn - 1 : 0;
    arch_physinfo(pi);
    return 0;
}

/* One pool, id 0: every online pCPU, Credit2, every domain. */
static long op_cpupool(struct vcpu *v, struct xen_sysctl_cpupool_op *p)
{
    struct credit2_cpumask all;

    switch (p->op) {
    case XEN_SYSCTL_CPUPOOL_OP_INFO: {
        if (p->cpupool_id > 0)
            return -ENOENT; /* "no pool with id >= this": ends xl's walk */
        unsigned int n_dom = 0;
        struct domain *d;
        unsigned long flags = spin_lock_irqsave(&domain_list_lock);
        list_for_each_entry(d, &domain_list, list) n_dom++;
        spin_unlock_irqrestore(&domain_list_lock, flags);
        p->cpupool_id = 0;
        p->sched_id = XEN_SCHEDULER_CREDIT2;
        p->n_dom = n_dom;
        sched_online_mask(&all);
        return bitmap_to_guest(v, &p->cpumap, all.bits, CREDIT2_MAX_CPUS);
    }
    case XEN_SYSCTL_CPUPOOL_OP_FREEINFO:
        credit2_mask_zero(&all); /* every pCPU is in pool 0 */
        return bitmap_to_guest(v, &p->cpumap, all.bits, CREDIT2_MAX_CPUS);
    case XEN_SYSCTL_CPUPOOL_OP_CREATE:
    case XEN_SYSCTL_CPUPOOL_OP_DESTROY:
    case XEN_SYSCTL_CPUPOOL_OP_ADDCPU:
    case XEN_SYSCTL_CPUPOOL_OP_RMCPU:
    case XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN:
        return -EOPNOTSUPP; /* one pool for now */
    default:
        return -ENOSYS;
    }
}

static long op_scheduler(struct xen_sysctl_scheduler_op *so)
{
    if (so->cpupool_id != 0)
        return -ESRCH;
    if (so->sched_id != XEN_SCHEDULER_CREDIT2)
        return -EINVAL;
    if (so->cmd == XEN_SYSCTL_SCHEDOP_getinfo) {
        so->ratelimit_us = sched_ratelimit_us();
        return 0;
    }
    if (so->cmd != XEN_SYSCTL_SCHEDOP_putinfo)
        return -EINVAL;
    return sched_set_ratelimit_us(so->ratelimit_us);
}

static long op_cputopoinfo(struct vcpu *v, struct xen_sysctl_cputopoinfo *t)
{
    unsigned int nr = 0;
    struct cpu *c;

    for_each_online_cpu(c) nr = MAX(nr, c->id + 1);
    if (t->cputopo) {
        for (unsigned int i = 0; i < MIN(t->num_cpus, (uint32_t)NR_CPUS); i++) {
            struct xen_sysctl_cputopo e = {~0u, ~0u, ~0u};
            c = i < nr ? cpus[i] : NULL;
            if (c && c->online)
                e = (struct xen_sysctl_cputopo){c->id, numa_cpu_node(c), numa_cpu_node(c)};
            if (copy_to_guest(v, t->cputopo + i * sizeof(e), &e, sizeof(e)))
                return -EFAULT;
        }
    }
    t->num_cpus = nr;
    return 0;
}

static long op_numainfo(struct vcpu *v, struct xen_sysctl_numainfo *ni)
{
    uint32_t nodes = numa_nr_nodes(), room = MIN(ni->num_nodes, nodes);

    if (ni->meminfo || ni->distance) {
        if (ni->num_nodes < nodes) {
            ni->num_nodes = nodes;
            return -ENOBUFS;
        }
        for (uint32_t i = 0; i < room; i++) {
            struct xen_sysctl_meminfo m = {numa_node_frames(i) << PAGE_SHIFT,
                                           buddy_free_frames_node(i) << PAGE_SHIFT};
            if (ni->meminfo && copy_to_guest(v, ni->meminfo + i * sizeof(m), &m, sizeof(m)))
                return -EFAULT;
            for (uint32_t j = 0; ni->distance && j < room; j++) {
                uint32_t dist = i == j ? 10 : 20; /* no SLIT parsing: local vs remote */
                if (copy_to_guest(v, ni->distance + (i * room + j) * sizeof(dist), &dist,
                                  sizeof(dist)))
                    return -EFAULT;
            }
        }
    }
    ni->num_nodes = nodes;
    return 0;
}

/*
 * xl dmesg: libxl asks again and again, passing back `index`, until it gets
 * 0 bytes; so the index must move, or it loops for good.
 */
static long op_readconsole(struct vcpu *v, struct xen_sysctl_readconsole *rc)
{
    char chunk[256];
    uint32_t done = 0;
    uint64_t pos = rc->incremental ? rc->index : 0;

    /* The index is 32 bits wide: restore the high bits from where the ring is now. */
    if (rc->incremental) {
        uint64_t at = log_ring_position();
        pos |= at & ~0xffffffffULL;
        if (pos > at && pos >= (1ULL << 32))
            pos -= 1ULL << 32;
    }
    while (done < rc->count) {
        size_t n = log_ring_read_at(&pos, chunk, MIN(sizeof(chunk), rc->count - done), rc->clear);
        if (!n)
            break;
        if (copy_to_guest(v, rc->buffer + done, chunk, n))
            return -EFAULT;
        done += (uint32_t)n;
    }
    rc->count = done;
    rc->index = (uint32_t)pos;
    return 0;
}

/* getcpuinfo: each pCPU's idle time (its idle vCPU's running time), for xentop. */
static long op_getcpuinfo(struct vcpu *v, struct xen_sysctl_getcpuinfo *ci)
{
    struct cpu *c;
    uint32_t nr = 0;

    for_each_online_cpu(c) nr = MAX(nr, c->id + 1);
    nr = MIN(nr, ci->max_cpus);
    for (uint32_t i = 0; i < nr; i++) {
        enum runstate st;
        uint64_t entry, time[4], idle = 0;
        if (sched_idle_runstate(i, &st, &entry, time) == 0)
            idle = time[RUNSTATE_RUNNING];
        if (copy_to_guest(v, ci->info + i * sizeof(idle), &idle, sizeof(idle)))
            return -EFAULT;
    }
    ci->nr_cpus = nr;
    return 0;
}

long do_sysctl(struct vcpu *v, const struct hc_args *a)
{
    struct xen_sysctl op;
    uint64_t arg = a->a[0];
    long rc;

    if (a->compat)
        return -ENOSYS; /* the toolstack is 64-bit */
    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    switch (op.cmd) {
    case XEN_SYSCTL_readconsole:
        rc = op_readconsole(v, &op.u.readconsole);
        break;
    case XEN_SYSCTL_physinfo:
        rc = op_physinfo(&op.u.physinfo);
        break;
    case XEN_SYSCTL_getcpuinfo:
        rc = op_getcpuinfo(v, &op.u.getcpuinfo);
        break;
    case XEN_SYSCTL_sched_id:
        op.u.sched_id = XEN_SCHEDULER_CREDIT2;
        rc = 0;
        break;
    case XEN_SYSCTL_getdomaininfolist:
        rc = op_getdomaininfolist(v, &op.u.getdomaininfolist);
        break;
    case XEN_SYSCTL_cputopoinfo:
        rc = op_cputopoinfo(v, &op.u.cputopoinfo);
        break;
    case XEN_SYSCTL_numainfo:
        rc = op_numainfo(v, &op.u.numainfo);
        break;
    case XEN_SYSCTL_cpupool_op:
        rc = op_cpupool(v, &op.u.cpupool_op);
        break;
    case XEN_SYSCTL_scheduler_op:
        rc = op_scheduler(&op.u.scheduler_op);
        break;
    case XEN_SYSCTL_get_cpu_policy:
        rc = arch_get_cpu_policy(v, op.u.raw);
        break;
    case XEN_SYSCTL_get_cpu_featureset:
        rc = arch_get_cpu_featureset(v, op.u.raw);
        break;
    default:
        return -ENOSYS;
    }
    /* A "too small" answer (numainfo, the CPU policy) carries the size needed. */
    if ((rc == 0 || rc == -ENOBUFS) && copy_to_guest(v, arg, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}
