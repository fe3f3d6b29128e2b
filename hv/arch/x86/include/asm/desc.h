/* SPDX-License-Identifier: MIT */
/* GDT, TSS and IDT layouts. */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <lamina/types.h>
#include <asm/boot.h>

#define GDT_ENTRIES 5 /* null, code64, data, TSS (two slots) */

enum ist_index { IST_NMI = 0, IST_DF = 1, IST_MC = 2, IST_COUNT = 3 };

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;

struct cpu;
void desc_init_cpu(struct cpu *c); /* load this CPU's GDT, TSS and the IDT */
void idt_init(void);               /* build the shared IDT (boot CPU, once) */

#endif
