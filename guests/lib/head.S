/* SPDX-License-Identifier: MIT */
/*
 * PVH entry for the test guests. The hypervisor finds pvh_start32 through
 * the XEN_ELFNOTE_PHYS32_ENTRY note and enters it in 32-bit protected mode,
 * paging off, %ebx = physical address of struct hvm_start_info. From there:
 * own GDT, zeroed .bss, identity map of the first 4 GiB in 2 MiB pages,
 * long mode, then lib_start(ebx) in C (lib.c).
 */
#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define PTE_PW 0x003     /* present, writable */
#define PTE_PW_PS 0x083  /* present, writable, 2 MiB page */

#define GDT_CODE64 0x08
#define GDT_DATA 0x10

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define STACK_SIZE 16384

/* The note: namesz, descsz, type, "Xen\0", then an 8-byte desc (the entry's
 * physical address). 4-byte alignment, as ELF notes are laid out. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 8
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad pvh_start32
    .balign 4

    .section .text.head, "ax"
    .code32
    .globl pvh_start32
pvh_start32:
    cli
    cld
    mov %ebx, %ebp /* start_info, kept until lib_start */

    lgdt gdt_desc
    mov $GDT_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov $stack_top, %esp

    /* The page tables and stack live in .bss: zero it first. */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl

    /* PML4[0] -> PDPT; PDPT[0..3] -> pd[0..3]; 2048 2 MiB PDEs cover 4 GiB. */
    movl $(pdpt + PTE_PW), pml4
    mov $(pd + PTE_PW), %eax
    mov $pdpt, %edi
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $4096, %eax
    add $8, %edi
    loop 1b
    mov $PTE_PW_PS, %eax
    mov $pd, %edi
    mov $2048, %ecx
2:  mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 2b

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_PE), %eax
    mov %eax, %cr0
    ljmp $GDT_CODE64, $start64

    .code64
start64:
    mov $GDT_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov $stack_top, %rsp
    mov %ebp, %edi /* lib_start(uint32_t ebx) */
    xor %ebp, %ebp
    call lib_start
3:  cli
    hlt
    jmp 3b

    .data
    .balign 16
gdt:
    .quad 0
    .quad 0x00af9b000000ffff /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00cf93000000ffff /* 0x10: flat 4 GiB read/write data */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .quad gdt

    .bss
    .balign 4096
pml4:
    .skip 4096
pdpt:
    .skip 4096
pd:
    .skip 4 * 4096
    .balign 16
stack:
    .skip STACK_SIZE
stack_top:

    .section .note.GNU-stack, "", @progbits
