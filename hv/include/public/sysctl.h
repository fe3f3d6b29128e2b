/* SPDX-License-Identifier: MIT */
/*
 * The Xen 4.17 toolstack ABI, host side: hypercall 35 (sysctl), interface
 * version 0x15, written from the documented layouts
 * (../shared/reference/xen-toolstack-abi.md). One pointer argument: a
 * struct xen_sysctl, copied back whole on success (core/sysctl.c).
 */
#ifndef PUBLIC_SYSCTL_H
#define PUBLIC_SYSCTL_H

#include "domctl.h"

#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_physinfo 3
#define XEN_SYSCTL_sched_id 4
#define XEN_SYSCTL_getdomaininfolist 6
#define XEN_SYSCTL_getcpuinfo 8
#define XEN_SYSCTL_cputopoinfo 16
#define XEN_SYSCTL_numainfo 17
#define XEN_SYSCTL_cpupool_op 18
#define XEN_SYSCTL_scheduler_op 19
#define XEN_SYSCTL_get_cpu_featureset 26
#define XEN_SYSCTL_get_cpu_policy 29

/* Read the hypervisor's log ring (`xl dmesg`). */
struct xen_sysctl_readconsole {
    uint8_t clear;       /* IN: forget what was read */
    uint8_t incremental; /* IN: continue from `index` */
    uint8_t pad[2];
    uint32_t index; /* IN/OUT: position in the free-running byte count */
    uint64_t buffer;
    uint32_t count; /* IN: room; OUT: bytes copied */
    uint32_t pad2;
};

#define XEN_SYSCTL_PHYSCAP_hvm (1u << 0)
#define XEN_SYSCTL_PHYSCAP_pv (1u << 1)
#define XEN_SYSCTL_PHYSCAP_hap (1u << 3)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1 (1u << 8)
struct xen_sysctl_physinfo {
    uint32_t threads_per_core;
    uint32_t cores_per_socket;
    uint32_t nr_cpus; /* online */
    uint32_t max_cpu_id;
    uint32_t nr_nodes;
    uint32_t max_node_id;
    uint32_t cpu_khz;
    uint32_t capabilities; /* XEN_SYSCTL_PHYSCAP_* */
    uint32_t arch_capabilities;
    uint32_t pad;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t scrub_pages;
    uint64_t outstanding_pages;
    uint64_t max_mfn;
    uint32_t hw_cap[8];
};

struct xen_sysctl_getdomaininfolist {
    uint16_t first_domain; /* IN */
    uint16_t pad;
    uint32_t max_domains; /* IN */
    uint64_t buffer;      /* struct xen_domctl_getdomaininfo[max_domains] */
    uint32_t num_domains; /* OUT */
    uint32_t pad2;
};

struct xen_sysctl_getcpuinfo {
    uint32_t max_cpus; /* IN: entries at info */
    uint32_t pad;
    uint64_t info;    /* uint64_t idletime[max_cpus], ns */
    uint32_t nr_cpus; /* OUT */
    uint32_t pad2;
};

struct xen_sysctl_cputopo {
    uint32_t core, socket, node; /* ~0 for a CPU that is not there */
};
struct xen_sysctl_cputopoinfo {
    uint32_t num_cpus; /* IN: entries in `cputopo`; OUT: CPUs there are */
    uint32_t pad;
    uint64_t cputopo; /* NULL: just count */
};

struct xen_sysctl_meminfo {
    uint64_t memsize, memfree; /* bytes */
};
struct xen_sysctl_numainfo {
    uint32_t num_nodes; /* IN: room; OUT: nodes there are */
    uint32_t pad;
    uint64_t meminfo;  /* struct xen_sysctl_meminfo[num_nodes], or NULL */
    uint64_t distance; /* uint32_t[num_nodes * num_nodes], or NULL */
};

#define XEN_SYSCTL_CPUPOOL_OP_CREATE 1
#define XEN_SYSCTL_CPUPOOL_OP_DESTROY 2
#define XEN_SYSCTL_CPUPOOL_OP_INFO 3
#define XEN_SYSCTL_CPUPOOL_OP_ADDCPU 4
#define XEN_SYSCTL_CPUPOOL_OP_RMCPU 5
#define XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN 6
#define XEN_SYSCTL_CPUPOOL_OP_FREEINFO 7
struct xen_sysctl_cpupool_op {
    uint32_t op;
    uint32_t cpupool_id; /* IN/OUT: INFO reports the first pool with id >= this */
    uint32_t sched_id;   /* OUT */
    uint32_t domid;
    uint32_t cpu;
    uint32_t n_dom;              /* OUT: domains in the pool */
    struct xenctl_bitmap cpumap; /* OUT: its pCPUs (INFO) or the free ones (FREEINFO) */
};

struct xen_sysctl_scheduler_op {
    uint32_t cpupool_id;
    uint32_t sched_id; /* must be the pool's */
    uint32_t cmd;      /* XEN_SYSCTL_SCHEDOP_putinfo 0, getinfo 1 */
    uint32_t pad;
    uint32_t ratelimit_us; /* credit2: 0, or 100..500000 */
    uint8_t pad2[12];
};
#define XEN_SYSCTL_SCHEDOP_putinfo 0
#define XEN_SYSCTL_SCHEDOP_getinfo 1

struct xen_sysctl {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct xen_sysctl_readconsole readconsole;
        struct xen_sysctl_physinfo physinfo;
        uint32_t sched_id;
        struct xen_sysctl_getdomaininfolist getdomaininfolist;
        struct xen_sysctl_getcpuinfo getcpuinfo;
        struct xen_sysctl_cputopoinfo cputopoinfo;
        struct xen_sysctl_numainfo numainfo;
        struct xen_sysctl_cpupool_op cpupool_op;
        struct xen_sysctl_scheduler_op scheduler_op;
        uint8_t raw[128];
        uint64_t align;
    } u;
};

#ifdef __STDC_VERSION__
_Static_assert(sizeof(struct xen_sysctl) == 136, "ABI: xen_sysctl");
_Static_assert(__builtin_offsetof(struct xen_sysctl, u) == 8, "ABI: xen_sysctl.u");
_Static_assert(sizeof(struct xen_sysctl_readconsole) == 24, "ABI: readconsole");
_Static_assert(sizeof(struct xen_sysctl_physinfo) == 112, "ABI: physinfo");
_Static_assert(__builtin_offsetof(struct xen_sysctl_physinfo, total_pages) == 40, "ABI");
_Static_assert(__builtin_offsetof(struct xen_sysctl_physinfo, hw_cap) == 80, "ABI");
_Static_assert(sizeof(struct xen_sysctl_getdomaininfolist) == 24, "ABI: getdomaininfolist");
_Static_assert(__builtin_offsetof(struct xen_sysctl_getdomaininfolist, num_domains) == 16, "ABI");
_Static_assert(sizeof(struct xen_sysctl_getcpuinfo) == 24, "ABI: getcpuinfo");
_Static_assert(sizeof(struct xen_sysctl_cputopo) == 12, "ABI: cputopo");
_Static_assert(sizeof(struct xen_sysctl_numainfo) == 24, "ABI: numainfo");
_Static_assert(sizeof(struct xen_sysctl_cpupool_op) == 40, "ABI: cpupool_op");
_Static_assert(sizeof(struct xen_sysctl_scheduler_op) == 32, "ABI: sysctl scheduler_op");
#endif

#endif
