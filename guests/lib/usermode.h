/* SPDX-License-Identifier: MIT */
/*
 * A minimal excursion to ring 3, so tests can check what the hypervisor
 * does with a hypercall from user mode (Xen: -EPERM). usermode_init() adds
 * DPL-3 code/data segments and a 64-bit TSS (RSP0) to a new GDT, sets the U
 * bit throughout the identity map, and opens vector USER_RETURN_VECTOR to
 * ring 3. user_hypercall() iretq's to a stub at CPL 3 that executes the
 * vendor's hypercall instruction and comes back with `int $0x81`.
 */
#ifndef GUEST_USERMODE_H
#define GUEST_USERMODE_H

#define USER_RETURN_VECTOR 0x81

#define SEL_KERNEL_CS 0x08
#define SEL_KERNEL_DS 0x10
#define SEL_USER_DS 0x1b /* GDT index 3, RPL 3 */
#define SEL_USER_CS 0x23 /* GDT index 4, RPL 3 */
#define SEL_TSS 0x28     /* GDT index 5 (16 bytes) */

#ifndef __ASSEMBLY__
void usermode_init(void);

/* Runs `mov nr, %rax; mov a1, %rdi; vmcall|vmmcall; int $0x81` at CPL 3 and
 * returns %rax as the ring-3 code saw it. If the stub faults instead, the
 * result is USER_FAULTED(vector). */
long user_hypercall(unsigned long nr, unsigned long a1);
#define USER_FAULTED(vec) (-0x1000L - (long)(vec))
#endif

#endif
