/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls from 64-bit mode: number in rax, arguments in rdi rsi rdx r10
 * r8, result in rax. Two ways in, so tests can check both: the instruction
 * itself (vmcall, or vmmcall on AMD/Hygon), or the stub page the hypervisor
 * writes when the guest stores a page address in its hypercall MSR.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "xen.h"

enum hypercall_mode {
    HYPERCALL_VMCALL,  /* Intel and everyone else */
    HYPERCALL_VMMCALL, /* AuthenticAMD, HygonGenuine */
    HYPERCALL_PAGE,    /* call hypercall_page + 32 * nr */
};

/* The page filled by the hypervisor once hypercall_use_page() succeeds. */
extern uint8_t hypercall_page[4096];

/* Picks vmcall/vmmcall from the CPUID vendor. lib_start() calls it. */
void hypercall_init(void);
/* Installs hypercall_page through the MSR from CPUID base+2 and switches to
 * it. Returns 0, or -1 if there is no Xen-ABI hypervisor. */
int hypercall_use_page(void);
/* Back to the vendor's instruction. */
void hypercall_use_insn(void);
enum hypercall_mode hypercall_get_mode(void);
/* Use this instruction whatever the vendor (tests both paths on one CPU). */
void hypercall_force_insn(enum hypercall_mode m);
/* The instruction this CPU's vendor uses (HYPERCALL_VMCALL or _VMMCALL). */
enum hypercall_mode hypercall_insn_mode(void);

/* Raw hypercall: any number, up to five arguments. */
long hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
               unsigned long a4, unsigned long a5);

#define HC_PTR(p) ((unsigned long)(p))

static inline long hc_xen_version(int cmd, void *arg)
{
    return hypercall(HC_xen_version, (unsigned long)cmd, HC_PTR(arg), 0, 0, 0);
}

static inline long hc_console_io(int cmd, unsigned long count, const char *buf)
{
    return hypercall(HC_console_io, (unsigned long)cmd, count, HC_PTR(buf), 0, 0);
}

static inline long hc_sched_op(int cmd, void *arg)
{
    return hypercall(HC_sched_op, (unsigned long)cmd, HC_PTR(arg), 0, 0, 0);
}

static inline long hc_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
    return hypercall(HC_vcpu_op, (unsigned long)cmd, vcpu, HC_PTR(arg), 0, 0);
}

static inline long hc_event_channel_op(int cmd, void *arg)
{
    return hypercall(HC_event_channel_op, (unsigned long)cmd, HC_PTR(arg), 0, 0, 0);
}

static inline long hc_hvm_op(int cmd, void *arg)
{
    return hypercall(HC_hvm_op, (unsigned long)cmd, HC_PTR(arg), 0, 0, 0);
}

static inline long hc_memory_op(int cmd, void *arg)
{
    return hypercall(HC_memory_op, (unsigned long)cmd, HC_PTR(arg), 0, 0, 0);
}

static inline long hc_grant_table_op(int cmd, void *arg, unsigned int count)
{
    return hypercall(HC_grant_table_op, (unsigned long)cmd, HC_PTR(arg), count, 0, 0);
}

static inline long hc_vm_assist(unsigned int cmd, unsigned int type)
{
    return hypercall(HC_vm_assist, cmd, type, 0, 0, 0);
}

static inline long hc_set_timer_op(uint64_t timeout_abs_ns)
{
    return hypercall(HC_set_timer_op, timeout_abs_ns, 0, 0, 0, 0);
}

/* Convenience wrappers over the above. */
long hvm_get_param(uint32_t index, uint64_t *value);
long hvm_set_param(uint32_t index, uint64_t value);
long evtchn_send(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);

#endif
