/* SPDX-License-Identifier: MIT */
/*
 * The guest's view of the machine: CPUID and MSR policies, port I/O, MMIO,
 * and access to guest memory. Every guest address is untrusted: the copy
 * helpers walk the guest's own page tables and the p2m and fail cleanly.
 */
#ifndef ASM_HVM_GUEST_H
#define ASM_HVM_GUEST_H

#include <lamina/domain.h>

/* CPUID (hvm/cpuid.c): fill the four outputs for leaf/subleaf as the guest sees them. */
void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);

/* MSRs (hvm/msr.c): 0 on success, -EINVAL for #GP. */
int guest_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int guest_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);

/* The guest's ACPI reset register (FADT RESET_REG): this value here reboots it. */
#define ACPI_GUEST_RESET_PORT 0xcf9
#define ACPI_GUEST_RESET_VALUE 0x06

/* Port I/O (hvm/io.c). `size` 1, 2 or 4. */
uint32_t guest_port_in(struct vcpu *v, uint16_t port, unsigned int size);
void guest_port_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);
void domain_debug_putc(struct domain *d, char c); /* port 0xE9 and friends */
void domain_console_flush(struct domain *d);      /* show a partial line now */

/* Guest physical memory (hvm/guest_mem.c). */
int copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t len);
int copy_from_gpa(struct domain *d, void *dst, uint64_t gpa, size_t len);
int zero_gpa(struct domain *d, uint64_t gpa, size_t len);
/* Guest linear addresses through the vCPU's current paging mode: 0 or -EFAULT. */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t linear, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t linear, const void *src, size_t len);
int guest_linear_to_gpa(struct vcpu *v, uint64_t linear, bool write, uint64_t *gpa);

/* The instruction at CS:RIP (hvm/mmio.c): its mode, and up to 15 of its bytes. */
#include <asm/hvm/emulate.h>
enum emul_mode hvm_insn_mode(struct vcpu *v);
size_t hvm_fetch_insn(struct vcpu *v, enum emul_mode mode, uint8_t *buf);

/* Nested page faults on addresses nothing backs (hvm/mmio.c). */
bool hvm_mmio_fault(struct vcpu *v, uint64_t gpa, uint64_t error_code);

/* The hypercall entry (core/hypercall.c), called on VMMCALL/VMCALL. */
void hypercall_dispatch(struct vcpu *v);

#endif
