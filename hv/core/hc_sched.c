// SPDX-License-Identifier: MIT
/*
 * The toolstack's scheduler controls (public/control.h): weight, cap and
 * latency of a domain; affinity, runstate and pCPU of a vCPU. The table gives
 * them to `control` domains only. Domains are not reference-counted, so the
 * target is found and used under domain_list_lock: the reaper unlinks a
 * domain under that lock before freeing it, so it cannot vanish meanwhile.
 * Guest memory is copied outside the lock.
 */
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <asm/hvm/guest.h>
#include <public/control.h>

STATIC_ASSERT(LAMINA_RUNSTATE_running == RUNSTATE_RUNNING &&
                  LAMINA_RUNSTATE_runnable == RUNSTATE_RUNNABLE &&
                  LAMINA_RUNSTATE_blocked == RUNSTATE_BLOCKED &&
                  LAMINA_RUNSTATE_offline == RUNSTATE_OFFLINE,
              "one numbering of runstates");

/* Under domain_list_lock: the live domain `domid` names, or NULL. */
static struct domain *find_locked(struct vcpu *caller, uint16_t domid)
{
    struct domain *d;

    if (domid == DOMID_SELF)
        return caller->domain;
    list_for_each_entry(d, &domain_list, list)
    {
        if (d->id == domid)
            return d->state == DOMAIN_DYING ? NULL : d;
    }
    return NULL;
}

static long sched_domain_op(struct vcpu *v, uint64_t op, uint64_t arg)
{
    struct lamina_sched_domain p;
    long rc = 0;

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.version != LAMINA_SCHED_CTL_VERSION || p.reserved)
        return -EINVAL;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);
    struct domain *d = find_locked(v, p.domid);
    if (!d) {
        rc = -ESRCH;
    } else if (op == LAMINA_SCHED_CTL_get_domain) {
        p.weight = d->sched.weight;
        p.cap = d->sched.cap;
        p.latency = d->sched.latency;
        p.nr_vcpus = d->nr_vcpus;
    } else if (credit2_check_weight(p.weight) || credit2_check_cap(p.cap, d->nr_vcpus) ||
               p.latency > 1) {
        rc = -EINVAL; /* all checked before anything changes */
    } else {
        rc = sched_set_weight(d, p.weight);
        if (!rc)
            rc = sched_set_cap(d, p.cap);
        if (!rc)
            sched_set_latency(d, p.latency);
    }
    spin_unlock_irqrestore(&domain_list_lock, flags);
    if (!rc && op == LAMINA_SCHED_CTL_get_domain && copy_to_guest(v, arg, &p, sizeof(p)))
        return -EFAULT;
    return rc;
}

/* get_vcpu of LAMINA_DOMID_IDLE: pCPU p->vcpu's idle vCPU. */
static long get_idle_vcpu(struct vcpu *v, struct lamina_sched_vcpu *p, uint64_t arg)
{
    enum runstate st;

    if (sched_idle_runstate(p->vcpu, &st, &p->state_entry_time, p->time) < 0)
        return -EINVAL;
    p->runstate = st;
    p->cpu = p->vcpu;
    p->running = 1;
    p->pad = 0;
    p->hard = p->soft = p->vcpu < 64 ? 1ULL << p->vcpu : 0;
    p->flags = LAMINA_SCHED_AFF_SOFT;
    return copy_to_guest(v, arg, p, sizeof(*p)) ? -EFAULT : 0;
}

static long sched_vcpu_op(struct vcpu *v, uint64_t op, uint64_t arg)
{
    struct lamina_sched_vcpu p;
    struct credit2_cpumask hard, soft;
    long rc = 0;

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.version != LAMINA_SCHED_CTL_VERSION || p.reserved)
        return -EINVAL;
    if (op == LAMINA_SCHED_CTL_set_affinity) {
        credit2_mask_from_u64(&hard, p.hard);
        credit2_mask_from_u64(&soft, p.soft);
        if ((p.flags & ~LAMINA_SCHED_AFF_SOFT) || sched_check_cpumask(&hard) ||
            ((p.flags & LAMINA_SCHED_AFF_SOFT) && sched_check_cpumask(&soft)))
            return -EINVAL;
    }
    if (op == LAMINA_SCHED_CTL_get_vcpu && p.domid == LAMINA_DOMID_IDLE)
        return get_idle_vcpu(v, &p, arg);
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);
    struct domain *d = find_locked(v, p.domid);
    if (!d) {
        rc = -ESRCH;
    } else if (p.vcpu >= d->nr_vcpus) {
        rc = -EINVAL;
    } else {
        struct vcpu *t = d->vcpus[array_index_nospec(p.vcpu, d->nr_vcpus)];
        if (op == LAMINA_SCHED_CTL_set_affinity) {
            rc = sched_set_affinity(t, &hard, (p.flags & LAMINA_SCHED_AFF_SOFT) ? &soft : NULL);
        } else {
            enum runstate st;
            unsigned int cpu;
            bool running;
            struct credit2_cpumask online;
            sched_vcpu_runstate(t, &st, &p.state_entry_time, p.time, &cpu, &running);
            sched_online_mask(&online);
            p.runstate = st;
            p.cpu = cpu;
            p.running = running;
            p.pad = 0;
            /* An empty stored mask means "every pCPU" (never set). */
            p.hard =
                credit2_mask_empty(&t->hard_affinity) ? online.bits[0] : t->hard_affinity.bits[0];
            p.soft = t->soft_set ? t->soft_affinity.bits[0] : 0;
            p.flags = t->soft_set ? LAMINA_SCHED_AFF_SOFT : 0;
        }
    }
    spin_unlock_irqrestore(&domain_list_lock, flags);
    if (!rc && op == LAMINA_SCHED_CTL_get_vcpu && copy_to_guest(v, arg, &p, sizeof(p)))
        return -EFAULT;
    return rc;
}

long do_sched_ctl(struct vcpu *v, const struct hc_args *a)
{
    if (a->compat)
        return -EINVAL; /* 64-bit toolstacks only, for now */
    switch (a->a[0]) {
    case LAMINA_SCHED_CTL_get_domain:
    case LAMINA_SCHED_CTL_set_domain:
        return sched_domain_op(v, a->a[0], a->a[1]);
    case LAMINA_SCHED_CTL_get_vcpu:
    case LAMINA_SCHED_CTL_set_affinity:
        return sched_vcpu_op(v, a->a[0], a->a[1]);
    default:
        return -ENOSYS;
    }
}
