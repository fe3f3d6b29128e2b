/* SPDX-License-Identifier: MIT */
/*
 * Entry of the 32-bit guest. The PVH note's desc is 4 bytes here (the
 * 64-bit guests use 8), which the loader must also accept. The guest stays
 * in the state PVH enters it in: 32-bit protected mode, paging off, flat
 * segments. It never reloads a segment register, so it needs no GDT.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

    .section .note.Xen, "a", @note
    .balign 4
    .long 4 /* namesz */
    .long 4 /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .long pvh_start32
    .balign 4

    .section .text.head, "ax"
    .code32
    .globl pvh_start32
pvh_start32:
    cli
    cld
    mov $stack_top, %esp
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    push %ebx /* main32(start_info physical address) */
    call main32
1:  cli
    hlt
    jmp 1b

    .bss
    .balign 16
    .skip 4096
stack_top:

    .section .note.GNU-stack, "", @progbits
