// SPDX-License-Identifier: MIT
/*
 * The TSC is our clock. Its rate is measured at boot against the HPET (or
 * the PIT when there is none, or with `calibrate=pit`), and the LAPIC timer's
 * rate against the TSC; one-shot deadlines in ns are then turned into LAPIC
 * ticks with a precomputed 32.32 fixed-point factor (no division at run time).
 */
#include <lamina/acpi.h>
#include <lamina/cmdline.h>
#include <lamina/lib.h>
#include <lamina/time.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <asm/traps.h>

#define CALIBRATE_MS 20

uint64_t tsc_hz, lapic_hz;
static uint64_t tsc_at_boot;
static uint64_t ns_per_tsc_32;   /* ns = (tsc * ns_per_tsc_32) >> 32 */
static uint64_t lapic_per_ns_32; /* ticks = (ns * lapic_per_ns_32) >> 32 */
static uint64_t tsc_per_us;
static bool opt_use_pit;

static int parse_calibrate(const char *v)
{
    if (v && strcmp(v, "pit") == 0)
        opt_use_pit = true;
    else if (v && strcmp(v, "hpet") == 0)
        opt_use_pit = false;
    else
        return -EINVAL;
    return 0;
}
custom_param("calibrate", parse_calibrate);

static uint64_t mul_shift32(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 32);
}

uint64_t now(void)
{
    return mul_shift32(rdtsc() - tsc_at_boot, ns_per_tsc_32);
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * tsc_per_us;
    while ((int64_t)(rdtsc() - end) < 0)
        cpu_relax();
}

/* TSC ticks in CALIBRATE_MS, timed by the HPET main counter. */
static uint64_t tsc_ticks_hpet(paddr_t hpet)
{
    volatile uint8_t *h = __va(hpet);
    uint64_t cap = mmio_read64(h), period_fs = cap >> 32; /* femtoseconds per tick */
    /* A 32-bit main counter may wrap within the window: compare modulo 2^32. */
    uint64_t mask = (cap & (1u << 13)) ? UINT64_MAX : UINT32_MAX;

    if (period_fs == 0 || period_fs > 100000000) /* spec: at most 100 ns */
        return 0;
    mmio_write64(h + 0x10, mmio_read64(h + 0x10) | 1); /* counter on */
    uint64_t want = CALIBRATE_MS * 1000000000000ULL / period_fs;
    uint64_t c0 = mmio_read64(h + 0xf0), t0 = rdtsc(), c1, t1;
    unsigned long spins = 0;
    do {
        c1 = mmio_read64(h + 0xf0);
        t1 = rdtsc();
        if (++spins > 100000000) /* a counter that does not count */
            return 0;
    } while (((c1 - c0) & mask) < want);
    c1 = c0 + ((c1 - c0) & mask);
    /* Scale by the ticks actually elapsed (we may overshoot by a read). */
    uint64_t elapsed_ns = (c1 - c0) * period_fs / 1000000;
    return elapsed_ns ? (t1 - t0) * (CALIBRATE_MS * NSEC_PER_MSEC) / elapsed_ns : 0;
}

/* TSC ticks in CALIBRATE_MS, timed by PIT channel 2 (its 16-bit count fits 20 ms). */
static uint64_t tsc_ticks_pit(void)
{
    uint16_t count = (uint16_t)(1193182ULL * CALIBRATE_MS / 1000);
    STATIC_ASSERT(1193182ULL * CALIBRATE_MS / 1000 < 65536, "PIT count is 16-bit");

    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
    outb(0x43, 0xb0);                                  /* ch 2, lo/hi, mode 0 */
    outb(0x42, (uint8_t)count);
    outb(0x42, (uint8_t)(count >> 8));
    uint64_t t0 = rdtsc();
    for (unsigned long spins = 0; !(inb(0x61) & 0x20); spins++) /* OUT2 high at terminal count */
        if (spins > 100000000)
            return 0;
    return rdtsc() - t0;
}

static void timer_vector(struct cpu_regs *regs)
{
    (void)regs;
    timer_interrupt();
}

void arch_timer_program(uint64_t deadline)
{
    if (deadline == 0) {
        apic_timer_oneshot(0);
        return;
    }
    uint64_t t = now();
    uint64_t ticks = deadline > t ? mul_shift32(deadline - t, lapic_per_ns_32) : 0;
    apic_timer_oneshot((uint32_t)MIN(MAX(ticks, 1), (uint64_t)UINT32_MAX));
}

void arch_timer_kick(unsigned int cpu)
{
    if (cpu < NR_CPUS && cpus[cpu] && cpus[cpu]->online)
        apic_send_ipi(cpus[cpu]->apic_id, VECTOR_TIMER);
}

/* Time 0 is the first C instruction; now() reads 0 until time_init(). */
void time_early_init(void)
{
    tsc_at_boot = rdtsc();
}

void time_init(const struct acpi_info *acpi)
{
    const char *src = "HPET";
    uint64_t ticks = 0;

    if (acpi->hpet_addr && !opt_use_pit)
        ticks = tsc_ticks_hpet(acpi->hpet_addr);
    if (ticks == 0) {
        if (acpi->hpet_addr && !opt_use_pit)
            printk(LOG_WARN "time: the HPET does not count; calibrating against the PIT\n");
        src = "PIT";
        ticks = tsc_ticks_pit();
    }
    tsc_hz = ticks * (1000 / CALIBRATE_MS);
    if (tsc_hz < 1000000)
        panic("time: TSC calibration failed (%lu Hz against the %s)", tsc_hz, src);
    tsc_per_us = tsc_hz / 1000000;
    ns_per_tsc_32 = (NSEC_PER_SEC << 32) / tsc_hz;

    /* LAPIC timer ticks (divide by 1) over 10 ms of TSC. */
    apic_write(APIC_LVT_TIMER, 0x10000 | VECTOR_TIMER); /* masked while measuring */
    apic_timer_oneshot(UINT32_MAX);
    udelay(10000);
    uint32_t left = apic_read(APIC_TMCCT);
    apic_timer_oneshot(0);
    apic_write(APIC_LVT_TIMER, VECTOR_TIMER);
    lapic_hz = (uint64_t)(UINT32_MAX - left) * 100;
    if (lapic_hz < 1000 || lapic_hz >= (1ULL << 32))
        panic("time: LAPIC timer rate %lu Hz is unusable", lapic_hz);
    lapic_per_ns_32 = (lapic_hz << 32) / NSEC_PER_SEC;

    set_irq_handler(VECTOR_TIMER, timer_vector);
    printk("time: TSC %lu.%03lu MHz (calibrated against the %s), LAPIC timer %lu.%03lu MHz\n",
           tsc_hz / 1000000, tsc_hz / 1000 % 1000, src, lapic_hz / 1000000, lapic_hz / 1000 % 1000);
}
