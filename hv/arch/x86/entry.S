/* SPDX-License-Identifier: MIT */
/*
 * One 16-byte stub per vector pushes the vector (and a zero where the CPU
 * pushes no error code) so every trap reaches trap_dispatch() with the same
 * frame: struct cpu_regs in asm/traps.h.
 */
    .text
    .balign 16
    .globl trap_stubs
trap_stubs:
    vec = 0
    .rept 256
    .balign 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    vec = vec + 1
    .endr

trap_common:
    cld
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    call trap_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq

    .section .note.GNU-stack, "", @progbits
