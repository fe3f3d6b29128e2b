/* SPDX-License-Identifier: MIT */
/*
 * The slice of the Xen guest ABI that Lamina's test guests use, written from
 * the documented ABI (shared/reference/xen-guest-abi.md). It is kept apart
 * from hv/include/public on purpose: the guests are an independent check of
 * the hypervisor's view of the same ABI.
 */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H

#include <stdint.h>

/* ---- PVH boot (hvm_start_info) ---- */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u

struct hvm_start_info {
    uint32_t magic;          /* XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;        /* 1: the memmap fields are valid */
    uint32_t flags;          /* SIF_* */
    uint32_t nr_modules;     /* entries at modlist_paddr */
    uint64_t modlist_paddr;  /* struct hvm_modlist_entry[], 0 = none */
    uint64_t cmdline_paddr;  /* NUL-terminated, 0 = none */
    uint64_t rsdp_paddr;     /* ACPI RSDP, 0 = none */
    uint64_t memmap_paddr;   /* struct hvm_memmap_table_entry[] (version >= 1) */
    uint32_t memmap_entries; /* (version >= 1) */
    uint32_t reserved;
};

#define SIF_PRIVILEGED (1u << 0)
#define SIF_INITDOMAIN (1u << 1)

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct hvm_memmap_table_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type; /* E820 type: 1 RAM, 2 reserved, 3 ACPI, 4 NVS, 5 unusable */
    uint32_t reserved;
};

/* ---- CPUID leaves (base found by scanning 0x40000000 + 0x100*n) ---- */
#define XEN_CPUID_FIRST_LEAF 0x40000000u
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558u /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4du /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566eu /* "nVMM" */
/* base+2: EAX = number of hypercall pages, EBX = MSR that installs them. */
/* base+4: EAX flags */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3) /* EBX = vcpu id */
#define XEN_HVM_CPUID_DOMID_PRESENT (1u << 4)   /* ECX = domid */
#define XEN_HVM_CPUID_UPCALL_VECTOR (1u << 6)

/* ---- Hypercall numbers ---- */
#define HC_memory_op 12
#define HC_multicall 13
#define HC_set_timer_op 15
#define HC_xen_version 17
#define HC_console_io 18
#define HC_grant_table_op 20
#define HC_vm_assist 21
#define HC_iret 23
#define HC_vcpu_op 24
#define HC_mmuext_op 26
#define HC_sched_op 29
#define HC_event_channel_op 32
#define HC_physdev_op 33
#define HC_hvm_op 34
#define HC_sysctl 35
#define HC_domctl 36
#define HC_NR_PAGE_STUBS 128 /* stubs in the hypercall page, 32 bytes each */

/* ---- Errors: hypercalls return -E* ---- */
#define XEN_EPERM 1
#define XEN_ENOENT 2
#define XEN_ESRCH 3
#define XEN_EINTR 4
#define XEN_EBADF 9
#define XEN_EAGAIN 11
#define XEN_ENOMEM 12
#define XEN_EACCES 13
#define XEN_EFAULT 14
#define XEN_EBUSY 16
#define XEN_EEXIST 17
#define XEN_ENODEV 19
#define XEN_EINVAL 22
#define XEN_ENOSPC 28
#define XEN_ERANGE 34
#define XEN_ENOSYS 38
#define XEN_ETIME 62
#define XEN_EOPNOTSUPP 95

/* ---- xen_version ---- */
#define XENVER_version 0 /* returns major << 16 | minor */
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

typedef char xen_extraversion_t[16];

struct xen_feature_info {
    uint32_t submap_idx; /* IN: which 32-bit submap */
    uint32_t submap;     /* OUT */
};

#define XENFEAT_writable_page_tables 0
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock 9
#define XENFEAT_hvm_pirqs 10
#define XENFEAT_dom0 11

/* ---- console_io(cmd, count, buf) ---- */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* ---- vm_assist(cmd, type) ---- */
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_runstate_update_flag 5

/* ---- sched_op(cmd, arg) ---- */
#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2
#define SCHEDOP_poll 3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code 5
#define SCHEDOP_watchdog 6
#define SCHEDOP_pin_override 7

#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2
#define SHUTDOWN_crash 3
#define SHUTDOWN_watchdog 4
#define SHUTDOWN_soft_reset 5

struct sched_shutdown {
    uint32_t reason; /* SHUTDOWN_* */
};

struct sched_poll {
    uint32_t *ports; /* guest pointer to evtchn_port_t[] */
    uint32_t nr_ports;
    uint64_t timeout; /* absolute system time (ns), 0 = none */
};

/* ---- vcpu_op(cmd, vcpuid, arg) ---- */
#define VCPUOP_initialise 0
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3
#define VCPUOP_get_runstate_info 4
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10
#define VCPUOP_send_nmi 11
#define VCPUOP_get_physid 12
#define VCPUOP_register_vcpu_time_memory_area 13

struct vcpu_set_periodic_timer {
    uint64_t period_ns;
};

#define VCPU_SSHOTTMR_future (1u << 0) /* -ETIME if the deadline has passed */
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns; /* absolute system time */
    uint32_t flags;
};

struct vcpu_register_vcpu_info {
    uint64_t mfn;    /* guest frame number of the page holding vcpu_info */
    uint32_t offset; /* offset in that page (offset + 64 <= 4096) */
    uint32_t rsvd;
};

#define RUNSTATE_running 0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked 2
#define RUNSTATE_offline 3
#define XEN_RUNSTATE_UPDATE (1ull << 63)

struct vcpu_runstate_info {
    int32_t state;             /* RUNSTATE_* */
    uint64_t state_entry_time; /* system time of the last change */
    uint64_t time[4];          /* ns spent in each state */
};

struct vcpu_register_runstate_memory_area {
    uint64_t addr; /* guest virtual address of a vcpu_runstate_info */
};

/* ---- event_channel_op(cmd, arg) ---- */
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_bind_pirq 2
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_reset 10
#define EVTCHNOP_init_control 11
#define EVTCHNOP_expand_array 12
#define EVTCHNOP_set_priority 13

#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5

#define VIRQ_TIMER 0
#define VIRQ_DEBUG 1
#define VIRQ_CONSOLE 2
#define VIRQ_DOM_EXC 3

#define DOMID_SELF 0x7ff0u
#define EVTCHN_2L_NR_PORTS 4096

typedef uint32_t evtchn_port_t;
typedef uint16_t domid_t;

struct evtchn_alloc_unbound {
    domid_t dom;        /* IN: DOMID_SELF */
    domid_t remote_dom; /* IN */
    evtchn_port_t port; /* OUT */
};

struct evtchn_bind_interdomain {
    domid_t remote_dom;        /* IN */
    evtchn_port_t remote_port; /* IN */
    evtchn_port_t local_port;  /* OUT */
};

struct evtchn_bind_virq {
    uint32_t virq;      /* IN: VIRQ_* */
    uint32_t vcpu;      /* IN */
    evtchn_port_t port; /* OUT */
};

struct evtchn_bind_ipi {
    uint32_t vcpu;      /* IN */
    evtchn_port_t port; /* OUT */
};

/* close, send and unmask all take just a port. */
struct evtchn_port_arg {
    evtchn_port_t port;
};

struct evtchn_status {
    domid_t dom;        /* IN: DOMID_SELF */
    evtchn_port_t port; /* IN */
    uint32_t status;    /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;      /* OUT: vCPU notified */
    union {
        struct {
            domid_t dom;
        } unbound;
        struct {
            domid_t dom;
            evtchn_port_t port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};

/* ---- hvm_op(cmd, arg) ---- */
#define HVMOP_set_param 0
#define HVMOP_get_param 1
#define HVMOP_flush_tlbs 5
#define HVMOP_pagetable_dying 9
#define HVMOP_get_time 10
#define HVMOP_set_evtchn_upcall_vector 23

struct xen_hvm_param {
    domid_t domid;  /* DOMID_SELF */
    uint32_t index; /* HVM_PARAM_* */
    uint64_t value;
};

#define HVM_PARAM_CALLBACK_IRQ 0
#define HVM_PARAM_STORE_PFN 1
#define HVM_PARAM_STORE_EVTCHN 2
#define HVM_PARAM_CONSOLE_PFN 17
#define HVM_PARAM_CONSOLE_EVTCHN 18
/* CALLBACK_IRQ value: bits 63:56 type; type 2 = vector in bits 7:0. */
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2ull
#define HVM_PARAM_CALLBACK_VECTOR(v) ((HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | (uint8_t)(v))

/* ---- memory_op(cmd, arg) ---- */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_populate_physmap 6
#define XENMEM_add_to_physmap 7
#define XENMEM_memory_map 9
#define XENMEM_remove_from_physmap 15

#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define XENMAPSPACE_gmfn 2

struct xen_add_to_physmap {
    domid_t domid;  /* DOMID_SELF */
    uint16_t size;  /* gmfn_range only */
    uint32_t space; /* XENMAPSPACE_* */
    uint64_t idx;   /* index in the space */
    uint64_t gpfn;  /* where to map it */
};

struct e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));

struct xen_memory_map {
    uint32_t nr_entries; /* IN: capacity, OUT: count */
    struct e820_entry *buffer;
};

/* ---- Time: pvclock ---- */
#define XEN_PVCLOCK_TSC_STABLE_BIT (1u << 0)
#define XEN_PVCLOCK_GUEST_STOPPED (1u << 1)

struct vcpu_time_info {
    uint32_t version; /* odd while the hypervisor updates the record */
    uint32_t pad0;
    uint64_t tsc_timestamp;     /* TSC at system_time */
    uint64_t system_time;       /* ns since boot */
    uint32_t tsc_to_system_mul; /* 32.32 fixed point ns per (shifted) tick */
    int8_t tsc_shift;
    uint8_t flags; /* XEN_PVCLOCK_* */
    uint8_t pad1[2];
};

/* ---- shared_info / vcpu_info ---- */
#define XEN_LEGACY_MAX_VCPUS 32

struct vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask; /* PV only */
    uint8_t pad0[6];
    uint64_t evtchn_pending_sel; /* one bit per word of evtchn_pending */
    uint64_t arch_cr2;
    uint64_t arch_pad;
    struct vcpu_time_info time;
};

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[64];
    uint64_t evtchn_mask[64];
    uint32_t wc_version; /* odd while updating */
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
    uint64_t arch[6]; /* PV only */
};

/* ---- Console ring (one page, found through HVM_PARAM_CONSOLE_PFN) ---- */
#define XENCONSOLE_CONNECTED 0
#define XENCONSOLE_DISCONNECTED 1

struct xencons_interface {
    char in[1024];  /* backend -> guest */
    char out[2048]; /* guest -> backend */
    uint32_t in_cons, in_prod;
    uint32_t out_cons, out_prod;
    uint8_t connection;
};
#define XENCONS_IDX(i, ring) ((i) & (sizeof(ring) - 1))

/* Layout checks against the offsets in the reference. */
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry");
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll");
_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "vcpu_runstate_info");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "evtchn_bind_interdomain");
_Static_assert(__builtin_offsetof(struct evtchn_status, u) == 16, "evtchn_status");
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "xen_add_to_physmap");
_Static_assert(sizeof(struct e820_entry) == 20, "e820_entry");
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info");
_Static_assert(__builtin_offsetof(struct vcpu_time_info, tsc_shift) == 28, "tsc_shift");
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_pending) == 2048, "pending");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_mask) == 2560, "mask");
_Static_assert(__builtin_offsetof(struct shared_info, wc_version) == 3072, "wc_version");
_Static_assert(sizeof(struct shared_info) == 3136, "shared_info");
_Static_assert(__builtin_offsetof(struct xencons_interface, in_cons) == 3072, "in_cons");
_Static_assert(__builtin_offsetof(struct xencons_interface, connection) == 3088, "connection");

#endif
