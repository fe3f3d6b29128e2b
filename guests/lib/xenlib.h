/* SPDX-License-Identifier: MIT */
/*
 * Xen-ABI services beyond the basic hypercalls: the shared_info page, the
 * pvclock, wallclock, single-shot timers and 2-level event channels with
 * vector-callback upcalls. Everything here assumes a single vCPU (vCPU 0).
 */
#ifndef GUEST_XENLIB_H
#define GUEST_XENLIB_H

#include "lib.h"

/* ---- identity ---- */

/* Our domid from CPUID base+4 (DOMID_PRESENT), or -1 if not reported. */
int xen_domid(void);

/* ---- shared_info and vcpu_info ---- */

/* NULL until shared_info_map() succeeded. */
extern volatile struct shared_info *xen_shared;
/* vCPU 0's vcpu_info as the hypervisor updates it: the slot in shared_info,
 * or the area given to vcpu_info_register(). NULL before mapping. */
extern volatile struct vcpu_info *xen_vcpu;

/* Maps shared_info over a page-aligned page of the guest's own .bss with
 * XENMEM_add_to_physmap(XENMAPSPACE_shared_info) and sets xen_shared and
 * xen_vcpu. Idempotent. Returns the hypercall's result (0 on success). */
long shared_info_map(void);
/* The guest-physical page shared_info_map() uses. */
void *shared_info_page_addr(void);

/* VCPUOP_register_vcpu_info for vCPU 0 with the area at vi (64 bytes, not
 * crossing a page); on success xen_vcpu = vi. Returns the hypercall's result. */
long vcpu_info_register(volatile struct vcpu_info *vi);

/* ---- time ---- */

/* ns = system_time + (((tsc - tsc_timestamp) << shift) * mul) >> 32, read
 * consistently (retried while version is odd or changes). */
uint64_t pvclock_read(const volatile struct vcpu_time_info *t);
/* System time in ns from xen_vcpu's pvclock; 0 if shared_info isn't mapped. */
uint64_t xen_time_ns(void);
/* Busy-wait (pause) until xen_time_ns() has advanced by ns. */
void xen_delay_ns(uint64_t ns);
/* shared_info's wallclock at system time 0 (wc_sec_hi:wc_sec, wc_nsec). */
void wallclock_read(uint64_t *sec, uint32_t *nsec);

/* VCPUOP_set_singleshot_timer / stop_singleshot_timer on vCPU 0. */
long timer_set_singleshot(uint64_t deadline_ns, uint32_t flags);
long timer_stop_singleshot(void);

/* ---- event channels (2-level ABI) ---- */

#define EVTCHN_UPCALL_VECTOR 0xf3

/* Per port: how many times the upcall handler found it pending. */
extern volatile uint32_t evtchn_count[EVTCHN_2L_NR_PORTS];
/* Number of upcall interrupts taken. */
extern volatile uint64_t upcall_count;

typedef void (*evtchn_handler_t)(evtchn_port_t port);
/* Called from the upcall (interrupts off) after the port's pending bit was
 * cleared and evtchn_count[port] incremented. */
void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn);

/* Installs the IDT handler for EVTCHN_UPCALL_VECTOR (needs shared_info). */
void evtchn_upcall_install(void);
/* shared_info_map() + evtchn_upcall_install() + HVM_PARAM_CALLBACK_IRQ =
 * vector EVTCHN_UPCALL_VECTOR. Returns 0 or the first failing result. */
long evtchn_upcall_init(void);

/* The shared_info bitmaps, atomically. */
void evtchn_mask_local(evtchn_port_t port);
void evtchn_unmask_local(evtchn_port_t port); /* just the bit; see evtchn_unmask() */
bool evtchn_is_pending(evtchn_port_t port);
bool evtchn_is_masked(evtchn_port_t port);
void evtchn_clear_pending(evtchn_port_t port);
bool evtchn_test_and_clear_pending(evtchn_port_t port);

/* EVTCHNOP wrappers; out-parameters are written only on success. */
long evtchn_alloc_unbound(domid_t remote_dom, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port,
                             evtchn_port_t *local_port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
long evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu);
long evtchn_get_status(evtchn_port_t port, struct evtchn_status *st);

/* SCHEDOP_poll on one port until the absolute system time timeout (0 =
 * none). Returns the hypercall's result. */
long sched_poll_port(evtchn_port_t port, uint64_t timeout);

/* Sleep until an interrupt has been taken (sti; hlt), then disable
 * interrupts again. Check the wake-up condition with interrupts off. */
static inline void wait_for_interrupt(void)
{
    safe_halt();
    irq_disable();
}

#endif
