/* SPDX-License-Identifier: MIT */
/*
 * Application processors start here, in real mode, after INIT-SIPI-SIPI.
 * The boot CPU copies this blob to TRAMPOLINE_PA (below 1 MiB), fills in the
 * parameters at its end, and identity-maps that page while APs come up.
 * Every absolute address is TRAMPOLINE_PA + offset, known at assembly time.
 */
#include <asm/boot.h>

#define TA(x) (TRAMPOLINE_PA + (x) - trampoline_start)

    .section .rodata
    .balign 16
    .globl trampoline_start, trampoline_end, trampoline_params
    .code16
trampoline_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl tramp_gdt_desc - trampoline_start
    mov %cr0, %eax
    or $1, %eax                      /* PE */
    mov %eax, %cr0
    ljmpl $0x08, $TA(tramp32)

    .code32
tramp32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $0x20, %eax                   /* PAE */
    mov %eax, %cr4
    mov TA(tp_cr3), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx            /* EFER: LME, and NXE if the BSP has it */
    rdmsr
    or $0x100, %eax
    or TA(tp_efer_extra), %eax
    wrmsr
    mov $0x80050033, %eax            /* PG|AM|WP|NE|ET|MP|PE: caches on, whatever */
    mov %eax, %cr0                   /* firmware left in CD/NW */
    ljmp $0x18, $TA(tramp64)

    .code64
tramp64:
    movl $1, TA(tp_alive)
    mov TA(tp_stack), %rsp
    mov TA(tp_cpu), %rdi
    xor %ebp, %ebp                   /* backtraces stop here */
    pushq $0                         /* fake return address: ABI stack alignment */
    jmp *TA(tp_entry)

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff         /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff         /* 0x10: data */
    .quad 0x00af9a000000ffff         /* 0x18: 64-bit code */
tramp_gdt_desc:
    .short tramp_gdt_desc - tramp_gdt - 1
    .long TA(tramp_gdt)

    .balign 8
trampoline_params:                   /* layout: struct trampoline_params in smp.c */
tp_cr3:        .long 0
tp_efer_extra: .long 0
tp_stack:      .quad 0
tp_entry:      .quad 0
tp_cpu:        .quad 0
tp_alive:      .long 0
    .balign 8
trampoline_end:

    .section .note.GNU-stack, "", @progbits
