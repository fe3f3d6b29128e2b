// SPDX-License-Identifier: MIT
/*
 * Segment and interrupt descriptor tables. Long mode ignores most of the GDT,
 * but each CPU still needs its own TSS for the IST stacks that NMI, #DF and
 * #MC run on (so they work even when the normal stack is broken).
 */
#include <lamina/string.h>
#include <asm/percpu.h>

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
} __packed;

static struct idt_entry idt[256] __aligned(16);
extern const char trap_stubs[];

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;

static void idt_set(unsigned int vec, const void *handler, unsigned int ist)
{
    uintptr_t a = (uintptr_t)handler;
    idt[vec] = (struct idt_entry){
        .off_lo = (uint16_t)a,
        .sel = GDT_CS64,
        .ist = (uint8_t)ist,
        .type = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
        .off_mid = (uint16_t)(a >> 16),
        .off_hi = (uint32_t)(a >> 32),
    };
}

void idt_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        idt_set(v, trap_stubs + 16 * v, 0);
    /* IST numbers are 1-based in the gate. */
    idt_set(2, trap_stubs + 16 * 2, IST_NMI + 1);
    idt_set(8, trap_stubs + 16 * 8, IST_DF + 1);
    idt_set(18, trap_stubs + 16 * 18, IST_MC + 1);
}

static void gdt_fill(struct cpu *c)
{
    uintptr_t t = (uintptr_t)&c->tss;
    uint64_t limit = sizeof(c->tss) - 1;

    c->gdt[0] = 0;
    c->gdt[1] = 0x00af9a000000ffffULL; /* GDT_CS64 */
    c->gdt[2] = 0x00cf92000000ffffULL; /* GDT_DS */
    c->gdt[3] = (limit & 0xffff) | ((t & 0xffffff) << 16) | (0x89ULL << 40) |
                ((limit >> 16) << 48) | (((t >> 24) & 0xff) << 56); /* available TSS */
    c->gdt[4] = t >> 32;
}

void desc_init_cpu(struct cpu *c)
{
    struct desc_ptr gdtr = {sizeof(c->gdt) - 1, (uintptr_t)c->gdt};
    struct desc_ptr idtr = {sizeof(idt) - 1, (uintptr_t)idt};

    memset(&c->tss, 0, sizeof(c->tss));
    for (unsigned int i = 0; i < IST_COUNT; i++)
        c->tss.ist[i] = c->ist_top[i];
    c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */
    gdt_fill(c);

    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "mov %2, %%eax\n\t"
                     "mov %%eax, %%ds\n\t"
                     "mov %%eax, %%es\n\t"
                     "mov %%eax, %%ss\n\t"
                     "ltr %w3\n\t"
                     "lidt %4"
                     :
                     : "m"(gdtr), "i"(GDT_CS64), "i"(GDT_DS), "r"(GDT_TSS), "m"(idtr)
                     : "rax", "memory");
}
