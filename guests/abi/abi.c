// SPDX-License-Identifier: MIT
// Hypercall conformance: for each hypercall a domU may make, valid arguments
// give the documented result and each kind of bad argument gives the
// documented (Xen) errno. One PASS/FAIL line per check.
//
// Sections run in an order that keeps the blocking calls (sched_op poll with
// a timeout) and the ring-3 excursion last, so a hang there loses little.
#include "xenlib.h"
#include "usermode.h"

#define BAD_PTR 0x7fff00000000ul          /* canonical, not mapped */
#define NONCANON_PTR 0x8000000000000000ul /* not canonical */
#define MS 1000000ull

static int domid; /* ours, or -1 if not reported */
static uint8_t scratch_page[4096] __attribute__((aligned(4096)));
static uint8_t vcpu_info_page[4096] __attribute__((aligned(4096)));
static uint8_t victim_page[4096] __attribute__((aligned(4096))); /* given back, never touched */
static struct vcpu_runstate_info runstate;

static long raw(unsigned long nr, unsigned long a1, unsigned long a2)
{
    return hypercall(nr, a1, a2, 0, 0, 0);
}

/* ---- console_io ---- */

static void test_console_io(void)
{
    static const char msg[] = "abi: console_io write\n";
    static char big[4097];

    test_rc("console_io write", hc_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0);
    test_rc("console_io write count 0", hc_console_io(CONSOLEIO_write, 0, msg), 0);
    test_rc("console_io write bad pointer -EFAULT",
            hc_console_io(CONSOLEIO_write, 8, (const char *)BAD_PTR), -XEN_EFAULT);
    test_rc("console_io write non-canonical pointer -EFAULT",
            hc_console_io(CONSOLEIO_write, 8, (const char *)NONCANON_PTR), -XEN_EFAULT);
    memset(big, '.', sizeof(big));
    test_rc("console_io write count 4097 -EINVAL", hc_console_io(CONSOLEIO_write, sizeof(big), big),
            -XEN_EINVAL);
    test_rc("console_io unknown subop 5 -ENOSYS", hc_console_io(5, 1, msg), -XEN_ENOSYS);
}

/* ---- xen_version ---- */

static bool has_nul(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!s[i])
            return true;
    }
    return false;
}

static void test_xen_version(void)
{
    static char caps[1024];
    xen_extraversion_t extra;
    struct xen_feature_info fi = {.submap_idx = 0, .submap = 0};
    long rc;

    test_rc("xen_version version 4.17", hc_xen_version(XENVER_version, NULL), 0x00040011);

    memset(extra, 0xaa, sizeof(extra));
    rc = hc_xen_version(XENVER_extraversion, extra);
    test_rc("xen_version extraversion", rc, 0);
    TEST_CHECK(has_nul(extra, sizeof(extra)) && (uint8_t)extra[0] != 0xaa);
    if (has_nul(extra, sizeof(extra)))
        printf("abi: extraversion \"%s\"\n", extra);

    rc = hc_xen_version(XENVER_get_features, &fi);
    test_rc("xen_version get_features submap 0", rc, 0);
    printf("abi: features submap 0 = 0x%x\n", fi.submap);
    test_result("features: writable_page_tables auto_translated_physmap hvm_callback_vector "
                "hvm_safe_pvclock set",
                (fi.submap & 0x305) == 0x305);
    test_result("features: hvm_pirqs and dom0 clear", !(fi.submap & 0xc00));
    fi.submap_idx = 1;
    test_rc("xen_version get_features submap 1 -EINVAL", hc_xen_version(XENVER_get_features, &fi),
            -XEN_EINVAL);

    test_rc("xen_version pagesize 4096", hc_xen_version(XENVER_pagesize, NULL), 4096);

    memset(caps, 0xaa, sizeof(caps));
    rc = hc_xen_version(XENVER_capabilities, caps);
    test_rc("xen_version capabilities", rc, 0);
    if (!rc && has_nul(caps, sizeof(caps))) {
        printf("abi: capabilities \"%s\"\n", caps);
        bool x86_64 = false;
        for (const char *p = caps; *p && !x86_64; p++)
            x86_64 = !strncmp(p, "hvm-3.0-x86_64", 14);
        test_result("capabilities name hvm-3.0-x86_64", x86_64);
    } else {
        test_result("capabilities name hvm-3.0-x86_64", false);
    }

    test_rc("xen_version extraversion bad pointer -EFAULT",
            hc_xen_version(XENVER_extraversion, (void *)BAD_PTR), -XEN_EFAULT);
    test_rc("xen_version capabilities bad pointer -EFAULT",
            hc_xen_version(XENVER_capabilities, (void *)BAD_PTR), -XEN_EFAULT);
    test_rc("xen_version get_features bad pointer -EFAULT",
            hc_xen_version(XENVER_get_features, (void *)NONCANON_PTR), -XEN_EFAULT);
    test_rc("xen_version unknown subop 99 -ENOSYS", hc_xen_version(99, NULL), -XEN_ENOSYS);
}

/* ---- the toolstack ABI is for control domains only ---- */

#define HC_SYSCTL 35
#define HC_DOMCTL 36

static void test_toolstack_refused(void)
{
    /* A well-formed domctl (getdomaininfo of domain 0, interface 0x15) and sysctl (physinfo). */
    static uint32_t domctl[36] = {5, 0x15};
    static uint32_t sysctl[34] = {3, 0x15};
    static char buf[1024], line[64];
    static uint8_t handle[16];

    test_rc("domctl from a domU -EPERM", raw(HC_DOMCTL, (unsigned long)domctl, 0), -XEN_EPERM);
    test_rc("sysctl from a domU -EPERM", raw(HC_SYSCTL, (unsigned long)sysctl, 0), -XEN_EPERM);
    domctl[1] = 0x14; /* an older toolstack: still refused for lack of the right */
    test_rc("domctl with interface 0x14 from a domU -EPERM",
            raw(HC_DOMCTL, (unsigned long)domctl, 0), -XEN_EPERM);
    test_rc("console_io read from a domU -EPERM", hc_console_io(1, sizeof(line), line), -XEN_EPERM);
    test_rc("xen_version commandline from a domU -EPERM", hc_xen_version(9, buf), -XEN_EPERM);
    test_rc("xen_version changeset", hc_xen_version(4, line), 0);
    TEST_CHECK(has_nul(line, sizeof(line)));
    test_rc("xen_version compile_info", hc_xen_version(2, buf), 0);
    test_rc("xen_version guest_handle", hc_xen_version(8, handle), 0);
    test_rc("xen_version build_id -ENODATA", hc_xen_version(10, buf), -61);
}

/* ---- hypercall numbers and the hypercall page ---- */

static void test_unknown_hypercalls(void)
{
    static const unsigned long nrs[] = {0,  1,  7,   11,  27,   33,        60,
                                        63, 64, 127, 128, 1000, 0x7fffffff};

    for (unsigned int i = 0; i < ARRAY_SIZE(nrs); i++) {
        char name[64];

        snprintf(name, sizeof(name), "hypercall %lu -ENOSYS", nrs[i]);
        test_rc(name, raw(nrs[i], 0, 0), -XEN_ENOSYS);
    }
}

static void test_hypercall_page(void)
{
    int rc = hypercall_use_page();

    test_result("hypercall page installed", rc == 0 && hypercall_get_mode() == HYPERCALL_PAGE);
    if (rc)
        return;
    /* Stub 17: mov $17, %eax (b8 11 00 00 00), then the instruction. */
    test_result("hypercall page stub 17 loads eax",
                hypercall_page[32 * 17] == 0xb8 && hypercall_page[32 * 17 + 1] == 17);
    test_rc("xen_version via hypercall page", hc_xen_version(XENVER_version, NULL), 0x00040011);
    test_rc("console_io via hypercall page",
            hc_console_io(CONSOLEIO_write, 28, "abi: via the hypercall page\n"), 0);
    hypercall_use_insn();
    test_result("back to the hypercall instruction", hypercall_get_mode() != HYPERCALL_PAGE);
    test_rc("xen_version via instruction", hc_xen_version(XENVER_version, NULL), 0x00040011);

    /* The other vendor's instruction is a hypercall too. */
    enum hypercall_mode native = hypercall_insn_mode();
    hypercall_force_insn(native == HYPERCALL_VMMCALL ? HYPERCALL_VMCALL : HYPERCALL_VMMCALL);
    test_rc("xen_version via the other vendor's instruction", hc_xen_version(XENVER_version, NULL),
            0x00040011);
    hypercall_force_insn(native);
}

/* ---- vm_assist ---- */

static void test_vm_assist(void)
{
    test_rc("vm_assist enable runstate_update_flag",
            hc_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);
    test_rc("vm_assist bad type 77 -EINVAL", hc_vm_assist(VMASST_CMD_enable, 77), -XEN_EINVAL);
    test_rc("vm_assist bad cmd 9 -ENOSYS", hc_vm_assist(9, VMASST_TYPE_runstate_update_flag),
            -XEN_ENOSYS);
}

/* ---- sched_op (non-blocking part) ---- */

static void test_sched_op(void)
{
    struct sched_shutdown bad_reason = {.reason = 99};

    test_rc("sched_op yield", hc_sched_op(SCHEDOP_yield, NULL), 0);
    test_rc("sched_op unknown 99 -ENOSYS", hc_sched_op(99, NULL), -XEN_ENOSYS);
    test_rc("sched_op shutdown bad pointer -EFAULT", hc_sched_op(SCHEDOP_shutdown, (void *)BAD_PTR),
            -XEN_EFAULT);
    test_rc("sched_op shutdown reason 99 -EINVAL", hc_sched_op(SCHEDOP_shutdown, &bad_reason),
            -XEN_EINVAL);
}

/* ---- memory_op ---- */

static void test_memory_op(void)
{
    struct e820_entry map[16];
    struct xen_memory_map mm = {.nr_entries = ARRAY_SIZE(map), .buffer = map};
    struct xen_add_to_physmap xatp;
    bool ram0 = false;
    long rc;

    rc = hc_memory_op(XENMEM_memory_map, &mm);
    test_rc("memory_op memory_map", rc, 0);
    if (!rc) {
        for (unsigned int i = 0; i < mm.nr_entries && i < ARRAY_SIZE(map); i++) {
            printf("abi: e820 %u: 0x%lx-0x%lx type %u\n", i, map[i].addr,
                   map[i].addr + map[i].size - 1, map[i].type);
            ram0 |= map[i].addr == 0 && map[i].type == 1 && map[i].size;
        }
    }
    test_result("memory_map has entries", !rc && mm.nr_entries >= 1);
    test_result("memory_map has RAM at 0", ram0);
    if (!rc && start_info && start_info->version >= 1 && start_info->memmap_paddr) {
        const struct hvm_memmap_table_entry *e = (const void *)start_info->memmap_paddr;
        bool same = mm.nr_entries == start_info->memmap_entries;

        for (unsigned int i = 0; same && i < mm.nr_entries; i++)
            same = map[i].addr == e[i].addr && map[i].size == e[i].size && map[i].type == e[i].type;
        test_result("memory_map matches start_info memmap", same);
    }
    test_rc("memory_op memory_map bad pointer -EFAULT",
            hc_memory_op(XENMEM_memory_map, (void *)BAD_PTR), -XEN_EFAULT);
    mm = (struct xen_memory_map){.nr_entries = 16, .buffer = (void *)BAD_PTR};
    test_rc("memory_op memory_map bad buffer -EFAULT", hc_memory_op(XENMEM_memory_map, &mm),
            -XEN_EFAULT);

    rc = shared_info_map();
    test_rc("memory_op add_to_physmap shared_info", rc, 0);
    if (!rc) {
        volatile struct shared_info *s = xen_shared;
        printf("abi: shared_info at 0x%lx: wc_version %u, vcpu 0 time version %u mul %u shift "
               "%d\n",
               (unsigned long)shared_info_page_addr(), s->wc_version, s->vcpu_info[0].time.version,
               s->vcpu_info[0].time.tsc_to_system_mul, s->vcpu_info[0].time.tsc_shift);
        test_result("shared_info wc_version even", !(s->wc_version & 1));
        test_result("shared_info pvclock valid",
                    !(s->vcpu_info[0].time.version & 1) && s->vcpu_info[0].time.tsc_to_system_mul);
        test_result("shared_info pvclock running", xen_time_ns() > 0);
    } else {
        test_result("shared_info mapped", false);
    }

    xatp = (struct xen_add_to_physmap){
        .domid = DOMID_SELF, .space = 99, .idx = 0, .gpfn = (uintptr_t)scratch_page >> 12};
    test_rc("add_to_physmap space 99 -EINVAL", hc_memory_op(XENMEM_add_to_physmap, &xatp),
            -XEN_EINVAL);
    /* Grant table frames map where the guest asks, above its RAM (as Linux does). */
    xatp = (struct xen_add_to_physmap){
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 0, .gpfn = 0x10000};
    test_rc("add_to_physmap grant frame 0", hc_memory_op(XENMEM_add_to_physmap, &xatp), 0);
    test_result("grant frame 0 reads as zeros", *(volatile uint64_t *)0x10000000UL == 0);
    xatp.idx = 32;
    test_rc("add_to_physmap grant frame 32 -EINVAL", hc_memory_op(XENMEM_add_to_physmap, &xatp),
            -XEN_EINVAL);
    xatp.space = XENMAPSPACE_shared_info;
    xatp.idx = 0;
    xatp.domid = 5;
    if (domid == 5)
        xatp.domid = 6;
    test_rc2("add_to_physmap other domain -EPERM/-ESRCH",
             hc_memory_op(XENMEM_add_to_physmap, &xatp), -XEN_EPERM, -XEN_ESRCH);
    test_rc("add_to_physmap bad pointer -EFAULT",
            hc_memory_op(XENMEM_add_to_physmap, (void *)BAD_PTR), -XEN_EFAULT);
    test_rc("memory_op unknown 99 -ENOSYS", hc_memory_op(99, NULL), -XEN_ENOSYS);

    /* remove_from_physmap of its own RAM (a frame of a 2 MiB block here): gone, nothing else. */
    struct {
        uint16_t domid, pad[3];
        uint64_t gpfn;
    } rm = {DOMID_SELF, {0}, (uintptr_t)victim_page >> 12};
    test_rc("remove_from_physmap own RAM", hc_memory_op(XENMEM_remove_from_physmap, &rm), 0);
    test_rc("remove_from_physmap again -ENOENT", hc_memory_op(XENMEM_remove_from_physmap, &rm),
            -XEN_ENOENT);
    rm.domid = domid == 5 ? 6 : 5;
    test_rc2("remove_from_physmap other domain -EPERM/-ESRCH",
             hc_memory_op(XENMEM_remove_from_physmap, &rm), -XEN_EPERM, -XEN_ESRCH);
    /* populate_physmap of its own: the hole comes back as a zeroed frame (within max_pages). */
    uint64_t gfn = (uintptr_t)victim_page >> 12;
    struct {
        uint64_t extent_start, nr_extents;
        uint32_t extent_order, mem_flags;
        uint16_t domid, pad[3];
    } res = {(uintptr_t)&gfn, 1, 0, 0, DOMID_SELF, {0}};
    test_rc("populate_physmap own hole", hc_memory_op(XENMEM_populate_physmap, &res), 1);
    test_result("repopulated frame reads zero", *(volatile uint64_t *)victim_page == 0);
    test_rc("populate_physmap over RAM does nothing", hc_memory_op(XENMEM_populate_physmap, &res),
            0);
    /* decrease_reservation (a balloon driver giving it back): done, then a hole stops it. */
    test_rc("decrease_reservation own frame", hc_memory_op(XENMEM_decrease_reservation, &res), 1);
    test_rc("decrease_reservation of a hole does nothing",
            hc_memory_op(XENMEM_decrease_reservation, &res), 0);
    /* increase_reservation (translated: frames given, mapped nowhere) stops at max_pages. */
    res = (typeof(res)){0, 4096, 0, 0, DOMID_SELF, {0}};
    long grown = hc_memory_op(XENMEM_increase_reservation, &res);
    test_result_why("increase_reservation gives frames up to max_pages", grown >= 1 && grown < 4096,
                    "got %ld", grown);
    test_rc("increase_reservation beyond max_pages gives none",
            hc_memory_op(XENMEM_increase_reservation, &res), 0);
}

/* ---- hvm_op ---- */

static void test_hvm_op(void)
{
    struct xen_hvm_param p;
    uint64_t v = 0xdead;
    long rc;

    rc = hvm_get_param(HVM_PARAM_CONSOLE_PFN, &v);
    test_rc("hvm_op get_param CONSOLE_PFN", rc, 0);
    test_result_why("CONSOLE_PFN is 0xfefff", !rc && v == 0xfefff, "got 0x%lx", v);
    v = 0xdead;
    rc = hvm_get_param(HVM_PARAM_STORE_PFN, &v);
    test_rc("hvm_op get_param STORE_PFN", rc, 0);
    test_result_why("STORE_PFN is 0", !rc && v == 0, "got 0x%lx", v);
    test_rc("hvm_op get_param index 1000 -EINVAL", hvm_get_param(1000, &v), -XEN_EINVAL);

    evtchn_upcall_install(); /* nothing is unmasked yet, but be ready */
    test_rc("hvm_op set_param CALLBACK_IRQ vector 0xf3",
            hvm_set_param(HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_CALLBACK_VECTOR(0xf3)), 0);

    p = (struct xen_hvm_param){.domid = domid == 7 ? 8 : 7, .index = HVM_PARAM_STORE_PFN};
    test_rc2("hvm_op get_param other domain -EPERM/-ESRCH", hc_hvm_op(HVMOP_get_param, &p),
             -XEN_EPERM, -XEN_ESRCH);
    test_rc("hvm_op get_param bad pointer -EFAULT", hc_hvm_op(HVMOP_get_param, (void *)BAD_PTR),
            -XEN_EFAULT);
    test_rc("hvm_op unknown 99 -ENOSYS", hc_hvm_op(99, NULL), -XEN_ENOSYS);
}

/* ---- vcpu_op ---- */

static void test_vcpu_op(void)
{
    struct vcpu_register_vcpu_info vi;
    struct vcpu_register_runstate_memory_area ra = {.addr = (uintptr_t)&runstate};
    struct vcpu_runstate_info ri;
    struct vcpu_set_singleshot_timer t;
    long rc;

    test_rc("vcpu_op is_up vcpu 0", hc_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    test_rc("vcpu_op is_up vcpu 99 -ENOENT", hc_vcpu_op(VCPUOP_is_up, 99, NULL), -XEN_ENOENT);

    /* The bad registrations first: Xen refuses any after a good one. */
    vi = (struct vcpu_register_vcpu_info){.mfn = (uintptr_t)vcpu_info_page >> 12, .offset = 4090};
    test_rc("register_vcpu_info offset 4090 -EINVAL", hc_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi),
            -XEN_EINVAL);
    vi = (struct vcpu_register_vcpu_info){.mfn = 0xfffff000, .offset = 0};
    test_rc2("register_vcpu_info bad gfn -EINVAL/-EFAULT",
             hc_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi), -XEN_EINVAL, -XEN_EFAULT);
    test_rc("register_vcpu_info bad pointer -EFAULT",
            hc_vcpu_op(VCPUOP_register_vcpu_info, 0, (void *)BAD_PTR), -XEN_EFAULT);
    memset(vcpu_info_page, 0, sizeof(vcpu_info_page));
    rc = vcpu_info_register((volatile struct vcpu_info *)vcpu_info_page);
    test_rc("vcpu_op register_vcpu_info", rc, 0);
    if (!rc && xen_shared) {
        volatile struct vcpu_info *v = xen_vcpu;
        uint64_t a = pvclock_read(&xen_shared->vcpu_info[0].time);
        uint64_t b;

        hc_sched_op(SCHEDOP_yield, NULL); /* one more entry: time is refreshed */
        b = pvclock_read(&v->time);
        printf("abi: registered vcpu_info time version %u system_time %lu\n", v->time.version,
               v->time.system_time);
        test_result("registered vcpu_info has pvclock", v->time.tsc_to_system_mul != 0 && b >= a);
    }

    rc = hc_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &ra);
    test_rc("vcpu_op register_runstate_memory_area", rc, 0);
    test_result_why("runstate area shows running", !rc && runstate.state == RUNSTATE_running,
                    "state %d", runstate.state);
    memset(&ri, 0xff, sizeof(ri));
    test_rc("vcpu_op get_runstate_info", hc_vcpu_op(VCPUOP_get_runstate_info, 0, &ri), 0);
    test_result_why("get_runstate_info state running", ri.state == RUNSTATE_running, "state %d",
                    ri.state);
    test_rc("get_runstate_info bad pointer -EFAULT",
            hc_vcpu_op(VCPUOP_get_runstate_info, 0, (void *)BAD_PTR), -XEN_EFAULT);

    t = (struct vcpu_set_singleshot_timer){.timeout_abs_ns = xen_time_ns() + MS, .flags = 0};
    test_rc("vcpu_op set_singleshot_timer", hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t), 0);
    t = (struct vcpu_set_singleshot_timer){.timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future};
    test_rc("set_singleshot_timer past deadline with future flag -ETIME",
            hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t), -XEN_ETIME);
    test_rc("set_singleshot_timer bad pointer -EFAULT",
            hc_vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)BAD_PTR), -XEN_EFAULT);
    test_rc("vcpu_op stop_singleshot_timer", hc_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
    test_rc("vcpu_op stop_periodic_timer", hc_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    test_rc("vcpu_op stop_singleshot_timer vcpu 99 -ENOENT",
            hc_vcpu_op(VCPUOP_stop_singleshot_timer, 99, NULL), -XEN_ENOENT);
    test_rc("vcpu_op unknown 99 -ENOSYS", hc_vcpu_op(99, 0, NULL), -XEN_ENOSYS);
}

/* ---- event_channel_op ---- */

static long status_of(evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0xff, sizeof(*st));
    return evtchn_get_status(port, st);
}

static void test_evtchn_bad_ports(void)
{
    static const evtchn_port_t bad[] = {4095, 4096, 0xffffffff};

    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        char name[64];

        snprintf(name, sizeof(name), "evtchn send port %u -EINVAL", bad[i]);
        test_rc(name, evtchn_send(bad[i]), -XEN_EINVAL);
        snprintf(name, sizeof(name), "evtchn close port %u -EINVAL", bad[i]);
        test_rc(name, evtchn_close(bad[i]), -XEN_EINVAL);
        snprintf(name, sizeof(name), "evtchn unmask port %u -EINVAL", bad[i]);
        test_rc(name, evtchn_unmask(bad[i]), -XEN_EINVAL);
    }
}

static void test_event_channel_op(void)
{
    evtchn_port_t a = 0, b = 0, virq = 0, ipi = 0, spare = 0, dummy;
    struct evtchn_status st;
    long rc;

    if (!xen_shared) {
        test_result("event channels need shared_info", false);
        return;
    }
    rc = evtchn_alloc_unbound(DOMID_SELF, &a);
    test_rc("evtchn alloc_unbound self", rc, 0);
    test_result_why("alloc_unbound port > 0", !rc && a > 0 && a < EVTCHN_2L_NR_PORTS, "port %u", a);
    rc = status_of(a, &st);
    test_result_why("status of unbound port: unbound to us",
                    !rc && st.status == EVTCHNSTAT_unbound &&
                        (domid < 0 || st.u.unbound.dom == (domid_t)domid),
                    "rc %ld status %u dom %u", rc, st.status, st.u.unbound.dom);

    /* Keep both ends masked: the pending bits are checked by hand. */
    evtchn_mask_local(a);
    rc = evtchn_bind_interdomain(DOMID_SELF, a, &b);
    test_rc("evtchn bind_interdomain to own unbound port", rc, 0);
    test_result_why("bind_interdomain gives a new port", !rc && b != a && b > 0, "port %u, peer %u",
                    b, a);
    evtchn_mask_local(b);
    rc = status_of(b, &st);
    test_result_why("status of bound port: interdomain to the peer",
                    !rc && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == a &&
                        (domid < 0 || st.u.interdomain.dom == (domid_t)domid),
                    "rc %ld status %u dom %u port %u", rc, st.status, st.u.interdomain.dom,
                    st.u.interdomain.port);
    rc = status_of(a, &st);
    test_result_why("status of peer port: interdomain",
                    !rc && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == b,
                    "rc %ld status %u port %u", rc, st.status, st.u.interdomain.port);

    evtchn_clear_pending(a);
    evtchn_clear_pending(b);
    xen_vcpu->evtchn_upcall_pending = 0;
    test_rc("evtchn send", evtchn_send(b), 0);
    test_result("send sets the peer's pending bit", evtchn_is_pending(a));
    test_result("send leaves the sender's bit clear", !evtchn_is_pending(b));
    test_result("masked port raises no upcall", !xen_vcpu->evtchn_upcall_pending);
    test_rc("evtchn send the other way", evtchn_send(a), 0);
    test_result("reverse send sets the pending bit", evtchn_is_pending(b));
    /* Unmasking a pending port raises the upcall (interrupts are off: no delivery). */
    evtchn_clear_pending(b);
    xen_vcpu->evtchn_upcall_pending = 0;
    xen_vcpu->evtchn_pending_sel = 0;
    test_rc("evtchn unmask pending port", evtchn_unmask(a), 0);
    test_result("unmask clears the mask bit", !evtchn_is_masked(a));
    test_result("unmask of a pending port sets upcall_pending and the selector",
                xen_vcpu->evtchn_upcall_pending &&
                    (xen_vcpu->evtchn_pending_sel & (1ull << (a / 64))));
    evtchn_mask_local(a);
    evtchn_clear_pending(a);
    xen_vcpu->evtchn_upcall_pending = 0;
    xen_vcpu->evtchn_pending_sel = 0;

    rc = evtchn_bind_vcpu(a, 0);
    test_rc("evtchn bind_vcpu vcpu 0", rc, 0);
    test_rc("evtchn bind_vcpu vcpu 99 -ENOENT", evtchn_bind_vcpu(a, 99), -XEN_ENOENT);

    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &virq);
    test_rc("evtchn bind_virq TIMER", rc, 0);
    if (!rc)
        evtchn_mask_local(virq);
    test_rc("evtchn bind_virq TIMER again -EEXIST", evtchn_bind_virq(VIRQ_TIMER, 0, &dummy),
            -XEN_EEXIST);
    test_rc("evtchn bind_virq vcpu 99 -ENOENT", evtchn_bind_virq(VIRQ_TIMER, 99, &dummy),
            -XEN_ENOENT);
    test_rc("evtchn bind_virq virq 99 -EINVAL", evtchn_bind_virq(99, 0, &dummy), -XEN_EINVAL);
    rc = status_of(virq, &st);
    test_result_why("status of virq port",
                    !rc && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 0,
                    "rc %ld status %u virq %u vcpu %u", rc, st.status, st.u.virq, st.vcpu);

    rc = evtchn_bind_ipi(0, &ipi);
    test_rc("evtchn bind_ipi vcpu 0", rc, 0);
    test_rc("evtchn bind_ipi vcpu 99 -ENOENT", evtchn_bind_ipi(99, &dummy), -XEN_ENOENT);
    rc = status_of(ipi, &st);
    test_result_why("status of ipi port", !rc && st.status == EVTCHNSTAT_ipi && st.vcpu == 0,
                    "rc %ld status %u vcpu %u", rc, st.status, st.vcpu);

    test_evtchn_bad_ports();
    /* An unused port below the highest allocated one. */
    if (!evtchn_alloc_unbound(DOMID_SELF, &spare) && !evtchn_close(spare)) {
        test_rc("evtchn send on closed port -EINVAL", evtchn_send(spare), -XEN_EINVAL);
        test_rc("evtchn close on closed port -EINVAL", evtchn_close(spare), -XEN_EINVAL);
        rc = status_of(spare, &st);
        test_result_why("status of never-bound closed port", !rc && st.status == EVTCHNSTAT_closed,
                        "rc %ld status %u", rc, st.status);
    } else {
        test_result("alloc and close a spare port", false);
    }

    test_rc("evtchn close ipi port", evtchn_close(ipi), 0);
    rc = status_of(ipi, &st);
    test_result_why("closed port status closed", !rc && st.status == EVTCHNSTAT_closed,
                    "rc %ld status %u", rc, st.status);
    test_rc("evtchn close interdomain port", evtchn_close(b), 0);
    rc = status_of(a, &st);
    test_result_why("closing one end leaves the peer unbound",
                    !rc && st.status == EVTCHNSTAT_unbound, "rc %ld status %u", rc, st.status);
    test_rc("evtchn close virq port", evtchn_close(virq), 0);
    test_rc("evtchn close unbound port", evtchn_close(a), 0);

    test_rc("evtchn alloc_unbound bad pointer -EFAULT",
            hc_event_channel_op(EVTCHNOP_alloc_unbound, (void *)BAD_PTR), -XEN_EFAULT);
    test_rc("evtchn init_control -ENOSYS", hc_event_channel_op(EVTCHNOP_init_control, scratch_page),
            -XEN_ENOSYS);
    test_rc("evtchn unknown 99 -ENOSYS", hc_event_channel_op(99, NULL), -XEN_ENOSYS);
}

/* ---- sched_op poll: blocks until a timeout ---- */

static void test_sched_poll(void)
{
    evtchn_port_t port = 0;
    struct sched_poll p;
    uint64_t deadline;
    long rc;

    if (!xen_shared || evtchn_alloc_unbound(DOMID_SELF, &port)) {
        test_result("sched_op poll needs an unbound port", false);
        return;
    }
    evtchn_mask_local(port);
    evtchn_clear_pending(port);

    deadline = xen_time_ns() + MS;
    rc = sched_poll_port(port, deadline);
    test_rc("sched_op poll times out", rc, 0);
    test_result("sched_op poll returns no earlier than the timeout", xen_time_ns() >= deadline);

    deadline = xen_time_ns() + MS;
    p = (struct sched_poll){.ports = NULL, .nr_ports = 0, .timeout = deadline};
    test_rc("sched_op poll nr_ports 0 with timeout", hc_sched_op(SCHEDOP_poll, &p), 0);

    p = (struct sched_poll){
        .ports = (uint32_t *)BAD_PTR, .nr_ports = 1, .timeout = xen_time_ns() + MS};
    test_rc("sched_op poll bad ports pointer -EFAULT", hc_sched_op(SCHEDOP_poll, &p), -XEN_EFAULT);
    test_rc("sched_op poll bad pointer -EFAULT", hc_sched_op(SCHEDOP_poll, (void *)BAD_PTR),
            -XEN_EFAULT);
    evtchn_close(port);
}

/* ---- CPL 3 ---- */

static void test_user_mode(void)
{
    long rc;

    usermode_init();
    rc = user_hypercall(HC_xen_version, XENVER_version);
    test_rc("hypercall from CPL 3 -EPERM", rc, -XEN_EPERM);
    test_rc("hypercall from CPL 0 still works", hc_xen_version(XENVER_version, NULL), 0x00040011);
}

void guest_main(const struct hvm_start_info *si)
{
    (void)si;
    if (!xen_detect()) {
        printf("abi: no Xen-ABI hypervisor\n");
        return;
    }
    domid = xen_domid();
    printf("abi: hypercall conformance, domid %d\n", domid);
    test_console_io();
    test_xen_version();
    test_unknown_hypercalls();
    test_toolstack_refused();
    test_hypercall_page();
    test_vm_assist();
    test_sched_op();
    test_memory_op();
    test_hvm_op();
    test_vcpu_op();
    test_event_channel_op();
    test_sched_poll();
    test_user_mode();
}
