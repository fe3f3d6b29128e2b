// SPDX-License-Identifier: MIT
/* Guest MMIO is mostly mov, movzx/movsx and string ops: real encodings must decode right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <asm/hvm/emulate.h>
#include <lamina/errno.h>

#include "emulate_test_util.h"

/* ------------------------------------------------------------ mov loads */

static void test_mov_load_64(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_64, 0x8b, 0x18); /* mov (%rax),%ebx */
    assert_int_equal(in.op, EMUL_OP_LOAD);
    assert_true(in.is_read && !in.is_write);
    assert_int_equal(in.op_size, 4);
    assert_int_equal(in.mem_size, 4);
    assert_int_equal(in.addr_size, 8);
    assert_int_equal(in.reg, RBX);
    assert_int_equal(in.base, RAX);
    assert_int_equal(in.index, EMUL_REG_NONE);
    assert_int_equal(in.seg, EMUL_SEG_DS);
    assert_false(in.seg_override);
    assert_int_equal(exec_ok(&in, &r, ONES), POISON); /* no write */
    assert_int_equal(r.gpr[RBX], 0xffffffffull);      /* zero-extended */
    assert_int_equal(r.rflags, 0x2 | ARITH);          /* mov leaves flags */

    in = DEC(EMUL_64, 0x4c, 0x8b, 0x4c, 0x24, 0x10); /* mov 0x10(%rsp),%r9 */
    assert_int_equal(in.op_size, 8);
    assert_int_equal(in.reg, R9);
    assert_int_equal(in.base, RSP);
    assert_int_equal(in.disp, 0x10);
    assert_int_equal(in.seg, EMUL_SEG_SS);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[R9], ONES);

    r.gpr[RCX] = 0x1122334455667788ull;
    in = DEC(EMUL_64, 0x8a, 0x2e); /* mov (%rsi),%ch */
    assert_int_equal(in.op_size, 1);
    assert_int_equal(in.reg, RCX);
    assert_true(in.reg_high8);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RCX], 0x112233445566ff88ull);

    r.gpr[RSI] = 0x1122334455667788ull;
    in = DEC(EMUL_64, 0x40, 0x8a, 0x36); /* mov (%rsi),%sil */
    assert_int_equal(in.reg, RSI);
    assert_false(in.reg_high8);
    exec_ok(&in, &r, 0x1234);
    assert_int_equal(r.gpr[RSI], 0x1122334455667734ull);

    r.gpr[RDX] = 0x1122334455667788ull;
    in = DEC(EMUL_64, 0x66, 0x8b, 0x14, 0x8b); /* mov (%rbx,%rcx,4),%dx */
    assert_int_equal(in.op_size, 2);
    assert_int_equal(in.base, RBX);
    assert_int_equal(in.index, RCX);
    assert_int_equal(in.scale, 4);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RDX], 0x112233445566ffffull); /* 16-bit merge */

    in = DEC(EMUL_64, 0x48, 0x8b, 0x18); /* mov (%rax),%rbx */
    exec_ok(&in, &r, 0x8877665544332211ull);
    assert_int_equal(r.gpr[RBX], 0x8877665544332211ull);
}

static void test_addressing_64(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_64, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00); /* mov 0x100(%rip),%eax */
    assert_int_equal(in.base, EMUL_REG_RIP);
    assert_int_equal(in.disp, 0x100);
    assert_int_equal(emul_effective_addr(&in, &r), 0x1000 + 6 + 0x100);

    in = DEC(EMUL_64, 0x67, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00); /* mov 0x10(%eip),%eax */
    assert_int_equal(in.base, EMUL_REG_RIP);
    assert_int_equal(in.addr_size, 4);
    r.rip = 0xfffffffffffffff0ull;
    assert_int_equal(emul_effective_addr(&in, &r), (uint32_t)(r.rip + 7 + 0x10));
    r = regs_init();

    in = DEC(EMUL_64, 0x67, 0x8b, 0x18); /* mov (%eax),%ebx */
    assert_int_equal(in.addr_size, 4);
    r.gpr[RAX] = 0xaaaaaaaa12345678ull;
    assert_int_equal(emul_effective_addr(&in, &r), 0x12345678);

    in = DEC(EMUL_64, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00); /* mov 0x1000,%eax */
    assert_int_equal(in.base, EMUL_REG_NONE);
    assert_int_equal(in.index, EMUL_REG_NONE);
    assert_int_equal(emul_effective_addr(&in, &r), 0x1000);

    in = DEC(EMUL_64, 0x8b, 0x1c, 0x45, 0x00, 0x00, 0x00, 0x00); /* mov 0(,%rax,2),%ebx */
    assert_int_equal(in.base, EMUL_REG_NONE);
    assert_int_equal(in.index, RAX);
    assert_int_equal(in.scale, 2);
    r.gpr[RAX] = 0x100;
    assert_int_equal(emul_effective_addr(&in, &r), 0x200);

    in = DEC(EMUL_64, 0x41, 0x8b, 0x44, 0x24, 0x10); /* mov 0x10(%r12),%eax */
    assert_int_equal(in.base, R12);
    assert_int_equal(in.seg, EMUL_SEG_DS); /* only rsp/rbp default to SS */

    in = DEC(EMUL_64, 0x41, 0x8b, 0x45, 0x00); /* mov 0(%r13),%eax: not RIP-relative */
    assert_int_equal(in.base, R13);
    assert_int_equal(in.disp, 0);
    assert_int_equal(in.seg, EMUL_SEG_DS);

    in = DEC(EMUL_64, 0x8b, 0x45, 0x00); /* mov 0(%rbp),%eax */
    assert_int_equal(in.base, RBP);
    assert_int_equal(in.seg, EMUL_SEG_SS);

    in = DEC(EMUL_64, 0x43, 0x8b, 0x04, 0x20); /* mov (%r8,%r12,1),%eax */
    assert_int_equal(in.base, R8);
    assert_int_equal(in.index, R12); /* REX.X makes index 4 a real register */

    in = DEC(EMUL_64, 0x42, 0x8b, 0x44, 0x20, 0x7f); /* mov 0x7f(%rax,%r12,1),%eax */
    assert_int_equal(in.disp, 0x7f);

    in = DEC(EMUL_64, 0x8b, 0x40, 0x80); /* mov -0x80(%rax),%eax */
    assert_int_equal(in.disp, -0x80);
    r.gpr[RAX] = 0x50;
    assert_int_equal(emul_effective_addr(&in, &r), (uint64_t)0x50 - 0x80);

    in = DEC(EMUL_64, 0x47, 0x89, 0x94, 0xf5, 0x78, 0x56, 0x34, 0x12);
    /* mov %r10d,0x12345678(%r13,%r14,8) */
    assert_int_equal(in.reg, R10);
    assert_int_equal(in.base, R13);
    assert_int_equal(in.index, R14);
    assert_int_equal(in.scale, 8);
    assert_int_equal(in.disp, 0x12345678);

    in = DEC(EMUL_64, 0x64, 0x8b, 0x00); /* mov %fs:(%rax),%eax */
    assert_int_equal(in.seg, EMUL_SEG_FS);
    assert_true(in.seg_override);
    in = DEC(EMUL_64, 0x65, 0x8b, 0x00);
    assert_int_equal(in.seg, EMUL_SEG_GS);
    in = DEC(EMUL_64, 0x26, 0x8b, 0x45, 0x00); /* es override beats the SS default */
    assert_int_equal(in.seg, EMUL_SEG_ES);
    in = DEC(EMUL_64, 0x2e, 0x8b, 0x00);
    assert_int_equal(in.seg, EMUL_SEG_CS);
    in = DEC(EMUL_64, 0x36, 0x8b, 0x00);
    assert_int_equal(in.seg, EMUL_SEG_SS);
    in = DEC(EMUL_64, 0x3e, 0x8b, 0x04, 0x24); /* ds:(%rsp) */
    assert_int_equal(in.seg, EMUL_SEG_DS);
    assert_true(in.seg_override);
}

static void test_rex_rules(void **state)
{
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_64, 0x66, 0x48, 0x8b, 0x00); /* REX.W beats 66 */
    assert_int_equal(in.op_size, 8);
    in = DEC(EMUL_64, 0x48, 0x66, 0x8b, 0x00); /* REX before a legacy prefix is ignored */
    assert_int_equal(in.op_size, 2);
    assert_int_equal(in.rex, 0);
    in = DEC(EMUL_64, 0x41, 0x66, 0x8b, 0x00);
    assert_int_equal(in.base, RAX);
    in = DEC(EMUL_64, 0x48, 0x41, 0x8b, 0x00); /* only the last REX counts */
    assert_int_equal(in.op_size, 4);
    assert_int_equal(in.base, R8);
    assert_int_equal(in.rex, 0x41);

    in = DEC(EMUL_64, 0x88, 0x20); /* mov %ah,(%rax) */
    assert_int_equal(in.reg, RAX);
    assert_true(in.reg_high8);
    in = DEC(EMUL_64, 0x40, 0x88, 0x20); /* mov %spl,(%rax) */
    assert_int_equal(in.reg, RSP);
    assert_false(in.reg_high8);
    in = DEC(EMUL_64, 0x44, 0x88, 0x20); /* mov %r12b,(%rax) */
    assert_int_equal(in.reg, R12);
    assert_false(in.reg_high8);
}

/* ------------------------------------------------------------ mov stores */

static void test_mov_store(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    uint64_t before;
    (void)state;

    r.gpr[RAX] = 0x1234;
    in = DEC(EMUL_64, 0x88, 0x27); /* mov %ah,(%rdi) */
    assert_int_equal(in.op, EMUL_OP_STORE);
    assert_true(in.is_write && !in.is_read);
    before = r.gpr[RDI];
    assert_int_equal(exec_ok(&in, &r, ONES), 0x12);
    assert_int_equal(r.gpr[RDI], before);

    r.gpr[R10] = 0xaabbccdd11223344ull;
    in = DEC(EMUL_64, 0x47, 0x89, 0x94, 0xf5, 0x78, 0x56, 0x34, 0x12);
    assert_int_equal(exec_ok(&in, &r, ONES), 0x11223344);

    r.gpr[RBX] = 0xaabbccdd11223344ull;
    in = DEC(EMUL_64, 0x48, 0x89, 0x18); /* mov %rbx,(%rax) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0xaabbccdd11223344ull);
    in = DEC(EMUL_64, 0x66, 0x89, 0x18); /* mov %bx,(%rax) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x3344);

    in = DEC(EMUL_64, 0xc6, 0x00, 0x5a); /* movb $0x5a,(%rax) */
    assert_true(in.has_imm);
    assert_int_equal(exec_ok(&in, &r, ONES), 0x5a);
    in = DEC(EMUL_64, 0x66, 0xc7, 0x00, 0x34, 0x12); /* movw $0x1234,(%rax) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x1234);
    in = DEC(EMUL_64, 0xc7, 0x45, 0x08, 0xef, 0xbe, 0xad, 0xde); /* movl $0xdeadbeef,8(%rbp) */
    assert_int_equal(in.seg, EMUL_SEG_SS);
    assert_int_equal(exec_ok(&in, &r, ONES), 0xdeadbeef);
    in = DEC(EMUL_64, 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff); /* movq $-2,(%rax) */
    assert_int_equal(in.mem_size, 8);
    assert_int_equal(exec_ok(&in, &r, ONES), 0xfffffffffffffffeull);
    in = DEC(EMUL_64, 0x48, 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12); /* positive imm32 */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x12345678);

    /* written may be NULL: the caller drops it anyway */
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), 0);
}

static void test_moffs(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    r.gpr[RAX] = 0x1122334455667788ull;
    in = DEC(EMUL_64, 0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11); /* movabs ..,%al */
    assert_int_equal(in.op, EMUL_OP_LOAD);
    assert_int_equal(in.op_size, 1);
    assert_int_equal(in.base, EMUL_REG_NONE);
    assert_int_equal(in.disp, 0x1122334455667788ll);
    assert_int_equal(emul_effective_addr(&in, &r), 0x1122334455667788ull);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RAX], 0x11223344556677ffull);

    in = DEC(EMUL_64, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11); /* ..,%eax */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RAX], 0xffffffffull);

    r.gpr[RAX] = 0x1122334455667788ull;
    in = DEC(EMUL_64, 0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
    assert_int_equal(in.op, EMUL_OP_STORE);
    assert_int_equal(exec_ok(&in, &r, ONES), 0x1122334455667788ull);
    in = DEC(EMUL_64, 0x66, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
    assert_int_equal(exec_ok(&in, &r, ONES), 0x7788);
    in = DEC(EMUL_64, 0xa2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
    assert_int_equal(exec_ok(&in, &r, ONES), 0x88);

    in = DEC(EMUL_64, 0x67, 0xa1, 0x00, 0x10, 0x00, 0xfe); /* 32-bit moffs in 64-bit mode */
    assert_int_equal(in.addr_size, 4);
    assert_int_equal(emul_effective_addr(&in, &r), 0xfe001000ull);
    in = DEC(EMUL_64, 0x64, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8);
    assert_int_equal(in.seg, EMUL_SEG_FS);
}

/* ------------------------------------------------------------ movzx/movsx */

static void test_movzx_movsx(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_64, 0x0f, 0xb6, 0x18); /* movzbl (%rax),%ebx */
    assert_int_equal(in.op, EMUL_OP_MOVZX);
    assert_int_equal(in.op_size, 4);
    assert_int_equal(in.mem_size, 1);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RBX], 0xff);

    in = DEC(EMUL_64, 0x0f, 0xb7, 0x18); /* movzwl */
    assert_int_equal(in.mem_size, 2);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RBX], 0xffff);

    in = DEC(EMUL_64, 0x4c, 0x0f, 0xb6, 0x18); /* movzbq (%rax),%r11 */
    assert_int_equal(in.op_size, 8);
    assert_int_equal(in.reg, R11);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[R11], 0xff);

    r.gpr[RBX] = 0x1122334455667788ull;
    in = DEC(EMUL_64, 0x66, 0x0f, 0xb6, 0x18); /* movzbw (%rax),%bx */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RBX], 0x11223344556600ffull);

    in = DEC(EMUL_64, 0x0f, 0xbe, 0x18); /* movsbl (%rax),%ebx */
    assert_int_equal(in.op, EMUL_OP_MOVSX);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RBX], 0xffffffffull);
    exec_ok(&in, &r, 0x7f);
    assert_int_equal(r.gpr[RBX], 0x7f);
    exec_ok(&in, &r, 0x80);
    assert_int_equal(r.gpr[RBX], 0xffffff80ull);

    in = DEC(EMUL_64, 0x48, 0x0f, 0xbf, 0x18); /* movswq (%rax),%rbx */
    exec_ok(&in, &r, 0x8000);
    assert_int_equal(r.gpr[RBX], 0xffffffffffff8000ull);

    r.gpr[RBX] = 0x1122334455667788ull;
    in = DEC(EMUL_64, 0x66, 0x0f, 0xbe, 0x18); /* movsbw (%rax),%bx */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RBX], 0x112233445566ffffull);

    in = DEC(EMUL_64, 0x48, 0x63, 0x18); /* movslq (%rax),%rbx */
    assert_int_equal(in.mem_size, 4);
    assert_int_equal(in.op_size, 8);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RBX], ONES);
    exec_ok(&in, &r, 0x7fffffff);
    assert_int_equal(r.gpr[RBX], 0x7fffffff);

    in = DEC(EMUL_64, 0x63, 0x18); /* movsxd without REX.W: a 32-bit move */
    assert_int_equal(in.mem_size, 4);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RBX], 0xffffffffull);

    assert_int_equal(DEC_RC(EMUL_32, 0x63, 0x18), -EINVAL); /* arpl */
}

/* ------------------------------------------------------------ strings */

static void test_movs(void **state)
{
    struct emul_regs r = regs_init(), saved;
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_64, 0xa4); /* movsb */
    assert_int_equal(in.op, EMUL_OP_MOVS);
    assert_true(in.is_read && in.is_write);
    assert_int_equal(in.rep, EMUL_REP_NONE);
    /* the source may be MMIO and the destination RAM: not emulated */
    saved = r;
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), -EOPNOTSUPP);
    in.fault = EMUL_FAULT_READ;
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), -EOPNOTSUPP);
    assert_memory_equal(&r, &saved, sizeof(r));

    in.fault = EMUL_FAULT_WRITE;
    r.gpr[RSI] = 0x100;
    r.gpr[RDI] = 0x200;
    r.gpr[RCX] = 7;
    assert_int_equal(exec_ok(&in, &r, 0x1234), 0x34);
    assert_int_equal(r.gpr[RSI], 0x101);
    assert_int_equal(r.gpr[RDI], 0x201);
    assert_int_equal(r.gpr[RCX], 7); /* no rep: count untouched */
    assert_int_equal(emul_effective_addr(&in, &r), 0x201);

    in = DEC(EMUL_64, 0xf3, 0xa4); /* rep movsb */
    assert_int_equal(in.rep, EMUL_REP_E);
    in.fault = EMUL_FAULT_WRITE;
    r.gpr[RCX] = 10;
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RCX], 0);
    assert_int_equal(r.gpr[RSI], 0x10b);
    assert_int_equal(r.gpr[RDI], 0x20b);

    in = DEC(EMUL_64, 0xf3, 0xa5); /* rep movsl, DF=1 */
    in.fault = EMUL_FAULT_WRITE;
    r.rflags |= DF;
    r.gpr[RCX] = 3;
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RCX], 0);
    assert_int_equal(r.gpr[RSI], 0x10b - 12);
    assert_int_equal(r.gpr[RDI], 0x20b - 12);
    r.rflags &= ~DF;

    in = DEC(EMUL_64, 0xf3, 0x48, 0xa5); /* rep movsq */
    assert_int_equal(in.mem_size, 8);
    in.fault = EMUL_FAULT_WRITE;
    r.gpr[RSI] = 0;
    r.gpr[RDI] = 0;
    r.gpr[RCX] = 2;
    assert_int_equal(exec_ok(&in, &r, 0x0123456789abcdefull), 0x0123456789abcdefull);
    assert_int_equal(r.gpr[RSI], 16);
    assert_int_equal(r.gpr[RDI], 16);

    in = DEC(EMUL_64, 0xf2, 0xa4); /* F2 also repeats movs */
    assert_int_equal(in.rep, EMUL_REP_NE);
    in.fault = EMUL_FAULT_WRITE;
    r.gpr[RCX] = 5;
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RCX], 0);
    assert_int_equal(r.gpr[RDI], 21);

    /* rep with rCX = 0: nothing but rip moves, nothing written */
    in = DEC(EMUL_64, 0xf3, 0xa4);
    in.fault = EMUL_FAULT_WRITE;
    saved = r;
    assert_int_equal(exec_ok(&in, &r, ONES), POISON);
    saved.rip += 2;
    assert_memory_equal(&r, &saved, sizeof(r));

    in = DEC(EMUL_64, 0x64, 0xa4); /* the source segment can be overridden */
    assert_int_equal(in.seg, EMUL_SEG_FS);
}

static void test_stos(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    r.gpr[RAX] = 0x1122334455667788ull;
    r.gpr[RDI] = 0x1000;
    r.gpr[RCX] = 99;
    in = DEC(EMUL_64, 0xaa); /* stosb */
    assert_int_equal(in.op, EMUL_OP_STOS);
    assert_true(in.is_write && !in.is_read);
    assert_int_equal(in.seg, EMUL_SEG_ES);
    assert_int_equal(exec_ok(&in, &r, ONES), 0x88);
    assert_int_equal(r.gpr[RDI], 0x1001);
    assert_int_equal(r.gpr[RCX], 99);

    in = DEC(EMUL_64, 0xf3, 0xab); /* rep stosl */
    r.gpr[RCX] = 4;
    assert_int_equal(exec_ok(&in, &r, ONES), 0x55667788);
    assert_int_equal(r.gpr[RDI], 0x1011);
    assert_int_equal(r.gpr[RCX], 0);

    in = DEC(EMUL_64, 0x66, 0xf3, 0xab); /* rep stosw, DF=1 */
    r.gpr[RCX] = 3;
    r.rflags |= DF;
    assert_int_equal(exec_ok(&in, &r, ONES), 0x7788);
    assert_int_equal(r.gpr[RDI], 0x1011 - 6);
    r.rflags &= ~DF;

    in = DEC(EMUL_64, 0x67, 0xf3, 0xaa); /* addr32 rep stosb: ecx/edi, zero-extended */
    assert_int_equal(in.addr_size, 4);
    r.gpr[RCX] = 0x100000005ull;
    r.gpr[RDI] = 0xaaaaaaaafffffffeull;
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RCX], 0);
    assert_int_equal(r.gpr[RDI], 3);

    in = DEC(EMUL_64, 0xf3, 0x48, 0xab); /* rep stosq */
    r.gpr[RCX] = 1;
    r.gpr[RDI] = 0;
    assert_int_equal(exec_ok(&in, &r, ONES), 0x1122334455667788ull);
    assert_int_equal(r.gpr[RDI], 8);

    in = DEC(EMUL_64, 0x64, 0xaa); /* the ES destination cannot be overridden */
    assert_int_equal(in.seg, EMUL_SEG_ES);
    assert_false(in.seg_override);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mov_load_64), cmocka_unit_test(test_addressing_64),
        cmocka_unit_test(test_rex_rules),   cmocka_unit_test(test_mov_store),
        cmocka_unit_test(test_moffs),       cmocka_unit_test(test_movzx_movsx),
        cmocka_unit_test(test_movs),        cmocka_unit_test(test_stos),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
