/* SPDX-License-Identifier: MIT */
/*
 * The Xen guest ABI structures Lamina shares with guests, written from the
 * documented layout (../shared/reference/xen-guest-abi.md §4). Sizes and
 * offsets are asserted: guests compiled against Xen's headers must agree.
 */
#ifndef PUBLIC_XEN_H
#define PUBLIC_XEN_H

#include <stdint.h>

#define XEN_LEGACY_MAX_VCPUS 32
#define EVTCHN_2L_NR_PORTS 4096 /* 64 words of 64 bits */

/* pvclock: ns = system_time + ((tsc - tsc_timestamp) << / >> shift) * mul >> 32 */
struct vcpu_time_info {
    uint32_t version; /* odd while being updated */
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time; /* ns since the domain's boot */
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags; /* XEN_PVCLOCK_TSC_STABLE_BIT */
    uint8_t pad1[2];
};
#define XEN_PVCLOCK_TSC_STABLE_BIT (1u << 0)

struct vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint8_t pad[6];
    uint64_t evtchn_pending_sel; /* one bit per pending word of evtchn_pending */
    uint64_t arch_cr2, arch_pad;
    struct vcpu_time_info time;
};

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[64];
    uint64_t evtchn_mask[64];
    uint32_t wc_version, wc_sec, wc_nsec, wc_sec_hi;
    uint64_t arch[6];
};

_Static_assert(sizeof(struct vcpu_time_info) == 32, "ABI");
_Static_assert(sizeof(struct vcpu_info) == 64, "ABI");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_pending) == 2048, "ABI");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_mask) == 2560, "ABI");
_Static_assert(__builtin_offsetof(struct shared_info, wc_version) == 3072, "ABI");
_Static_assert(sizeof(struct shared_info) == 3136, "ABI");

struct vcpu_runstate_info {
    int32_t state; /* RUNSTATE_* */
    uint32_t pad;
    uint64_t state_entry_time; /* bit 63: XEN_RUNSTATE_UPDATE while being written */
    uint64_t time[4];          /* ns spent in each state */
};
_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "ABI");
#define XEN_RUNSTATE_UPDATE (1ULL << 63)

/* memory_op */
#define XENMEM_add_to_physmap 7
#define XENMEM_memory_map 9
#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
struct xen_add_to_physmap {
    uint16_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};
struct xen_memory_map {
    uint32_t nr_entries;
    uint32_t pad;
    uint64_t buffer; /* guest pointer to e820 entries: u64 addr, u64 size, u32 type (packed) */
};

/* hvm_op */
#define HVMOP_set_param 0
#define HVMOP_get_param 1
struct xen_hvm_param {
    uint16_t domid;
    uint16_t pad;
    uint32_t index;
    uint64_t value;
};
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2

/* vcpu_op */
#define VCPUOP_is_up 3
#define VCPUOP_get_runstate_info 4
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10
struct vcpu_register_vcpu_info {
    uint64_t mfn; /* guest frame number */
    uint32_t offset;
    uint32_t rsvd;
};
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;
    uint32_t flags;
    uint32_t pad;
};
#define VCPU_SSHOTTMR_future (1u << 0)

/* sched_op poll */
struct sched_poll {
    uint64_t ports; /* guest pointer to uint32_t ports[] */
    uint32_t nr_ports;
    uint32_t pad;
    uint64_t timeout; /* absolute ns, 0 = none */
};

/* event_channel_op */
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_init_control 11
#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5
#define VIRQ_TIMER 0
#define VIRQ_DEBUG 1
#define VIRQ_CONSOLE 2    /* global: serial input for dom0 */
#define VIRQ_DOM_EXC 3    /* global: a domain shut down, died or was freed */
#define VIRQ_CON_RING 8   /* global: the hypervisor log grew */
#define VIRQ_PCPU_STATE 9 /* global */
#define VIRQ_ENOMEM 12    /* global */
#define NR_VIRQS 24

struct evtchn_alloc_unbound {
    uint16_t dom, remote_dom;
    uint32_t port;
};
struct evtchn_bind_interdomain {
    uint16_t remote_dom;
    uint16_t pad;
    uint32_t remote_port, local_port;
};
struct evtchn_bind_virq {
    uint32_t virq, vcpu, port;
};
struct evtchn_bind_ipi {
    uint32_t vcpu, port;
};
struct evtchn_port_arg {
    uint32_t port;
};
struct evtchn_bind_vcpu {
    uint32_t port, vcpu;
};
struct evtchn_status {
    uint16_t dom;
    uint16_t pad;
    uint32_t port;
    uint32_t status;
    uint32_t vcpu;
    union {
        struct {
            uint16_t dom;
        } unbound;
        struct {
            uint16_t dom;
            uint16_t pad;
            uint32_t port;
        } interdomain;
        uint32_t virq;
    } u;
};
_Static_assert(sizeof(struct evtchn_status) == 24, "ABI");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "ABI");

/* The console ring (io/console.h). */
struct xencons_interface {
    char in[1024];
    char out[2048];
    uint32_t in_cons, in_prod;
    uint32_t out_cons, out_prod;
};

#endif
