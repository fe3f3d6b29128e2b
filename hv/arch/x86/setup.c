// SPDX-License-Identifier: MIT
/*
 * The boot sequence, from the first C instruction to an idle machine ready
 * for domains. The summary lines printed at the end (cpus/memory/numa/module)
 * are a contract that tests and users rely on; see docs/boot.md.
 */
#include <lamina/acpi.h>
#include <lamina/cmdline.h>
#include <lamina/console.h>
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <lamina/numa.h>
#include <lamina/time.h>
#include <asm/apic.h>
#include <asm/boot.h>
#include <asm/bootinfo.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>
#include <lamina/domain.h>

extern char _image_start[], _end[], boot_stack_top[];
void time_early_init(void);
void time_init(const struct acpi_info *acpi);
void boot_selftest(void);
void test_option_run(void);

static struct cpu boot_cpu;
static char boot_ist[IST_COUNT][IST_STACK_SIZE] __aligned(16);
static struct acpi_info acpi;
static bool opt_poison_free;
boolean_param("poison_free", opt_poison_free); /* debug: prove frames are scrubbed */
static struct memmap memmap;

static void memory_init(void)
{
    memmap = bootinfo.map;
    memmap_sanitize(&memmap);
    printk("memory map (%s):\n", bootinfo.map_source ? bootinfo.map_source : "none");
    for (unsigned int i = 0; i < memmap.nr; i++)
        printk("  [%016lx, %016lx) %s\n", memmap.r[i].start, memmap.r[i].end,
               memmap_type_name(memmap.r[i].type));
    if (memmap_ram_bytes(&memmap) < MiB(16))
        panic("memory: the firmware map shows less than 16 MiB of RAM");

    /* Never hand out: real-mode area (BIOS data, AP trampoline), us, the modules. */
    memmap_reserve(&memmap, 0, MiB(1), MEM_HV);
    memmap_reserve(&memmap, __pa(_image_start), __pa(_end), MEM_HV);
    memmap_reserve(&memmap, bootinfo.info_start, bootinfo.info_end, MEM_BOOTINFO);
    for (unsigned int i = 0; i < bootinfo.nr_modules; i++) {
        const struct boot_module *m = &bootinfo.modules[i];
        memmap_reserve(&memmap, m->start, m->start + m->size, MEM_MODULE);
    }

    paging_init(&memmap);

    /* Frame table for every frame below the end of RAM, then the buddy heap. */
    mfn_t frames = MIN(memmap_ram_end(&memmap), directmap_end) >> PAGE_SHIFT;
    uint64_t bytes = ALIGN_UP(frames * sizeof(struct page_info), PAGE_SIZE);
    paddr_t ft = memmap_alloc(&memmap, bytes, UINT64_MAX);
    if (!ft)
        panic("memory: no room for a %lu KiB frame table", bytes >> 10);
    buddy_init(__va(ft), frames);
    for (unsigned int i = 0; i < memmap.nr; i++)
        if (memmap.r[i].type == MEM_USABLE && memmap.r[i].start < directmap_end)
            buddy_add_range(memmap.r[i].start >> PAGE_SHIFT,
                            MIN(memmap.r[i].end, directmap_end) >> PAGE_SHIFT);
    paging_heap_ready();
    if (opt_poison_free) {
        /* Free memory full of junk, as after a warm reboot: whatever a domain
         * reads that it did not write must then have been scrubbed. */
        for (unsigned int i = 0; i < memmap.nr; i++)
            if (memmap.r[i].type == MEM_USABLE && memmap.r[i].end <= directmap_end)
                memset(__va(memmap.r[i].start), 0xaa, memmap.r[i].end - memmap.r[i].start);
        printk("mm: free memory poisoned with 0xaa (poison_free)\n");
    }
    printk("mm: %lu MiB free in the heap, frame table %lu KiB\n",
           buddy_free_frames() >> (20 - PAGE_SHIFT), bytes >> 10);
}

static void acpi_setup(void)
{
    paddr_t rsdp = bootinfo.rsdp ? bootinfo.rsdp : acpi_find_rsdp_legacy();

    if (!rsdp || acpi_init(rsdp, &acpi) < 0) {
        printk(LOG_WARN "acpi: no usable tables; assuming one CPU and one node\n");
        memset(&acpi, 0, sizeof(acpi));
        acpi.nr_nodes = 1;
    }
    printk("acpi: %u CPU(s), %u IOAPIC(s), %s, %s\n", acpi.nr_cpus, acpi.nr_ioapics,
           acpi.have_srat ? "SRAT" : "no SRAT", acpi.hpet_addr ? "HPET" : "no HPET");
}

static unsigned int node_of_apic(uint32_t id)
{
    for (unsigned int i = 0; i < acpi.nr_cpus; i++)
        if (acpi.cpus[i].apic_id == id)
            return acpi.cpus[i].node;
    return 0;
}

static bool hvm_ok;
extern volatile bool smp_go;

/* Every CPU ends here: set up virtualization on it, then run vCPUs forever. */
void __noreturn cpu_enter_scheduler(void)
{
    if (hvm_ok && smp_processor_id() != 0 && hvm_init() < 0) /* the boot CPU did it */
        panic("hvm: CPU %u cannot run guests while the boot CPU can", smp_processor_id());
    scheduler_loop();
}

void __noreturn start_lamina(uint32_t magic, uint32_t info)
{
    time_early_init();
    /* this_cpu() must work before anything else: printk takes locks. */
    boot_cpu.self = &boot_cpu;
    boot_cpu.stack_top = (uintptr_t)boot_stack_top;
    for (unsigned int i = 0; i < IST_COUNT; i++)
        boot_cpu.ist_top[i] = (uintptr_t)boot_ist[i] + IST_STACK_SIZE;
    wrmsr(MSR_GS_BASE, (uintptr_t)&boot_cpu);
    cpus[0] = &boot_cpu;
    cpu_features_init();
    idt_init();
    desc_init_cpu(&boot_cpu);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);

    printk("Lamina " LAMINA_VERSION "\n");
    int mb = multiboot_parse(magic, info);
    cmdline_parse(bootinfo.cmdline, __start_lamina_params, __stop_lamina_params);
    console_init(); /* replays everything above */
    if (mb < 0)
        panic("boot: not started by a multiboot loader (magic %#x)", magic);
    printk("command line: %s\n", bootinfo.cmdline);
    printk("cpu: %s family %#x model %#x%s%s\n", cpu_features.vendor, cpu_features.family,
           cpu_features.model, cpu_features.svm ? ", SVM" : "",
           cpu_features.x2apic ? ", x2APIC" : "");

    memory_init();
    acpi_setup();
    numa_init(&acpi);
    apic_init_bsp(acpi.lapic_addr);
    if (acpi.nr_cpus == 0) { /* no MADT: just us */
        acpi.nr_cpus = 1;
        acpi.cpus[0].apic_id = apic_id();
    }
    boot_cpu.apic_id = apic_id();
    boot_cpu.node = node_of_apic(boot_cpu.apic_id);
    boot_cpu.online = true;
    timers_init_cpu(0);
    time_init(&acpi);
    rtc_init();
    local_irq_enable();
    smp_boot_cpus(&acpi);
    boot_selftest();

    printk("cpus: %u online\n", nr_cpus_online);
    printk("memory: %lu MiB usable\n", memmap_ram_bytes(&memmap) >> 20);
    printk("numa: %u node(s)\n", acpi.nr_nodes);
    numa_report();
    for (unsigned int i = 0; i < bootinfo.nr_modules; i++)
        printk("module %u: %s %lu bytes%s%s\n", i, bootinfo.modules[i].name,
               bootinfo.modules[i].size, bootinfo.modules[i].cmdline[0] ? " args: " : "",
               bootinfo.modules[i].cmdline);
    test_option_run();
    acpi_power_init(&acpi);

    sched_init();
    int rc = hvm_init();
    hvm_ok = rc == 0;
    if (hvm_ok)
        printk("hvm: %s, %u ASIDs%s\n", hvm_ops->name, svm_caps.nr_asids,
               svm_caps.nrips ? ", NRIPS" : "");
    else
        printk(LOG_WARN "hvm: this CPU cannot run guests (%d); no domains will start\n", rc);
    console_input_start();
    smp_go = true;
    sched_kick_all(); /* the other CPUs set themselves up and join */
    unsigned int started = hvm_ok ? boot_domains_start() : 0;
    if (started) {
        printk("boot: done in %lu ms; %u domain(s) started\n", now() / NSEC_PER_MSEC, started);
        struct domain *first = list_first_entry(&domain_list, struct domain, list);
        console_input_focus(first->id);
    } else
        printk("boot: done in %lu ms; no domains to run, idling\n", now() / NSEC_PER_MSEC);
    if (!started && bootinfo.nr_modules)
        domains_all_gone(); /* every described domain failed: same as all exiting */
    cpu_enter_scheduler();
}

const char *hv_command_line(void)
{
    return bootinfo.cmdline;
}
