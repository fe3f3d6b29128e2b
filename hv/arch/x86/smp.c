// SPDX-License-Identifier: MIT
/*
 * Application processor bring-up (INIT-SIPI-SIPI through the real-mode
 * trampoline), per-CPU state, and cross-CPU function calls over IPIs.
 * APs come up one at a time so they can share one trampoline.
 */
#include <lamina/cmdline.h>
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <lamina/time.h>
#include <asm/apic.h>
#include <asm/boot.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/traps.h>

struct cpu *cpus[NR_CPUS];
unsigned int nr_cpus_online;
static unsigned int opt_maxcpus = NR_CPUS;
uint_param("maxcpus", opt_maxcpus, 1, NR_CPUS);

struct trampoline_params {
    uint32_t cr3;
    uint32_t efer_extra;
    uint64_t stack;
    uint64_t entry;
    uint64_t cpu;
    uint32_t alive;
}; /* offsets match trampoline.S: natural alignment */

extern const char trampoline_start[], trampoline_end[], trampoline_params[];
void cpu_enter_scheduler(void) __noreturn;
volatile bool smp_go; /* set by the boot CPU when domains may run */

static void *stack_alloc(unsigned int bytes)
{
    unsigned int order = 0;
    while ((PAGE_SIZE << order) < bytes)
        order++;
    return alloc_hv_pages(order);
}

struct cpu *cpu_alloc(unsigned int id, uint32_t apic_id, unsigned int node)
{
    struct cpu *c = xmalloc(struct cpu);
    char *stack = stack_alloc(CPU_STACK_SIZE);

    if (!c || !stack)
        return NULL;
    c->self = c;
    c->id = id;
    c->apic_id = apic_id;
    c->node = node;
    c->stack_top = (uintptr_t)stack + CPU_STACK_SIZE;
    for (unsigned int i = 0; i < IST_COUNT; i++) {
        char *ist = stack_alloc(IST_STACK_SIZE);
        if (!ist)
            return NULL;
        c->ist_top[i] = (uintptr_t)ist + IST_STACK_SIZE;
    }
    spin_lock_init(&c->call_lock);
    cpus[id] = c;
    return c;
}

static void call_function_vector(struct cpu_regs *regs)
{
    struct cpu *c = this_cpu();
    (void)regs;
    c->call_fn(c->call_arg);
    __atomic_store_n(&c->call_done, true, __ATOMIC_RELEASE);
}

int smp_call_function(unsigned int cpu, void (*fn)(void *), void *arg)
{
    struct cpu *c = cpu < NR_CPUS ? cpus[cpu] : NULL;

    if (!c || !c->online)
        return -ENODEV;
    if (c == this_cpu()) {
        unsigned long flags = local_irq_save();
        fn(arg);
        local_irq_restore(flags);
        return 0;
    }
    BUG_ON(!local_irq_is_enabled()); /* two CPUs calling each other would deadlock */
    spin_lock(&c->call_lock);
    c->call_fn = fn;
    c->call_arg = arg;
    c->call_done = false;
    apic_send_ipi(c->apic_id, VECTOR_CALL_FUNCTION);
    while (!__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE))
        cpu_relax();
    spin_unlock(&c->call_lock);
    return 0;
}

void smp_halt_others(void)
{
    struct cpu *c, *me = this_cpu();

    /* An NMI gets through even to a CPU spinning with interrupts off. */
    for_each_online_cpu(c)
    {
        if (c != me)
            apic_send_ipi(c->apic_id, ICR_NMI);
    }
}

/* First C code on an AP, on its own stack, with the final page tables. */
static void __noreturn ap_main(struct cpu *c)
{
    wrmsr(MSR_GS_BASE, (uintptr_t)c);
    desc_init_cpu(c);
    apic_init_cpu();
    timers_init_cpu(c->id);
    if (apic_id() != c->apic_id)
        printk(LOG_WARN "smp: CPU %u reports APIC ID %u, ACPI said %u\n", c->id, apic_id(),
               c->apic_id);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    while (!smp_go)
        safe_halt(); /* timers and IPIs still work while we wait */
    cpu_enter_scheduler();
}

static bool wait_for(volatile uint32_t *flag, uint64_t us)
{
    uint64_t end = now() + us * NSEC_PER_USEC;
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        if (now() > end)
            return false;
    return true;
}

static int boot_one(struct cpu *c)
{
    volatile struct trampoline_params *tp =
        __va(TRAMPOLINE_PA + ((uintptr_t)trampoline_params - (uintptr_t)trampoline_start));

    tp->cr3 = (uint32_t)idle_pml4_pa;
    tp->efer_extra = cpu_features.nx ? EFER_NXE : 0;
    tp->stack = c->stack_top;
    tp->entry = (uintptr_t)ap_main;
    tp->cpu = (uintptr_t)c;
    tp->alive = 0;

    apic_send_ipi(c->apic_id, ICR_INIT | ICR_ASSERT);
    udelay(10000);
    for (int i = 0; i < 2 && !tp->alive; i++) {
        apic_send_ipi(c->apic_id, ICR_STARTUP | (TRAMPOLINE_PA >> 12));
        wait_for(&tp->alive, i == 0 ? 200 : 1000000); /* emulators can be slow */
    }
    if (!tp->alive)
        return -ETIMEDOUT;
    /* It is running our code; now let it finish its own setup. */
    uint64_t end = now() + NSEC_PER_SEC;
    while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
        if (now() > end)
            return -ETIMEDOUT;
    return 0;
}

void smp_boot_cpus(const struct acpi_info *acpi)
{
    uint32_t me = apic_id();
    unsigned int next = 1;

    set_irq_handler(VECTOR_CALL_FUNCTION, call_function_vector);
    nr_cpus_online = 1;
    if (acpi->nr_cpus <= 1 || opt_maxcpus <= 1)
        return;

    size_t len = (uintptr_t)trampoline_end - (uintptr_t)trampoline_start;
    memcpy(__va(TRAMPOLINE_PA), trampoline_start, len);
    if (map_4k(TRAMPOLINE_PA, TRAMPOLINE_PA, PAGE_SIZE, MAP_RWX) < 0)
        panic("smp: cannot map the AP trampoline");

    for (unsigned int i = 0; i < acpi->nr_cpus; i++) {
        const struct acpi_cpu *ac = &acpi->cpus[i];
        if (ac->apic_id == me)
            continue;
        if (next >= opt_maxcpus || next >= NR_CPUS) {
            printk("smp: CPU with APIC ID %u left offline (maxcpus=%u, NR_CPUS=%u)\n", ac->apic_id,
                   opt_maxcpus, NR_CPUS);
            continue;
        }
        struct cpu *c = cpu_alloc(next, ac->apic_id, ac->node);
        if (!c)
            panic("smp: out of memory for CPU %u", next);
        int rc = boot_one(c);
        next++; /* a late starter keeps its id: it must never share one */
        if (rc < 0) {
            /* Park it (INIT waits for a SIPI) so it cannot run on a reused trampoline. */
            apic_send_ipi(ac->apic_id, ICR_INIT | ICR_ASSERT);
            printk(LOG_WARN "smp: CPU with APIC ID %u did not start (%d)\n", ac->apic_id, rc);
            continue;
        }
        nr_cpus_online++;
    }
    unmap_4k(TRAMPOLINE_PA, PAGE_SIZE);
}
