// SPDX-License-Identifier: MIT
/*
 * Event channels, 2-level ABI: per-domain ports whose pending and mask bits
 * live in the shared_info page, with a per-vCPU selector word and upcall
 * flag. A port is unbound, bound to a port of another domain, to a virtual
 * IRQ, to an IPI, or to the hypervisor itself (a backend such as the
 * console). One lock covers every domain's ports, so binding, sending across
 * domains and tearing a domain down never race (simple before fast).
 */
#include <lamina/domain.h>
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <public/xen.h>

enum ecs { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_VIRQ, ECS_IPI, ECS_HV };

struct evtchn {
    uint8_t state;
    uint16_t notify_vcpu;
    union {
        domid_t unbound_remote;
        struct {
            domid_t dom;
            uint32_t port;
        } inter;
        uint32_t virq;
        void (*hv_fn)(struct domain *d, uint32_t port);
    };
};

static spinlock_t evtchn_lock = SPINLOCK_INIT;

int event_domain_init(struct domain *d)
{
    d->shared_info = alloc_hv_pages(0); /* zeroed: nothing pending, nothing masked */
    d->evtchn = xmalloc_array(struct evtchn, EVTCHN_PORTS);
    if (!d->shared_info || !d->evtchn)
        return -ENOMEM;
    d->evtchn[0].state = ECS_RESERVED; /* port 0 is never valid */
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        d->vcpus[i]->vcpu_info = i < XEN_LEGACY_MAX_VCPUS ? &d->shared_info->vcpu_info[i] : NULL;
    return 0;
}

static bool bit_test_and_set(uint64_t *words, unsigned int bit)
{
    uint64_t m = 1ULL << (bit % 64);
    return __atomic_fetch_or(&words[bit / 64], m, __ATOMIC_SEQ_CST) & m;
}

static bool bit_test(const uint64_t *words, unsigned int bit)
{
    return __atomic_load_n(&words[bit / 64], __ATOMIC_SEQ_CST) & (1ULL << (bit % 64));
}

static void bit_clear(uint64_t *words, unsigned int bit)
{
    __atomic_fetch_and(&words[bit / 64], ~(1ULL << (bit % 64)), __ATOMIC_SEQ_CST);
}

bool vcpu_upcall_pending(struct vcpu *v)
{
    return v->vcpu_info && __atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_SEQ_CST);
}

uint8_t vcpu_callback_vector(struct vcpu *v)
{
    uint64_t via = v->domain->arch.hvm_params[HVM_PARAM_CALLBACK_IRQ];
    return (via >> 56) == HVM_PARAM_CALLBACK_TYPE_VECTOR ? (uint8_t)via : 0;
}

void vcpu_kick(struct vcpu *v)
{
    if (__atomic_load_n(&v->blocked, __ATOMIC_SEQ_CST))
        vcpu_wake(v);
    else if (__atomic_load_n(&v->running, __ATOMIC_SEQ_CST))
        sched_kick(v->processor); /* exit, so the upcall is injected on entry */
}

/* The 2-level algorithm; caller holds evtchn_lock. */
static void set_pending_locked(struct domain *d, uint32_t port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v = d->vcpus[d->evtchn[port].notify_vcpu];

    if (v->polling) {
        for (unsigned int i = 0; i < v->nr_poll_ports; i++)
            if (v->poll_ports[i] == port) {
                v->polling = false;
                vcpu_wake(v);
            }
    }
    if (bit_test_and_set(s->evtchn_pending, port))
        return;
    if (bit_test(s->evtchn_mask, port) || !v->vcpu_info)
        return;
    if (bit_test_and_set(&v->vcpu_info->evtchn_pending_sel, port / 64))
        return;
    if (!__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        vcpu_kick(v);
}

void evtchn_set_pending(struct domain *d, uint32_t port)
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    if (port < EVTCHN_PORTS && d->evtchn[port].state > ECS_RESERVED)
        set_pending_locked(d, port);
    spin_unlock_irqrestore(&evtchn_lock, flags);
}

void send_virq(struct vcpu *v, unsigned int virq)
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    uint32_t port = virq < NR_VIRQS ? v->virq_port[virq] : 0;
    if (port)
        set_pending_locked(v->domain, port);
    spin_unlock_irqrestore(&evtchn_lock, flags);
}

static int alloc_port(struct domain *d)
{
    for (uint32_t p = 1; p < EVTCHN_PORTS; p++)
        if (d->evtchn[p].state == ECS_FREE)
            return (int)p;
    return -ENOSPC;
}

int evtchn_alloc_hv(struct domain *d, void (*fn)(struct domain *d, uint32_t port))
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    int p = alloc_port(d);
    if (p > 0) {
        d->evtchn[p].state = ECS_HV;
        d->evtchn[p].notify_vcpu = 0;
        d->evtchn[p].hv_fn = fn;
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
    return p;
}

/* Close `port` of d; an interdomain peer goes back to unbound. Lock held. */
static void close_locked(struct domain *d, uint32_t port)
{
    struct evtchn *e = &d->evtchn[port];

    if (e->state == ECS_INTERDOMAIN) {
        struct domain *r = domain_by_id(e->inter.dom);
        if (r && e->inter.port < EVTCHN_PORTS) {
            struct evtchn *re = &r->evtchn[e->inter.port];
            re->state = ECS_UNBOUND;
            re->unbound_remote = d->id;
        }
    } else if (e->state == ECS_VIRQ) {
        d->vcpus[e->notify_vcpu]->virq_port[e->virq] = 0;
    }
    memset(e, 0, sizeof(*e));
}

void event_domain_destroy(struct domain *d)
{
    if (d->evtchn) {
        unsigned long flags = spin_lock_irqsave(&evtchn_lock);
        for (uint32_t p = 1; p < EVTCHN_PORTS; p++)
            if (d->evtchn[p].state > ECS_RESERVED)
                close_locked(d, p);
        spin_unlock_irqrestore(&evtchn_lock, flags);
    }
    xfree(d->evtchn);
    d->evtchn = NULL;
    if (d->shared_info)
        free_hv_pages(d->shared_info, 0);
    d->shared_info = NULL;
}

/* ---------------------------------------------------------------- the ops */

static domid_t self_id(struct domain *d, domid_t id)
{
    return id == DOMID_SELF ? d->id : id;
}

/*
 * A port in `t` (the caller, or, for the toolstack, a domain it builds)
 * that `remote` may bind to. `t` is referenced by the caller.
 */
static long op_alloc_unbound(struct domain *d, struct domain *t, struct evtchn_alloc_unbound *a)
{
    domid_t remote = self_id(d, a->remote_dom);
    if (remote >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    int p = alloc_port(t);
    if (p < 0)
        return p;
    t->evtchn[p].state = ECS_UNBOUND;
    t->evtchn[p].unbound_remote = remote;
    t->evtchn[p].notify_vcpu = 0;
    a->port = (uint32_t)p;
    return 0;
}

static long op_bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *a)
{
    struct domain *r = domain_by_id(self_id(d, a->remote_dom));
    if (!r || r->state >= DOMAIN_SHUTDOWN)
        return -ESRCH;
    if (a->remote_port == 0 || a->remote_port >= EVTCHN_PORTS)
        return -EINVAL;
    struct evtchn *re = &r->evtchn[a->remote_port];
    if (re->state != ECS_UNBOUND || re->unbound_remote != d->id)
        return -EINVAL; /* not offered to us */
    int p = alloc_port(d);
    if (p < 0)
        return p;
    d->evtchn[p].state = ECS_INTERDOMAIN;
    d->evtchn[p].inter.dom = r->id;
    d->evtchn[p].inter.port = a->remote_port;
    d->evtchn[p].notify_vcpu = 0;
    re->state = ECS_INTERDOMAIN;
    re->inter.dom = d->id;
    re->inter.port = (uint32_t)p;
    a->local_port = (uint32_t)p;
    set_pending_locked(d, (uint32_t)p); /* as Xen: the new local end starts pending */
    return 0;
}

/* VIRQs about the whole machine (Xen's "global" ones): bound on vCPU 0 only. */
static bool virq_is_global(uint32_t virq)
{
    return virq == VIRQ_CONSOLE || virq == VIRQ_DOM_EXC || virq == VIRQ_CON_RING ||
           virq == VIRQ_PCPU_STATE || virq == VIRQ_ENOMEM;
}

/* Global VIRQs go to domain 0, the one the toolstack and xenstored run in. */
void send_global_virq(unsigned int virq)
{
    struct domain *d = domain_get_by_id(0);
    if (!d)
        return;
    send_virq(d->vcpus[0], virq);
    domain_put(d);
}

static long op_bind_virq(struct domain *d, struct evtchn_bind_virq *a)
{
    if (a->virq >= NR_VIRQS)
        return -EINVAL;
    if (virq_is_global(a->virq) && a->vcpu != 0)
        return -EINVAL;
    if (a->vcpu >= d->nr_vcpus)
        return -ENOENT;
    struct vcpu *v = d->vcpus[array_index_nospec(a->vcpu, d->nr_vcpus)];
    if (v->virq_port[array_index_nospec(a->virq, NR_VIRQS)])
        return -EEXIST;
    int p = alloc_port(d);
    if (p < 0)
        return p;
    d->evtchn[p].state = ECS_VIRQ;
    d->evtchn[p].virq = a->virq;
    d->evtchn[p].notify_vcpu = (uint16_t)a->vcpu;
    v->virq_port[a->virq] = (uint32_t)p;
    a->port = (uint32_t)p;
    return 0;
}

static long op_bind_ipi(struct domain *d, struct evtchn_bind_ipi *a)
{
    if (a->vcpu >= d->nr_vcpus)
        return -ENOENT;
    int p = alloc_port(d);
    if (p < 0)
        return p;
    d->evtchn[p].state = ECS_IPI;
    d->evtchn[p].notify_vcpu = (uint16_t)a->vcpu;
    a->port = (uint32_t)p;
    return 0;
}

static bool port_valid(struct domain *d, uint32_t port)
{
    return port < EVTCHN_PORTS && d->evtchn[port].state > ECS_RESERVED;
}

/* Returns a hypervisor callback to run once the lock is dropped, if any. */
static long op_send(struct domain *d, uint32_t port, void (**hv_fn)(struct domain *, uint32_t))
{
    if (!port_valid(d, port))
        return -EINVAL;
    struct evtchn *e = &d->evtchn[port];
    switch (e->state) {
    case ECS_INTERDOMAIN: {
        struct domain *r = domain_by_id(e->inter.dom);
        if (r && r->state < DOMAIN_DYING)
            set_pending_locked(r, e->inter.port);
        return 0;
    }
    case ECS_IPI:
        set_pending_locked(d, port);
        return 0;
    case ECS_HV:
        *hv_fn = e->hv_fn;
        return 0;
    case ECS_UNBOUND:
        return 0; /* nobody listens yet: dropped, as Xen does */
    default:
        return -EINVAL; /* a VIRQ port cannot be sent on */
    }
}

static long op_status(struct domain *d, struct evtchn_status *st)
{
    if (self_id(d, st->dom) != d->id)
        return -EPERM;
    if (st->port >= EVTCHN_PORTS)
        return -EINVAL;
    struct evtchn *e = &d->evtchn[st->port];
    memset(&st->u, 0, sizeof(st->u));
    st->vcpu = e->notify_vcpu;
    switch (e->state) {
    case ECS_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = e->unbound_remote;
        break;
    case ECS_INTERDOMAIN:
    case ECS_HV: /* the hypervisor end looks like a peer domain to the guest */
        st->status = EVTCHNSTAT_interdomain;
        st->u.interdomain.dom = e->state == ECS_HV ? DOMID_HV : e->inter.dom;
        st->u.interdomain.port = e->state == ECS_HV ? 0 : e->inter.port;
        break;
    case ECS_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = e->virq;
        break;
    case ECS_IPI:
        st->status = EVTCHNSTAT_ipi;
        break;
    default:
        st->status = EVTCHNSTAT_closed;
    }
    return 0;
}

static long op_unmask(struct domain *d, uint32_t port)
{
    if (!port_valid(d, port))
        return -EINVAL;
    struct shared_info *s = d->shared_info;
    struct vcpu *v = d->vcpus[d->evtchn[port].notify_vcpu];
    bool was_masked = bit_test(s->evtchn_mask, port);
    bit_clear(s->evtchn_mask, port);
    /* Pending while masked: raise the upcall now. */
    if (was_masked && bit_test(s->evtchn_pending, port) && v->vcpu_info &&
        !bit_test_and_set(&v->vcpu_info->evtchn_pending_sel, port / 64) &&
        !__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        vcpu_kick(v);
    return 0;
}

static long op_bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *a)
{
    if (!port_valid(d, a->port))
        return -EINVAL;
    if (a->vcpu >= d->nr_vcpus)
        return -ENOENT;
    struct evtchn *e = &d->evtchn[a->port];
    if (e->state == ECS_VIRQ || e->state == ECS_IPI)
        return -EINVAL; /* these belong to their vCPU */
    e->notify_vcpu = (uint16_t)a->vcpu;
    return 0;
}

/* Argument sizes per sub-op: copied in, handled under the lock, copied out. */
static const uint8_t arg_size[] = {
    [EVTCHNOP_bind_interdomain] = sizeof(struct evtchn_bind_interdomain),
    [EVTCHNOP_bind_virq] = sizeof(struct evtchn_bind_virq),
    [EVTCHNOP_close] = sizeof(struct evtchn_port_arg),
    [EVTCHNOP_send] = sizeof(struct evtchn_port_arg),
    [EVTCHNOP_status] = sizeof(struct evtchn_status),
    [EVTCHNOP_alloc_unbound] = sizeof(struct evtchn_alloc_unbound),
    [EVTCHNOP_bind_ipi] = sizeof(struct evtchn_bind_ipi),
    [EVTCHNOP_bind_vcpu] = sizeof(struct evtchn_bind_vcpu),
    [EVTCHNOP_unmask] = sizeof(struct evtchn_port_arg),
};

long do_evtchn_op(struct vcpu *v, const struct hc_args *a)
{
    struct domain *d = v->domain;
    uint64_t cmd = a->a[0];
    union {
        uint8_t raw[32];
        struct evtchn_port_arg port;
        struct evtchn_bind_interdomain bi;
        struct evtchn_bind_virq bv;
        struct evtchn_status st;
        struct evtchn_alloc_unbound au;
        struct evtchn_bind_ipi ip;
        struct evtchn_bind_vcpu bc;
    } u;
    void (*hv_fn)(struct domain *, uint32_t) = NULL;
    long rc;

    if (cmd >= ARRAY_SIZE(arg_size) || !arg_size[cmd])
        return -ENOSYS; /* init_control among them: guests fall back to 2-level */
    size_t size = arg_size[array_index_nospec(cmd, ARRAY_SIZE(arg_size))];
    if (copy_from_guest(v, &u, a->a[1], size))
        return -EFAULT;
    /* The toolstack allocates a new domain's store and console ports in that domain. */
    struct domain *t = NULL;
    if (cmd == EVTCHNOP_alloc_unbound && self_id(d, u.au.dom) != d->id &&
        (rc = domain_get_target(v, u.au.dom, &t)))
        return rc;
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    switch (cmd) {
    case EVTCHNOP_alloc_unbound:
        rc = t && t->state >= DOMAIN_SHUTDOWN ? -ESRCH : op_alloc_unbound(d, t ? t : d, &u.au);
        break;
    case EVTCHNOP_bind_interdomain:
        rc = op_bind_interdomain(d, &u.bi);
        break;
    case EVTCHNOP_bind_virq:
        rc = op_bind_virq(d, &u.bv);
        break;
    case EVTCHNOP_bind_ipi:
        rc = op_bind_ipi(d, &u.ip);
        break;
    case EVTCHNOP_send:
        rc = op_send(d, u.port.port, &hv_fn);
        break;
    case EVTCHNOP_status:
        rc = op_status(d, &u.st);
        break;
    case EVTCHNOP_unmask:
        rc = op_unmask(d, u.port.port);
        break;
    case EVTCHNOP_bind_vcpu:
        rc = op_bind_vcpu(d, &u.bc);
        break;
    default: /* close */
        rc = port_valid(d, u.port.port) && d->evtchn[u.port.port].state != ECS_HV ? 0 : -EINVAL;
        if (rc == 0)
            close_locked(d, u.port.port);
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
    if (t)
        domain_put(t);
    if (hv_fn)
        hv_fn(d, u.port.port);
    if (rc == 0 && cmd != EVTCHNOP_send && cmd != EVTCHNOP_close && cmd != EVTCHNOP_unmask &&
        cmd != EVTCHNOP_bind_vcpu && copy_to_guest(v, a->a[1], &u, size))
        return -EFAULT;
    return rc;
}

static void poll_timeout(void *data)
{
    struct vcpu *v = data;
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    bool was = v->polling;
    v->polling = false;
    spin_unlock_irqrestore(&evtchn_lock, flags);
    if (was)
        vcpu_wake(v);
}

/*
 * SCHEDOP_poll: return at once if one of `ports` is pending, else block until
 * one is set or `timeout` (absolute ns, 0 = none) passes. Checking and
 * arming happen under the event lock, so no event slips in between.
 */
long evtchn_poll(struct vcpu *v, const uint32_t *ports, unsigned int n, uint64_t timeout)
{
    struct domain *d = v->domain;
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);

    for (unsigned int i = 0; i < n; i++) {
        if (!port_valid(d, ports[i])) {
            spin_unlock_irqrestore(&evtchn_lock, flags);
            return -EINVAL;
        }
    }
    for (unsigned int i = 0; i < n; i++) {
        if (bit_test(d->shared_info->evtchn_pending, ports[i])) {
            spin_unlock_irqrestore(&evtchn_lock, flags);
            return 0;
        }
    }
    if (timeout && timeout <= now()) {
        spin_unlock_irqrestore(&evtchn_lock, flags);
        return 0;
    }
    memcpy(v->poll_ports, ports, n * sizeof(*ports));
    v->nr_poll_ports = n;
    v->polling = true;
    vcpu_block(v);
    spin_unlock_irqrestore(&evtchn_lock, flags);
    if (timeout) {
        if (!v->poll_timer.fn)
            timer_init(&v->poll_timer, poll_timeout, v, v->processor);
        timer_set(&v->poll_timer, timeout);
    }
    return 0;
}

/* register_vcpu_info: switch where v's upcall bits live, under the event lock. */
void evtchn_move_vcpu_info(struct vcpu *v, struct vcpu_info *vi)
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    v->vcpu_info = vi;
    /* Make the guest rescan every port: events may be pending from before. */
    vi->evtchn_pending_sel = ~0ULL;
    __atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&evtchn_lock, flags);
}

/* For the console's vCPU dump: the event state behind v's timer port. */
void evtchn_dump_vcpu(struct vcpu *v)
{
    struct domain *d = v->domain;
    uint32_t p = v->virq_port[VIRQ_TIMER];
    uint64_t t = now();

    printk("      timer %s%ld us, upcall %u vector %#x sel %#lx, VIRQ_TIMER port %u%s%s\n",
           timer_pending(&v->singleshot) ? "in " : "off, was ",
           (long)((int64_t)(v->singleshot.expires - t) / 1000),
           v->vcpu_info ? v->vcpu_info->evtchn_upcall_pending : 0, vcpu_callback_vector(v),
           v->vcpu_info ? v->vcpu_info->evtchn_pending_sel : 0, p,
           p && bit_test(d->shared_info->evtchn_pending, p) ? " pending" : "",
           p && bit_test(d->shared_info->evtchn_mask, p) ? " masked" : "");
}
