// SPDX-License-Identifier: MIT
// The IDT and the C half of trap handling: test guests register handlers
// for the vectors they expect (upcalls, deliberate faults); anything else
// is reported on the console so a broken guest explains itself.
#include "lib.h"

#define GUEST_CS 0x08 /* 64-bit code selector in head.S's GDT */

struct idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t ist;
    uint8_t type; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t rsvd;
};

extern const char trap_stubs[]; /* traps.S: 256 stubs, 16 bytes apart */
static struct idt_gate idt[256] __attribute__((aligned(16)));
static trap_handler_t handlers[256];

static const char *const exc_names[32] = {
    [0] = "#DE",  [1] = "#DB",  [2] = "NMI",  [3] = "#BP",  [4] = "#OF",
    [5] = "#BR",  [6] = "#UD",  [7] = "#NM",  [8] = "#DF",  [10] = "#TS",
    [11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF",
    [17] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE", [21] = "#CP",
};

void idt_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) desc = {sizeof(idt) - 1, (uintptr_t)idt};

    for (unsigned int v = 0; v < ARRAY_SIZE(idt); v++) {
        uint64_t a = (uintptr_t)(trap_stubs + 16 * v);

        idt[v] = (struct idt_gate){.off_lo = (uint16_t)a,
                                   .sel = GUEST_CS,
                                   .type = 0x8e,
                                   .off_mid = (uint16_t)(a >> 16),
                                   .off_hi = (uint32_t)(a >> 32)};
    }
    __asm__ volatile("lidt %0" : : "m"(desc));
}

void trap_set_handler(uint8_t vector, trap_handler_t handler)
{
    handlers[vector] = handler;
}

void trap_set_dpl(uint8_t vector, unsigned int dpl)
{
    idt[vector].type = (uint8_t)(0x8e | ((dpl & 3) << 5));
}

__attribute__((noreturn)) void trap_default(struct trap_frame *f)
{
    static bool in_report;

    if (in_report) /* faulted while reporting a fault */
        halt_forever();
    in_report = true;
    printf("EXCEPTION: %s (vector %lu) error 0x%lx at rip 0x%lx rsp 0x%lx cr2 0x%lx\n",
           f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "?", f->vector,
           f->error_code, f->rip, f->rsp, read_cr2());
    shutdown(SHUTDOWN_crash);
}

void trap_dispatch(struct trap_frame *f);

void trap_dispatch(struct trap_frame *f)
{
    if (handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    if (f->vector >= 32) {
        printf("unexpected interrupt: vector %lu\n", f->vector);
        return;
    }
    trap_default(f);
}
