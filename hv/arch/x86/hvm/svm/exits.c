// SPDX-License-Identifier: MIT
/*
 * One table from SVM exit code to handler. Without NRIPS (QEMU TCG has none)
 * we know the length of each intercepted instruction ourselves; the guest
 * cannot make them longer with prefixes without also breaking on hardware
 * that does report the length, so a prefixed form is handled the same way.
 */
#include <lamina/lib.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>

typedef bool (*exit_handler_t)(struct vcpu *v, struct vmcb *vm);

#define STRING_IO_BATCH 4096ULL

static bool exit_nothing(struct vcpu *v, struct vmcb *vm)
{
    (void)v, (void)vm;
    return true; /* the host interrupt was serviced after STGI */
}

static bool exit_vintr(struct vcpu *v, struct vmcb *vm)
{
    (void)v;
    vm->vintr &= ~VINTR_IRQ; /* the window is open: inject_events() delivers now */
    vm->intercepts1 &= ~INTERCEPT_VINTR;
    return true;
}

static bool exit_cpuid(struct vcpu *v, struct vmcb *vm)
{
    uint32_t out[4];

    guest_cpuid(v, (uint32_t)vm->rax, (uint32_t)v->arch.regs.rcx, out);
    vm->rax = out[0];
    v->arch.regs.rbx = out[1];
    v->arch.regs.rcx = out[2];
    v->arch.regs.rdx = out[3];
    hvm_skip_insn(v, 2);
    return true;
}

static bool exit_hlt(struct vcpu *v, struct vmcb *vm)
{
    hvm_skip_insn(v, 1);
    if (!(vm->rflags & X86_EFLAGS_IF)) {
        /*
         * Halted with interrupts off: nothing but NMI/INIT could wake it, so
         * the vCPU is down; with all of them down the domain is finished.
         * That is how a kernel without ACPI powers off (as on Xen).
         */
        vcpu_down(v);
        return false;
    }
    if (hvm_events_deliverable(v))
        return true; /* an event is already waiting: HLT completes at once */
    vcpu_block(v);
    return false;
}

static bool exit_msr(struct vcpu *v, struct vmcb *vm)
{
    uint32_t msr = (uint32_t)v->arch.regs.rcx;
    uint64_t val;

    if (vm->exitinfo1 == 0) {
        if (guest_rdmsr(v, msr, &val) < 0) {
            hvm_inject_exception(v, X86_EXC_GP, true, 0);
            return true;
        }
        vm->rax = (uint32_t)val;
        v->arch.regs.rdx = val >> 32;
    } else {
        val = (uint32_t)vm->rax | (v->arch.regs.rdx << 32);
        if (guest_wrmsr(v, msr, val) < 0) {
            hvm_inject_exception(v, X86_EXC_GP, true, 0);
            return true;
        }
    }
    hvm_skip_insn(v, 2);
    return true;
}

/* IN/OUT, also the string forms; EXITINFO2 is always the next RIP. */
static bool exit_ioio(struct vcpu *v, struct vmcb *vm)
{
    uint64_t info = vm->exitinfo1;
    uint16_t port = (uint16_t)(info >> 16);
    unsigned int size = (info & (1u << 4)) ? 1 : (info & (1u << 5)) ? 2 : 4;
    bool in = info & 1, string = info & (1u << 2), rep = info & (1u << 3);
    uint64_t mask = (info & (1u << 7)) ? 0xffff : (info & (1u << 8)) ? 0xffffffff : ~0ULL;

    if (!string) {
        if (in) {
            uint32_t val = guest_port_in(v, port, size);
            uint64_t keep = size == 4 ? 0 : vm->rax & ~((1ULL << (8 * size)) - 1);
            vm->rax = keep | val; /* 32-bit IN zero-extends like any 32-bit write */
        } else {
            guest_port_out(v, port, size, (uint32_t)vm->rax);
        }
        vm->rip = vm->exitinfo2;
        vm->interrupt_shadow &= ~1ULL;
        return true;
    }
    /*
     * INS/OUTS through guest memory, at most STRING_IO_BATCH iterations per
     * exit: with rCX left over, RIP stays on the instruction and it resumes
     * after the scheduler had its say (a huge count must not hold the CPU).
     */
    uint64_t count = rep ? (v->arch.regs.rcx & mask) : 1;
    bool more = count > STRING_IO_BATCH;
    count = MIN(count, STRING_IO_BATCH);
    int step = (vm->rflags & (1u << 10)) ? -(int)size : (int)size;
    bool long_mode = (vm->efer & (1UL << 10)) && (vm->cs.attr & (1u << 9));
    uint64_t es_base = long_mode ? 0 : vm->es.base, ds_base = long_mode ? 0 : vm->ds.base;
    for (uint64_t i = 0; i < count; i++) {
        uint32_t val = 0;
        if (in) {
            uint64_t rdi = v->arch.regs.rdi;
            val = guest_port_in(v, port, size);
            if (copy_to_guest(v, es_base + (rdi & mask), &val, size) < 0)
                goto fault;
            v->arch.regs.rdi = (rdi & ~mask) | ((rdi + step) & mask);
        } else {
            uint64_t rsi = v->arch.regs.rsi;
            if (copy_from_guest(v, &val, ds_base + (rsi & mask), size) < 0)
                goto fault;
            guest_port_out(v, port, size, val);
            v->arch.regs.rsi = (rsi & ~mask) | ((rsi + step) & mask);
        }
        if (rep)
            v->arch.regs.rcx = (v->arch.regs.rcx & ~mask) | ((v->arch.regs.rcx - 1) & mask);
    }
    if (!more)
        vm->rip = vm->exitinfo2;
    vm->interrupt_shadow &= ~1ULL;
    return true;
fault:
    domain_crash(v->domain, "string I/O with an unmapped buffer");
    return false;
}

static bool exit_vmmcall(struct vcpu *v, struct vmcb *vm)
{
    (void)vm;
    hvm_skip_insn(v, 3); /* before the call: handlers may rewrite RIP */
    hypercall_dispatch(v);
    return !sched_should_leave(v);
}

static bool exit_ud(struct vcpu *v, struct vmcb *vm)
{
    (void)vm;
    hvm_inject_exception(v, X86_EXC_UD, false, 0);
    return true;
}

static bool exit_skip2(struct vcpu *v, struct vmcb *vm)
{
    (void)vm;
    hvm_skip_insn(v, 2); /* INVD, WBINVD: caches are not a guest's to flush */
    return true;
}

/* #AC and #DB: intercepted only to break delivery loops; give them back. */
static bool exit_reflect(struct vcpu *v, struct vmcb *vm)
{
    unsigned int vec = (unsigned int)(vm->exitcode - VMEXIT_EXCEPTION_BASE);
    hvm_inject_exception(v, vec, vec == 17, (uint32_t)vm->exitinfo1);
    return true;
}

/*
 * #UD: Intel's VMCALL is no instruction on AMD, but guests built for either
 * vendor use it for hypercalls (Linux picks by vendor, other kernels may
 * not), so it is accepted like VMMCALL. Any other #UD goes back to the guest.
 */
static bool exit_ud_fault(struct vcpu *v, struct vmcb *vm)
{
    uint8_t b[EMUL_MAX_INSN_LEN];
    size_t n = hvm_fetch_insn(v, hvm_insn_mode(v), b);

    if (n >= 3 && b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xc1) {
        vm->rip += 3; /* no NRIPS for exceptions: the length is known */
        vm->interrupt_shadow &= ~1ULL;
        hypercall_dispatch(v);
        return !sched_should_leave(v);
    }
    hvm_inject_exception(v, X86_EXC_UD, false, 0);
    return true;
}

/* A machine check while the guest ran is the host's: let its handler decide. */
static bool exit_mc(struct vcpu *v, struct vmcb *vm)
{
    (void)v, (void)vm;
    __asm__ volatile("int $18");
    return true;
}

static bool exit_shutdown(struct vcpu *v, struct vmcb *vm)
{
    (void)vm;
    hvm_vcpu_crash(v, "triple fault");
    return false;
}

static bool exit_npf(struct vcpu *v, struct vmcb *vm)
{
    if (vm->eventinj & EVENTINJ_VALID) {
        /* A hole hit while delivering an event (IDT or stack outside RAM). */
        domain_crash(v->domain, "event delivery through unbacked memory");
        return false;
    }
    if (hvm_mmio_fault(v, vm->exitinfo2, vm->exitinfo1))
        return true;
    return false; /* hvm_mmio_fault crashed the domain */
}

static bool exit_task_switch(struct vcpu *v, struct vmcb *vm)
{
    (void)vm;
    domain_crash(v->domain, "hardware task switch");
    return false;
}

#define NPF_SLOT 0x90 /* VMEXIT_NPF (0x400) is folded here to keep the table small */

static const exit_handler_t exit_handlers[NPF_SLOT + 1] = {
    [VMEXIT_EXCEPTION_BASE + 1] = exit_reflect,  /* #DB */
    [VMEXIT_EXCEPTION_BASE + 6] = exit_ud_fault, /* #UD: maybe VMCALL */
    [VMEXIT_EXCEPTION_BASE + 17] = exit_reflect, /* #AC */
    [VMEXIT_EXCEPTION_BASE + 18] = exit_mc,
    [VMEXIT_INTR] = exit_nothing,
    [VMEXIT_NMI] = exit_nothing,
    [VMEXIT_SMI] = exit_nothing,
    [VMEXIT_INIT] = exit_nothing,
    [VMEXIT_VINTR] = exit_vintr,
    [VMEXIT_RDPMC] = exit_ud,
    [VMEXIT_CPUID] = exit_cpuid,
    [VMEXIT_INVD] = exit_skip2,
    [VMEXIT_INVLPGA] = exit_ud,
    [VMEXIT_WBINVD] = exit_skip2,
    [VMEXIT_HLT] = exit_hlt,
    [VMEXIT_IOIO] = exit_ioio,
    [VMEXIT_MSR] = exit_msr,
    [VMEXIT_TASK_SWITCH] = exit_task_switch,
    [VMEXIT_SHUTDOWN] = exit_shutdown,
    [VMEXIT_VMRUN] = exit_ud,
    [VMEXIT_VMMCALL] = exit_vmmcall,
    [VMEXIT_VMLOAD] = exit_ud,
    [VMEXIT_VMSAVE] = exit_ud,
    [VMEXIT_STGI] = exit_ud,
    [VMEXIT_CLGI] = exit_ud,
    [VMEXIT_SKINIT] = exit_ud,
    [VMEXIT_RDTSCP] = exit_ud, /* hidden in CPUID */
    [VMEXIT_ICEBP] = exit_ud,
    [VMEXIT_MONITOR] = exit_ud,
    [VMEXIT_MWAIT] = exit_ud,
    [VMEXIT_XSETBV] = exit_ud, /* XSAVE is hidden */
    [NPF_SLOT] = exit_npf,
};

bool svm_handle_exit(struct vcpu *v)
{
    struct vmcb *vm = v->arch.vmcb;
    uint64_t code = vm->exitcode;
    uint64_t slot = code == VMEXIT_NPF ? NPF_SLOT : code;

    /*
     * An event whose delivery the exit interrupted is delivered again, except
     * INT n / INT3 / INTO: the guest simply executes the instruction again.
     */
    uint64_t ii = vm->exitintinfo;
    unsigned int type = (ii >> 8) & 7, vector = ii & 0xff;
    bool soft = type == 4 || (type == 3 && (vector == 3 || vector == 4));
    vm->eventinj = (ii & EVENTINJ_VALID) && !soft ? ii : 0;
    vm->exitintinfo = 0;
    if (slot < ARRAY_SIZE(exit_handlers)) {
        slot = array_index_nospec(slot, ARRAY_SIZE(exit_handlers));
        v->arch.exit_hist[slot]++;
        if (exit_handlers[slot])
            return exit_handlers[slot](v, vm);
    }
    char why[64];
    snprintf(why, sizeof(why), "unhandled VM exit %#lx (info %#lx)", code, vm->exitinfo1);
    domain_crash(v->domain, why);
    return false;
}

static const char *const exit_names[] = {
    [VMEXIT_INTR] = "intr",
    [VMEXIT_NMI] = "nmi",
    [VMEXIT_VINTR] = "vintr",
    [VMEXIT_CPUID] = "cpuid",
    [VMEXIT_HLT] = "hlt",
    [VMEXIT_IOIO] = "ioio",
    [VMEXIT_MSR] = "msr",
    [VMEXIT_VMMCALL] = "vmmcall",
    [VMEXIT_SHUTDOWN] = "shutdown",
    [VMEXIT_EXCEPTION_BASE + 6] = "#UD",
    [NPF_SLOT] = "npf",
};

/* The exit-reason histogram of one domain, summed over its vCPUs (key 'e'). */
void arch_domain_exit_histogram(struct domain *d)
{
    uint64_t total = 0;

    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        total += d->vcpus[i]->arch.exits;
    printk("  d%u (%s): %lu exits\n", d->id, d->name, total);
    for (unsigned int slot = 0; slot < NPF_SLOT + 1; slot++) {
        uint64_t n = 0;
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            n += d->vcpus[i]->arch.exit_hist[slot];
        if (!n)
            continue;
        const char *name = slot < ARRAY_SIZE(exit_names) ? exit_names[slot] : NULL;
        printk("    %-9s %#5x %10lu  %3lu%%\n", name ? name : "", slot == NPF_SLOT ? 0x400 : slot,
               n, total ? n * 100 / total : 0);
    }
}
