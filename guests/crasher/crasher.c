// SPDX-License-Identifier: MIT
// Misbehaving guest for isolation tests; the mode comes from the command line:
//
//   mode=triple    zero-limit IDT, then int3: #GP -> #DF -> triple fault
//   mode=mmio      lock cmpxchg on unbacked guest-physical memory (an
//                  instruction Lamina's MMIO decoder does not take)
//   mode=badptr    every pointer-taking hypercall with wild pointers, each
//                  must give -EFAULT; then spin forever (interrupts off)
//   mode=spin      cli; jmp . (a runaway vCPU)
//   mode=readmmio  mov loads from unbacked memory read all-ones and stores
//                  are dropped; PASS/FAIL, then power off
//   mode=zeros     all RAM outside our image and start_info reads as zero
//
// The unbacked address is 0xc0000000 unless addr=<hex> says otherwise.
#include "xenlib.h"

#define DEFAULT_MMIO 0xc0000000ul

static unsigned long mmio_addr;

/* ---- the memory map: start_info's, or XENMEM_memory_map's ---- */

static struct hvm_memmap_table_entry map[32];
static unsigned int map_n;

static void read_memory_map(void)
{
    if (start_info && start_info->version >= 1 && start_info->memmap_paddr) {
        const struct hvm_memmap_table_entry *e = (const void *)start_info->memmap_paddr;

        for (map_n = 0; map_n < start_info->memmap_entries && map_n < ARRAY_SIZE(map); map_n++)
            map[map_n] = e[map_n];
        return;
    }
    struct e820_entry e[ARRAY_SIZE(map)];
    struct xen_memory_map mm = {.nr_entries = ARRAY_SIZE(e), .buffer = e};

    if (hc_memory_op(XENMEM_memory_map, &mm))
        return;
    for (map_n = 0; map_n < mm.nr_entries && map_n < ARRAY_SIZE(map); map_n++)
        map[map_n] =
            (struct hvm_memmap_table_entry){e[map_n].addr, e[map_n].size, e[map_n].type, 0};
}

static bool in_memory_map(unsigned long addr)
{
    for (unsigned int i = 0; i < map_n; i++) {
        if (addr >= map[i].addr && addr - map[i].addr < map[i].size)
            return true;
    }
    return false;
}

static uint64_t ram_end(void)
{
    uint64_t end = 0;

    for (unsigned int i = 0; i < map_n; i++) {
        if (map[i].type == 1 && map[i].addr + map[i].size > end)
            end = map[i].addr + map[i].size;
    }
    return end;
}

/* ---- mode=triple ---- */

static void mode_triple(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) null_idt = {0, 0};

    printf("crasher: triple fault now\n");
    __asm__ volatile("lidt %0; int3" : : "m"(null_idt) : "memory");
    printf("crasher: survived a triple fault\n");
    test_result("triple fault ends the domain", false);
}

/* ---- mode=mmio ---- */

static void mode_mmio(void)
{
    volatile uint32_t *p = (volatile uint32_t *)mmio_addr;
    uint32_t expected = 0;

    printf("crasher: lock cmpxchg on unbacked 0x%lx now\n", mmio_addr);
    __asm__ volatile("lock cmpxchgl %2, %1" : "+a"(expected), "+m"(*p) : "r"(1u) : "memory");
    printf("crasher: lock cmpxchg on unbacked memory completed (eax 0x%x)\n", expected);
    test_result("unemulatable MMIO instruction ends the domain", false);
}

/* ---- mode=readmmio ---- */

static void mode_readmmio(void)
{
    uint8_t *a = (uint8_t *)mmio_addr;
    uint64_t b, w, l, q, zb, zw;

    __asm__ volatile("movb (%1), %b0" : "=a"(b) : "r"(a) : "memory");
    __asm__ volatile("movw (%1), %w0" : "=a"(w) : "r"(a) : "memory");
    __asm__ volatile("movl (%1), %k0" : "=a"(l) : "r"(a) : "memory");
    __asm__ volatile("movq (%1), %0" : "=a"(q) : "r"(a) : "memory");
    __asm__ volatile("movzbl (%1), %k0" : "=r"(zb) : "r"(a) : "memory");
    __asm__ volatile("movzwl (%1), %k0" : "=r"(zw) : "r"(a) : "memory");
    printf("crasher: reads at 0x%lx: %lx %lx %lx %lx %lx %lx\n", mmio_addr, b & 0xff, w & 0xffff, l,
           q, zb, zw);
    test_result("mmio byte read all-ones", (b & 0xff) == 0xff);
    test_result("mmio word read all-ones", (w & 0xffff) == 0xffff);
    test_result("mmio dword read all-ones", l == 0xffffffffu);
    test_result("mmio qword read all-ones", q == ~0ull);
    test_result("mmio movzx byte read 0xff", zb == 0xff);
    test_result("mmio movzx word read 0xffff", zw == 0xffff);

    __asm__ volatile("movl %0, (%1)" : : "r"(0x12345678u), "r"(a) : "memory");
    __asm__ volatile("movq %0, 8(%1)" : : "r"(0ull), "r"(a) : "memory");
    __asm__ volatile("movl (%1), %k0" : "=a"(l) : "r"(a) : "memory");
    __asm__ volatile("movq 8(%1), %0" : "=a"(q) : "r"(a) : "memory");
    test_result_why("mmio writes dropped", l == 0xffffffffu && q == ~0ull,
                    "read back 0x%lx and 0x%lx", l, q);
    printf("crasher: readmmio done\n");
}

/* ---- mode=zeros ---- */

struct range {
    uint64_t start, end;
};

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* The start-info blob the hypervisor wrote: struct, cmdline, modlist, memmap. */
static struct range start_info_range(void)
{
    const struct hvm_start_info *si = start_info;
    uint64_t end = start_info_paddr + sizeof(*si);

    if (!si)
        return (struct range){0, 0};
    if (si->cmdline_paddr)
        end = max_u64(end, si->cmdline_paddr + strlen(cmdline()) + 1);
    if (si->modlist_paddr)
        end = max_u64(end, si->modlist_paddr + si->nr_modules * sizeof(struct hvm_modlist_entry));
    if (si->memmap_paddr)
        end = max_u64(end, si->memmap_paddr +
                               si->memmap_entries * sizeof(struct hvm_memmap_table_entry));
    return (struct range){start_info_paddr & ~0xfffull, (end + 0xfff) & ~0xfffull};
}

static void mode_zeros(void)
{
    struct range skip[2] = {
        {(uintptr_t)__image_start, ((uintptr_t)__image_end + 0xfff) & ~0xfffull},
        start_info_range(),
    };
    uint64_t scanned = 0, nonzero = 0;
    unsigned int reported = 0;

    for (unsigned int s = 0; s < ARRAY_SIZE(skip); s++)
        printf("crasher: zeros: skipping 0x%lx-0x%lx\n", skip[s].start, skip[s].end);
    for (unsigned int i = 0; i < map_n; i++) {
        if (map[i].type != 1)
            continue;
        for (uint64_t a = map[i].addr; a < map[i].addr + map[i].size; a += 8) {
            bool skipped = false;

            for (unsigned int s = 0; s < ARRAY_SIZE(skip); s++) {
                if (a >= skip[s].start && a < skip[s].end) {
                    a = skip[s].end - 8;
                    skipped = true;
                }
            }
            if (skipped)
                continue;
            uint64_t v = *(volatile uint64_t *)a;

            scanned += 8;
            if (!v)
                continue;
            for (unsigned int b = 0; b < 8; b++)
                nonzero += ((v >> (8 * b)) & 0xff) != 0;
            if (reported++ < 8)
                printf("crasher: zeros: 0x%lx holds 0x%016lx\n", a, v);
        }
    }
    printf("crasher: zeros: scanned %lu KiB, %lu non-zero bytes\n", scanned >> 10, nonzero);
    test_result("RAM outside the image is zero", scanned && !nonzero);
}

/* ---- mode=badptr ---- */

/* One pointer-taking hypercall: the pointer goes in argument 2 (a1 unused)
 * or in argument 3 after a1 (console_io's count, vcpu_op's vCPU). */
struct ptr_call {
    const char *name;
    unsigned long nr, cmd;
    unsigned int ptr_arg;
    unsigned long a1;
};

static const struct ptr_call calls[] = {
    {"console_io write", HC_console_io, CONSOLEIO_write, 3, 16},
    {"xen_version extraversion", HC_xen_version, XENVER_extraversion, 2, 0},
    {"xen_version capabilities", HC_xen_version, XENVER_capabilities, 2, 0},
    {"xen_version get_features", HC_xen_version, XENVER_get_features, 2, 0},
    {"sched_op shutdown", HC_sched_op, SCHEDOP_shutdown, 2, 0},
    {"sched_op poll", HC_sched_op, SCHEDOP_poll, 2, 0},
    {"memory_op memory_map", HC_memory_op, XENMEM_memory_map, 2, 0},
    {"memory_op add_to_physmap", HC_memory_op, XENMEM_add_to_physmap, 2, 0},
    {"hvm_op get_param", HC_hvm_op, HVMOP_get_param, 2, 0},
    {"hvm_op set_param", HC_hvm_op, HVMOP_set_param, 2, 0},
    {"vcpu_op register_vcpu_info", HC_vcpu_op, VCPUOP_register_vcpu_info, 3, 0},
    {"vcpu_op register_runstate_memory_area", HC_vcpu_op, VCPUOP_register_runstate_memory_area, 3,
     0},
    {"vcpu_op get_runstate_info", HC_vcpu_op, VCPUOP_get_runstate_info, 3, 0},
    {"vcpu_op set_singleshot_timer", HC_vcpu_op, VCPUOP_set_singleshot_timer, 3, 0},
    {"evtchn alloc_unbound", HC_event_channel_op, EVTCHNOP_alloc_unbound, 2, 0},
    {"evtchn bind_interdomain", HC_event_channel_op, EVTCHNOP_bind_interdomain, 2, 0},
    {"evtchn bind_virq", HC_event_channel_op, EVTCHNOP_bind_virq, 2, 0},
    {"evtchn send", HC_event_channel_op, EVTCHNOP_send, 2, 0},
    {"evtchn status", HC_event_channel_op, EVTCHNOP_status, 2, 0},
    {"evtchn close", HC_event_channel_op, EVTCHNOP_close, 2, 0},
    {"evtchn unmask", HC_event_channel_op, EVTCHNOP_unmask, 2, 0},
    /* Good structs holding a wild pointer: special-cased in call_with(). */
    {"sched_op poll ports", HC_sched_op, SCHEDOP_poll, 0, 0},
    {"memory_op memory_map buffer", HC_memory_op, XENMEM_memory_map, 0, 0},
};

static long call_with(const struct ptr_call *c, uint64_t p)
{
    if (c->ptr_arg == 2)
        return hypercall(c->nr, c->cmd, p, 0, 0, 0);
    if (c->ptr_arg == 3)
        return hypercall(c->nr, c->cmd, c->a1, p, 0, 0);
    if (c->nr == HC_sched_op) {
        struct sched_poll sp = {.ports = (uint32_t *)p, .nr_ports = 1, .timeout = 1};

        return hc_sched_op(SCHEDOP_poll, &sp);
    }
    struct xen_memory_map mm = {.nr_entries = 4, .buffer = (struct e820_entry *)p};

    return hc_memory_op(XENMEM_memory_map, &mm);
}

static void mode_badptr(void)
{
    const uint64_t end = ram_end();
    /* Unmapped, non-canonical, top of the address space, upper half,
     * mapped by our page tables but with no RAM behind it, and a pointer
     * whose object straddles the end of RAM. */
    const uint64_t ptrs[] = {
        0x7fff00000000ull,
        0x8000000000000000ull,
        0xffffffffffffffffull,
        0xffff800000000000ull,
        mmio_addr,
        end ? end - 2 : 0x7fff00000000ull,
    };

    printf("crasher: badptr: %u hypercalls x %u pointers\n", (unsigned int)ARRAY_SIZE(calls),
           (unsigned int)ARRAY_SIZE(ptrs));
    for (unsigned int i = 0; i < ARRAY_SIZE(calls); i++) {
        long bad_rc = 0;
        uint64_t bad_ptr = 0;

        for (unsigned int j = 0; j < ARRAY_SIZE(ptrs); j++) {
            long rc = call_with(&calls[i], ptrs[j]);

            if (rc != -XEN_EFAULT && !bad_rc) {
                bad_rc = rc;
                bad_ptr = ptrs[j];
            }
        }
        char name[80];

        snprintf(name, sizeof(name), "%s with wild pointers -EFAULT", calls[i].name);
        test_result_why(name, !bad_rc, "pointer 0x%lx gave %ld", bad_ptr, bad_rc);
    }
    test_summary();
    printf("crasher: badptr done, spinning\n");
    irq_disable();
    for (;;)
        cpu_relax();
}

void guest_main(const struct hvm_start_info *si)
{
    char mode[16] = "";

    (void)si;
    cmdline_get("mode", mode, sizeof(mode));
    read_memory_map();
    mmio_addr = cmdline_ulong("addr", DEFAULT_MMIO);
    if (in_memory_map(mmio_addr))
        printf("crasher: warning: 0x%lx is in the memory map\n", mmio_addr);
    printf("crasher: mode %s, domid %d\n", mode, xen_domid());

    if (!strcmp(mode, "triple")) {
        mode_triple();
    } else if (!strcmp(mode, "mmio")) {
        mode_mmio();
    } else if (!strcmp(mode, "badptr")) {
        mode_badptr();
    } else if (!strcmp(mode, "spin")) {
        printf("crasher: spinning with interrupts off\n");
        __asm__ volatile("cli; 1: jmp 1b");
    } else if (!strcmp(mode, "readmmio")) {
        mode_readmmio();
    } else if (!strcmp(mode, "zeros")) {
        mode_zeros();
    } else {
        printf("crasher: usage: mode=triple|mmio|badptr|spin|readmmio|zeros [addr=0x...]\n");
        test_result("crasher: known mode", false);
    }
}
