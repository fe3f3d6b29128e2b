/* SPDX-License-Identifier: MIT */
/*
 * First code to run. Firmware loaders (QEMU -kernel via multiboot1, GRUB via
 * multiboot2, BIOS or UEFI) enter _start in 32-bit protected mode with paging
 * off. We build temporary page tables that map the first 4 GiB three times
 * (identity, direct map, image), switch to long mode and call start_lamina()
 * at its linked address. C code replaces these tables with final ones.
 */
#include <asm/boot.h>

#define PHYS(x) ((x) - 0xffffffff80000000)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

    .section .multiboot, "a"
    .balign 4
mb1_header:
    .long MB1_MAGIC
    .long 0x00000003                 /* page-align modules, give us a memory map */
    .long -(MB1_MAGIC + 0x00000003)

    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long 0                          /* i386 protected mode */
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + (mb2_header_end - mb2_header))
    .balign 8                        /* entry address tag: GRUB must not guess */
    .short 3, 0
    .long 12
    .long PHYS(_start)
    .balign 8                        /* module alignment tag */
    .short 6, 0
    .long 8
    .balign 8                        /* end tag */
    .short 0, 0
    .long 8
mb2_header_end:

    .section .text.boot, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov %eax, %edi                  /* loader magic: kept for start_lamina */
    mov %ebx, %esi                  /* loader info pointer */
    mov $PHYS(boot_stack_top), %esp

    /* Loaders zero .bss, but nothing obliges them to: do it ourselves. */
    mov $PHYS(__bss_start), %edx
    mov $PHYS(__bss_end), %ecx
    sub %edx, %ecx
    shr $2, %ecx
    mov %edi, %ebp                   /* (the stack lives in .bss too) */
    mov %edx, %edi
    xor %eax, %eax
    rep stosl
    mov %ebp, %edi

    /* Long mode available? (CPUID 0x80000001 EDX bit 29) */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc no_long_mode
    mov %edx, %ebp                   /* bit 20: NX available */

    /* 4 page directories of 2 MiB pages: the first 4 GiB. */
    mov $PHYS(boot_pd), %ebx
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $(PTE_P | PTE_W | PTE_PS), %eax
    mov %eax, (%ebx, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax                    /* bits 32+ of the address: ecx >> 11 */
    mov %eax, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    /* PDPT for low/direct map: 4 entries -> the 4 PDs. */
    mov $PHYS(boot_pdpt_low), %ebx
    mov $PHYS(boot_pd) + (PTE_P | PTE_W), %eax
    xor %ecx, %ecx
2:  mov %eax, (%ebx, %ecx, 8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jne 2b
    /* PDPT for the image: slot 510 (-2 GiB) -> first PD (phys 0..1 GiB). */
    movl $PHYS(boot_pd) + (PTE_P | PTE_W), PHYS(boot_pdpt_high) + 510 * 8
    /* PML4: 0 identity, 256 direct map, 511 image. */
    mov $PHYS(boot_pml4), %ebx
    movl $PHYS(boot_pdpt_low) + (PTE_P | PTE_W), (%ebx)
    movl $PHYS(boot_pdpt_low) + (PTE_P | PTE_W), 256 * 8(%ebx)
    movl $PHYS(boot_pdpt_high) + (PTE_P | PTE_W), 511 * 8(%ebx)

    mov %cr4, %eax
    or $0x20, %eax                   /* PAE */
    mov %eax, %cr4
    mov %ebx, %cr3
    mov $0xc0000080, %ecx            /* EFER */
    rdmsr
    or $0x100, %eax                  /* LME */
    bt $20, %ebp
    jnc 3f
    or $0x800, %eax                  /* NXE */
3:  wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax             /* PG | WP | PE */
    mov %eax, %cr0

    lgdt PHYS(boot_gdt_desc)
    ljmp $GDT_CS64, $PHYS(long_entry)

no_long_mode:
    mov $PHYS(msg_no_lm), %esi
4:  lodsb
    test %al, %al
    jz 6f
    mov %al, %bl
    mov $0x3fd, %dx                  /* wait for the UART's transmitter */
5:  in %dx, %al
    test $0x20, %al
    jz 5b
    mov $0x3f8, %dx
    mov %bl, %al
    out %al, %dx
    jmp 4b
6:  hlt
    jmp 6b

    .code64
long_entry:
    mov $GDT_DS, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    movabs $high_entry, %rax
    jmp *%rax

    .text
high_entry:
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp                   /* backtraces stop here */
    /* edi = magic, esi = info pointer (zero-extended by 32-bit moves) */
    call start_lamina
7:  hlt
    jmp 7b

    .section .rodata
msg_no_lm:
    .asciz "Lamina: this CPU has no 64-bit long mode; halting.\r\n"

    .balign 16
    .globl boot_gdt
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff         /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff         /* 0x10: data */
boot_gdt_end:
    .balign 8
    .short 0
boot_gdt_desc:
    .short boot_gdt_end - boot_gdt - 1
    .quad PHYS(boot_gdt)

    .section .bss.pagetables, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096

    .bss
    .balign 16
    .globl boot_stack
boot_stack:
    .skip BOOT_STACK_SIZE
    .globl boot_stack_top
boot_stack_top:
