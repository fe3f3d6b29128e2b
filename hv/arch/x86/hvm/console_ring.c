// SPDX-License-Identifier: MIT
/*
 * The hypervisor end of each domain's console ring (HVM_PARAM_CONSOLE_PFN
 * and _EVTCHN): when the guest notifies, its output is drained to the serial
 * console as "(d<id>) ..." lines. The indexes are the guest's to write, so
 * they are read once and checked: a ring claiming more than it holds is
 * resynchronised rather than believed.
 */
#include <lamina/lib.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <public/xen.h>

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define IN_SIZE sizeof(((struct xencons_interface *)0)->in)

static void console_notified(struct domain *d, uint32_t port)
{
    struct xencons_interface *r = d->arch.console_ring;
    if (!r)
        return;
    uint32_t cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
    uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);

    if (prod - cons > OUT_SIZE) {
        printk(LOG_WARN "d%u: console ring indexes are corrupt; output dropped\n", d->id);
        cons = prod;
    }
    while (cons != prod) {
        domain_debug_putc(d, r->out[cons % OUT_SIZE]);
        cons++;
    }
    __atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
    domain_console_flush(d);     /* a prompt has no newline: show it now */
    evtchn_set_pending(d, port); /* room again */
}

int console_ring_init(struct domain *d, struct xencons_interface *ring)
{
    int port = evtchn_alloc_hv(d, console_notified);
    if (port < 0)
        return port;
    d->arch.console_ring = ring;
    d->arch.console_port = (uint32_t)port;
    d->arch.hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = (uint32_t)port;
    return 0;
}

/* Keyboard input for the domain that has the serial console's focus. */
int domain_console_input(struct domain *d, char c)
{
    struct xencons_interface *r = d->arch.console_ring;
    if (!r)
        return -ENODEV;
    uint32_t cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
    uint32_t prod = r->in_prod;
    if (prod - cons >= IN_SIZE)
        return 0; /* full (or corrupt): drop the key */
    r->in[prod % IN_SIZE] = c;
    __atomic_store_n(&r->in_prod, prod + 1, __ATOMIC_RELEASE);
    evtchn_set_pending(d, d->arch.console_port);
    return 1;
}
