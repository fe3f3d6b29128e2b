/* SPDX-License-Identifier: MIT */
/* x86 instruction wrappers: CPUID, MSRs, control registers, port I/O, TSC. */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <lamina/types.h>

#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define EFER_LME (1UL << 8)
#define EFER_NXE (1UL << 11)
#define EFER_SVME (1UL << 12)

#define CR0_WP (1UL << 16)
#define CR4_PGE (1UL << 7)
#define CR4_OSFXSR (1UL << 9) /* FXSAVE/FXRSTOR include SSE state */
#define CR4_OSXMMEXCPT (1UL << 10)

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(sub));
    return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
    return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                             \
    static inline unsigned long read_cr##n(void)                 \
    {                                                            \
        unsigned long v;                                         \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));        \
        return v;                                                \
    }                                                            \
    static inline void write_cr##n(unsigned long v)              \
    {                                                            \
        __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); \
    }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline void invlpg(const void *va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void flush_tlb_local(void)
{
    write_cr3(read_cr3());
}

static inline void halt(void)
{
    __asm__ volatile("hlt" ::: "memory");
}

/* Enable interrupts and halt atomically: no wakeup is lost in between. */
static inline void safe_halt(void)
{
    __asm__ volatile("sti; hlt" ::: "memory");
}

static inline uint32_t mmio_read32(const volatile void *p)
{
    return *(const volatile uint32_t *)p;
}

static inline void mmio_write32(volatile void *p, uint32_t v)
{
    *(volatile uint32_t *)p = v;
}

static inline uint64_t mmio_read64(const volatile void *p)
{
    return *(const volatile uint64_t *)p;
}

static inline void mmio_write64(volatile void *p, uint64_t v)
{
    *(volatile uint64_t *)p = v;
}

/* CPU features the hypervisor cares about, read once on the boot CPU. */
struct cpu_features {
    bool nx, pdpe1gb, x2apic, tsc_deadline, invariant_tsc, svm;
    char vendor[13];
    uint32_t family, model, stepping;
};
extern struct cpu_features cpu_features;
void cpu_features_init(void);

#endif
