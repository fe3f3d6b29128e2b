/* SPDX-License-Identifier: MIT */
/*
 * Credit2 scheduling policy: pure decisions, no side effects on the machine.
 *
 * The policy never reads the clock, arms timers, sends IPIs, prints or
 * allocates: time comes in as `now` (ns, monotonic, the same on every pCPU),
 * and storage is embedded by the caller (struct credit2_vcpu in its vCPU,
 * struct credit2_dom in its domain, one struct credit2_sched for the machine).
 * Results tell the caller what to do: which vCPU to run and for how long,
 * which pCPUs to kick (make them call credit2_pick_next soon), when the next
 * cap refill is due.
 *
 * Locking: the policy takes no locks. The caller serialises every call on one
 * struct credit2_sched (one scheduler lock, IRQs off). Functions marked [rq]
 * only change the state of the runqueue of the vCPU or pCPU they are given,
 * but may read other runqueues' idle masks; the rest ([all]) may move vCPUs
 * between runqueues. Per-runqueue locks would need [all] calls to hold every
 * runqueue lock (taken in runqueue id order).
 *
 * vCPU states and who moves between them:
 *
 *   OFFLINE --insert--> BLOCKED --wake--> RUNNABLE --pick_next--> RUNNING
 *   RUNNING --pick_next (preempted, yielded)--> RUNNABLE
 *   RUNNING --sleep--> BLOCKED  (it stays its pCPU's `curr` until that pCPU's
 *                                next pick_next; a wake before then revives it)
 *   RUNNABLE/RUNNING --no cap budget--> PARKED --refill--> RUNNABLE
 *   any --remove--> OFFLINE
 *
 * For runstate: RUNNING is running, RUNNABLE and PARKED are runnable (time the
 * guest wanted a pCPU and had none: steal), BLOCKED is blocked, OFFLINE offline.
 *
 * How the glue drives it (every "kick c" means: make pCPU c call pick_next soon):
 *   boot          credit2_init; credit2_cpu_online per pCPU
 *   domain        credit2_dom_init, _set_weight/_set_cap/_set_latency
 *   vCPU start    credit2_insert, then kick credit2_wake's pCPU
 *   block         credit2_sleep (returns its own pCPU), then pick_next there
 *   wake          kick the pCPU credit2_wake returns
 *   slice timer   pick_next; run d.next (NULL: idle loop) until now + d.slice_ns
 *   any call      kick every pCPU in d.kick; afterwards re-arm one timer at
 *                 credit2_next_refill(), which calls credit2_refill (kick *kick)
 *   yield         credit2_yield, then pick_next on that pCPU
 *   vCPU down     credit2_remove; kick the pCPU it returns; free v after that
 *                 pCPU's pick_next (or at once if it returned CREDIT2_NO_CPU)
 *   domain dies   credit2_remove each vCPU, then credit2_dom_destroy
 *   affinity      credit2_set_affinity; kick *kick
 */
#ifndef LAMINA_CREDIT2_H
#define LAMINA_CREDIT2_H

#include <lamina/list.h>
#include <lamina/types.h>

#define CREDIT2_MAX_CPUS 64
#define CREDIT2_MASK_WORDS ((CREDIT2_MAX_CPUS + 63) / 64)

#define CREDIT2_WEIGHT_DEFAULT 256
#define CREDIT2_WEIGHT_MAX 65535
#define CREDIT2_NO_CPU (-1) /* "kick nobody" from the functions returning a pCPU */

/* ---------------------------------------------------------------- cpumasks */

struct credit2_cpumask {
    uint64_t bits[CREDIT2_MASK_WORDS];
};

static inline void credit2_mask_zero(struct credit2_cpumask *m)
{
    for (unsigned int i = 0; i < CREDIT2_MASK_WORDS; i++)
        m->bits[i] = 0;
}

static inline void credit2_mask_set(struct credit2_cpumask *m, unsigned int cpu)
{
    m->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

static inline void credit2_mask_clear(struct credit2_cpumask *m, unsigned int cpu)
{
    m->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

static inline bool credit2_mask_test(const struct credit2_cpumask *m, unsigned int cpu)
{
    return cpu < CREDIT2_MAX_CPUS && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/* pCPUs 0..63 from one word (the toolstack ABI's and xl.cfg's form). */
static inline void credit2_mask_from_u64(struct credit2_cpumask *m, uint64_t bits)
{
    credit2_mask_zero(m);
    m->bits[0] = bits;
}

/* All pCPUs 0..n-1. */
static inline void credit2_mask_fill(struct credit2_cpumask *m, unsigned int n)
{
    credit2_mask_zero(m);
    for (unsigned int c = 0; c < n && c < CREDIT2_MAX_CPUS; c++)
        credit2_mask_set(m, c);
}

/* d = a & b, or a & ~b with `invert`. */
static inline void credit2_mask_and(struct credit2_cpumask *d, const struct credit2_cpumask *a,
                                    const struct credit2_cpumask *b, bool invert)
{
    for (unsigned int i = 0; i < CREDIT2_MASK_WORDS; i++)
        d->bits[i] = a->bits[i] & (invert ? ~b->bits[i] : b->bits[i]);
}

static inline bool credit2_mask_empty(const struct credit2_cpumask *m)
{
    for (unsigned int i = 0; i < CREDIT2_MASK_WORDS; i++) {
        if (m->bits[i])
            return false;
    }
    return true;
}

static inline bool credit2_mask_intersects(const struct credit2_cpumask *a,
                                           const struct credit2_cpumask *b)
{
    for (unsigned int i = 0; i < CREDIT2_MASK_WORDS; i++) {
        if (a->bits[i] & b->bits[i])
            return true;
    }
    return false;
}

/* a is a subset of b */
static inline bool credit2_mask_subset(const struct credit2_cpumask *a,
                                       const struct credit2_cpumask *b)
{
    for (unsigned int i = 0; i < CREDIT2_MASK_WORDS; i++) {
        if (a->bits[i] & ~b->bits[i])
            return false;
    }
    return true;
}

/* The first pCPU at or after `from`, or CREDIT2_NO_CPU. */
static inline int credit2_mask_next(const struct credit2_cpumask *m, unsigned int from)
{
    for (unsigned int i = from / 64; i < CREDIT2_MASK_WORDS; i++) {
        uint64_t w = m->bits[i];
        if (i == from / 64)
            w &= ~0ULL << (from % 64);
        if (w)
            return (int)(i * 64 + (unsigned int)__builtin_ctzll(w));
    }
    return CREDIT2_NO_CPU;
}

#define credit2_for_each_cpu(c, m) \
    for (int c = credit2_mask_next(m, 0); c >= 0; c = credit2_mask_next(m, (unsigned int)c + 1))

/* ---------------------------------------------------------------- parameters */

/* What one runqueue spans (sched_credit2_runqueue=). */
enum credit2_gran {
    CREDIT2_RQ_CPU,
    CREDIT2_RQ_CORE,
    CREDIT2_RQ_SOCKET, /* the default */
    CREDIT2_RQ_NODE,
    CREDIT2_RQ_ALL,
};

struct credit2_params {
    enum credit2_gran gran;
    uint64_t ratelimit_ns;     /* minimum run before preemption (1 ms); 0 disables */
    uint64_t credit_init_ns;   /* credit added at a reset (10 ms) */
    uint64_t carry_ns;         /* credit kept above credit_init across a reset (500 us) */
    uint64_t min_slice_ns;     /* 500 us */
    uint64_t max_slice_ns;     /* 10 ms */
    uint64_t latency_slice_ns; /* slice of a latency-sensitive waker that preempted (200 us) */
    uint64_t cap_period_ns;    /* cap budget refill period (10 ms) */
    unsigned int load_shift;   /* load averaging window is 2^load_shift ns (2^26: 67 ms) */
    uint64_t balance_ns;       /* a runqueue balances at most this often (2 ms) */
    uint32_t balance_min_gain; /* move only if load per pCPU evens out by this, 1/256ths of
                                  a vCPU (32 = 1/8) */
};

/* ---------------------------------------------------------------- state */

enum credit2_state {
    CREDIT2_OFFLINE,
    CREDIT2_BLOCKED,
    CREDIT2_RUNNABLE,
    CREDIT2_RUNNING,
    CREDIT2_PARKED,
};

struct credit2_rq;

/* Embedded in the caller's domain. Fields are the policy's; read, don't write. */
struct credit2_dom {
    struct list_head vcpus;  /* its inserted vCPUs */
    struct list_head capped; /* on the scheduler's list while cap != 0 */
    struct list_head parked; /* vCPUs waiting for budget */
    unsigned int nr_vcpus;   /* inserted vCPUs */
    uint32_t weight;         /* 1..65535 */
    uint32_t cap;            /* percent of one pCPU; 0: none */
    bool latency;            /* wakers may preempt past the ratelimit */
    int64_t budget;          /* ns of CPU left in this cap period (shared pool) */
    int64_t budget_period;   /* ns per period: cap% of cap_period */
    uint64_t next_refill;    /* ns */
};

/* Embedded in the caller's vCPU. Fields are the policy's; read, don't write. */
struct credit2_vcpu {
    struct list_head dom_elem;  /* in dom->vcpus */
    struct list_head rq_elem;   /* in rq->assigned */
    struct list_head runq_elem; /* in rq->runq (RUNNABLE) or dom->parked (PARKED) */
    struct credit2_dom *dom;
    struct credit2_rq *rq; /* the runqueue it belongs to (NULL when OFFLINE) */
    enum credit2_state state;
    unsigned int cpu;      /* pCPU it runs on, ran on last, or is headed for */
    int64_t credit;        /* ns at maximum weight */
    int64_t budget;        /* cap budget in hand (ns) */
    uint64_t acct_ns;      /* credit burned up to here (while running) */
    uint64_t run_start_ns; /* got its pCPU at (ratelimit) */
    uint64_t load;         /* average of "wants a pCPU", 16 fractional bits */
    uint64_t load_ns;      /* load averaged up to here */
    struct credit2_cpumask hard;
    struct credit2_cpumask soft; /* preference, within `hard` */
    bool soft_limited;           /* soft excludes some online pCPU of hard */
    bool yield;                  /* asked to let others run at the next pick */
    bool boost;                  /* latency-sensitive waker: short slice, no ratelimit */
};

/* One per pCPU, inside struct credit2_sched. */
struct credit2_pcpu {
    struct credit2_rq *rq;
    struct credit2_vcpu *curr; /* NULL: idle */
    unsigned int core, socket, node;
    bool present, online;
    bool urgent; /* a latency-sensitive waker asked to preempt past the ratelimit */
};

struct credit2_rq {
    unsigned int id;
    uint64_t key;                /* topology id it stands for (see credit2_cpu_online) */
    struct list_head runq;       /* RUNNABLE vCPUs, most credit first */
    struct list_head assigned;   /* every vCPU belonging here, any state but OFFLINE */
    struct credit2_cpumask cpus; /* its online pCPUs */
    unsigned int nr_cpus;
    unsigned int nr_assigned;
    unsigned int nr_active; /* RUNNING + RUNNABLE */
    uint32_t max_weight;    /* burn rates are relative to this */
    uint64_t load;          /* average nr_active, 16 fractional bits */
    uint64_t load_ns;
    uint64_t last_balance;
    uint64_t nr_resets; /* statistics */
    uint64_t nr_pulls, nr_pushes;
};

struct credit2_sched {
    struct credit2_params p;
    struct credit2_pcpu cpu[CREDIT2_MAX_CPUS];
    struct credit2_rq rq[CREDIT2_MAX_CPUS];
    unsigned int nr_rqs;
    struct credit2_cpumask online;
    struct credit2_cpumask idle;    /* online pCPUs with no vCPU */
    struct credit2_cpumask tickled; /* asked to pick_next, not done yet */
    struct list_head capped;        /* domains with a cap */
};

/* What a pCPU runs next. */
struct credit2_decision {
    struct credit2_vcpu *next;   /* NULL: run the idle loop until kicked */
    uint64_t slice_ns;           /* call pick_next again at now + slice_ns (0 when idle) */
    struct credit2_cpumask kick; /* other pCPUs that must call pick_next soon */
};

/* ---------------------------------------------------------------- setup [all] */

void credit2_params_default(struct credit2_params *p);
/* "cpu", "core", "socket", "node" or "all"; -EINVAL otherwise. */
int credit2_parse_gran(const char *s, enum credit2_gran *g);
int credit2_init(struct credit2_sched *s, const struct credit2_params *p);
/* Bring a pCPU online with its topology ids; its runqueue follows p.gran. */
int credit2_cpu_online(struct credit2_sched *s, unsigned int cpu, unsigned int core,
                       unsigned int socket, unsigned int node, uint64_t now);
/*
 * Take an idle pCPU offline. -EBUSY if it runs a vCPU or is the last online
 * pCPU of some vCPU's hard affinity; -EINVAL if not online.
 */
int credit2_cpu_offline(struct credit2_sched *s, unsigned int cpu, uint64_t now,
                        struct credit2_cpumask *kick);

/* ---------------------------------------------------------------- validation */

int credit2_check_weight(unsigned long weight);                  /* 1..65535 */
int credit2_check_cap(unsigned long cap, unsigned int nr_vcpus); /* 0..100*nr_vcpus */
int credit2_check_cpumask(const struct credit2_sched *s, const struct credit2_cpumask *m);

/* ---------------------------------------------------------------- domains */

/* Weight 256, no cap, not latency-sensitive. */
void credit2_dom_init(struct credit2_dom *d);
int credit2_dom_set_weight(struct credit2_sched *s, struct credit2_dom *d, unsigned long w,
                           uint64_t now);
/*
 * Percent of one pCPU over all the domain's nr_vcpus vCPUs; 0 removes the cap
 * (parked vCPUs wake: pCPUs to kick are added to *kick).
 */
int credit2_dom_set_cap(struct credit2_sched *s, struct credit2_dom *d, unsigned long cap,
                        unsigned int nr_vcpus, uint64_t now, struct credit2_cpumask *kick);
void credit2_dom_set_latency(struct credit2_dom *d, bool on);
/* After every vCPU was removed: forget the domain. */
void credit2_dom_destroy(struct credit2_sched *s, struct credit2_dom *d);

/* ---------------------------------------------------------------- vCPUs */

/*
 * [all] Attach v to d, BLOCKED, on the least loaded runqueue its hard affinity
 * allows (NULL masks: all pCPUs, no preference). Call credit2_wake to run it.
 */
int credit2_insert(struct credit2_sched *s, struct credit2_vcpu *v, struct credit2_dom *d,
                   const struct credit2_cpumask *hard, const struct credit2_cpumask *soft,
                   uint64_t now);
/*
 * [rq] Detach v for good (vCPU down, domain destroyed): OFFLINE. Returns the
 * pCPU still running it, which must be kicked; the policy forgets v once that
 * pCPU's next pick_next returns. CREDIT2_NO_CPU if it was not running.
 */
int credit2_remove(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now);
/* [all] Make a BLOCKED v runnable. Returns a pCPU to kick, or CREDIT2_NO_CPU. */
int credit2_wake(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now);
/*
 * [rq] v waits for an event: BLOCKED. Called for the running vCPU (then call
 * pick_next on its pCPU) or for a queued one (paused). Returns a pCPU to kick
 * (v running elsewhere than the caller expected), or CREDIT2_NO_CPU.
 */
int credit2_sleep(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now);
/* [rq] The running v lets others go first at its pCPU's next pick_next. */
void credit2_yield(struct credit2_vcpu *v);
/* [all] Decide what `cpu` runs now (it ran d->curr until now). */
void credit2_pick_next(struct credit2_sched *s, unsigned int cpu, uint64_t now,
                       struct credit2_decision *d);
/*
 * [all] Move a vCPU that is not running to cpu's runqueue. -EBUSY if running,
 * -EINVAL if cpu is offline or outside its hard affinity. *kick: pCPU to kick.
 */
int credit2_migrate(struct credit2_sched *s, struct credit2_vcpu *v, unsigned int cpu, uint64_t now,
                    int *kick);
/*
 * [all] New hard and soft affinity (NULL soft: no preference). A running vCPU
 * that may no longer use its pCPU leaves it at that pCPU's next pick_next:
 * *kick names it. -EINVAL for an empty or all-offline mask.
 */
int credit2_set_affinity(struct credit2_sched *s, struct credit2_vcpu *v,
                         const struct credit2_cpumask *hard, const struct credit2_cpumask *soft,
                         uint64_t now, int *kick);

/* ---------------------------------------------------------------- caps [all] */

/* When parked vCPUs get budget again (arm a timer); UINT64_MAX: none parked. */
uint64_t credit2_next_refill(const struct credit2_sched *s);
/* Refill what is due and unpark; pCPUs to kick are added to *kick. */
void credit2_refill(struct credit2_sched *s, uint64_t now, struct credit2_cpumask *kick);

/* ---------------------------------------------------------------- internals */
/* Shared by credit2.c and credit2_balance.c; not for the glue. */

/* v's hard affinity has an online pCPU in rq. */
static inline bool credit2_rq_allows(const struct credit2_rq *rq, const struct credit2_vcpu *v)
{
    return credit2_mask_intersects(&rq->cpus, &v->hard);
}

void credit2_load_update(const struct credit2_sched *s, uint64_t *avg, uint64_t *stamp,
                         unsigned int inst, uint64_t now);
void credit2_rq_move(struct credit2_sched *s, struct credit2_vcpu *v, struct credit2_rq *to,
                     uint64_t now);
bool credit2_can_budget(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now,
                        struct credit2_cpumask *kick);
struct credit2_vcpu *credit2_pull(struct credit2_sched *s, unsigned int cpu, uint64_t now,
                                  struct credit2_cpumask *kick);
void credit2_balance(struct credit2_sched *s, struct credit2_rq *rq, uint64_t now,
                     struct credit2_cpumask *kick);
int credit2_idle_cpu_for(const struct credit2_sched *s, const struct credit2_vcpu *v);
bool credit2_idle_cpu_worth_it(struct credit2_sched *s, const struct credit2_vcpu *v,
                               unsigned int cpu, uint64_t now);
int64_t credit2_move_gain(const struct credit2_rq *src, const struct credit2_rq *dst,
                          const struct credit2_vcpu *v);
int credit2_make_runnable(struct credit2_sched *s, struct credit2_vcpu *v, uint64_t now);
struct credit2_rq *credit2_best_rq(struct credit2_sched *s, const struct credit2_vcpu *v,
                                   uint64_t now, bool by_count);
void credit2_rq_assign(struct credit2_sched *s, struct credit2_vcpu *v, struct credit2_rq *rq,
                       uint64_t now);
void credit2_rq_max_weight(struct credit2_rq *rq);
unsigned int credit2_first_cpu_for(const struct credit2_rq *rq, const struct credit2_vcpu *v);
void credit2_burn_running(struct credit2_sched *s, uint64_t now);
void credit2_set_state(struct credit2_sched *s, struct credit2_vcpu *v, enum credit2_state st,
                       uint64_t now);

#endif
