/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls: Xen's numbers and conventions. Every hypercall and sub-op is
 * one row of the table in core/hypercall_table.c naming its handler and the
 * right the caller must hold; nothing else decides who may call what.
 */
#ifndef LAMINA_HYPERCALL_H
#define LAMINA_HYPERCALL_H

#include <lamina/domain.h>

#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_sysctl 35
#define __HYPERVISOR_domctl 36
#define NR_HYPERCALLS 64

/* Arguments as the guest passed them; a[0] is the sub-op of families that have them. */
struct hc_args {
    uint64_t a[5];
    bool compat; /* 32-bit caller: pointers and longs are 32 bits */
};

typedef long (*hc_fn_t)(struct vcpu *v, const struct hc_args *args);

struct hc_subop {
    hc_fn_t fn;         /* NULL: -ENOSYS */
    unsigned int right; /* RIGHT_* the caller needs (RIGHT_NONE: any domain) */
};

struct hc_family {
    const char *name;
    const struct hc_subop *subops; /* indexed by a[0] */
    unsigned int nr_subops;
    struct hc_subop whole; /* a family whose op is inside its argument (domctl, sysctl) */
};

extern const struct hc_family hypercall_table[NR_HYPERCALLS];

/* Handlers (core/hc_*.c, core/event.c, arch/x86/hvm/hc_hvm.c). */
long do_console_write(struct vcpu *v, const struct hc_args *a);
long do_xen_version(struct vcpu *v, const struct hc_args *a);
long do_vm_assist(struct vcpu *v, const struct hc_args *a);
long do_sched_yield(struct vcpu *v, const struct hc_args *a);
long do_sched_block(struct vcpu *v, const struct hc_args *a);
long do_sched_shutdown(struct vcpu *v, const struct hc_args *a);
long do_sched_poll(struct vcpu *v, const struct hc_args *a);
long do_memory_map(struct vcpu *v, const struct hc_args *a);
long do_add_to_physmap(struct vcpu *v, const struct hc_args *a);
long do_populate_physmap(struct vcpu *v, const struct hc_args *a); /* arch hvm/hc_memory.c */
long do_claim_pages(struct vcpu *v, const struct hc_args *a);
long do_decrease_reservation(struct vcpu *v, const struct hc_args *a);
long do_increase_reservation(struct vcpu *v, const struct hc_args *a);
long do_set_memory_map(struct vcpu *v, const struct hc_args *a);
long do_maximum_gpfn(struct vcpu *v, const struct hc_args *a);
long do_add_to_physmap_batch(struct vcpu *v, const struct hc_args *a);
long do_remove_from_physmap(struct vcpu *v, const struct hc_args *a);
long do_acquire_resource(struct vcpu *v, const struct hc_args *a);
long do_grant_table_op(struct vcpu *v, const struct hc_args *a); /* arch hvm/grant.c */
long do_hvm_get_param(struct vcpu *v, const struct hc_args *a);
long do_hvm_set_param(struct vcpu *v, const struct hc_args *a);
long do_vcpu_op(struct vcpu *v, const struct hc_args *a);
long do_evtchn_op(struct vcpu *v, const struct hc_args *a);
long do_console_read(struct vcpu *v, const struct hc_args *a);
long do_domctl(struct vcpu *v, const struct hc_args *a); /* core/domctl.c */
long do_sysctl(struct vcpu *v, const struct hc_args *a); /* core/sysctl.c */

#endif
