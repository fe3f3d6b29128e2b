/* SPDX-License-Identifier: MIT */
/*
 * svm_vmrun(vmcb_pa, regs, host_vmcb_pa): one trip into the guest.
 * VMRUN switches RAX/RSP/RIP and the rest of the VMCB state; the other
 * general registers are ours to swap (struct guest_regs, asm/hvm/vcpu.h).
 * VMLOAD/VMSAVE move the state VMRUN leaves alone (FS/GS/TR/LDTR hidden
 * parts, KernelGsBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER): the guest's from
 * its VMCB, ours from a per-CPU page saved at CPU setup.
 * Called with GIF=0 (clgi) and IF=1, so host interrupts exit the guest.
 */
#define R_RBX 0
#define R_RCX 8
#define R_RDX 16
#define R_RSI 24
#define R_RDI 32
#define R_RBP 40
#define R_R8 48
#define R_R9 56
#define R_R10 64
#define R_R11 72
#define R_R12 80
#define R_R13 88
#define R_R14 96
#define R_R15 104

    .text
    .globl svm_vmrun
svm_vmrun:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rsi                        /* regs */
    push %rdx                        /* host save page */

    mov %rdi, %rax                   /* VMRUN/VMLOAD/VMSAVE take the VMCB in RAX */
    mov R_RBX(%rsi), %rbx
    mov R_RCX(%rsi), %rcx
    mov R_RDX(%rsi), %rdx
    mov R_RDI(%rsi), %rdi
    mov R_RBP(%rsi), %rbp
    mov R_R8(%rsi), %r8
    mov R_R9(%rsi), %r9
    mov R_R10(%rsi), %r10
    mov R_R11(%rsi), %r11
    mov R_R12(%rsi), %r12
    mov R_R13(%rsi), %r13
    mov R_R14(%rsi), %r14
    mov R_R15(%rsi), %r15
    mov R_RSI(%rsi), %rsi

    vmload %rax
    vmrun %rax
    vmsave %rax
    /* RAX and RSP are ours again (restored by #VMEXIT); the rest is the guest's. */

    push %rsi
    mov 16(%rsp), %rsi               /* regs */
    mov %rbx, R_RBX(%rsi)
    mov %rcx, R_RCX(%rsi)
    mov %rdx, R_RDX(%rsi)
    mov %rdi, R_RDI(%rsi)
    mov %rbp, R_RBP(%rsi)
    mov %r8, R_R8(%rsi)
    mov %r9, R_R9(%rsi)
    mov %r10, R_R10(%rsi)
    mov %r11, R_R11(%rsi)
    mov %r12, R_R12(%rsi)
    mov %r13, R_R13(%rsi)
    mov %r14, R_R14(%rsi)
    mov %r15, R_R15(%rsi)
    pop %rax
    mov %rax, R_RSI(%rsi)

    pop %rax                         /* host save page */
    vmload %rax
    add $8, %rsp                     /* regs */
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    .section .note.GNU-stack, "", @progbits
