/* SPDX-License-Identifier: MIT */
/*
 * The Xen 4.17 toolstack ABI, domain side: hypercall 36 (domctl), interface
 * version 0x15. Written from the documented layouts
 * (../shared/reference/xen-toolstack-abi.md); every size and offset that
 * Debian's libxenctrl relies on is asserted below.
 *
 * The caller passes one pointer: a struct xen_domctl in its own (for dom0:
 * user-space) memory. `domain` names the target; results come back in the
 * same structure for the ops that say so (dispatcher: core/domctl.c).
 */
#ifndef PUBLIC_DOMCTL_H
#define PUBLIC_DOMCTL_H

#include <stdint.h>

#define XEN_DOMCTL_INTERFACE_VERSION 0x00000015

#define XEN_DOMCTL_createdomain 1
#define XEN_DOMCTL_destroydomain 2
#define XEN_DOMCTL_pausedomain 3
#define XEN_DOMCTL_unpausedomain 4
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_DOMCTL_setvcpuaffinity 9
#define XEN_DOMCTL_max_mem 11
#define XEN_DOMCTL_getvcpuinfo 14
#define XEN_DOMCTL_max_vcpus 15
#define XEN_DOMCTL_scheduler_op 16
#define XEN_DOMCTL_setdomainhandle 17
#define XEN_DOMCTL_settimeoffset 24
#define XEN_DOMCTL_getvcpuaffinity 25
#define XEN_DOMCTL_gethvmcontext 33
#define XEN_DOMCTL_sethvmcontext 34
#define XEN_DOMCTL_settscinfo 60
#define XEN_DOMCTL_setnodeaffinity 68
#define XEN_DOMCTL_getnodeaffinity 69
#define XEN_DOMCTL_set_cpu_policy 83
#define XEN_DOMCTL_set_paging_mempool_size 86

/* createdomain flags */
#define XEN_DOMCTL_CDF_hvm (1u << 0)
#define XEN_DOMCTL_CDF_hap (1u << 1)
#define XEN_DOMCTL_CDF_s3_integrity (1u << 2)
#define XEN_DOMCTL_CDF_oos_off (1u << 3)
#define XEN_DOMCTL_CDF_xs_domain (1u << 4)
#define XEN_DOMCTL_CDF_iommu (1u << 5)
#define XEN_DOMCTL_CDF_nested_virt (1u << 6)
#define XEN_DOMCTL_CDF_vpmu (1u << 7)
#define XEN_X86_EMU_LAPIC (1u << 0) /* arch.emulation_flags: all a PVH domain has */

struct xen_domctl_createdomain {
    uint32_t ssidref;
    uint8_t handle[16];
    uint32_t flags; /* XEN_DOMCTL_CDF_* */
    uint32_t iommu_opts;
    uint32_t max_vcpus;
    uint32_t max_evtchn_port;
    int32_t max_grant_frames;    /* -1: the default */
    int32_t max_maptrack_frames; /* -1: the default */
    uint32_t grant_opts;         /* bits 0..3: highest grant table version */
    uint32_t vmtrace_size;
    uint32_t cpupool_id;
    uint32_t emulation_flags; /* arch: XEN_X86_EMU_* */
    uint32_t misc_flags;
};

struct xen_domctl_tsc_info {
    uint32_t tsc_mode; /* 0 default, 1 always emulate, 2 native, 3 no rdtscp */
    uint32_t gtsc_khz;
    uint32_t incarnation;
    uint32_t pad;
    uint64_t elapsed_nsec;
};

/* A bitmap in the caller's memory: bit n of byte n/8; nr_bits long. */
struct xenctl_bitmap {
    uint64_t bitmap; /* guest handle */
    uint32_t nr_bits;
    uint32_t pad;
};

/* getdomaininfo flags */
#define XEN_DOMINF_dying (1u << 0)
#define XEN_DOMINF_hvm_guest (1u << 1)
#define XEN_DOMINF_shutdown (1u << 2) /* every vCPU stopped after a shutdown request */
#define XEN_DOMINF_paused (1u << 3)   /* controller pause count > 0 */
#define XEN_DOMINF_blocked (1u << 4)  /* every online vCPU blocked */
#define XEN_DOMINF_running (1u << 5)  /* a vCPU is on a pCPU */
#define XEN_DOMINF_debugged (1u << 6)
#define XEN_DOMINF_xs_domain (1u << 7)
#define XEN_DOMINF_hap (1u << 8)
#define XEN_DOMINF_shutdownshift 16 /* SHUTDOWN_* reason in bits 16..23 */

struct xen_domctl_getdomaininfo {
    uint16_t domain; /* OUT: the domain reported (the first id >= the one asked) */
    uint16_t pad0;
    uint32_t flags;
    uint64_t tot_pages;
    uint64_t max_pages;
    uint64_t outstanding_pages;
    uint64_t shr_pages;
    uint64_t paged_pages;
    uint64_t shared_info_frame;
    uint64_t cpu_time; /* ns, all vCPUs */
    uint32_t nr_online_vcpus;
    uint32_t max_vcpu_id; /* ~0 with no vCPUs */
    uint32_t ssidref;
    uint8_t handle[16]; /* UUID */
    uint32_t cpupool;
    uint8_t gpaddr_bits;
    uint8_t pad1[7];
    uint32_t emulation_flags; /* arch_config */
    uint32_t misc_flags;
};

struct xen_domctl_getvcpuinfo {
    uint32_t vcpu;   /* IN */
    uint8_t online;  /* OUT: not offline */
    uint8_t blocked; /* OUT: waiting for an event */
    uint8_t running; /* OUT: on a pCPU */
    uint8_t pad;
    uint64_t cpu_time; /* OUT: ns it has run */
    uint32_t cpu;      /* OUT: pCPU it runs on, or ran on last */
    uint32_t pad2;
};

#define XEN_VCPUAFFINITY_HARD (1u << 0)
#define XEN_VCPUAFFINITY_SOFT (1u << 1)
#define XEN_VCPUAFFINITY_FORCE (1u << 2)
struct xen_domctl_vcpuaffinity {
    uint32_t vcpu;
    uint32_t flags;
    struct xenctl_bitmap cpumap_hard; /* IN and OUT: set writes back the effective maps */
    struct xenctl_bitmap cpumap_soft;
};

#define XEN_SCHEDULER_CREDIT2 6
#define XEN_DOMCTL_SCHEDOP_putinfo 0
#define XEN_DOMCTL_SCHEDOP_getinfo 1
struct xen_domctl_scheduler_op {
    uint32_t sched_id; /* must be the domain's scheduler */
    uint32_t cmd;      /* XEN_DOMCTL_SCHEDOP_* */
    uint16_t weight;   /* credit2: 1..65535; putinfo 0 keeps it */
    uint16_t cap;      /* credit2: % of a pCPU, 0 = none, at most 100 per vCPU */
    uint8_t pad[12];
};

struct xen_domctl_nodeaffinity {
    struct xenctl_bitmap nodemap;
};

struct xen_domctl {
    uint32_t cmd;
    uint32_t interface_version;
    uint16_t domain;
    uint16_t pad[3];
    union {
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_getvcpuinfo getvcpuinfo;
        struct xen_domctl_vcpuaffinity vcpuaffinity;
        struct xen_domctl_scheduler_op scheduler_op;
        struct xen_domctl_nodeaffinity nodeaffinity;
        uint8_t handle[16]; /* setdomainhandle */
        struct xen_domctl_createdomain createdomain;
        struct xen_domctl_tsc_info tsc_info;
        uint32_t max_vcpus;
        uint64_t max_memkb;           /* max_mem */
        int64_t time_offset_seconds;  /* settimeoffset */
        uint64_t paging_mempool_size; /* set_paging_mempool_size: bytes */
        uint8_t raw[128];
        uint64_t align;
    } u;
};

#ifdef __STDC_VERSION__
_Static_assert(sizeof(struct xen_domctl) == 144, "ABI: xen_domctl");
_Static_assert(__builtin_offsetof(struct xen_domctl, u) == 16, "ABI: xen_domctl.u");
_Static_assert(sizeof(struct xenctl_bitmap) == 16, "ABI: xenctl_bitmap");
_Static_assert(sizeof(struct xen_domctl_getdomaininfo) == 112, "ABI: getdomaininfo");
_Static_assert(__builtin_offsetof(struct xen_domctl_getdomaininfo, cpu_time) == 56, "ABI");
_Static_assert(__builtin_offsetof(struct xen_domctl_getdomaininfo, handle) == 76, "ABI");
_Static_assert(__builtin_offsetof(struct xen_domctl_getdomaininfo, cpupool) == 92, "ABI");
_Static_assert(__builtin_offsetof(struct xen_domctl_getdomaininfo, emulation_flags) == 104, "ABI");
_Static_assert(sizeof(struct xen_domctl_getvcpuinfo) == 24, "ABI: getvcpuinfo");
_Static_assert(__builtin_offsetof(struct xen_domctl_getvcpuinfo, cpu) == 16, "ABI");
_Static_assert(sizeof(struct xen_domctl_vcpuaffinity) == 40, "ABI: vcpuaffinity");
_Static_assert(sizeof(struct xen_domctl_scheduler_op) == 24, "ABI: scheduler_op");
_Static_assert(sizeof(struct xen_domctl_createdomain) == 64, "ABI: createdomain");
_Static_assert(__builtin_offsetof(struct xen_domctl_createdomain, flags) == 20, "ABI");
_Static_assert(__builtin_offsetof(struct xen_domctl_createdomain, emulation_flags) == 56, "ABI");
_Static_assert(sizeof(struct xen_domctl_tsc_info) == 24, "ABI: tsc_info");
#endif

#endif
