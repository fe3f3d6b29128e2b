// SPDX-License-Identifier: MIT
/*
 * The CPUID policy as the toolstack sees it: sysctl get_cpu_policy and
 * get_cpu_featureset, domctl set_cpu_policy. libxenguest reads the default
 * HVM policy, adjusts topology bits and hands it back for the new domain.
 * Leaves are serialized by the rules libx86 uses (every basic leaf up to
 * 0xd, leaf 4 and 0xb until a null type, leaf 7 up to its max subleaf, 0xd
 * subleaves 0, 1 and one per xstate, the two hypervisor leaves, every
 * extended leaf), because libxc re-serializes into a buffer of the size we
 * report and fails on any mismatch. What a guest then sees comes from
 * guest_cpuid(): the policy handed back is checked, not applied (yet).
 */
#include <lamina/domctl.h>
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/hvm/guest.h>

#define NO_SUBLEAF 0xffffffffu
#define MAX_LEAVES 120 /* libxc refuses more */
#define NR_FEATURE_WORDS 10

struct cpuid_leaf {
    uint32_t leaf, subleaf, a, b, c, d;
};

struct sysctl_cpu_policy {
    uint32_t index; /* 0 raw, 1 host, 2 pv_max, 3 hvm_max, 4 pv_default, 5 hvm_default */
    uint32_t nr_leaves;
    uint32_t nr_msrs;
    uint32_t rsvd;
    uint64_t leaves;
    uint64_t msrs;
};

struct domctl_cpu_policy {
    uint32_t nr_leaves;
    uint32_t nr_msrs;
    uint64_t leaves;
    uint64_t msrs;
    uint32_t err_leaf, err_subleaf, err_msr;
};

struct sysctl_featureset {
    uint32_t index;
    uint32_t nr_features; /* IN: room, OUT: words */
    uint64_t features;
};

STATIC_ASSERT(sizeof(struct cpuid_leaf) == 24, "ABI: xen_cpuid_leaf");
STATIC_ASSERT(sizeof(struct sysctl_cpu_policy) == 32, "ABI: sysctl cpu_policy");
STATIC_ASSERT(sizeof(struct domctl_cpu_policy) == 40, "ABI: domctl cpu_policy");

/* One CPUID value as the policy `index` has it: the host's own, or a guest's. */
static void policy_cpuid(struct vcpu *v, uint32_t index, uint32_t leaf, uint32_t sub,
                         uint32_t out[4])
{
    if (index <= 1) {
        struct cpuid_regs r = cpuid_count(leaf, sub);
        out[0] = r.eax, out[1] = r.ebx, out[2] = r.ecx, out[3] = r.edx;
    } else {
        guest_cpuid(v, leaf, sub, out);
    }
}

/* Serialize into leaves[] (at most MAX_LEAVES written); returns the count, which may be more. */
static unsigned int serialize(struct vcpu *v, uint32_t index, struct cpuid_leaf *leaves)
{
    unsigned int n = 0;
    uint32_t r[4];

#define ADD(l, s)                                                          \
    do {                                                                   \
        policy_cpuid(v, index, l, (s) == NO_SUBLEAF ? 0 : (s), r);         \
        if (n < MAX_LEAVES)                                                \
            leaves[n] = (struct cpuid_leaf){l, s, r[0], r[1], r[2], r[3]}; \
        n++;                                                               \
    } while (0)

    policy_cpuid(v, index, 0, 0, r);
    uint32_t max_basic = MIN(r[0], 0xdu);
    for (uint32_t l = 0; l <= max_basic; l++) {
        if (l == 4 || l == 0xb) {
            for (uint32_t s = 0; s < 8; s++) {
                ADD(l, s);
                uint32_t type = l == 4 ? r[0] & 0x1f : (r[2] >> 8) & 0xff;
                if (!type)
                    break;
            }
        } else if (l == 7) {
            policy_cpuid(v, index, 7, 0, r);
            uint32_t max_sub = MIN(r[0], 2u);
            for (uint32_t s = 0; s <= max_sub; s++)
                ADD(l, s);
        } else if (l == 0xd) {
            policy_cpuid(v, index, 0xd, 0, r);
            uint64_t xstates = r[0] | ((uint64_t)r[3] << 32);
            policy_cpuid(v, index, 0xd, 1, r);
            xstates |= r[2] | ((uint64_t)r[3] << 32);
            ADD(l, 0);
            ADD(l, 1);
            for (uint32_t s = 2; s < 63; s++)
                if (xstates & (1ULL << s))
                    ADD(l, s);
        } else {
            ADD(l, NO_SUBLEAF);
        }
    }
    /* The hypervisor leaves travel empty: each hypervisor fills its own. */
    for (uint32_t i = 0; i < 2; i++) {
        if (n < MAX_LEAVES)
            leaves[n] = (struct cpuid_leaf){0x40000000 + i * 0x100, NO_SUBLEAF, 0, 0, 0, 0};
        n++;
    }
    policy_cpuid(v, index, 0x80000000, 0, r);
    uint32_t max_ext = r[0] >= 0x80000000 ? MIN(r[0], 0x80000021u) : 0x80000000;
    for (uint32_t l = 0x80000000; l <= max_ext; l++)
        ADD(l, NO_SUBLEAF);
#undef ADD
    return n;
}

long arch_get_cpu_policy(struct vcpu *caller, void *arg)
{
    struct sysctl_cpu_policy *p = arg;
    static struct cpuid_leaf leaves[MAX_LEAVES];
    static spinlock_t lock = SPINLOCK_INIT;

    if (p->rsvd)
        return -EINVAL;
    if (p->index > 5)
        return -EINVAL;
    if (p->index == 2 || p->index == 4)
        return -EOPNOTSUPP; /* no PV guests */
    if (!p->leaves && !p->msrs) {
        p->nr_leaves = MAX_LEAVES; /* the most any policy needs */
        p->nr_msrs = 0;
        return 0;
    }
    long rc = 0;
    unsigned long flags = spin_lock_irqsave(&lock);
    unsigned int n = serialize(caller, p->index, leaves); /* writes at most MAX_LEAVES */
    if (n > MAX_LEAVES)
        rc = -E2BIG;
    else if (p->leaves && p->nr_leaves < n)
        rc = -ENOBUFS;
    else if (p->leaves && copy_to_guest(caller, p->leaves, leaves, n * sizeof(leaves[0])))
        rc = -EFAULT;
    spin_unlock_irqrestore(&lock, flags);
    if (rc == 0 || rc == -ENOBUFS)
        p->nr_leaves = n;
    p->nr_msrs = 0; /* no MSR policy entries */
    return rc;
}

/* Feature words in Xen's order: 1.edx, 1.ecx, e1.edx, e1.ecx, 0xd.1.eax, 7.0.ebx, 7.0.ecx, e7.edx,
 * e8.ebx, 7.0.edx. */
long arch_get_cpu_featureset(struct vcpu *caller, void *arg)
{
    struct sysctl_featureset *f = arg;
    static const uint32_t src[NR_FEATURE_WORDS][3] = {
        {1, 0, 3}, {1, 0, 2}, {0x80000001, 0, 3}, {0x80000001, 0, 2}, {0xd, 1, 0},
        {7, 0, 1}, {7, 0, 2}, {0x80000007, 0, 3}, {0x80000008, 0, 1}, {7, 0, 3},
    };
    uint32_t words[NR_FEATURE_WORDS], r[4];

    if (f->index > 3)
        return -EINVAL; /* raw, host, pv_max, hvm_max */
    if (f->nr_features < NR_FEATURE_WORDS && f->features) {
        f->nr_features = NR_FEATURE_WORDS;
        return -ENOBUFS;
    }
    for (unsigned int i = 0; i < NR_FEATURE_WORDS; i++) {
        policy_cpuid(caller, f->index, src[i][0], src[i][1], r);
        words[i] = r[src[i][2]];
    }
    f->nr_features = NR_FEATURE_WORDS;
    return f->features && copy_to_guest(caller, f->features, words, sizeof(words)) ? -EFAULT : 0;
}

long arch_set_cpu_policy(struct vcpu *caller, struct domain *d, struct xen_domctl *op)
{
    struct domctl_cpu_policy *p = (struct domctl_cpu_policy *)op->u.raw;
    struct cpuid_leaf leaf;

    p->err_leaf = p->err_subleaf = p->err_msr = ~0u;
    if (d->started)
        return -EEXIST; /* only before the domain first runs, as on Xen */
    if (p->nr_leaves > MAX_LEAVES || p->nr_msrs > 64)
        return -E2BIG;
    /* Read every leaf: a policy we could not read is refused, not half-taken. */
    for (uint32_t i = 0; i < p->nr_leaves; i++) {
        if (copy_from_guest(caller, &leaf, p->leaves + i * sizeof(leaf), sizeof(leaf)))
            return -EFAULT;
        bool basic = leaf.leaf <= 0xd, ext = leaf.leaf >= 0x80000000 && leaf.leaf <= 0x80000021;
        bool hv = leaf.leaf == 0x40000000 || leaf.leaf == 0x40000100;
        if (!basic && !ext && !hv) {
            p->err_leaf = leaf.leaf, p->err_subleaf = leaf.subleaf;
            return -ERANGE;
        }
    }
    return 0;
}
