/* SPDX-License-Identifier: MIT */
/*
 * AMD SVM: the VMCB layout (AMD64 APM vol. 2, appendix B) and exit codes.
 * Offsets are checked at compile time; the VMCB is one 4 KiB page.
 */
#ifndef ASM_HVM_SVM_H
#define ASM_HVM_SVM_H

#include <lamina/types.h>

struct vmcb_seg {
    uint16_t sel;
    uint16_t attr; /* packed: access byte in 7:0, AVL/L/DB/G in 11:8 */
    uint32_t limit;
    uint64_t base;
};

struct vmcb {
    /* Control area (0x000 - 0x3ff). */
    uint32_t cr_intercepts;        /* 0x000: reads 15:0, writes 31:16 */
    uint32_t dr_intercepts;        /* 0x004 */
    uint32_t exception_intercepts; /* 0x008 */
    uint32_t intercepts1;          /* 0x00c: INTR, NMI, ..., SHUTDOWN */
    uint32_t intercepts2;          /* 0x010: VMRUN, VMMCALL, ... */
    uint32_t intercepts3;          /* 0x014 */
    uint8_t reserved1[0x3c - 0x18];
    uint16_t pause_filter_thresh; /* 0x03c */
    uint16_t pause_filter_count;  /* 0x03e */
    uint64_t iopm_base_pa;        /* 0x040 */
    uint64_t msrpm_base_pa;       /* 0x048 */
    uint64_t tsc_offset;          /* 0x050 */
    uint32_t asid;                /* 0x058 */
    uint8_t tlb_control;          /* 0x05c */
    uint8_t reserved2[3];
    uint64_t vintr;            /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING, V_INTR_VECTOR */
    uint64_t interrupt_shadow; /* 0x068 */
    uint64_t exitcode;         /* 0x070 */
    uint64_t exitinfo1;        /* 0x078 */
    uint64_t exitinfo2;        /* 0x080 */
    uint64_t exitintinfo;      /* 0x088 */
    uint64_t np_enable;        /* 0x090 */
    uint64_t avic_apic_bar;    /* 0x098 */
    uint64_t ghcb_pa;          /* 0x0a0 */
    uint64_t eventinj;         /* 0x0a8 */
    uint64_t n_cr3;            /* 0x0b0 */
    uint64_t virt_ext;         /* 0x0b8 */
    uint32_t clean_bits;       /* 0x0c0 */
    uint32_t reserved3;
    uint64_t next_rip;      /* 0x0c8 */
    uint8_t insn_len;       /* 0x0d0 */
    uint8_t insn_bytes[15]; /* 0x0d1 */
    uint8_t reserved4[0x400 - 0xe0];

    /* State save area (0x400 - ). */
    struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 - 0x45f */
    struct vmcb_seg gdtr, ldtr, idtr, tr;   /* 0x460 - 0x49f */
    uint8_t reserved5[0x4cb - 0x4a0];
    uint8_t cpl; /* 0x4cb */
    uint32_t reserved6;
    uint64_t efer; /* 0x4d0 */
    uint8_t reserved7[0x548 - 0x4d8];
    uint64_t cr4;    /* 0x548 */
    uint64_t cr3;    /* 0x550 */
    uint64_t cr0;    /* 0x558 */
    uint64_t dr7;    /* 0x560 */
    uint64_t dr6;    /* 0x568 */
    uint64_t rflags; /* 0x570 */
    uint64_t rip;    /* 0x578 */
    uint8_t reserved8[0x5d8 - 0x580];
    uint64_t rsp; /* 0x5d8 */
    uint8_t reserved9[0x5f8 - 0x5e0];
    uint64_t rax;            /* 0x5f8 */
    uint64_t star;           /* 0x600 */
    uint64_t lstar;          /* 0x608 */
    uint64_t cstar;          /* 0x610 */
    uint64_t sfmask;         /* 0x618 */
    uint64_t kernel_gs_base; /* 0x620 */
    uint64_t sysenter_cs;    /* 0x628 */
    uint64_t sysenter_esp;   /* 0x630 */
    uint64_t sysenter_eip;   /* 0x638 */
    uint64_t cr2;            /* 0x640 */
    uint8_t reserved10[0x668 - 0x648];
    uint64_t g_pat; /* 0x668 */
    uint8_t reserved11[0x1000 - 0x670];
}; /* every field is naturally aligned: no packing needed (offsets asserted below) */

STATIC_ASSERT(sizeof(struct vmcb) == 0x1000, "VMCB is one page");
STATIC_ASSERT(offsetof(struct vmcb, eventinj) == 0xa8, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, tlb_control) == 0x5c, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, insn_bytes) == 0xd1, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, es) == 0x400, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, tr) == 0x490, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, next_rip) == 0xc8, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, cpl) == 0x4cb, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, efer) == 0x4d0, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, cr4) == 0x548, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, rsp) == 0x5d8, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, rax) == 0x5f8, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, cr2) == 0x640, "VMCB layout");
STATIC_ASSERT(offsetof(struct vmcb, g_pat) == 0x668, "VMCB layout");

/* intercepts1 */
#define INTERCEPT_INTR (1u << 0)
#define INTERCEPT_NMI (1u << 1)
#define INTERCEPT_SMI (1u << 2)
#define INTERCEPT_INIT (1u << 3)
#define INTERCEPT_VINTR (1u << 4)
#define INTERCEPT_RDPMC (1u << 15)
#define INTERCEPT_CPUID (1u << 18)
#define INTERCEPT_INVD (1u << 22)
#define INTERCEPT_PAUSE (1u << 23)
#define INTERCEPT_HLT (1u << 24)
#define INTERCEPT_IOIO (1u << 27)
#define INTERCEPT_MSR (1u << 28)
#define INTERCEPT_TASK_SWITCH (1u << 29)
#define INTERCEPT_INVLPGA (1u << 26)
#define INTERCEPT_SHUTDOWN (1u << 31)
/* intercepts2 */
#define INTERCEPT_VMRUN (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD (1u << 2)
#define INTERCEPT_VMSAVE (1u << 3)
#define INTERCEPT_STGI (1u << 4)
#define INTERCEPT_CLGI (1u << 5)
#define INTERCEPT_SKINIT (1u << 6)
#define INTERCEPT_RDTSCP (1u << 7)
#define INTERCEPT_ICEBP (1u << 8)
#define INTERCEPT_WBINVD (1u << 9)
#define INTERCEPT_MONITOR (1u << 10)
#define INTERCEPT_MWAIT (1u << 11)
#define INTERCEPT_XSETBV (1u << 13)

#define VINTR_TPR_MASK 0xffULL
#define VINTR_IRQ (1ULL << 8)
#define VINTR_PRIO_SHIFT 16
#define VINTR_MASKING (1ULL << 24)
#define VINTR_VECTOR_SHIFT 32

#define TLB_CONTROL_NONE 0
#define TLB_CONTROL_FLUSH_ALL 1
#define TLB_CONTROL_FLUSH_ASID 3

#define EVENTINJ_VALID (1ULL << 31)
#define EVENTINJ_ERR_VALID (1ULL << 11)
#define EVENTINJ_TYPE_INTR (0ULL << 8)
#define EVENTINJ_TYPE_NMI (2ULL << 8)
#define EVENTINJ_TYPE_EXCEPTION (3ULL << 8)

/* Exit codes. */
#define VMEXIT_EXCEPTION_BASE 0x40
#define VMEXIT_INTR 0x60
#define VMEXIT_NMI 0x61
#define VMEXIT_SMI 0x62
#define VMEXIT_INIT 0x63
#define VMEXIT_VINTR 0x64
#define VMEXIT_RDPMC 0x6f
#define VMEXIT_CPUID 0x72
#define VMEXIT_INVD 0x76
#define VMEXIT_INVLPGA 0x7a
#define VMEXIT_PAUSE 0x77
#define VMEXIT_HLT 0x78
#define VMEXIT_IOIO 0x7b
#define VMEXIT_MSR 0x7c
#define VMEXIT_TASK_SWITCH 0x7d
#define VMEXIT_SHUTDOWN 0x7f
#define VMEXIT_VMRUN 0x80
#define VMEXIT_VMMCALL 0x81
#define VMEXIT_VMLOAD 0x82
#define VMEXIT_VMSAVE 0x83
#define VMEXIT_STGI 0x84
#define VMEXIT_CLGI 0x85
#define VMEXIT_SKINIT 0x86
#define VMEXIT_RDTSCP 0x87
#define VMEXIT_ICEBP 0x88
#define VMEXIT_WBINVD 0x89
#define VMEXIT_MONITOR 0x8a
#define VMEXIT_MWAIT 0x8b
#define VMEXIT_XSETBV 0x8d
#define VMEXIT_NPF 0x400
#define VMEXIT_INVALID ((uint64_t)-1)

#define MSR_VM_HSAVE_PA 0xc0010117
#define MSR_VM_CR 0xc0010114
#define VM_CR_SVMDIS (1u << 4)

/* CPUID 0x8000000A EDX */
#define SVM_FEATURE_NPT (1u << 0)
#define SVM_FEATURE_NRIPS (1u << 3)
#define SVM_FEATURE_VMCB_CLEAN (1u << 5)
#define SVM_FEATURE_DECODE_ASSISTS (1u << 7)

struct svm_caps {
    uint32_t nr_asids;
    bool nrips, decode_assists, vmcb_clean;
};
extern struct svm_caps svm_caps;

/* The world switch (svm/entry.S): runs the guest until the next #VMEXIT. */
void svm_vmrun(paddr_t vmcb_pa, struct guest_regs *regs, paddr_t host_vmcb_pa);

/* Exit handling (svm/exits.c): false when the vCPU must leave the CPU. */
struct vcpu;
bool svm_handle_exit(struct vcpu *v);

#endif
