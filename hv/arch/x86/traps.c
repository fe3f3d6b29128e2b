// SPDX-License-Identifier: MIT
/*
 * Where every exception and interrupt lands. An exception in the hypervisor
 * is a hypervisor bug: print everything that helps find it (registers and a
 * symbolized backtrace) and stop. Interrupts go to their registered handler.
 */
#include <lamina/lib.h>
#include <lamina/symbols.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/traps.h>

static irq_handler_t irq_handlers[256];
static unsigned long nmi_count; /* NMIs outside a crash: nothing to do yet */

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

void set_irq_handler(uint8_t vector, irq_handler_t fn)
{
    irq_handlers[vector] = fn;
}

static void print_symbol(const char *prefix, uint64_t addr)
{
    uintptr_t off, size;
    const char *name = symbol_lookup(addr, &off, &size);

    if (name)
        printk("%s%016lx %s+%#lx/%#lx\n", prefix, addr, name, off, size);
    else
        printk("%s%016lx\n", prefix, addr);
}

/* A frame pointer we may follow: aligned and inside one of this CPU's stacks. */
static bool frame_ok(uint64_t fp)
{
    struct cpu *c = this_cpu();
    extern char boot_stack[], boot_stack_top[];

    if (fp & 7)
        return false;
    if (fp >= c->stack_top - CPU_STACK_SIZE && fp + 16 <= c->stack_top)
        return true;
    for (unsigned int i = 0; i < IST_COUNT; i++)
        if (fp >= c->ist_top[i] - IST_STACK_SIZE && fp + 16 <= c->ist_top[i])
            return true;
    return fp >= (uintptr_t)boot_stack && fp + 16 <= (uintptr_t)boot_stack_top;
}

void show_backtrace(uint64_t rip, uint64_t rbp)
{
    printk("Backtrace:\n");
    print_symbol("  ", rip);
    for (unsigned int depth = 0; depth < 32 && frame_ok(rbp); depth++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        if (frame[1] == 0)
            break;
        print_symbol("  ", frame[1]);
        if (frame[0] <= rbp) /* stacks grow down: callers' frames are higher */
            break;
        rbp = frame[0];
    }
}

void show_registers(const struct cpu_regs *r)
{
    print_symbol("RIP: ", r->rip);
    printk("CS: %04lx  RFLAGS: %016lx  SS: %04lx  RSP: %016lx\n", r->cs, r->rflags, r->ss, r->rsp);
    printk("RAX: %016lx  RBX: %016lx  RCX: %016lx\n", r->rax, r->rbx, r->rcx);
    printk("RDX: %016lx  RSI: %016lx  RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
    printk("RBP: %016lx  R8:  %016lx  R9:  %016lx\n", r->rbp, r->r8, r->r9);
    printk("R10: %016lx  R11: %016lx  R12: %016lx\n", r->r10, r->r11, r->r12);
    printk("R13: %016lx  R14: %016lx  R15: %016lx\n", r->r13, r->r14, r->r15);
    printk("CR0: %016lx  CR2: %016lx  CR3: %016lx  CR4: %016lx\n", read_cr0(), read_cr2(),
           read_cr3(), read_cr4());
}

static void __noreturn halt_forever(void)
{
    local_irq_disable();
    for (;;)
        halt();
}

static void __noreturn fatal_exception(struct cpu_regs *r)
{
    struct cpu *c = this_cpu();

    /* A fault while reporting a fault: the first report is what matters. */
    if (c->in_fatal)
        halt_forever();
    c->in_fatal = true;
    system_crashing = true;
    printk(LOG_ERR "FATAL: %s on CPU %u, error code %#lx\n", exception_names[r->vector], c->id,
           r->error_code);
    show_registers(r);
    show_backtrace(r->rip, r->rbp);
    panic("fatal exception %lu in the hypervisor", r->vector);
}

void trap_dispatch(struct cpu_regs *r)
{
    if (r->vector < 32) {
        if (r->vector == 2) {
            /* No printing here: the NMI may have interrupted printk itself. */
            if (system_crashing)
                halt_forever(); /* panic() stops the other CPUs this way */
            __atomic_fetch_add(&nmi_count, 1, __ATOMIC_RELAXED);
            return;
        }
        fatal_exception(r);
    }
    if (r->vector == VECTOR_SPURIOUS)
        return; /* spurious interrupts need no EOI */
    irq_handler_t fn = irq_handlers[r->vector];
    apic_eoi(); /* before the handler: it may switch stacks and not come back */
    if (fn)
        fn(r);
    else
        printk(LOG_WARN "unexpected interrupt vector %#lx on CPU %u\n", r->vector,
               smp_processor_id());
}

static volatile int panicking;

void panic(const char *fmt, ...)
{
    va_list ap;
    char msg[256];

    local_irq_disable();
    system_crashing = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST) == 0) {
        smp_halt_others();
        printk(LOG_ERR "panic on CPU %u: %s\n", smp_processor_id(), msg);
        printk("System halted.\n");
    }
    halt_forever();
}
