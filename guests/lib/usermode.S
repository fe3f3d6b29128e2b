/* SPDX-License-Identifier: MIT */
/*
 * The two ends of a ring-3 excursion (usermode.c). user_enter saves the
 * callee-saved registers and the kernel stack pointer, then iretq's to CPL 3.
 * The int $0x81 handler sends the CPU back to user_resume on that stack with
 * the ring-3 %rax, which becomes user_enter's return value.
 */
#include "usermode.h"

    .text
    .code64

/* long user_enter(unsigned long nr, unsigned long a1, uint64_t user_rsp,
 *                 uint64_t user_rip) */
    .globl user_enter
user_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, user_kernel_rsp(%rip)
    mov %rdi, %rax /* hypercall number */
    mov %rsi, %rdi /* first argument */
    pushq $SEL_USER_DS
    pushq %rdx
    pushq $0x2 /* rflags: interrupts off */
    pushq $SEL_USER_CS
    pushq %rcx
    iretq

    .globl user_resume
user_resume:
    /* iretq to ring 3 nulled the data segments: restore them. */
    mov $SEL_KERNEL_DS, %ecx
    mov %ecx, %ds
    mov %ecx, %es
    mov %ecx, %fs
    mov %ecx, %gs
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

/* Ring-3 code: one stub per hypercall instruction. */
    .globl user_stub_vmcall
user_stub_vmcall:
    vmcall
    int $USER_RETURN_VECTOR
    ud2

    .globl user_stub_vmmcall
user_stub_vmmcall:
    vmmcall
    int $USER_RETURN_VECTOR
    ud2

    .section .note.GNU-stack, "", @progbits
