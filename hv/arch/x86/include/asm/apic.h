/* SPDX-License-Identifier: MIT */
/* Local APIC: x2APIC (MSRs) when the CPU has it, xAPIC (MMIO) otherwise. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <lamina/types.h>

#define APIC_ID 0x02
#define APIC_VERSION 0x03
#define APIC_TPR 0x08
#define APIC_EOI 0x0b
#define APIC_SPIV 0x0f
#define APIC_ESR 0x28
#define APIC_ICR 0x30 /* x2APIC: one 64-bit register; xAPIC: 0x30 low, 0x31 high */
#define APIC_ICR_HI 0x31
#define APIC_LVT_TIMER 0x32
#define APIC_LVT_LINT0 0x35
#define APIC_LVT_LINT1 0x36
#define APIC_LVT_ERROR 0x37
#define APIC_TMICT 0x38
#define APIC_TMCCT 0x39
#define APIC_TDCR 0x3e

#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_NMI 0x400
#define ICR_ASSERT 0x4000
#define ICR_BUSY 0x1000

extern bool apic_x2;

void apic_init_bsp(uint64_t madt_addr); /* choose the mode, map, enable */
void apic_init_cpu(void);               /* enable this CPU's APIC */
uint32_t apic_read(unsigned int reg);   /* reg = x2APIC MSR index - 0x800 */
void apic_write(unsigned int reg, uint32_t v);
uint32_t apic_id(void);
void apic_eoi(void);
void apic_resync(void); /* re-raise a pending interrupt a buggy emulator lost */
void apic_send_ipi(uint32_t dest, uint32_t icr_low);

/* One-shot timer in LAPIC ticks (0 stops it); calibrated by time.c. */
void apic_timer_oneshot(uint32_t ticks);

#endif
