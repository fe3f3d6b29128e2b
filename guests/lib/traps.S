/* SPDX-License-Identifier: MIT */
/*
 * One 16-byte entry stub per vector, so a fault in a test guest is reported
 * (trap_dispatch) instead of silently triple-faulting, and so event-channel
 * upcall vectors can reach C. Each stub pushes a dummy error code when the
 * CPU doesn't, then the vector, and joins trap_common, which builds a
 * struct trap_frame (lib.h) on the stack.
 */
    .text
    .code64

    .balign 16
    .globl trap_stubs
trap_stubs:
    vector = 0
    .rept 256
    .balign 16
    .if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    push $0
    .endif
    push $vector
    jmp trap_common
    vector = vector + 1
    .endr

trap_common:
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
    /* The CPU aligned rsp to 16 before its 5 pushes; with error code,
     * vector and 15 registers, rsp is 16-byte aligned again here. */
    mov %rsp, %rdi
    cld
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
    add $16, %rsp /* vector and error code */
    iretq

    .section .note.GNU-stack, "", @progbits
