/* SPDX-License-Identifier: MIT */
/* Backend-neutral helpers the rest of the x86 code uses on a vCPU. */
#ifndef ASM_HVM_HVM_H
#define ASM_HVM_HVM_H

#include <lamina/domain.h>

#define X86_EXC_UD 6
#define X86_EXC_GP 13
#define X86_EXC_PF 14

/* Register access by x86 encoding number (0 = rax ... 15 = r15). */
uint64_t hvm_get_gpr(struct vcpu *v, unsigned int n);
void hvm_set_gpr(struct vcpu *v, unsigned int n, uint64_t val);

/*
 * A hypercall's number and arguments in the caller's convention, and its
 * CPL; true for a 32-bit caller (not long mode with CS.L). One call: this is
 * on every hypercall's path.
 */
bool hvm_hypercall_args(struct vcpu *v, uint64_t *nr, uint64_t a[5], unsigned int *cpl);

/* Queue an exception for the next entry (replaces one already queued). */
void hvm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error);

/* PVH entry state: 32-bit protected mode, paging off, RBX = start info. */
void hvm_set_pvh_entry(struct vcpu *v, uint32_t rip, uint32_t rbx);
/* After a p2m mapping of d went away: other CPUs in d's vCPUs leave the guest once. */
void hvm_flush_remote_translations(const struct domain *d);
/* Crash v's domain for `why`, logging the vCPU state that explains it. */
void hvm_vcpu_crash(struct vcpu *v, const char *why);

/* Advance RIP past the instruction that exited (`len` when NRIPS is absent). */
void hvm_skip_insn(struct vcpu *v, unsigned int len);

/* Is an event-channel upcall waiting for this vCPU? (core/event.c) */
bool vcpu_upcall_pending(struct vcpu *v);
/* The vector the guest asked upcalls on (HVM_PARAM_CALLBACK_IRQ), 0 if none. */
uint8_t vcpu_callback_vector(struct vcpu *v);

/*
 * Would an upcall be delivered if v ran now: pending, a vector to deliver it
 * on, and the guest's interrupts enabled? A blocked vCPU waits for exactly
 * this (or for whatever SCHEDOP_poll named). A guest that halts or polls
 * with interrupts off is not woken by upcalls it cannot take.
 */
bool hvm_events_deliverable(struct vcpu *v);

#endif
