/* SPDX-License-Identifier: MIT */
/*
 * Lamina's toolstack ABI (our own, not Xen's domctl/sysctl): small, versioned,
 * documented. Only a domain holding the `control` right may call it; any other
 * caller gets -EPERM.
 *
 * Hypercall LAMINA_HYPERVISOR_sched_ctl (56, outside Xen's numbers), 64-bit
 * registers as for every hypercall: rdi = sub-op, rsi = guest pointer to the
 * structure of that sub-op (read, and written back by the get sub-ops).
 * Every structure starts with `version` (LAMINA_SCHED_CTL_VERSION) and a
 * domid (DOMID_SELF, 0x7ff0, names the caller). Reserved fields must be 0.
 *
 * Results: 0; -EINVAL (bad version, reserved field, value or vCPU index);
 * -ESRCH (no such domain, or it is being destroyed); -EFAULT (bad pointer);
 * -EPERM (no `control` right).
 */
#ifndef PUBLIC_CONTROL_H
#define PUBLIC_CONTROL_H

#include <stdint.h>

#define LAMINA_HYPERVISOR_sched_ctl 56
#define LAMINA_SCHED_CTL_VERSION 1

#define LAMINA_SCHED_CTL_get_domain 0   /* struct lamina_sched_domain: all OUT fields */
#define LAMINA_SCHED_CTL_set_domain 1   /* struct lamina_sched_domain: weight, cap, latency IN */
#define LAMINA_SCHED_CTL_get_vcpu 2     /* struct lamina_sched_vcpu: all OUT fields */
#define LAMINA_SCHED_CTL_set_affinity 3 /* struct lamina_sched_vcpu: hard, soft, flags IN */

/*
 * Per-domain Credit2 settings. set_domain sets all three at once (read them
 * with get_domain first to change one): nothing changes unless all are valid.
 */
struct lamina_sched_domain {
    uint32_t version;  /* IN: LAMINA_SCHED_CTL_VERSION */
    uint16_t domid;    /* IN */
    uint16_t reserved; /* IN: 0 */
    uint32_t weight;   /* 1..65535: CPU share relative to other domains (default 256) */
    uint32_t cap;      /* percent of one pCPU for all its vCPUs together; 0: no cap;
                          at most 100 x nr_vcpus */
    uint32_t latency;  /* 1: latency-sensitive (wakers preempt past the ratelimit); or 0 */
    uint32_t nr_vcpus; /* OUT (get_domain): vCPUs the domain has */
};

/*
 * get_vcpu with this domid reads pCPU `vcpu`'s idle vCPU: runstate running
 * while that pCPU is idle (time[running] is its idle time), runnable while it
 * runs a guest vCPU; cpu = the pCPU, running = 1, hard = soft = only that
 * pCPU. Other ops refuse it (-ESRCH), as does a pCPU that is not online (-EINVAL).
 */
#define LAMINA_DOMID_IDLE 0x7fff

#define LAMINA_SCHED_AFF_SOFT (1u << 0) /* flags: `soft` holds a preference (else none) */

/* Runstates, as in Xen's vcpu_runstate_info. */
#define LAMINA_RUNSTATE_running 0
#define LAMINA_RUNSTATE_runnable 1 /* wanted a pCPU and had none (steal time) */
#define LAMINA_RUNSTATE_blocked 2
#define LAMINA_RUNSTATE_offline 3

struct lamina_sched_vcpu {
    uint32_t version;  /* IN: LAMINA_SCHED_CTL_VERSION */
    uint16_t domid;    /* IN */
    uint16_t reserved; /* IN: 0 */
    uint32_t vcpu;     /* IN: index, below the domain's nr_vcpus */
    uint32_t flags;    /* LAMINA_SCHED_AFF_*; IN for set_affinity, OUT for get_vcpu */
    uint64_t hard;     /* pCPUs it may run on, bit N = pCPU N: nonempty, online only */
    uint64_t soft;     /* pCPUs it prefers, with LAMINA_SCHED_AFF_SOFT: nonempty, online */
    /* OUT (get_vcpu) from here; ignored by set_affinity. */
    uint32_t runstate; /* LAMINA_RUNSTATE_* */
    uint32_t cpu;      /* pCPU it runs on, or ran on last */
    uint32_t running;  /* 1 while on a pCPU */
    uint32_t pad;
    uint64_t state_entry_time; /* ns since boot when it entered `runstate` */
    uint64_t time[4];          /* ns spent in each runstate, the current stretch included */
};

#ifdef __STDC_VERSION__
_Static_assert(sizeof(struct lamina_sched_domain) == 24, "ABI: lamina_sched_domain");
_Static_assert(sizeof(struct lamina_sched_vcpu) == 88, "ABI: lamina_sched_vcpu");
#endif

#endif
