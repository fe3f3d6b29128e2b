// SPDX-License-Identifier: MIT
/*
 * vcpu_op: where a vCPU's vcpu_info and runstate area live, its one-shot
 * timer, and questions about vCPUs. Timers are the vCPU's own: operations on
 * another vCPU's timer are refused, as in Xen.
 */
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/p2m.h>
#include <public/xen.h>

void vcpu_singleshot_fired(void *data)
{
    send_virq(data, VIRQ_TIMER);
}

/* Copy the runstate into the registered area (Xen's update-flag protocol). */
void runstate_publish(struct vcpu *v)
{
    struct vcpu_runstate_info r;
    struct domain *d = v->domain;

    if (!v->runstate_gpa)
        return;
    r.state = v->runstate;
    r.pad = 0;
    r.state_entry_time = v->runstate_entry;
    memcpy(r.time, v->runstate_time, sizeof(r.time));
    if (d->runstate_update_flag) {
        /* Flag set, whole record, then the final entry time clears the flag. */
        uint64_t entry = r.state_entry_time;
        r.state_entry_time |= XEN_RUNSTATE_UPDATE;
        copy_to_gpa(d, v->runstate_gpa + 8, &r.state_entry_time, 8);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        copy_to_gpa(d, v->runstate_gpa, &r, sizeof(r));
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        copy_to_gpa(d, v->runstate_gpa + 8, &entry, 8);
    } else {
        copy_to_gpa(d, v->runstate_gpa, &r, sizeof(r));
    }
}

static long register_vcpu_info(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    bool writable;

    if (copy_from_guest(v, &info, arg, sizeof(info)))
        return -EFAULT;
    /* Aligned, so the atomics on its words never straddle a cache line. */
    if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (info.offset & 7))
        return -EINVAL;
    mfn_t mfn = p2m_lookup(target->domain, info.mfn, &writable);
    if (mfn == INVALID_MFN || !writable || info.mfn == target->vcpu_info_gfn)
        return -EINVAL;
    /* The guest's own RAM page (never shared_info): it stays the domain's until it dies. */
    evtchn_move_vcpu_info(target, (void *)((char *)mfn_to_virt(mfn) + info.offset));
    target->vcpu_info_gfn = info.mfn;
    vcpu_time_update(target);
    vcpu_kick(target);
    return 0;
}

long do_vcpu_op(struct vcpu *v, const struct hc_args *a)
{
    uint64_t cmd = a->a[0], id = a->a[1], arg = a->a[2];
    struct domain *d = v->domain;

    if (id >= d->nr_vcpus)
        return -ENOENT;
    struct vcpu *t = d->vcpus[array_index_nospec(id, d->nr_vcpus)];
    switch (cmd) {
    case VCPUOP_is_up:
        return t->up ? 1 : 0;
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info r = {.state = t->runstate, .state_entry_time = t->runstate_entry};
        memcpy(r.time, t->runstate_time, sizeof(r.time));
        r.time[t->runstate] += now() - t->runstate_entry; /* include the current stretch */
        return copy_to_guest(v, arg, &r, sizeof(r)) ? -EFAULT : 0;
    }
    case VCPUOP_register_runstate_memory_area: {
        uint64_t va, gpa;
        if (copy_from_guest(v, &va, arg, sizeof(va)))
            return -EFAULT;
        if ((va & (PAGE_SIZE - 1)) > PAGE_SIZE - sizeof(struct vcpu_runstate_info) ||
            guest_linear_to_gpa(v, va, true, &gpa) < 0)
            return -EFAULT;
        /* Translated once: the area must not move (Linux's per-CPU data does not). */
        t->runstate_gpa = gpa;
        runstate_publish(t);
        return 0;
    }
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, t, arg);
    case VCPUOP_stop_periodic_timer:
        return 0; /* there is no periodic timer to stop */
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer st;
        if (t != v)
            return -EINVAL;
        if (copy_from_guest(v, &st, arg, sizeof(st)))
            return -EFAULT;
        if ((st.flags & VCPU_SSHOTTMR_future) && st.timeout_abs_ns < now())
            return -ETIME;
        timer_set(&v->singleshot, st.timeout_abs_ns); /* a past deadline fires at once */
        return 0;
    }
    case VCPUOP_stop_singleshot_timer:
        if (t != v)
            return -EINVAL;
        timer_stop(&v->singleshot);
        return 0;
    default:
        return -ENOSYS;
    }
}
