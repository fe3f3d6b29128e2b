// SPDX-License-Identifier: MIT
/*
 * Reaching guest memory. Guest-physical addresses go through the p2m; guest
 * linear addresses (hypercall buffers) first go through the guest's own page
 * tables in whatever mode it is in: none, 32-bit (PSE), PAE or 4-level.
 * Any hole gives -EFAULT; nothing here trusts a guest value.
 */
#include <lamina/lib.h>
#include <asm/cpu.h>
#include <asm/hvm/guest.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>
#include <asm/hvm/p2m.h>
#include <asm/paging.h>

#define CR0_PG (1UL << 31)
#define CR4_PSE (1UL << 4)
#define CR4_PAE (1UL << 5)
#define CR4_LA57 (1UL << 12)
#define EFER_LMA (1UL << 10)
#define PTE_PS_BIT (1UL << 7)

/* Host pointer to gpa and how many bytes of its page follow; NULL if unbacked. */
static void *gpa_ptr(struct domain *d, uint64_t gpa, bool write, size_t *avail)
{
    bool w;
    mfn_t mfn = p2m_lookup(d, gpa >> PAGE_SHIFT, &w);

    if (mfn == INVALID_MFN || (write && !w))
        return NULL;
    *avail = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
    return (char *)mfn_to_virt(mfn) + (gpa & (PAGE_SIZE - 1));
}

static int gpa_copy(struct domain *d, uint64_t gpa, void *buf, size_t len, int dir)
{
    while (len) {
        size_t avail;
        char *p = gpa_ptr(d, gpa, dir != 0, &avail);
        if (!p)
            return -EFAULT;
        size_t n = MIN(len, avail);
        if (dir == 0)
            memcpy(buf, p, n);
        else if (dir == 1)
            memcpy(p, buf, n);
        else
            memset(p, 0, n);
        gpa += n, len -= n;
        if (buf)
            buf = (char *)buf + n;
    }
    return 0;
}

int copy_from_gpa(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
    return gpa_copy(d, gpa, dst, len, 0);
}

int copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    return gpa_copy(d, gpa, (void *)src, len, 1);
}

int zero_gpa(struct domain *d, uint64_t gpa, size_t len)
{
    return gpa_copy(d, gpa, NULL, len, 2);
}

/* Read one page-table entry of `size` bytes at gpa. */
static int read_pte(struct domain *d, uint64_t gpa, unsigned int size, uint64_t *pte)
{
    uint64_t v = 0;
    if (copy_from_gpa(d, &v, gpa, size) < 0)
        return -EFAULT;
    *pte = v;
    return 0;
}

int guest_linear_to_gpa(struct vcpu *v, uint64_t la, bool write, uint64_t *gpa)
{
    struct vmcb *vm = v->arch.vmcb;
    struct domain *d = v->domain;
    bool wp = vm->cr0 & CR0_WP;
    uint64_t pte;

    if (!(vm->cr0 & CR0_PG)) {
        *gpa = vm->efer & EFER_LMA ? la : (uint32_t)la;
        return 0;
    }
    if (vm->efer & EFER_LMA) {
        if (vm->cr4 & CR4_LA57)
            return -EFAULT; /* LA57 is hidden from guests */
        if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
            return -EFAULT; /* non-canonical */
        uint64_t table = vm->cr3 & PTE_ADDR;
        for (int level = 4; level >= 1; level--) {
            unsigned int shift = 12 + 9 * (level - 1);
            if (read_pte(d, table + ((la >> shift) & 511) * 8, 8, &pte) < 0 || !(pte & PTE_P))
                return -EFAULT;
            if (write && wp && !(pte & PTE_W))
                return -EFAULT;
            if (level == 1 || ((pte & PTE_PS_BIT) && level <= 3)) {
                uint64_t mask = (1ULL << shift) - 1;
                *gpa = ((pte & PTE_ADDR) & ~mask) | (la & mask);
                return 0;
            }
            table = pte & PTE_ADDR;
        }
        return -EFAULT;
    }
    la = (uint32_t)la;
    if (vm->cr4 & CR4_PAE) {
        uint64_t table = (vm->cr3 & 0xffffffe0UL) + ((la >> 30) & 3) * 8;
        for (int level = 3; level >= 1; level--) {
            unsigned int shift = 12 + 9 * (level - 1);
            uint64_t at = level == 3 ? table : table + ((la >> shift) & 511) * 8;
            if (read_pte(d, at, 8, &pte) < 0 || !(pte & PTE_P))
                return -EFAULT;
            if (level < 3 && write && wp && !(pte & PTE_W))
                return -EFAULT;
            if (level == 1 || (level == 2 && (pte & PTE_PS_BIT))) {
                uint64_t mask = (1ULL << shift) - 1;
                *gpa = ((pte & PTE_ADDR) & ~mask) | (la & mask);
                return 0;
            }
            table = pte & PTE_ADDR;
        }
        return -EFAULT;
    }
    /* Classic 32-bit paging, 4 MiB pages with CR4.PSE. */
    if (read_pte(d, (vm->cr3 & 0xfffff000UL) + (la >> 22) * 4, 4, &pte) < 0 || !(pte & PTE_P))
        return -EFAULT;
    if (write && wp && !(pte & PTE_W))
        return -EFAULT;
    if ((pte & PTE_PS_BIT) && (vm->cr4 & CR4_PSE)) {
        *gpa = (pte & 0xffc00000UL) | (la & 0x3fffff);
        return 0;
    }
    if (read_pte(d, (pte & 0xfffff000UL) + ((la >> 12) & 1023) * 4, 4, &pte) < 0 || !(pte & PTE_P))
        return -EFAULT;
    if (write && wp && !(pte & PTE_W))
        return -EFAULT;
    *gpa = (pte & 0xfffff000UL) | (la & 0xfff);
    return 0;
}

static int linear_copy(struct vcpu *v, uint64_t la, void *buf, size_t len, bool write)
{
    while (len) {
        uint64_t gpa;
        size_t n = MIN(len, PAGE_SIZE - (la & (PAGE_SIZE - 1)));
        if (guest_linear_to_gpa(v, la, write, &gpa) < 0)
            return -EFAULT;
        int rc =
            write ? copy_to_gpa(v->domain, gpa, buf, n) : copy_from_gpa(v->domain, buf, gpa, n);
        if (rc < 0)
            return rc;
        la += n, len -= n;
        buf = (char *)buf + n;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t linear, size_t len)
{
    return linear_copy(v, linear, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t linear, const void *src, size_t len)
{
    return linear_copy(v, linear, (void *)src, len, true);
}
