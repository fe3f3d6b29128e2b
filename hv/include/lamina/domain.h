/* SPDX-License-Identifier: MIT */
/*
 * Domains and vCPUs. A domain owns memory (through page_info), vCPUs, event
 * channels and a set of rights; it knows nothing of other domains except what
 * it was explicitly given. Arch state lives in `arch` (see asm/hvm/vcpu.h).
 */
#ifndef LAMINA_DOMAIN_H
#define LAMINA_DOMAIN_H

#include <lamina/credit2.h>
#include <lamina/list.h>
#include <lamina/mm.h>
#include <lamina/spinlock.h>
#include <lamina/time.h>
#include <lamina/types.h>
#include <asm/hvm/vcpu.h>

#define DOMID_SELF ((domid_t)0x7ff0)
#define DOMID_FIRST_RESERVED ((domid_t)0x7ff0)
#define MAX_DOMAINS 64
#define MAX_VCPUS 128

/* Rights a domain may hold (DESIGN.md §1). A domU has none. */
#define RIGHT_NONE 0u
#define RIGHT_CONTROL (1u << 0)      /* create/destroy/configure other domains */
#define RIGHT_HARDWARE (1u << 1)     /* I/O ports, MMIO, IRQs it was given */
#define RIGHT_STORE (1u << 2)        /* the xenstore domain */
#define RIGHT_DEVICE_MODEL (1u << 3) /* emulate devices for `dm_target` only */

enum domain_state {
    DOMAIN_CREATED, /* built, vCPUs not yet started */
    DOMAIN_RUNNING,
    DOMAIN_SHUTDOWN, /* a vCPU asked (or crashed); waiting to be destroyed */
    DOMAIN_DYING,    /* resources being released */
};

/* SHUTDOWN_* reasons, Xen's numbering. */
enum shutdown_reason {
    SHUTDOWN_POWEROFF = 0,
    SHUTDOWN_REBOOT = 1,
    SHUTDOWN_SUSPEND = 2,
    SHUTDOWN_CRASH = 3,
    SHUTDOWN_WATCHDOG = 4,
    SHUTDOWN_SOFT_RESET = 5,
};

enum runstate {
    RUNSTATE_RUNNING = 0,
    RUNSTATE_RUNNABLE = 1,
    RUNSTATE_BLOCKED = 2,
    RUNSTATE_OFFLINE = 3
};

struct domain;
struct shared_info;
struct vcpu_info;
struct evtchn;

#define NR_VIRQS 24
#define EVTCHN_PORTS 1024 /* per domain; the 2-level ABI allows 4096 */

struct vcpu {
    struct domain *domain;
    unsigned int id;
    unsigned int processor; /* pCPU it runs on, or ran on last */
    bool running;           /* on a pCPU: the reaper must not free it */
    bool blocked;           /* HLT / SCHEDOP_block: wait for an event or timer */
    bool up;                /* not offline */
    bool initialised;       /* the toolstack gave it a state (sethvmcontext): start at unpause */
    enum runstate runstate;
    uint64_t runstate_entry; /* now() when it entered the current state */
    uint64_t runstate_time[4];
    struct timer singleshot;     /* VCPUOP_set_singleshot_timer */
    struct timer poll_timer;     /* SCHEDOP_poll timeout */
    struct vcpu_info *vcpu_info; /* where its upcall bits live (shared_info or registered) */
    uint64_t vcpu_info_gfn;      /* registered page, 0 if in shared_info */
    uint64_t runstate_gpa;       /* registered runstate area, 0 if none */
    uint32_t virq_port[NR_VIRQS];
    uint32_t poll_ports[4]; /* SCHEDOP_poll: the ports it waits on */
    unsigned int nr_poll_ports;
    bool polling;
    /* Scheduling (core/sched.c, under its lock). */
    struct credit2_vcpu sched;
    struct credit2_cpumask hard_affinity; /* pCPUs it may run on */
    struct credit2_cpumask soft_affinity; /* pCPUs it prefers, if soft_set */
    bool soft_set;
    bool affinity_pending; /* set while it was leaving its pCPU: applied at that pCPU's pick */
    struct arch_vcpu arch;
};

struct domain {
    domid_t id;
    char name[64];
    unsigned int rights;
    bool initial;      /* dom0 from the boot modules: its console is the machine's (console_io) */
    domid_t dm_target; /* with RIGHT_DEVICE_MODEL */
    enum domain_state state;
    unsigned int shutdown_reason;
    unsigned int pause_count; /* controller pauses (domctl): while > 0 no vCPU runs */
    bool toolstack;     /* made by domctl createdomain: stays after shutdown until destroyed */
    bool started;       /* its first unpause started the vCPUs the toolstack set up */
    bool killed;        /* destroydomain: being torn down */
    bool reaping;       /* on the reap list (under the reap lock) */
    uint8_t handle[16]; /* the UUID the toolstack knows it by */
    spinlock_t lock;
    uint32_t refcnt;       /* the domain list holds one; domain_get()/domain_put() the rest */
    struct list_head list; /* all domains */
    struct list_head reap; /* on the reap list once shut down */

    unsigned int nr_vcpus;
    struct vcpu **vcpus;

    uint64_t tot_pages;      /* frames owned */
    uint64_t pages_returned; /* after death: frames already given back (freed in steps) */
    uint64_t max_pages;
    struct list_head page_list;
    nodemask_t node_affinity; /* memory comes from these nodes first (all by default) */

    bool runstate_update_flag; /* VMASST_TYPE_runstate_update_flag */
    struct credit2_dom sched;  /* weight, cap, latency (core/sched.c) */

    struct shared_info *shared_info; /* the hypervisor's mapping; guests map it by gfn */
    struct evtchn *evtchn;           /* EVTCHN_PORTS entries */

    /* Console output being assembled into a line ("(d1) ..."). */
    char console_line[160];
    unsigned int console_len;
    bool console_open; /* a partial line (a prompt) was printed without its end */

    struct arch_domain arch;
};

/* Lifecycle. */
struct domain *domain_create(domid_t id, const char *name, unsigned int rights,
                             unsigned int nr_vcpus);
void domain_shutdown(struct domain *d, unsigned int reason);
void domain_crash(struct domain *d, const char *why);
/* The toolstack's destroydomain: stop it and free it once no CPU uses it. */
int domain_kill(struct domain *d);
void domain_destroy(struct domain *d);
void domain_free(struct domain *d);
void domain_discard(struct domain *d); /* one that never ran */
/* v stopped for good (HLT with interrupts off); the last one ends the domain. */
void vcpu_down(struct vcpu *v);
/* Controller pause (xl pause): counted; -EOVERFLOW past 255, -EINVAL below 0. */
int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
/* One line of v's state for the console (arch). */
void arch_vcpu_dump(struct vcpu *v);
void evtchn_dump_vcpu(struct vcpu *v);
void arch_domain_exit_histogram(struct domain *d); /* exits by reason, for the console */
void domain_reap_pending(void);
extern volatile bool reap_pending;       /* scheduler: destroy shut-down domains no CPU uses */
struct domain *domain_by_id(domid_t id); /* boot CPU only: it is the one that frees */
/*
 * A counted reference, for any CPU: the domain is not freed before the
 * matching domain_put(). NULL if no live domain has that id.
 */
struct domain *domain_get_by_id(domid_t id);
void domain_get(struct domain *d); /* another reference to one already held */
void domain_put(struct domain *d);
/*
 * The domain a hypercall names, referenced: the caller (DOMID_SELF or its
 * own id), or, for a caller with the control right, another live domain.
 * -EPERM without the right, -ESRCH if there is no such domain or it dies.
 */
long domain_get_target(struct vcpu *v, domid_t id, struct domain **out);
domid_t domain_next_id(void);
extern struct list_head domain_list;
extern spinlock_t domain_list_lock;
const char *shutdown_reason_name(unsigned int reason);

/* Memory owned by a domain: allocated, scrubbed, on d->page_list. */
/* Frames the domain owns on each node, and its lowest and highest mfn (0, 0 if none). */
void domain_memory_by_node(struct domain *d, uint64_t frames[MAX_NODES], mfn_t *lo, mfn_t *hi);
struct page_info *domain_alloc_pages(struct domain *d, unsigned int order);
void domain_free_all_pages(struct domain *d);
/*
 * 2^order contiguous frames, each its own block: mapped with large pages,
 * yet each can be mapped by dom0 (counted) and given back on its own.
 */
struct page_info *domain_alloc_frames(struct domain *d, unsigned int order);
/* Give back one single-frame block (domain_alloc_pages(d, 0), domain_alloc_frames). */
void domain_free_page(struct domain *d, struct page_info *pg);

/* Scheduling (core/sched.c). */
void vcpu_wake(struct vcpu *v);  /* make runnable (if up and not blocked) */
void vcpu_block(struct vcpu *v); /* current vCPU waits for an event */
void vcpu_runstate_change(struct vcpu *v, enum runstate s);
void sched_start_vcpu(struct vcpu *v); /* first time: assign a pCPU and queue */
void __noreturn scheduler_loop(void);  /* each pCPU runs this after boot */
void sched_yield(void);
bool sched_should_leave(struct vcpu *v); /* the running vCPU must give the CPU up */
void sched_kick(unsigned int cpu);
void sched_kick_all(void);
void sched_remove_vcpu(struct vcpu *v);
/* d->pause_count changed to or from zero: take its vCPUs off, or let them run again. */
void sched_pause_sync(struct domain *d);
void sched_init(void); /* all CPUs' queues, on the boot CPU */
/* Per-domain scheduling state: from domain_create, to domain_free. */
void sched_domain_init(struct domain *d);
void sched_domain_destroy(struct domain *d);
/* Knobs (config and control hypercalls); negative errno, nothing changed on error. */
int sched_set_weight(struct domain *d, unsigned long weight);
int sched_set_cap(struct domain *d, unsigned long cap);
void sched_set_latency(struct domain *d, bool on);
/* soft NULL: no preference. Masks must be nonempty and hold an online pCPU. */
int sched_set_affinity(struct vcpu *v, const struct credit2_cpumask *hard,
                       const struct credit2_cpumask *soft);
int sched_check_cpumask(const struct credit2_cpumask *m);
unsigned int sched_ratelimit_us(void);
int sched_set_ratelimit_us(unsigned int us); /* 0, or 100..500000; else -EINVAL */
void sched_online_mask(struct credit2_cpumask *m);
/* A consistent snapshot of v's runstate; times include the current stretch. */
/* pCPU `cpu`'s idle vCPU: running = idle time. -EINVAL for a pCPU not online. */
int sched_idle_runstate(unsigned int cpu, enum runstate *state, uint64_t *entry, uint64_t time[4]);
void sched_vcpu_runstate(struct vcpu *v, enum runstate *state, uint64_t *entry, uint64_t time[4],
                         unsigned int *cpu, bool *running);
void vcpu_singleshot_fired(void *v);
/* timer callback (core/vcpu_op.c) */ /* take off its queue; make it leave its CPU */

/* Event channels (core/event.c). */
int event_domain_init(struct domain *d);
void event_domain_destroy(struct domain *d);
void evtchn_set_pending(struct domain *d, uint32_t port);
void send_virq(struct vcpu *v, unsigned int virq);
void send_global_virq(unsigned int virq); /* to domain 0, if there is one */
/* A port whose other end is the hypervisor: `fn` runs when the guest sends. */
int evtchn_alloc_hv(struct domain *d, void (*fn)(struct domain *d, uint32_t port));
/* An upcall became pending for v: get it delivered (wake it or make it exit). */
void vcpu_kick(struct vcpu *v);
long evtchn_poll(struct vcpu *v, const uint32_t *ports, unsigned int n, uint64_t timeout);
/* Copy v's runstate into its registered area, if any (core/vcpu_op.c). */
void runstate_publish(struct vcpu *v);
/* Rewrite v's pvclock records (arch/x86/hvm/time.c). */
void vcpu_time_update(struct vcpu *v);
void evtchn_move_vcpu_info(struct vcpu *v, struct vcpu_info *vi);
/* A key typed for d: into its console ring. 1 taken, 0 dropped (full), -ENODEV no ring. */
int domain_console_input(struct domain *d, char c);

/* The last domain is gone: honour on_last_domain_exit=. */
void domains_all_gone(void);
unsigned int boot_domains_start(void); /* core/boot_domains.c */
bool dom0_start(void);                 /* core/dom0.c: false if no module is dom0's */
struct boot_module;
bool boot_module_is_config(const struct boot_module *m); /* its name ends in ".cfg" */

#endif
