// SPDX-License-Identifier: MIT
// 2-level event channels from the guest side: the EVTCHNOP wrappers, the
// pending/mask bitmaps in shared_info, and the upcall handler that the
// hypervisor reaches through the HVM_PARAM_CALLBACK_IRQ vector (no LAPIC,
// no EOI: the handler just clears evtchn_upcall_pending).
#include "xenlib.h"

volatile uint32_t evtchn_count[EVTCHN_2L_NR_PORTS];
volatile uint64_t upcall_count;
static evtchn_handler_t handlers[EVTCHN_2L_NR_PORTS];

#define WORD(port) ((port) / 64)
#define BIT(port) (1ull << ((port) % 64))

void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn)
{
    if (port < EVTCHN_2L_NR_PORTS)
        handlers[port] = fn;
}

void evtchn_mask_local(evtchn_port_t port)
{
    __atomic_fetch_or(&xen_shared->evtchn_mask[WORD(port)], BIT(port), __ATOMIC_SEQ_CST);
}

void evtchn_unmask_local(evtchn_port_t port)
{
    __atomic_fetch_and(&xen_shared->evtchn_mask[WORD(port)], ~BIT(port), __ATOMIC_SEQ_CST);
}

bool evtchn_is_pending(evtchn_port_t port)
{
    return xen_shared->evtchn_pending[WORD(port)] & BIT(port);
}

bool evtchn_is_masked(evtchn_port_t port)
{
    return xen_shared->evtchn_mask[WORD(port)] & BIT(port);
}

void evtchn_clear_pending(evtchn_port_t port)
{
    __atomic_fetch_and(&xen_shared->evtchn_pending[WORD(port)], ~BIT(port), __ATOMIC_SEQ_CST);
}

bool evtchn_test_and_clear_pending(evtchn_port_t port)
{
    uint64_t old =
        __atomic_fetch_and(&xen_shared->evtchn_pending[WORD(port)], ~BIT(port), __ATOMIC_SEQ_CST);

    return old & BIT(port);
}

/* Linux's order: clear upcall_pending, take the selector, then for each
 * selected word handle the pending-and-unmasked ports; repeat while the
 * hypervisor raised upcall_pending again meanwhile. */
static void upcall(struct trap_frame *f)
{
    volatile struct vcpu_info *vi = xen_vcpu;

    (void)f;
    upcall_count++;
    while (vi->evtchn_upcall_pending) {
        vi->evtchn_upcall_pending = 0;
        uint64_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);

        while (sel) {
            unsigned int w = (unsigned int)__builtin_ctzll(sel);
            uint64_t bits = xen_shared->evtchn_pending[w] & ~xen_shared->evtchn_mask[w];

            sel &= sel - 1;
            while (bits) {
                evtchn_port_t port = w * 64 + (unsigned int)__builtin_ctzll(bits);

                bits &= bits - 1;
                if (!evtchn_test_and_clear_pending(port))
                    continue;
                evtchn_count[port]++;
                if (handlers[port])
                    handlers[port](port);
            }
        }
    }
}

void evtchn_upcall_install(void)
{
    trap_set_handler(EVTCHN_UPCALL_VECTOR, upcall);
}

long evtchn_upcall_init(void)
{
    long rc = shared_info_map();

    if (rc)
        return rc;
    evtchn_upcall_install();
    return hvm_set_param(HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_CALLBACK_VECTOR(EVTCHN_UPCALL_VECTOR));
}

long evtchn_alloc_unbound(domid_t remote_dom, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = remote_dom};
    long rc = hc_event_channel_op(EVTCHNOP_alloc_unbound, &a);

    if (!rc)
        *port = a.port;
    return rc;
}

long evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port,
                             evtchn_port_t *local_port)
{
    struct evtchn_bind_interdomain b = {.remote_dom = remote_dom, .remote_port = remote_port};
    long rc = hc_event_channel_op(EVTCHNOP_bind_interdomain, &b);

    if (!rc)
        *local_port = b.local_port;
    return rc;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu};
    long rc = hc_event_channel_op(EVTCHNOP_bind_virq, &b);

    if (!rc)
        *port = b.port;
    return rc;
}

long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = {.vcpu = vcpu};
    long rc = hc_event_channel_op(EVTCHNOP_bind_ipi, &b);

    if (!rc)
        *port = b.port;
    return rc;
}

long evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = {.port = port, .vcpu = vcpu};

    return hc_event_channel_op(EVTCHNOP_bind_vcpu, &b);
}

long evtchn_get_status(evtchn_port_t port, struct evtchn_status *st)
{
    struct evtchn_status s = {.dom = DOMID_SELF, .port = port};
    long rc = hc_event_channel_op(EVTCHNOP_status, &s);

    if (!rc)
        *st = s;
    return rc;
}

long sched_poll_port(evtchn_port_t port, uint64_t timeout)
{
    evtchn_port_t ports[1] = {port};
    struct sched_poll p = {.ports = ports, .nr_ports = 1, .timeout = timeout};

    return hc_sched_op(SCHEDOP_poll, &p);
}
