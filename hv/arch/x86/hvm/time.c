// SPDX-License-Identifier: MIT
/*
 * Time as guests see it. Every domain has one TSC offset and the host TSC
 * rate never changes, so one pvclock record (tsc_timestamp, system_time,
 * mul, shift) stays valid forever: it is written when a vCPU's vcpu_info
 * appears or moves, not on every entry. System time is the hypervisor's
 * now(), the same for every vCPU of every domain; the wallclock in
 * shared_info is the RTC's reading at boot minus the time since.
 */
#include <lamina/lib.h>
#include <lamina/time.h>
#include <asm/cpu.h>
#include <asm/hvm/hvm.h>
#include <public/xen.h>

extern uint64_t tsc_hz;
static uint64_t boot_wallclock_sec; /* seconds since 1970 when now() was 0 */

/* ns = ((delta << shift) * mul) >> 32 with mul < 2^32. */
static void pvclock_scale(uint32_t *mul, int8_t *shift)
{
    uint64_t m = (NSEC_PER_SEC << 32) / tsc_hz;
    int8_t s = 0;
    while (m >> 32) {
        m >>= 1;
        s++;
    }
    *mul = (uint32_t)m;
    *shift = s;
}

static void write_time(struct vcpu_time_info *t, uint64_t guest_tsc, uint64_t sys)
{
    uint32_t mul;
    int8_t shift;

    pvclock_scale(&mul, &shift);
    __atomic_fetch_add(&t->version, 1, __ATOMIC_SEQ_CST); /* odd: being updated */
    t->tsc_timestamp = guest_tsc;
    t->system_time = sys;
    t->tsc_to_system_mul = mul;
    t->tsc_shift = shift;
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_fetch_add(&t->version, 1, __ATOMIC_SEQ_CST); /* even: consistent */
}

void vcpu_time_update(struct vcpu *v)
{
    struct domain *d = v->domain;
    unsigned long flags = local_irq_save(); /* keep the two readings together */
    uint64_t tsc = rdtsc(), sys = now();
    local_irq_restore(flags);
    uint64_t guest_tsc = tsc + d->arch.tsc_offset;

    if (v->vcpu_info)
        write_time(&v->vcpu_info->time, guest_tsc, sys);
    /* Linux reads the legacy copy in shared_info too (xen_tsc_khz). */
    if (v->id < XEN_LEGACY_MAX_VCPUS && d->shared_info &&
        v->vcpu_info != &d->shared_info->vcpu_info[v->id])
        write_time(&d->shared_info->vcpu_info[v->id].time, guest_tsc, sys);
}

void domain_wallclock_update(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    uint64_t sec = boot_wallclock_sec;

    __atomic_fetch_add(&s->wc_version, 1, __ATOMIC_SEQ_CST);
    s->wc_sec = (uint32_t)sec;
    s->wc_sec_hi = (uint32_t)(sec >> 32);
    s->wc_nsec = 0;
    __atomic_fetch_add(&s->wc_version, 1, __ATOMIC_SEQ_CST);
}

/* ---------------------------------------------------------------- CMOS RTC */

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool binary)
{
    return binary ? v : (v & 15) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (civil calendar). */
static uint64_t days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
    y -= m <= 2;
    uint64_t era = y / 400, yoe = y - era * 400;
    uint64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void rtc_init(void)
{
    uint8_t sec, min, hour, day, mon, year, b;

    for (unsigned int spins = 0; (cmos(0x0a) & 0x80) && spins < 1000000; spins++)
        cpu_relax(); /* update in progress */
    sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04);
    day = cmos(0x07), mon = cmos(0x08), year = cmos(0x09), b = cmos(0x0b);
    bool binary = b & 0x04, h24 = b & 0x02;
    unsigned int h = bcd(hour & 0x7f, binary);
    if (!h24) /* 12-hour clock: 12 AM is 0, bit 7 means PM */
        h = h % 12 + ((hour & 0x80) ? 12 : 0);
    unsigned int y = bcd(year, binary) + 2000, m = bcd(mon, binary), dd = bcd(day, binary);
    if (sec == 0xff || m < 1 || m > 12 || dd < 1 || dd > 31 || h > 23) {
        printk(LOG_WARN "time: no usable RTC; guests see a wallclock of 1970\n");
        return;
    }
    uint64_t t =
        days_from_civil(y, m, dd) * 86400 + h * 3600 + bcd(min, binary) * 60 + bcd(sec, binary);
    boot_wallclock_sec = t - now() / NSEC_PER_SEC;
    printk("time: RTC says %u-%02u-%02u %02u:%02u:%02u UTC\n", y, m, dd, h, bcd(min, binary),
           bcd(sec, binary));
}
