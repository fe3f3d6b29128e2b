// SPDX-License-Identifier: MIT
// Ring 3 for one instruction's worth of tests: a GDT with user segments and
// a TSS, user-accessible page tables, and the way back (usermode.S).
#include "lib.h"
#include "usermode.h"

struct tss64 {
    uint32_t rsvd0;
    uint64_t rsp[3]; /* rsp[0]: the stack for traps from ring 3 */
    uint64_t rsvd1;
    uint64_t ist[7];
    uint64_t rsvd2;
    uint16_t rsvd3;
    uint16_t iomap_base; /* = sizeof: no I/O permission bitmap */
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "tss64");

static struct tss64 tss __attribute__((aligned(16)));
static uint64_t gdt[7] __attribute__((aligned(16)));
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
uint64_t user_kernel_rsp; /* saved by user_enter */

long user_enter(unsigned long nr, unsigned long a1, uint64_t user_rsp, uint64_t user_rip);
extern const char user_resume[], user_stub_vmcall[], user_stub_vmmcall[];

#define PTE_P 1ull
#define PTE_U 4ull
#define PTE_ADDR 0x000ffffffffff000ull

/* Sets U on every present entry of head.S's identity map (PML4[0], four
 * PDPTEs, 2048 2 MiB PDEs). Supervisor code keeps running: no SMEP/SMAP. */
static void identity_map_allow_user(void)
{
    uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR);
    uint64_t *pdpt = (uint64_t *)(pml4[0] & PTE_ADDR);

    pml4[0] |= PTE_U;
    for (unsigned int i = 0; i < 4; i++) {
        uint64_t *pd = (uint64_t *)(pdpt[i] & PTE_ADDR);

        if (!(pdpt[i] & PTE_P))
            continue;
        pdpt[i] |= PTE_U;
        for (unsigned int j = 0; j < 512; j++) {
            if (pd[j] & PTE_P)
                pd[j] |= PTE_U;
        }
    }
    write_cr3(read_cr3());
}

static void back_to_kernel(struct trap_frame *f)
{
    f->rip = (uintptr_t)user_resume;
    f->cs = SEL_KERNEL_CS;
    f->ss = SEL_KERNEL_DS;
    f->rsp = user_kernel_rsp;
    f->rflags = 0x2;
}

static void user_return(struct trap_frame *f)
{
    if (!(f->cs & 3)) {
        printf("int $0x%x from ring 0 ignored\n", USER_RETURN_VECTOR);
        return;
    }
    back_to_kernel(f); /* f->rax: what ring 3 had, the hypercall's result */
}

static void user_fault(struct trap_frame *f)
{
    if (!(f->cs & 3))
        trap_default(f);
    printf("ring 3: exception %lu at rip 0x%lx\n", f->vector, f->rip);
    f->rax = (uint64_t)USER_FAULTED(f->vector);
    back_to_kernel(f);
}

void usermode_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) desc = {sizeof(gdt) - 1, (uintptr_t)gdt};
    uint64_t base = (uintptr_t)&tss, limit = sizeof(tss) - 1;

    tss.rsp[0] = (uintptr_t)(kernel_stack + sizeof(kernel_stack));
    tss.iomap_base = sizeof(tss);
    gdt[0] = 0;
    gdt[1] = 0x00af9b000000ffffull; /* 0x08 64-bit code, DPL 0 (as head.S) */
    gdt[2] = 0x00cf93000000ffffull; /* 0x10 data, DPL 0 */
    gdt[3] = 0x00cff3000000ffffull; /* 0x18 data, DPL 3 */
    gdt[4] = 0x00affb000000ffffull; /* 0x20 64-bit code, DPL 3 */
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) /* TSS, present */
             | ((limit >> 16) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[6] = base >> 32;
    /* Same selectors for kernel code and data: the loaded ones stay valid. */
    __asm__ volatile("lgdt %0; ltr %w1" : : "m"(desc), "r"(SEL_TSS) : "memory");

    identity_map_allow_user();
    trap_set_handler(USER_RETURN_VECTOR, user_return);
    trap_set_dpl(USER_RETURN_VECTOR, 3);
}

long user_hypercall(unsigned long nr, unsigned long a1)
{
    static const uint8_t fault_vectors[] = {6, 13, 14}; /* #UD #GP #PF */
    const char *stub =
        hypercall_insn_mode() == HYPERCALL_VMMCALL ? user_stub_vmmcall : user_stub_vmcall;
    long rc;

    for (unsigned int i = 0; i < ARRAY_SIZE(fault_vectors); i++)
        trap_set_handler(fault_vectors[i], user_fault);
    rc = user_enter(nr, a1, (uintptr_t)(user_stack + sizeof(user_stack)), (uintptr_t)stub);
    for (unsigned int i = 0; i < ARRAY_SIZE(fault_vectors); i++)
        trap_set_handler(fault_vectors[i], NULL);
    return rc;
}
