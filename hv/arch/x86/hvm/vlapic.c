// SPDX-License-Identifier: MIT
/*
 * A virtual local APIC in x2APIC mode (MSRs 0x800-0x8ff), enough for Linux
 * as a PVH guest: ID/LDR, TPR/PPR, EOI, ISR/IRR, ESR, the LVTs, fixed IPIs
 * and self-IPIs, and the one-shot/periodic timer. Event channels do not go
 * through it (they use the callback vector); Linux wants it for its APIC
 * bookkeeping and for irq_work self-IPIs. No xAPIC MMIO: the guest is told
 * x2APIC is there and the APIC base MSR starts with it enabled.
 */
#include <lamina/lib.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/vlapic.h>

#define REG_ID 0x02
#define REG_VERSION 0x03
#define REG_TPR 0x08
#define REG_PPR 0x0a
#define REG_EOI 0x0b
#define REG_LDR 0x0d
#define REG_SPIV 0x0f
#define REG_ISR0 0x10
#define REG_TMR0 0x18
#define REG_IRR0 0x20
#define REG_ESR 0x28
#define REG_LVT_CMCI 0x2f
#define REG_ICR 0x30
#define REG_LVT_TIMER 0x32
#define REG_LVT_ERROR 0x37
#define REG_TMICT 0x38
#define REG_TMCCT 0x39
#define REG_TDCR 0x3e
#define REG_SELF_IPI 0x3f

#define LVT_MASKED (1u << 16)
#define TIMER_PERIODIC (1u << 17)
#define APIC_NS_PER_TICK 1 /* a 1 GHz bus clock before the divider */
/* Shortest period honoured: a guest must not flood its pCPU with timer interrupts. */
#define TIMER_MIN_NS 100000ULL

uint32_t vlapic_id(const struct vcpu *v)
{
    return 2 * v->id; /* what CPUID and the MADT say */
}

static int highest(const uint32_t *map)
{
    for (int w = 7; w >= 0; w--)
        if (map[w])
            return w * 32 + 31 - __builtin_clz(map[w]);
    return -1;
}

static unsigned int ppr(const struct vlapic *l)
{
    int isr = highest(l->isr);
    unsigned int isrv = isr < 0 ? 0 : (unsigned int)isr & 0xf0;
    return MAX(l->tpr & 0xf0, isrv);
}

/* The vector to inject now, or -1: above the processor priority. */
int vlapic_pending(struct vcpu *v)
{
    struct vlapic *l = &v->arch.vlapic;
    int irr = highest(l->irr);

    if (irr < 0 || !(l->spiv & 0x100))
        return -1;
    return ((unsigned int)irr & 0xf0) > ppr(l) ? irr : -1;
}

void vlapic_accept(struct vcpu *v, int vec)
{
    struct vlapic *l = &v->arch.vlapic;
    l->irr[vec / 32] &= ~(1u << (vec % 32));
    l->isr[vec / 32] |= 1u << (vec % 32);
}

void vlapic_set_irq(struct vcpu *v, uint8_t vec)
{
    if (vec < 16)
        return; /* reserved vectors: an error on real hardware, dropped here */
    __atomic_fetch_or(&v->arch.vlapic.irr[vec / 32], 1u << (vec % 32), __ATOMIC_SEQ_CST);
    vcpu_kick(v);
}

/* TDCR: 000 -> divide by 2 ... 110 -> by 128, 111 -> by 1. */
static unsigned int divider_shift(const struct vlapic *l)
{
    unsigned int d = (l->tdcr & 3) | ((l->tdcr >> 1) & 4);
    return d == 7 ? 0 : d + 1;
}

static uint64_t timer_period_ns(const struct vlapic *l)
{
    return (uint64_t)l->tmict * APIC_NS_PER_TICK << divider_shift(l);
}

static void timer_fired(void *data)
{
    struct vcpu *v = data;
    struct vlapic *l = &v->arch.vlapic;

    if (!(l->lvt[0] & LVT_MASKED))
        vlapic_set_irq(v, (uint8_t)l->lvt[0]);
    if ((l->lvt[0] & TIMER_PERIODIC) && l->tmict) {
        l->timer_start = now();
        timer_set(&l->timer, l->timer_start + MAX(timer_period_ns(l), TIMER_MIN_NS));
    }
}

static void timer_restart(struct vcpu *v)
{
    struct vlapic *l = &v->arch.vlapic;

    timer_stop(&l->timer);
    if (!l->tmict)
        return;
    l->timer_start = now();
    timer_set(&l->timer, l->timer_start + MAX(timer_period_ns(l), TIMER_MIN_NS));
}

void vlapic_init(struct vcpu *v)
{
    struct vlapic *l = &v->arch.vlapic;

    memset(l->lvt, 0, sizeof(l->lvt));
    for (unsigned int i = 0; i < ARRAY_SIZE(l->lvt); i++)
        l->lvt[i] = LVT_MASKED;
    l->spiv = 0xff;
    timer_init(&l->timer, timer_fired, v, v->processor);
}

void vlapic_destroy(struct vcpu *v)
{
    timer_kill(&v->arch.vlapic.timer);
}

int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vlapic *l = &v->arch.vlapic;
    unsigned int reg = msr - 0x800;
    uint32_t id = vlapic_id(v);

    switch (reg) {
    case REG_ID:
        *val = id;
        return 0;
    case REG_VERSION:
        *val = 0x50014;
        return 0; /* version 0x14, 6 LVTs */
    case REG_TPR:
        *val = l->tpr;
        return 0;
    case REG_PPR:
        *val = ppr(l);
        return 0;
    case REG_LDR:
        *val = ((id >> 4) << 16) | (1u << (id & 15));
        return 0;
    case REG_SPIV:
        *val = l->spiv;
        return 0;
    case REG_ESR:
        *val = 0;
        return 0;
    case REG_ICR:
        *val = l->icr;
        return 0;
    case REG_TMICT:
        *val = l->tmict;
        return 0;
    case REG_TDCR:
        *val = l->tdcr;
        return 0;
    case REG_TMCCT: {
        uint64_t period = timer_period_ns(l), el = now() - l->timer_start;
        /* period = tmict << shift ns, so the ticks gone are (el % period) >> shift. */
        *val = (!l->tmict || (el >= period && !(l->lvt[0] & TIMER_PERIODIC)))
                   ? 0
                   : l->tmict - (uint32_t)((el % period) >> divider_shift(l));
        return 0;
    }
    }
    if (reg >= REG_ISR0 && reg < REG_ISR0 + 8) {
        *val = l->isr[reg - REG_ISR0];
        return 0;
    }
    if (reg >= REG_TMR0 && reg < REG_TMR0 + 8) {
        *val = 0;
        return 0;
    }
    if (reg >= REG_IRR0 && reg < REG_IRR0 + 8) {
        *val = l->irr[reg - REG_IRR0];
        return 0;
    }
    if (reg == REG_LVT_CMCI) {
        *val = l->lvt[6];
        return 0;
    }
    if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR) {
        *val = l->lvt[reg - REG_LVT_TIMER];
        return 0;
    }
    return -EINVAL;
}

static void send_ipi(struct vcpu *v, uint64_t icr)
{
    uint8_t vec = (uint8_t)icr;
    unsigned int mode = (icr >> 8) & 7, shorthand = (icr >> 18) & 3;
    uint32_t dest = (uint32_t)(icr >> 32);
    struct domain *d = v->domain;

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        bool hit = shorthand == 1   ? t == v
                   : shorthand == 2 ? true
                   : shorthand == 3 ? t != v
                                    : (dest == 0xffffffff || dest == vlapic_id(t));
        if (!hit)
            continue;
        if (mode == 0) /* fixed */
            vlapic_set_irq(t, vec);
        else if (mode == 5 || mode == 6) /* INIT, STARTUP */
            vlapic_init_sipi(t, mode == 6, vec);
        /* lowest priority, SMI, NMI, ExtINT: not delivered (never used by PVH Linux) */
    }
}

int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vlapic *l = &v->arch.vlapic;
    unsigned int reg = msr - 0x800;

    switch (reg) {
    case REG_TPR:
        l->tpr = val & 0xff;
        return 0;
    case REG_EOI: {
        int isr = highest(l->isr);
        if (isr >= 0)
            l->isr[isr / 32] &= ~(1u << (isr % 32));
        return 0;
    }
    case REG_SPIV:
        l->spiv = val & 0x3ff;
        return 0;
    case REG_ESR:
        return 0;
    case REG_ICR:
        l->icr = val;
        send_ipi(v, val);
        return 0;
    case REG_TMICT:
        l->tmict = (uint32_t)val;
        timer_restart(v);
        return 0;
    case REG_TDCR:
        l->tdcr = val & 0xb;
        return 0;
    case REG_SELF_IPI:
        vlapic_set_irq(v, (uint8_t)val);
        return 0;
    case REG_LVT_CMCI:
        l->lvt[6] = (uint32_t)val;
        return 0;
    }
    if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR) {
        l->lvt[reg - REG_LVT_TIMER] = (uint32_t)val;
        return 0;
    }
    return -EINVAL; /* read-only or reserved: #GP, as on hardware */
}
