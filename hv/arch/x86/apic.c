// SPDX-License-Identifier: MIT
/*
 * Local APIC access. x2APIC is preferred (MSR access, 32-bit IDs, one ICR
 * write per IPI); xAPIC through MMIO is the fallback. `x2apic=no` forces
 * xAPIC mode for testing that path.
 */
#include <lamina/cmdline.h>
#include <lamina/lib.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/traps.h>

#define APIC_BASE_EXTD (1UL << 10)
#define APIC_BASE_EN (1UL << 11)

bool apic_x2;
static bool opt_x2apic = true;
boolean_param("x2apic", opt_x2apic);
static volatile uint8_t *apic_mmio;

uint32_t apic_read(unsigned int reg)
{
    if (apic_x2)
        return (uint32_t)rdmsr(0x800 + reg);
    return mmio_read32(apic_mmio + (reg << 4));
}

void apic_write(unsigned int reg, uint32_t v)
{
    if (apic_x2)
        wrmsr(0x800 + reg, v);
    else
        mmio_write32(apic_mmio + (reg << 4), v);
}

uint32_t apic_id(void)
{
    uint32_t id = apic_read(APIC_ID);
    return apic_x2 ? id : id >> 24;
}

/*
 * Make the local APIC re-evaluate what it has pending. Called before the idle
 * HLT: QEMU's multi-threaded TCG (7.2) updates a CPU's interrupt-request
 * flags without atomics when the CPU enters or leaves a guest, so an
 * interrupt raised by another thread at that instant can be left in the IRR
 * without the CPU noticing, and a CPU that then halts sleeps forever. Writing
 * the TPR makes the APIC raise its pending interrupt again. On hardware the
 * write changes nothing (the TPR stays 0) and costs one register access.
 */
void apic_resync(void)
{
    apic_write(APIC_TPR, 0);
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

void apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
    unsigned long flags = local_irq_save();

    if (apic_x2) {
        /* x2APIC ICR writes are not serializing: make prior stores visible first. */
        __asm__ volatile("mfence; lfence" ::: "memory");
        wrmsr(0x800 + APIC_ICR, ((uint64_t)dest << 32) | icr_low);
    } else {
        while (apic_read(APIC_ICR) & ICR_BUSY)
            cpu_relax();
        apic_write(APIC_ICR_HI, dest << 24);
        apic_write(APIC_ICR, icr_low);
    }
    local_irq_restore(flags);
}

void apic_timer_oneshot(uint32_t ticks)
{
    apic_write(APIC_TMICT, ticks);
}

void apic_init_cpu(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    /* Going to x2APIC from disabled requires passing through xAPIC-enabled. */
    base |= APIC_BASE_EN;
    wrmsr(MSR_APIC_BASE, base);
    if (apic_x2)
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);

    apic_write(APIC_TPR, 0);
    apic_write(APIC_LVT_LINT0, 0x10000); /* masked: no legacy PIC interrupts */
    apic_write(APIC_LVT_LINT1, 0x400);   /* NMI */
    apic_write(APIC_LVT_ERROR, 0x10000);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_LVT_TIMER, VECTOR_TIMER); /* one-shot */
    apic_write(APIC_TDCR, 0xb);               /* divide by 1 */
    apic_write(APIC_SPIV, 0x100 | VECTOR_SPURIOUS);
}

void apic_init_bsp(uint64_t madt_addr)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    paddr_t pa = madt_addr ? madt_addr : (base & 0xffffff000UL);

    /* Mask the 8259s: all our interrupts come through the local APIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    apic_x2 = cpu_features.x2apic && opt_x2apic;
    if ((base & APIC_BASE_EXTD) && !apic_x2) {
        printk(LOG_WARN "apic: firmware left x2APIC on; keeping it\n");
        apic_x2 = true;
    }
    apic_mmio = __va(pa);
    apic_init_cpu();
    printk("apic: %s mode, boot CPU APIC ID %u\n", apic_x2 ? "x2APIC" : "xAPIC", apic_id());
}
