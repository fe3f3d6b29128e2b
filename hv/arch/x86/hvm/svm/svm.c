// SPDX-License-Identifier: MIT
/*
 * The SVM backend: per-CPU enablement, one VMCB per vCPU, ASIDs, event
 * injection and the run loop. Exits are dispatched in exits.c.
 *
 * ASIDs are handed out per physical CPU with a generation count: a vCPU
 * keeps its ASID while it stays on one CPU and the domain's p2m has not lost
 * a mapping; otherwise it gets a fresh one (which needs no flush), and when a
 * CPU runs out it starts a new generation with one full TLB flush. A CPU
 * running the domain when a mapping goes is made to exit at once
 * (hvm_flush_remote_translations), so no frame is reused while cached.
 */
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <asm/cpu.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>
#include <asm/percpu.h>

struct svm_caps svm_caps;
static uint8_t *iopm;  /* 12 KiB: every port intercepted */
static uint8_t *msrpm; /* 8 KiB: every MSR intercepted */

struct svm_cpu {
    paddr_t hsave_pa;     /* VM_HSAVE_PA: the CPU's own save area */
    paddr_t host_vmcb_pa; /* our FS/GS/TR/... for VMLOAD after each exit */
    uint32_t next_asid;
    uint64_t generation;
    bool flush_all; /* first entry of a new generation */
    /* Odd from just before the ASID is chosen until the guest has exited. */
    uint64_t guest_seq;
    const struct domain *guest_domain; /* whose vCPU; set before guest_seq turns odd */
};
static struct svm_cpu svm_cpus[NR_CPUS];

static int svm_cpu_init(void)
{
    struct svm_cpu *sc = &svm_cpus[smp_processor_id()];

    if (!cpu_features.svm)
        return -ENODEV;
    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
        return -EPERM; /* disabled by firmware */
    struct cpuid_regs r = cpuid(0x8000000a);
    if (!(r.edx & SVM_FEATURE_NPT))
        return -ENODEV;
    if (smp_processor_id() == 0) {
        svm_caps.nr_asids = r.ebx;
        svm_caps.nrips = r.edx & SVM_FEATURE_NRIPS;
        svm_caps.decode_assists = r.edx & SVM_FEATURE_DECODE_ASSISTS;
        svm_caps.vmcb_clean = r.edx & SVM_FEATURE_VMCB_CLEAN;
        iopm = alloc_hv_pages(2); /* 16 KiB; 12 KiB used */
        msrpm = alloc_hv_pages(1);
        if (!iopm || !msrpm)
            return -ENOMEM;
        memset(iopm, 0xff, 4 * PAGE_SIZE);
        memset(msrpm, 0xff, 2 * PAGE_SIZE);
    }
    void *hsave = alloc_hv_pages(0), *host = alloc_hv_pages(0);
    if (!hsave || !host)
        return -ENOMEM;
    sc->hsave_pa = __pa(hsave);
    sc->host_vmcb_pa = __pa(host);
    sc->next_asid = 1;
    sc->generation = 1;
    sc->flush_all = true;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, sc->hsave_pa);
    /* Our own FS/GS/TR/syscall MSRs, restored by VMLOAD after every exit. */
    __asm__ volatile("vmsave %%rax" ::"a"(sc->host_vmcb_pa) : "memory");
    return 0;
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attr, uint32_t limit)
{
    s->sel = sel;
    s->attr = attr;
    s->limit = limit;
    s->base = 0;
}

void hvm_set_pvh_entry(struct vcpu *v, uint32_t rip, uint32_t rbx)
{
    struct vmcb *vm = v->arch.vmcb;

    /* The PVH ABI's entry state (docs/misc/pvh.pandoc): flat 32-bit, paging off. */
    seg(&vm->cs, 0x08, 0xc9b, 0xffffffff);
    seg(&vm->ds, 0x10, 0xc93, 0xffffffff);
    vm->es = vm->ss = vm->fs = vm->gs = vm->ds;
    seg(&vm->tr, 0x18, 0x08b, 0x67);
    seg(&vm->ldtr, 0, 0x082, 0);
    seg(&vm->gdtr, 0, 0, 0xffff);
    seg(&vm->idtr, 0, 0, 0xffff);
    vm->cpl = 0;
    vm->cr0 = 0x11; /* PE | ET */
    vm->cr3 = 0;
    vm->cr4 = 0;
    vm->efer = EFER_SVME; /* required by VMRUN; the guest reads EFER without it */
    vm->dr6 = 0xffff0ff0;
    vm->dr7 = 0x400;
    vm->rflags = 0x2;
    vm->rip = rip;
    vm->rsp = 0;
    vm->rax = 0;
    vm->g_pat = 0x0007040600070406ULL; /* the power-on default */
    memset(&v->arch.regs, 0, sizeof(v->arch.regs));
    v->arch.regs.rbx = rbx;
}

static int svm_vcpu_init(struct vcpu *v)
{
    struct vmcb *vm = alloc_hv_pages(0);

    if (!vm)
        return -ENOMEM;
    v->arch.vmcb = vm;
    v->arch.vmcb_pa = __pa(vm);
    vm->intercepts1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
                      INTERCEPT_CPUID | INTERCEPT_INVD | INTERCEPT_HLT | INTERCEPT_IOIO |
                      INTERCEPT_MSR | INTERCEPT_TASK_SWITCH | INTERCEPT_SHUTDOWN | INTERCEPT_RDPMC |
                      INTERCEPT_INVLPGA; /* it would flush other vCPUs' ASIDs */
    vm->intercepts2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD | INTERCEPT_VMSAVE |
                      INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT | INTERCEPT_RDTSCP |
                      INTERCEPT_ICEBP | INTERCEPT_MONITOR | INTERCEPT_MWAIT |
                      INTERCEPT_XSETBV | /* XCR0 is not switched: keep it the host's */
                      INTERCEPT_WBINVD;  /* flushing host caches is not a guest's call */
    /*
     * #MC is the host's business. #AC and #DB are intercepted and reflected
     * because a guest can make their delivery raise them again, which loops
     * inside the CPU forever (AMD errata, CVE-2015-5307 / CVE-2015-8104).
     */
    vm->exception_intercepts =
        (1u << 18) | (1u << 17) | (1u << 1) | (1u << 6); /* #UD: VMCALL is a hypercall too */
    vm->iopm_base_pa = __pa(iopm);
    vm->msrpm_base_pa = __pa(msrpm);
    vm->np_enable = 1;
    vm->n_cr3 = v->domain->arch.p2m_root;
    vm->tsc_offset = v->domain->arch.tsc_offset;
    vm->vintr = VINTR_MASKING;  /* guest IF masks only virtual interrupts */
    v->arch.last_cpu = NR_CPUS; /* never ran: forces an ASID on first entry */
    vlapic_init(v);
    /* A clean FPU image: x87 control word 0x37f, MXCSR 0x1f80, no register
     * contents from whoever ran before (tags all empty). */
    memset(v->arch.fpu, 0, sizeof(v->arch.fpu));
    v->arch.fpu[0] = 0x7f, v->arch.fpu[1] = 0x03;
    v->arch.fpu[24] = 0x80, v->arch.fpu[25] = 0x1f; /* MXCSR at byte 24 */
    return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
    vlapic_destroy(v);
    if (v->arch.vmcb)
        free_hv_pages(v->arch.vmcb, 0);
    v->arch.vmcb = NULL;
}

/* Give the vCPU a valid ASID for this CPU (see the top of the file). */
static void asid_assign(struct vcpu *v, struct svm_cpu *sc, unsigned int cpu)
{
    struct vmcb *vm = v->arch.vmcb;
    uint64_t p2m_gen = __atomic_load_n(&v->domain->arch.p2m_generation, __ATOMIC_ACQUIRE);

    vm->tlb_control = TLB_CONTROL_NONE;
    if (v->arch.last_cpu == cpu && v->arch.asid_generation == sc->generation &&
        v->arch.tlb_generation == p2m_gen)
        return;
    if (sc->next_asid >= svm_caps.nr_asids) {
        sc->generation++;
        sc->next_asid = 1;
        sc->flush_all = true;
    }
    v->arch.asid = sc->next_asid++;
    v->arch.asid_generation = sc->generation;
    v->arch.last_cpu = cpu;
    v->arch.tlb_generation = p2m_gen;
    vm->asid = v->arch.asid;
    if (sc->flush_all) {
        vm->tlb_control = TLB_CONTROL_FLUSH_ALL;
        sc->flush_all = false;
    }
}

/* Deliver a queued exception, or an event-channel upcall when the guest can take it. */
static void inject_events(struct vcpu *v)
{
    struct vmcb *vm = v->arch.vmcb;
    uint8_t vec = vcpu_callback_vector(v);
    bool busy = vm->eventinj & EVENTINJ_VALID; /* re-delivering an interrupted event */

    vm->intercepts1 &= ~INTERCEPT_VINTR;
    vm->vintr &= ~(VINTR_IRQ | (0xffULL << VINTR_VECTOR_SHIFT));
    if (!busy && v->arch.pending_event) {
        vm->eventinj = v->arch.pending_event;
        v->arch.pending_event = 0;
        busy = true;
    }
    bool upcall = vec && vcpu_upcall_pending(v);
    int lapic = vlapic_pending(v);
    if (!upcall && lapic < 0)
        return;
    if (!busy && (vm->rflags & X86_EFLAGS_IF) && !(vm->interrupt_shadow & 1)) {
        /* The upcall first: it is not prioritised through the APIC (no ISR, no EOI). */
        if (upcall) {
            vm->eventinj = EVENTINJ_VALID | EVENTINJ_TYPE_INTR | vec;
        } else {
            vm->eventinj = EVENTINJ_VALID | EVENTINJ_TYPE_INTR | (uint8_t)lapic;
            vlapic_accept(v, lapic);
        }
        return;
    }
    /* Not now: ask for an exit as soon as the guest can take an interrupt. */
    vm->vintr |= VINTR_IRQ | (0xfULL << VINTR_PRIO_SHIFT) | (1ULL << 20); /* V_IGN_TPR */
    vm->intercepts1 |= INTERCEPT_VINTR;
}

/* State the VMCB does not hold: FPU/SSE and DR0-3, loaded while v owns the CPU. */
static void state_in(struct vcpu *v)
{
    __asm__ volatile("fxrstor64 %0" ::"m"(v->arch.fpu));
    __asm__ volatile("mov %0, %%db0" ::"r"(v->arch.dr[0]));
    __asm__ volatile("mov %0, %%db1" ::"r"(v->arch.dr[1]));
    __asm__ volatile("mov %0, %%db2" ::"r"(v->arch.dr[2]));
    __asm__ volatile("mov %0, %%db3" ::"r"(v->arch.dr[3]));
}

static void state_out(struct vcpu *v)
{
    __asm__ volatile("fxsave64 %0" : "=m"(v->arch.fpu));
    __asm__ volatile("mov %%db0, %0" : "=r"(v->arch.dr[0]));
    __asm__ volatile("mov %%db1, %0" : "=r"(v->arch.dr[1]));
    __asm__ volatile("mov %%db2, %0" : "=r"(v->arch.dr[2]));
    __asm__ volatile("mov %%db3, %0" : "=r"(v->arch.dr[3]));
    /* Leave no guest breakpoint address behind for the next guest to read. */
    __asm__ volatile("mov %0, %%db0; mov %0, %%db1; mov %0, %%db2; mov %0, %%db3" ::"r"(0UL));
}

/*
 * A p2m mapping of d went away (its generation already bumped) and its frame
 * may be reused next: every other CPU that may still hold the old translation
 * under its current ASID, because it is in one of d's vCPUs, leaves the guest
 * once, and takes a fresh ASID when it enters again. No CPU is missed: one
 * entering publishes its odd guest_seq before asid_assign() reads the
 * generation, and the generation was bumped before guest_seq is read here
 * (both sequentially consistent), so either it sees the new generation or
 * this sees it in the guest.
 */
void hvm_flush_remote_translations(const struct domain *d)
{
    unsigned int self = smp_processor_id();

    for (unsigned int c = 0; c < NR_CPUS; c++) {
        struct svm_cpu *sc = &svm_cpus[c];
        uint64_t seq = __atomic_load_n(&sc->guest_seq, __ATOMIC_SEQ_CST);
        if (c == self || !(seq & 1) || __atomic_load_n(&sc->guest_domain, __ATOMIC_RELAXED) != d)
            continue;
        sched_kick(c); /* an interrupt always exits the guest; the exit ends the wait */
        while (__atomic_load_n(&sc->guest_seq, __ATOMIC_ACQUIRE) == seq)
            cpu_relax();
    }
}

static void svm_vcpu_run(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();
    struct svm_cpu *sc = &svm_cpus[cpu];

    state_in(v);
    for (;;) {
        local_irq_disable();
        if (sched_should_leave(v)) {
            local_irq_enable();
            break;
        }
        __atomic_store_n(&sc->guest_domain, v->domain, __ATOMIC_RELAXED);
        __atomic_add_fetch(&sc->guest_seq, 1, __ATOMIC_SEQ_CST); /* before the generation is read */
        asid_assign(v, sc, cpu);
        inject_events(v);
        v->arch.vmcb->clean_bits = 0; /* we rewrite fields freely: reload all */
        __asm__ volatile("clgi" ::: "memory");
        local_irq_enable(); /* host interrupts now exit the guest (GIF=0 holds them) */
        svm_vmrun(v->arch.vmcb_pa, &v->arch.regs, sc->host_vmcb_pa);
        __atomic_add_fetch(&sc->guest_seq, 1, __ATOMIC_RELEASE);
        local_irq_disable();
        __asm__ volatile("stgi" ::: "memory");
        local_irq_enable(); /* take whatever interrupt made the guest exit */
        v->arch.exits++;
        if (!svm_handle_exit(v))
            break;
    }
    state_out(v);
}

static const struct hvm_ops svm_ops = {
    .name = "AMD SVM with nested paging",
    .cpu_init = svm_cpu_init,
    .vcpu_init = svm_vcpu_init,
    .vcpu_destroy = svm_vcpu_destroy,
    .vcpu_run = svm_vcpu_run,
};

const struct hvm_ops *hvm_ops;

int hvm_init(void)
{
    if (!hvm_ops) {
        if (!cpu_features.svm)
            return -ENODEV;
        hvm_ops = &svm_ops;
    }
    return hvm_ops->cpu_init();
}

void hvm_skip_insn(struct vcpu *v, unsigned int len)
{
    struct vmcb *vm = v->arch.vmcb;

    vm->rip = (svm_caps.nrips && vm->next_rip) ? vm->next_rip : vm->rip + len;
    vm->interrupt_shadow &= ~1ULL; /* an instruction retired: no STI/MOV SS shadow */
}

void hvm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error)
{
    uint64_t e = EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | vector;
    if (has_error)
        e |= EVENTINJ_ERR_VALID | ((uint64_t)error << 32);
    v->arch.pending_event = e;
}

uint64_t hvm_get_gpr(struct vcpu *v, unsigned int n)
{
    struct guest_regs *r = &v->arch.regs;
    switch (n & 15) {
    case 0:
        return v->arch.vmcb->rax;
    case 1:
        return r->rcx;
    case 2:
        return r->rdx;
    case 3:
        return r->rbx;
    case 4:
        return v->arch.vmcb->rsp;
    case 5:
        return r->rbp;
    case 6:
        return r->rsi;
    case 7:
        return r->rdi;
    case 8:
        return r->r8;
    case 9:
        return r->r9;
    case 10:
        return r->r10;
    case 11:
        return r->r11;
    case 12:
        return r->r12;
    case 13:
        return r->r13;
    case 14:
        return r->r14;
    default:
        return r->r15;
    }
}

void hvm_set_gpr(struct vcpu *v, unsigned int n, uint64_t val)
{
    struct guest_regs *r = &v->arch.regs;
    switch (n & 15) {
    case 0:
        v->arch.vmcb->rax = val;
        break;
    case 1:
        r->rcx = val;
        break;
    case 2:
        r->rdx = val;
        break;
    case 3:
        r->rbx = val;
        break;
    case 4:
        v->arch.vmcb->rsp = val;
        break;
    case 5:
        r->rbp = val;
        break;
    case 6:
        r->rsi = val;
        break;
    case 7:
        r->rdi = val;
        break;
    case 8:
        r->r8 = val;
        break;
    case 9:
        r->r9 = val;
        break;
    case 10:
        r->r10 = val;
        break;
    case 11:
        r->r11 = val;
        break;
    case 12:
        r->r12 = val;
        break;
    case 13:
        r->r13 = val;
        break;
    case 14:
        r->r14 = val;
        break;
    default:
        r->r15 = val;
        break;
    }
}

void arch_vcpu_dump(struct vcpu *v)
{
    struct vmcb *vm = v->arch.vmcb;
    printk("  d%u v%u cpu%u %s%s%s%s rip %#lx rflags %#lx cr3 %#lx exits %lu last exit %#lx\n",
           v->domain->id, v->id, v->processor, v->up ? "up" : "down", v->running ? " running" : "",
           v->blocked ? " blocked" : "", v->polling ? " polling" : "", vm->rip, vm->rflags, vm->cr3,
           v->arch.exits, vm->exitcode);
}

void hvm_vcpu_crash(struct vcpu *v, const char *why)
{
    struct vmcb *vm = v->arch.vmcb;
    /* The state the crash is judged on: it tells a guest bug from a hypervisor one. */
    printk(LOG_WARN
           "d%u v%u on CPU %u after %lu exits: cs %#x cr0 %#lx cr3 %#lx efer %#lx rsp %#lx "
           "cr4 %#lx idt %#lx/%#x event %#lx\n",
           v->domain->id, v->id, smp_processor_id(), v->arch.exits, vm->cs.sel, vm->cr0, vm->cr3,
           vm->efer, vm->rsp, vm->cr4, vm->idtr.base, vm->idtr.limit, vm->eventinj);
    char msg[128];
    snprintf(msg, sizeof(msg), "%s, rip %#lx", why, vm->rip);
    domain_crash(v->domain, msg);
}

/* Real mode at vector << 12, as a STARTUP IPI leaves an application processor. */
static void set_sipi_entry(struct vcpu *v, uint8_t vector)
{
    struct vmcb *vm = v->arch.vmcb;

    hvm_set_pvh_entry(v, 0, 0); /* then turn the flat 32-bit state into real mode */
    vm->cs = (struct vmcb_seg){(uint16_t)(vector << 8), 0x9b, 0xffff, (uint64_t)vector << 12};
    vm->ds = (struct vmcb_seg){0, 0x93, 0xffff, 0};
    vm->es = vm->ss = vm->fs = vm->gs = vm->ds;
    vm->cr0 = 0x10; /* ET: real mode */
    vm->rip = 0;
}

void vlapic_init_sipi(struct vcpu *v, bool sipi, uint8_t vector)
{
    if (v->up)
        return; /* running vCPUs ignore INIT/SIPI (no re-INIT of live vCPUs yet) */
    if (!sipi) {
        v->arch.init_received = true;
        return;
    }
    if (!v->arch.init_received)
        return;
    v->arch.init_received = false;
    set_sipi_entry(v, vector);
    vcpu_time_update(v);
    sched_start_vcpu(v);
}
