// SPDX-License-Identifier: MIT
/*
 * THE table of who may call what. One row per hypercall sub-op: its handler
 * and the right the calling domain must hold. RIGHT_NONE rows are the guest
 * ABI every domain has; anything absent is -ENOSYS.
 */
#include <lamina/hypercall.h>

#define SUBOPS(arr) .subops = arr, .nr_subops = ARRAY_SIZE(arr)
#define ANY(fn)        \
    {                  \
        fn, RIGHT_NONE \
    }

#define CONTROL(fn)       \
    {                     \
        fn, RIGHT_CONTROL \
    }

static const struct hc_subop console_io_ops[] = {
    [0] = ANY(do_console_write),    /* CONSOLEIO_write: domUs' lines get a "(dN)" prefix */
    [1] = CONTROL(do_console_read), /* CONSOLEIO_read: serial input, dom0 only */
};

static const struct hc_subop xen_version_ops[] = {
    [0] = ANY(do_xen_version),  /* version */
    [1] = ANY(do_xen_version),  /* extraversion */
    [2] = ANY(do_xen_version),  /* compile_info */
    [3] = ANY(do_xen_version),  /* capabilities */
    [4] = ANY(do_xen_version),  /* changeset */
    [5] = ANY(do_xen_version),  /* platform_parameters */
    [6] = ANY(do_xen_version),  /* get_features */
    [7] = ANY(do_xen_version),  /* pagesize */
    [8] = ANY(do_xen_version),  /* guest_handle */
    [9] = ANY(do_xen_version),  /* commandline */
    [10] = ANY(do_xen_version), /* build_id */
};

static const struct hc_subop vm_assist_ops[] = {
    [0] = ANY(do_vm_assist), /* enable */
    [1] = ANY(do_vm_assist), /* disable */
};

static const struct hc_subop sched_ops[] = {
    [0] = ANY(do_sched_yield),    /* SCHEDOP_yield */
    [1] = ANY(do_sched_block),    /* SCHEDOP_block */
    [2] = ANY(do_sched_shutdown), /* SCHEDOP_shutdown */
    [3] = ANY(do_sched_poll),     /* SCHEDOP_poll */
};

/* memory_op: a domain may name itself; naming another needs the control right (checked inside). */
static const struct hc_subop memory_ops[] = {
    [0] = ANY(do_increase_reservation),  /* XENMEM_increase_reservation */
    [1] = ANY(do_decrease_reservation),  /* XENMEM_decrease_reservation */
    [6] = ANY(do_populate_physmap),      /* XENMEM_populate_physmap */
    [7] = ANY(do_add_to_physmap),        /* XENMEM_add_to_physmap */
    [9] = ANY(do_memory_map),            /* XENMEM_memory_map */
    [13] = CONTROL(do_set_memory_map),   /* XENMEM_set_memory_map */
    [14] = CONTROL(do_maximum_gpfn),     /* XENMEM_maximum_gpfn */
    [15] = ANY(do_remove_from_physmap),  /* XENMEM_remove_from_physmap */
    [23] = ANY(do_add_to_physmap_batch), /* XENMEM_add_to_physmap_batch (foreign: control) */
    [24] = CONTROL(do_claim_pages),      /* XENMEM_claim_pages */
    [28] = CONTROL(do_acquire_resource), /* XENMEM_acquire_resource */
    /* 18, 19 (sharing counts): absent, -ENOSYS, which libxl takes as "none" */
};

static const struct hc_subop hvm_ops_table[] = {
    [0] = ANY(do_hvm_set_param), /* HVMOP_set_param: only the guest's own */
    [1] = ANY(do_hvm_get_param), /* HVMOP_get_param */
};

static const struct hc_subop vcpu_ops[] = {
    [3] = ANY(do_vcpu_op),  /* is_up */
    [4] = ANY(do_vcpu_op),  /* get_runstate_info */
    [5] = ANY(do_vcpu_op),  /* register_runstate_memory_area */
    [7] = ANY(do_vcpu_op),  /* stop_periodic_timer */
    [8] = ANY(do_vcpu_op),  /* set_singleshot_timer */
    [9] = ANY(do_vcpu_op),  /* stop_singleshot_timer */
    [10] = ANY(do_vcpu_op), /* register_vcpu_info */
};

static const struct hc_subop evtchn_ops[] = {
    [0] = ANY(do_evtchn_op), /* bind_interdomain */
    [1] = ANY(do_evtchn_op), /* bind_virq */
    [3] = ANY(do_evtchn_op), /* close */
    [4] = ANY(do_evtchn_op), /* send */
    [5] = ANY(do_evtchn_op), /* status */
    [6] = ANY(do_evtchn_op), /* alloc_unbound */
    [7] = ANY(do_evtchn_op), /* bind_ipi */
    [8] = ANY(do_evtchn_op), /* bind_vcpu */
    [9] = ANY(do_evtchn_op), /* unmask */
    /* 11 init_control: absent, so -ENOSYS and guests use the 2-level ABI */
};

/* Grant mappings: dom0's toolstack now, backends in driver domains later. */
static const struct hc_subop grant_ops[] = {
    [0] = CONTROL(do_grant_table_op), /* GNTTABOP_map_grant_ref */
    [1] = CONTROL(do_grant_table_op), /* GNTTABOP_unmap_grant_ref */
};

const struct hc_family hypercall_table[NR_HYPERCALLS] = {
    [__HYPERVISOR_grant_table_op] = {"grant_table_op", SUBOPS(grant_ops)},
    [__HYPERVISOR_memory_op] = {"memory_op", SUBOPS(memory_ops)},
    [__HYPERVISOR_hvm_op] = {"hvm_op", SUBOPS(hvm_ops_table)},
    [__HYPERVISOR_vcpu_op] = {"vcpu_op", SUBOPS(vcpu_ops)},
    [__HYPERVISOR_event_channel_op] = {"event_channel_op", SUBOPS(evtchn_ops)},
    [__HYPERVISOR_xen_version] = {"xen_version", SUBOPS(xen_version_ops)},
    [__HYPERVISOR_console_io] = {"console_io", SUBOPS(console_io_ops)},
    [__HYPERVISOR_vm_assist] = {"vm_assist", SUBOPS(vm_assist_ops)},
    [__HYPERVISOR_sched_op] = {"sched_op", SUBOPS(sched_ops)},
    /* The Xen 4.17 toolstack ABI: the op is inside the argument; control domains only. */
    [__HYPERVISOR_sysctl] = {"sysctl", .whole = CONTROL(do_sysctl)},
    [__HYPERVISOR_domctl] = {"domctl", .whole = CONTROL(do_domctl)},
};
