// SPDX-License-Identifier: MIT
/*
 * Domain lifecycle: created -> running -> shut down (with a reason) ->
 * destroyed. Destruction waits until no vCPU of the domain is on a CPU; the
 * last CPU to let go of one does it (domain_reap). All frames go back to the
 * heap scrubbed, so nothing of a dead domain is ever seen by the next.
 */
#include <lamina/domain.h>
#include <lamina/lib.h>
#include <lamina/mm.h>
#include <asm/percpu.h>
#include <public/xen.h>

LIST_HEAD_DECL(domain_list);
spinlock_t domain_list_lock = SPINLOCK_INIT;
static LIST_HEAD_DECL(reap_list);
static spinlock_t reap_lock = SPINLOCK_INIT;
volatile bool reap_pending; /* the boot CPU should come out and reap */

static const char *const reason_names[] = {
    [SHUTDOWN_POWEROFF] = "poweroff", [SHUTDOWN_REBOOT] = "reboot",
    [SHUTDOWN_SUSPEND] = "suspend",   [SHUTDOWN_CRASH] = "crash",
    [SHUTDOWN_WATCHDOG] = "watchdog", [SHUTDOWN_SOFT_RESET] = "soft_reset",
};

const char *shutdown_reason_name(unsigned int reason)
{
    return reason < ARRAY_SIZE(reason_names) ? reason_names[reason] : "unknown";
}

struct domain *domain_by_id(domid_t id)
{
    struct domain *d, *found = NULL;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);

    list_for_each_entry(d, &domain_list, list)
    {
        if (d->id == id) {
            found = d;
            break;
        }
    }
    spin_unlock_irqrestore(&domain_list_lock, flags);
    return found;
}

void domain_get(struct domain *d)
{
    __atomic_fetch_add(&d->refcnt, 1, __ATOMIC_ACQ_REL);
}

long domain_get_target(struct vcpu *v, domid_t id, struct domain **out)
{
    struct domain *me = v->domain;

    if (id == DOMID_SELF || id == me->id) {
        domain_get(me);
        *out = me;
        return 0;
    }
    if (!(me->rights & RIGHT_CONTROL))
        return -EPERM;
    *out = domain_get_by_id(id);
    if (!*out)
        return -ESRCH;
    if ((*out)->state == DOMAIN_DYING || (*out)->killed) {
        domain_put(*out);
        return -ESRCH;
    }
    return 0;
}

struct domain *domain_get_by_id(domid_t id)
{
    struct domain *d, *found = NULL;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);

    list_for_each_entry(d, &domain_list, list)
    {
        if (d->id == id) {
            domain_get(d);
            found = d;
            break;
        }
    }
    spin_unlock_irqrestore(&domain_list_lock, flags);
    return found;
}

static LIST_HEAD_DECL(unref_list); /* destroyed, waiting for the boot CPU to free them */
#define REAP_FRAMES_PER_PASS 2048  /* 8 MiB scrubbed per scheduler pass of the boot CPU */
static bool free_some_pages(struct domain *d, unsigned long budget);
static void domain_release(struct domain *d);

/*
 * The last reference frees the domain, but only on the boot CPU's scheduler
 * pass (domain_reap_pending): the one place that holds no vCPU and no lock.
 */
void domain_put(struct domain *d)
{
    if (__atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_ACQ_REL))
        return;
    unsigned long flags = spin_lock_irqsave(&reap_lock);
    list_add_tail(&d->reap, &unref_list);
    __atomic_store_n(&reap_pending, true, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&reap_lock, flags);
    sched_kick(0);
}

domid_t domain_next_id(void)
{
    for (domid_t id = 1; id < DOMID_FIRST_RESERVED; id++)
        if (!domain_by_id(id))
            return id;
    return DOMID_INVALID;
}

struct domain *domain_create(domid_t id, const char *name, unsigned int rights,
                             unsigned int nr_vcpus)
{
    struct domain *d;

    if (id >= DOMID_FIRST_RESERVED || nr_vcpus == 0 || nr_vcpus > MAX_VCPUS || domain_by_id(id))
        return NULL;
    d = xmalloc(struct domain);
    if (!d)
        return NULL;
    d->id = id;
    d->refcnt = 1;
    strlcpy(d->name, name, sizeof(d->name));
    d->rights = rights;
    d->state = DOMAIN_CREATED;
    spin_lock_init(&d->lock);
    list_init(&d->page_list);
    d->node_affinity = NODEMASK_ALL;
    sched_domain_init(d);
    d->vcpus = xmalloc_array(struct vcpu *, nr_vcpus);
    if (!d->vcpus || arch_domain_create(d) < 0)
        goto fail;
    d->nr_vcpus = nr_vcpus;
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = xmalloc(struct vcpu);
        if (!v)
            goto fail;
        d->vcpus[i] = v;
        v->domain = d;
        v->id = i;
        v->runstate = RUNSTATE_OFFLINE;
        if (hvm_ops->vcpu_init(v) < 0)
            goto fail;
    }
    if (event_domain_init(d) < 0)
        goto fail;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);
    list_add_tail(&d->list, &domain_list);
    spin_unlock_irqrestore(&domain_list_lock, flags);
    printk("d%u (%s): created\n", d->id, d->name);
    return d;
fail:
    list_init(&d->list);
    domain_free(d);
    return NULL;
}

struct page_info *domain_alloc_pages(struct domain *d, unsigned int order)
{
    if (d->tot_pages + (1UL << order) > d->max_pages)
        return NULL;
    struct page_info *pg = alloc_domain_pages(d->id, d->node_affinity, order);
    if (!pg)
        return NULL;
    unsigned long flags = spin_lock_irqsave(&d->lock);
    /* Only the head is listed; its order says how big the block is. */
    pg->order = (uint8_t)order;
    list_add_tail(&pg->list, &d->page_list);
    d->tot_pages += 1UL << order;
    spin_unlock_irqrestore(&d->lock, flags);
    return pg;
}

struct page_info *domain_alloc_frames(struct domain *d, unsigned int order)
{
    if (d->tot_pages + (1UL << order) > d->max_pages)
        return NULL;
    struct page_info *pg = alloc_domain_pages(d->id, d->node_affinity, order);
    if (!pg)
        return NULL;
    buddy_split(pg, order);
    unsigned long flags = spin_lock_irqsave(&d->lock);
    for (unsigned long i = 0; i < (1UL << order); i++)
        list_add_tail(&pg[i].list, &d->page_list);
    d->tot_pages += 1UL << order;
    spin_unlock_irqrestore(&d->lock, flags);
    return pg;
}

void domain_free_page(struct domain *d, struct page_info *pg)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    list_del(&pg->list);
    d->tot_pages--;
    spin_unlock_irqrestore(&d->lock, flags);
    page_release(pg); /* scrubbed; or later, if dom0 still maps it */
}

void domain_memory_by_node(struct domain *d, uint64_t frames[MAX_NODES], mfn_t *lo, mfn_t *hi)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    struct page_info *pg;

    *lo = *hi = 0;
    for (unsigned int n = 0; n < MAX_NODES; n++)
        frames[n] = 0;
    list_for_each_entry(pg, &d->page_list, list)
    {
        mfn_t mfn = page_to_mfn(pg), last = mfn + (1UL << pg->order) - 1;
        frames[mfn_node(mfn)] += 1UL << pg->order; /* a block lies in one node */
        *lo = (*lo && *lo < mfn) ? *lo : mfn;
        *hi = MAX(*hi, last);
    }
    spin_unlock_irqrestore(&d->lock, flags);
}

void domain_free_all_pages(struct domain *d)
{
    free_some_pages(d, ~0UL);
}

/* Free whatever domain_create() got; also the end of domain_destroy(). */
void domain_free(struct domain *d)
{
    sched_domain_destroy(d); /* every vCPU was removed (or never started) */
    /* Timers first: a firing one would touch the event channels freed next. */
    for (unsigned int i = 0; d->vcpus && i < d->nr_vcpus; i++) {
        if (d->vcpus[i]) {
            timer_kill(&d->vcpus[i]->singleshot);
            timer_kill(&d->vcpus[i]->poll_timer);
        }
    }
    event_domain_destroy(d);
    for (unsigned int i = 0; d->vcpus && i < d->nr_vcpus; i++) {
        if (d->vcpus[i]) {
            hvm_ops->vcpu_destroy(d->vcpus[i]);
            xfree(d->vcpus[i]);
        }
    }
    xfree(d->vcpus);
    arch_domain_destroy(d);
    domain_free_all_pages(d);
    xfree(d);
}

void domain_discard(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);
    list_del(&d->list);
    spin_unlock_irqrestore(&domain_list_lock, flags);
    printk("d%u (%s): not started; resources released\n", d->id, d->name);
    domain_free(d);
}

/* Destroy d once none of its vCPUs is on a pCPU (boot CPU, domain_reap_pending). */
static void reap_later(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&reap_lock);
    bool queue = !d->reaping;
    if (queue) {
        d->reaping = true;
        list_add_tail(&d->reap, &reap_list);
        __atomic_store_n(&reap_pending, true, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&reap_lock, flags);
    if (queue)
        sched_kick_all();
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    bool first = d->state == DOMAIN_RUNNING || d->state == DOMAIN_CREATED;

    if (first) {
        d->state = DOMAIN_SHUTDOWN;
        d->shutdown_reason = reason;
    }
    spin_unlock_irqrestore(&d->lock, flags);
    if (!first)
        return;
    printk("d%u (%s): shutdown: %s\n", d->id, d->name, shutdown_reason_name(reason));
    /* Make every vCPU leave its CPU; then tell xenstored and xl. */
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        sched_remove_vcpu(d->vcpus[i]);
    send_global_virq(VIRQ_DOM_EXC);
    /* The toolstack decides what happens to its domains (on_poweroff=...). */
    if (!d->toolstack)
        reap_later(d);
}

int domain_kill(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    bool first = d->state != DOMAIN_DYING && !d->killed;
    d->killed = true;
    spin_unlock_irqrestore(&d->lock, flags);
    if (!first)
        return 0; /* already on its way: as Xen, a second destroy succeeds */
    printk("d%u (%s): destroyed by the toolstack\n", d->id, d->name);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        sched_remove_vcpu(d->vcpus[i]);
    reap_later(d);
    return 0;
}

void domain_crash(struct domain *d, const char *why)
{
    printk(LOG_WARN "d%u (%s): crashed: %s\n", d->id, d->name, why);
    domain_shutdown(d, SHUTDOWN_CRASH);
}

/*
 * Called at the top of the boot CPU's scheduler passes, where it holds no
 * reference to any vCPU: a shut-down domain none of whose vCPUs is on a CPU
 * is freed. Only the boot CPU reaps, so the console input poller (a timer on
 * that CPU) never sees a domain disappear under it.
 */
void domain_reap_pending(void)
{
    struct domain *d;

    if (smp_processor_id() != 0 || !__atomic_load_n(&reap_pending, __ATOMIC_ACQUIRE))
        return;
again:;
    unsigned long flags = spin_lock_irqsave(&reap_lock);
    if (!list_empty(&unref_list)) {
        /* Only this CPU takes domains off this list: d stays first while it is freed. */
        d = list_first_entry(&unref_list, struct domain, reap);
        spin_unlock_irqrestore(&reap_lock, flags);
        if (!free_some_pages(d, REAP_FRAMES_PER_PASS)) {
            __atomic_store_n(&reap_pending, true, __ATOMIC_RELEASE);
            return; /* more at the next pass: a large domain does not hold this CPU */
        }
        flags = spin_lock_irqsave(&reap_lock);
        list_del(&d->reap);
        spin_unlock_irqrestore(&reap_lock, flags);
        domain_release(d);
        goto again;
    }
    list_for_each_entry(d, &reap_list, reap)
    {
        bool busy = false;
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            busy |= __atomic_load_n(&d->vcpus[i]->running, __ATOMIC_ACQUIRE);
        if (busy)
            continue;
        list_del(&d->reap);
        d->state = DOMAIN_DYING;
        spin_unlock_irqrestore(&reap_lock, flags);
        domain_destroy(d);
        goto again;
    }
    __atomic_store_n(&reap_pending, !list_empty(&reap_list), __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&reap_lock, flags);
}

/* Unlink d: nobody finds it any more; it is freed when the last reference goes. */
void domain_destroy(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);
    list_del(&d->list);
    spin_unlock_irqrestore(&domain_list_lock, flags);
    domain_put(d);
    send_global_virq(VIRQ_DOM_EXC);
}

/*
 * Give back up to `budget` of a dead domain's frames (scrubbed on the way).
 * True once none is left. Nothing else touches a domain nobody references.
 */
static bool free_some_pages(struct domain *d, unsigned long budget)
{
    while (!list_empty(&d->page_list)) {
        if (!budget)
            return false;
        struct page_info *pg = list_first_entry(&d->page_list, struct page_info, list);
        unsigned int order = pg->order;
        list_del(&pg->list);
        d->tot_pages -= 1UL << order;
        d->pages_returned += 1UL << order;
        if (order == 0) {
            page_release(pg); /* scrubbed; or later, if dom0 still maps it */
        } else {
            memset(page_to_virt(pg), 0, PAGE_SIZE << order);
            pg->order = (uint8_t)order;
            if (free_domain_pages(pg, order) < 0)
                printk(LOG_ERR "d%u: could not free mfn %#lx\n", d->id, page_to_mfn(pg));
        }
        budget -= MIN(budget, 1UL << order);
    }
    return true;
}

/* The last reference is gone (boot CPU, no lock held): free everything. */
static void domain_release(struct domain *d)
{
    uint64_t pages = d->tot_pages + d->pages_returned;
    domid_t id = d->id;
    char name[64];
    strlcpy(name, d->name, sizeof(name));
    domain_free(d);
    printk("d%u (%s): destroyed, %lu KiB returned\n", id, name, pages * (PAGE_SIZE / 1024));
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);
    bool last = list_empty(&domain_list);
    spin_unlock_irqrestore(&domain_list_lock, flags);
    if (last)
        domains_all_gone();
}

int domain_pause(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    int rc = d->pause_count >= 255 ? -EOVERFLOW : 0;
    bool first = !rc && d->pause_count++ == 0;
    spin_unlock_irqrestore(&d->lock, flags);
    if (first)
        sched_pause_sync(d);
    return rc;
}

int domain_unpause(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    int rc = d->pause_count == 0 ? -EINVAL : 0;
    bool last = !rc && --d->pause_count == 0;
    spin_unlock_irqrestore(&d->lock, flags);
    if (last)
        sched_pause_sync(d);
    return rc;
}

void vcpu_down(struct vcpu *v)
{
    struct domain *d = v->domain;

    sched_remove_vcpu(v);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i]->up)
            return;
    printk("d%u (%s): every vCPU halted with interrupts off\n", d->id, d->name);
    domain_shutdown(d, SHUTDOWN_POWEROFF);
}
