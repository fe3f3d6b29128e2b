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

static const struct hc_subop console_io_ops[] = {
    [0] = ANY(do_console_write), /* CONSOLEIO_write */
};

static const struct hc_subop xen_version_ops[] = {
    [0] = ANY(do_xen_version), /* version */
    [1] = ANY(do_xen_version), /* extraversion */
    [3] = ANY(do_xen_version), /* capabilities */
    [6] = ANY(do_xen_version), /* get_features */
    [7] = ANY(do_xen_version), /* pagesize */
};

static const struct hc_subop vm_assist_ops[] = {
    [0] = ANY(do_vm_assist), /* enable */
    [1] = ANY(do_vm_assist), /* disable */
};

static const struct hc_subop sched_ops[] = {
    [0] = ANY(do_sched_yield),    /* SCHEDOP_yield */
    [1] = ANY(do_sched_block),    /* SCHEDOP_block */
    [2] = ANY(do_sched_shutdown), /* SCHEDOP_shutdown */
};

const struct hc_family hypercall_table[NR_HYPERCALLS] = {
    [__HYPERVISOR_xen_version] = {"xen_version", SUBOPS(xen_version_ops)},
    [__HYPERVISOR_console_io] = {"console_io", SUBOPS(console_io_ops)},
    [__HYPERVISOR_vm_assist] = {"vm_assist", SUBOPS(vm_assist_ops)},
    [__HYPERVISOR_sched_op] = {"sched_op", SUBOPS(sched_ops)},
};
