/* SPDX-License-Identifier: MIT */
/* The virtual local APIC (x2APIC mode only). */
#ifndef ASM_HVM_VLAPIC_H
#define ASM_HVM_VLAPIC_H

#include <lamina/time.h>
#include <lamina/types.h>

struct vcpu;

struct vlapic {
    uint32_t irr[8], isr[8];
    uint32_t tpr, spiv, tmict, tdcr;
    uint32_t lvt[7]; /* timer, thermal, perf, LINT0, LINT1, error, CMCI */
    uint64_t icr;
    uint64_t timer_start;
    struct timer timer;
};

void vlapic_init(struct vcpu *v);
void vlapic_destroy(struct vcpu *v);
int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
uint32_t vlapic_id(const struct vcpu *v);
void vlapic_set_irq(struct vcpu *v, uint8_t vec);
int vlapic_pending(struct vcpu *v);          /* vector to inject now, or -1 */
void vlapic_accept(struct vcpu *v, int vec); /* it was injected: IRR -> ISR */

/* INIT/SIPI handling (svm/svm.c). */
void vlapic_init_sipi(struct vcpu *v, bool sipi, uint8_t vector);

#endif
