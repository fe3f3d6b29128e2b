/* SPDX-License-Identifier: MIT */
/*
 * Internal side of the Xen toolstack ABI (public/domctl.h, public/sysctl.h):
 * what the domctl and sysctl dispatchers share, and their arch hooks.
 */
#ifndef LAMINA_DOMCTL_H
#define LAMINA_DOMCTL_H

#include <lamina/domain.h>
#include <public/sysctl.h>

/* Online as the toolstack counts it: up, or given a state and waiting for the first unpause. */
static inline bool vcpu_reported_online(const struct domain *d, const struct vcpu *v,
                                        enum runstate st)
{
    return st != RUNSTATE_OFFLINE || (v->initialised && !d->started);
}

/* One domain's getdomaininfo record (flags, pages, vCPU time, ...). */
void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info);
/* The live domain with the lowest id >= first, referenced (domain_put it); NULL if none. */
struct domain *domain_get_first_from(domid_t first);

/* Op families; d is referenced by the caller (core/domctl_*.c). */
long domctl_vcpu_op(struct vcpu *caller, struct domain *d, struct xen_domctl *op);
long domctl_createdomain(struct xen_domctl *op);
long domctl_lifecycle_op(struct vcpu *caller, struct domain *d, struct xen_domctl *op);

/* Arch hooks: hvmcontext and the CPUID policy (arch/x86/hvm/hvmcontext.c, cpu_policy.c). */
long arch_domctl(struct vcpu *caller, struct domain *d, struct xen_domctl *op);
long arch_set_cpu_policy(struct vcpu *caller, struct domain *d, struct xen_domctl *op);
long arch_get_cpu_policy(struct vcpu *caller, void *sysctl_arg);
long arch_get_cpu_featureset(struct vcpu *caller, void *sysctl_arg);
uint32_t arch_tsc_khz(void);
uint64_t arch_domain_shared_info_gfn(struct domain *d);
void arch_physinfo(struct xen_sysctl_physinfo *pi); /* CPU speed, capabilities, hw_cap */

/* Copy a cpumask to/from a toolstack bitmap (bit n of byte n/8). */
int bitmap_to_guest(struct vcpu *v, const struct xenctl_bitmap *b, const uint64_t *bits,
                    unsigned int nr);
int bitmap_from_guest(struct vcpu *v, const struct xenctl_bitmap *b, uint64_t *bits,
                      unsigned int nr);

#endif
