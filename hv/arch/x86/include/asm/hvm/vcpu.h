/* SPDX-License-Identifier: MIT */
/*
 * x86 per-vCPU and per-domain state, and the hvm_ops seam: the SVM backend
 * fills it today, a VT-x backend can tomorrow.
 */
#ifndef ASM_HVM_VCPU_H
#define ASM_HVM_VCPU_H

#include <lamina/spinlock.h>
#include <lamina/types.h>
#include <asm/hvm/vlapic.h>

#define EXIT_HIST_SLOTS 0x91 /* SVM exit codes up to 0x90, and NPF folded in */

struct vmcb;
struct xencons_interface;
struct vcpu;
struct domain;

/* Guest general registers not kept in the VMCB (all but RAX/RSP/RIP). */
struct guest_regs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

struct arch_vcpu {
    uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image while not running */
    uint64_t dr[4];                                /* DR0-3: not in the VMCB */
    struct guest_regs regs;
    struct vmcb *vmcb;
    paddr_t vmcb_pa;
    uint32_t asid;
    uint64_t asid_generation;
    unsigned int last_cpu;               /* pCPU it last ran on (ASID validity) */
    uint64_t tlb_generation;             /* the domain's p2m generation it has seen */
    uint64_t pending_event;              /* EVENTINJ to deliver on next entry, 0 if none */
    uint64_t exits;                      /* VM exits taken (statistics) */
    uint32_t exit_hist[EXIT_HIST_SLOTS]; /* exits by reason (npf folded in, svm/exits.c) */
    struct vlapic vlapic;
    bool init_received; /* INIT seen: a STARTUP IPI may start it */
};

#define P2M_LEVELS 4
#define E820_MAX 16 /* memory map entries a domain may be given */

/* HVM_PARAM_* indexes (Xen's numbering) the guest may read or set. */
#define HVM_PARAM_CALLBACK_IRQ 0
#define HVM_PARAM_STORE_PFN 1
#define HVM_PARAM_STORE_EVTCHN 2
#define HVM_PARAM_IOREQ_PFN 5
#define HVM_PARAM_BUFIOREQ_PFN 6
#define HVM_PARAM_TIMER_MODE 10
#define HVM_PARAM_IDENT_PT 12
#define HVM_PARAM_CONSOLE_PFN 17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_PARAM_PAGING_RING_PFN 27
#define HVM_PARAM_MONITOR_RING_PFN 28
#define HVM_PARAM_SHARING_RING_PFN 29
#define HVM_PARAM_ALTP2M 35
#define HVM_NR_PARAMS 40
#define GRANT_FRAMES_MAX 32 /* grant table v1: 512 entries per frame */
#define PHYSMAP_OPS_MAX 256 /* add_to_physmap calls a domain may make */

/* One entry of the memory map guests get from XENMEM_memory_map (20 bytes, packed). */
struct e820_entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

/* A grant this domain has mapped (hvm/grant.c): its handle is the index. */
struct grant_map {
    bool in_use, ro;
    domid_t dom; /* the granter */
    uint32_t ref;
    uint64_t gfn; /* where it is mapped here */
    uint64_t mfn;
};
#define MAPTRACK_MAX 1024

struct arch_domain {
    paddr_t p2m_root;        /* nested page table root (nCR3) */
    uint64_t p2m_generation; /* bumped whenever a mapping is removed or changed */
    uint64_t tsc_offset;     /* one per domain: time is identical across vCPUs */
    uint64_t hypercall_page_msr;
    uint64_t hvm_params[HVM_NR_PARAMS];
    uint64_t shared_info_gfn;             /* where the guest mapped shared_info, 0 if nowhere */
    uint64_t max_gfn;                     /* highest gfn ever mapped (XENMEM_maximum_gpfn) */
    void *grant_frames[GRANT_FRAMES_MAX]; /* grant table v1 frames, allocated on first map */
    uint64_t grant_gfn[GRANT_FRAMES_MAX];
    unsigned int physmap_ops;         /* add_to_physmap budget (page tables are not charged) */
    struct e820_entry e820[E820_MAX]; /* the memory map the guest was given */
    uint32_t nr_e820;
    struct grant_map *maptrack; /* grants it maps, allocated on its first grant op */
    spinlock_t maptrack_lock;
    struct xencons_interface *console_ring; /* our mapping of its console page */
    uint32_t console_port;
};

/* What a PVH domain is built from (arch/x86/hvm/domain.c). */
struct pvh_build_args {
    const void *kernel;
    size_t kernel_size;
    const void *ramdisk; /* NULL: none */
    size_t ramdisk_size;
    const char *cmdline;
    uint64_t mem_bytes;
    bool initial_domain; /* dom0: SIF_INITDOMAIN, console through console_io, no console ring */
};

void domain_wallclock_update(struct domain *d);          /* hvm/time.c */
void *grant_frame(struct domain *d, uint64_t idx);       /* hvm/hc_hvm.c: allocated on first use */
void arch_forget_hv_gfn(struct domain *d, uint64_t gfn); /* a hypervisor page was unmapped there */
long p2m_remove_entry(struct domain *d, uint64_t gfn);   /* hvm/hc_memory.c */
int console_ring_init(struct domain *d, struct xencons_interface *ring);
void rtc_init(void);
int acpi_guest_build(struct domain *d, uint64_t gpa); /* hvm/acpi_guest.c */
int arch_domain_create(struct domain *d);
void arch_domain_destroy(struct domain *d);
int pvh_domain_build(struct domain *d, const struct pvh_build_args *b, char *err, size_t errlen);

struct hvm_ops {
    const char *name;
    int (*cpu_init)(void); /* on each pCPU */
    int (*vcpu_init)(struct vcpu *v);
    void (*vcpu_destroy)(struct vcpu *v);
    void (*vcpu_run)(struct vcpu *v); /* returns when the vCPU must leave the CPU */
};

extern const struct hvm_ops *hvm_ops;
int hvm_init(void); /* pick a backend for this CPU; -ENODEV when none */

#endif
