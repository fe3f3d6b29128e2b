/* SPDX-License-Identifier: MIT */
/*
 * HVM context records (domctl get/sethvmcontext), as libxenguest 4.17 reads
 * and writes them to set up a PVH vCPU: a sequence of descriptor + payload,
 * ending with END. Written from the documented layouts; sizes asserted.
 */
#ifndef PUBLIC_HVM_SAVE_H
#define PUBLIC_HVM_SAVE_H

#include <stdint.h>

#define HVM_SAVE_END 0
#define HVM_SAVE_HEADER 1
#define HVM_SAVE_CPU 2
#define HVM_SAVE_MTRR 14

struct hvm_save_descriptor {
    uint16_t typecode;
    uint16_t instance; /* the vCPU, for per-vCPU records */
    uint32_t length;   /* of the payload that follows */
};

#define HVM_FILE_MAGIC 0x54381286
#define HVM_FILE_VERSION 1
struct hvm_save_header {
    uint32_t magic;
    uint32_t version;
    uint64_t changeset;
    uint32_t cpuid; /* CPUID.1:EAX of the machine */
    uint32_t gtsc_khz;
};

struct hvm_hw_cpu {
    uint8_t fpu_regs[512]; /* FXSAVE image */
    uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
    uint32_t cs_sel, ds_sel, es_sel, fs_sel, gs_sel, ss_sel, tr_sel, ldtr_sel;
    uint32_t cs_limit, ds_limit, es_limit, fs_limit, gs_limit, ss_limit, tr_limit, ldtr_limit;
    uint32_t idtr_limit, gdtr_limit;
    uint64_t cs_base, ds_base, es_base, fs_base, gs_base, ss_base, tr_base, ldtr_base;
    uint64_t idtr_base, gdtr_base;
    uint32_t cs_arbytes, ds_arbytes, es_arbytes, fs_arbytes, gs_arbytes, ss_arbytes;
    uint32_t tr_arbytes, ldtr_arbytes;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t shadow_gs; /* MSR_KERNEL_GS_BASE */
    uint64_t msr_flags, msr_lstar, msr_star, msr_cstar, msr_syscall_mask, msr_efer;
    uint64_t msr_tsc_aux;
    uint64_t tsc;
    uint32_t pending_event; /* vector 0-7, type 8-10, error valid 11, valid 31 */
    uint32_t error_code;
    uint32_t flags; /* XEN_X86_FPU_INITIALISED */
    uint32_t pad0;
};
#define XEN_X86_FPU_INITIALISED (1u << 0)

struct hvm_hw_mtrr {
    uint64_t msr_pat_cr;
    uint64_t msr_mtrr_var[16]; /* base/mask pairs */
    uint64_t msr_mtrr_fixed[11];
    uint64_t msr_mtrr_cap;
    uint64_t msr_mtrr_def_type;
};

#ifdef __STDC_VERSION__
_Static_assert(sizeof(struct hvm_save_descriptor) == 8, "ABI: save descriptor");
_Static_assert(sizeof(struct hvm_save_header) == 24, "ABI: save header");
_Static_assert(sizeof(struct hvm_hw_cpu) == 1032, "ABI: hvm_hw_cpu");
_Static_assert(__builtin_offsetof(struct hvm_hw_cpu, rbx) == 520, "ABI");
_Static_assert(__builtin_offsetof(struct hvm_hw_cpu, rip) == 640, "ABI");
_Static_assert(__builtin_offsetof(struct hvm_hw_cpu, cs_limit) == 768, "ABI");
_Static_assert(__builtin_offsetof(struct hvm_hw_cpu, cs_base) == 808, "ABI");
_Static_assert(__builtin_offsetof(struct hvm_hw_cpu, cs_arbytes) == 888, "ABI");
_Static_assert(__builtin_offsetof(struct hvm_hw_cpu, msr_efer) == 992, "ABI");
_Static_assert(__builtin_offsetof(struct hvm_hw_cpu, tsc) == 1008, "ABI");
_Static_assert(__builtin_offsetof(struct hvm_hw_cpu, flags) == 1024, "ABI");
_Static_assert(sizeof(struct hvm_hw_mtrr) == 240, "ABI: hvm_hw_mtrr");
_Static_assert(__builtin_offsetof(struct hvm_hw_mtrr, msr_mtrr_def_type) == 232, "ABI");
#endif

#endif
