/* SPDX-License-Identifier: MIT */
/* Trap frames and interrupt vectors. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <lamina/types.h>

/* Saved by entry.S, lowest address first. */
struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Interrupt vectors owned by the hypervisor (high priority classes). */
#define VECTOR_CALL_FUNCTION 0xf1
#define VECTOR_TIMER 0xf0
#define VECTOR_KICK 0xf2 /* make a CPU leave its guest or HLT and look at its queue */
#define VECTOR_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct cpu_regs *regs);
void set_irq_handler(uint8_t vector, irq_handler_t fn);

/* Print a register dump and a backtrace starting at (rip, rbp). */
void show_registers(const struct cpu_regs *regs);
void show_backtrace(uint64_t rip, uint64_t rbp);

#endif
