/* SPDX-License-Identifier: MIT */
/* Constants shared by the boot assembly and C. */
#ifndef ASM_BOOT_H
#define ASM_BOOT_H

#define BOOT_STACK_SIZE 16384
#define CPU_STACK_SIZE 16384 /* per-CPU main stack */
#define IST_STACK_SIZE 4096  /* per-CPU NMI, #DF, #MC stacks */
#define TRAMPOLINE_PA 0x8000 /* AP real-mode entry: below 1 MiB, page aligned */

#define MB1_MAGIC 0x1badb002      /* in the header */
#define MB1_BOOT_MAGIC 0x2badb002 /* in EAX at entry */
#define MB2_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC 0x36d76289

#define GDT_CS64 0x08
#define GDT_DS 0x10
#define GDT_TSS 0x18 /* 16-byte descriptor */

#endif
