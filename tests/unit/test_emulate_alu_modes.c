// SPDX-License-Identifier: MIT
/* and/or/xor/test/cmp must set flags as hardware does; 32/16-bit modes size things differently. */
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

/* ------------------------------------------------------------ and/or/xor/test/cmp */

static void test_logic_flags(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    r.gpr[RBX] = 0x80000000;
    in = DEC(EMUL_64, 0x21, 0x18); /* and %ebx,(%rax) */
    assert_int_equal(in.op, EMUL_OP_AND);
    assert_true(in.is_read && in.is_write && in.dst_mem);
    assert_int_equal(exec_ok(&in, &r, ONES), 0x80000000);
    assert_int_equal(r.rflags & ARITH, SF | PF); /* low byte 0: even parity */
    assert_int_equal(r.gpr[RBX], 0x80000000);

    r.gpr[RBX] = 0x11223344556677f0ull;
    in = DEC(EMUL_64, 0x22, 0x18); /* and (%rax),%bl */
    assert_false(in.is_write);
    assert_false(in.dst_mem);
    assert_int_equal(exec_ok(&in, &r, 0x0f), POISON);
    assert_int_equal(r.gpr[RBX], 0x1122334455667700ull);
    assert_int_equal(r.rflags & ARITH, ZF | PF);

    r.gpr[RCX] = 0x1122334400000001ull;
    in = DEC(EMUL_64, 0x0b, 0x08); /* or (%rax),%ecx */
    exec_ok(&in, &r, 0x6);
    assert_int_equal(r.gpr[RCX], 7);       /* 32-bit result zero-extends */
    assert_int_equal(r.rflags & ARITH, 0); /* 7 = three bits: odd parity */

    r.gpr[RAX] = 0x0101;
    in = DEC(EMUL_64, 0x08, 0x00); /* or %al,(%rax) */
    assert_int_equal(exec_ok(&in, &r, 0x02), 0x03);
    assert_int_equal(r.rflags & ARITH, PF);

    r.rflags |= ARITH;
    in = DEC(EMUL_64, 0xf0, 0x81, 0x08, 0x80, 0x00, 0x00, 0x00); /* lock orl $0x80,(%rax) */
    assert_true(in.lock);
    assert_int_equal(in.op, EMUL_OP_OR);
    assert_int_equal(exec_ok(&in, &r, 0), 0x80);
    assert_int_equal(r.rflags & ARITH, 0); /* CF OF AF cleared, one bit set: PF=0 */
    assert_int_equal(exec_ok(&in, &r, ONES), 0xffffffff);
    assert_int_equal(r.rflags & ARITH, SF | PF);

    in = DEC(EMUL_64, 0xf0, 0x83, 0x20, 0xfe); /* lock andl $-2,(%rax) */
    assert_int_equal(in.imm, -2);
    assert_int_equal(exec_ok(&in, &r, ONES), 0xfffffffe);
    in = DEC(EMUL_64, 0xf0, 0x48, 0x83, 0x20, 0xfe); /* lock andq $-2,(%rax) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0xfffffffffffffffeull);

    in = DEC(EMUL_64, 0x80, 0x20, 0x0f); /* andb $0xf,(%rax) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x0f);
    assert_int_equal(r.rflags & ARITH, PF);

    in = DEC(EMUL_64, 0x66, 0x81, 0x08, 0x34, 0x12); /* orw $0x1234,(%rax) */
    assert_int_equal(exec_ok(&in, &r, 0), 0x1234);

    r.gpr[RAX] = 0xff00ff00ff00ff0full;
    in = DEC(EMUL_64, 0x31, 0x00); /* xor %eax,(%rax) */
    assert_int_equal(in.op, EMUL_OP_XOR);
    assert_int_equal(exec_ok(&in, &r, ONES), 0x00ff00f0);
    in = DEC(EMUL_64, 0x80, 0x30, 0xff); /* xorb $0xff,(%rax) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0);
    assert_int_equal(r.rflags & ARITH, ZF | PF);
    in = DEC(EMUL_64, 0x33, 0x00); /* xor (%rax),%eax */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RAX], 0x00ff00f0);
}

static void test_test(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_64, 0xf6, 0x00, 0x01); /* testb $1,(%rax) */
    assert_int_equal(in.op, EMUL_OP_TEST);
    assert_false(in.is_write);
    assert_int_equal(exec_ok(&in, &r, 0xfe), POISON);
    assert_int_equal(r.rflags & ARITH, ZF | PF);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.rflags & ARITH, 0);

    in = DEC(EMUL_64, 0xf7, 0x00, 0x00, 0x01, 0x00, 0x00); /* testl $0x100,(%rax) */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.rflags & ARITH, PF);
    in = DEC(EMUL_64, 0x48, 0xf7, 0x00, 0x00, 0x00, 0x00, 0x80); /* testq $imm32 sign-extended */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.rflags & ARITH, SF | PF);
    in = DEC(EMUL_64, 0x66, 0xf7, 0x00, 0x00, 0x80); /* testw $0x8000 */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.rflags & ARITH, SF | PF);

    r.gpr[RAX] = 0xffffffff00000000ull;
    in = DEC(EMUL_64, 0x85, 0x00); /* test %eax,(%rax) */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.rflags & ARITH, ZF | PF);
    assert_int_equal(r.gpr[RAX], 0xffffffff00000000ull);

    r.gpr[RAX] = 0x8000;
    in = DEC(EMUL_64, 0x84, 0x23); /* test %ah,(%rbx) */
    assert_true(in.reg_high8);
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.rflags & ARITH, SF);
}

static void test_cmp(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_64, 0x83, 0x38, 0x05); /* cmpl $5,(%rax) */
    assert_int_equal(in.op, EMUL_OP_CMP);
    assert_false(in.is_write);
    assert_int_equal(exec_ok(&in, &r, 5), POISON);
    assert_int_equal(r.rflags & ARITH, ZF | PF);
    exec_ok(&in, &r, 3); /* 3 - 5 = 0xfffffffe: borrow, negative, AF from bit 3 */
    assert_int_equal(r.rflags & ARITH, CF | SF | AF);
    exec_ok(&in, &r, 0x80000000); /* 0x7ffffffb: signed overflow */
    assert_int_equal(r.rflags & ARITH, OF | AF);

    r.gpr[RCX] = 0x10;
    in = DEC(EMUL_64, 0x3b, 0x08); /* cmp (%rax),%ecx: ecx - mem */
    exec_ok(&in, &r, 0x20);
    assert_int_equal(r.rflags & ARITH, CF | SF | PF); /* 0xfffffff0 */
    assert_int_equal(r.gpr[RCX], 0x10);

    r.gpr[RAX] = 0x01;
    in = DEC(EMUL_64, 0x38, 0x00); /* cmp %al,(%rax): mem - al */
    exec_ok(&in, &r, 0x20);
    assert_int_equal(r.rflags & ARITH, AF); /* 0x1f: five bits set */
    exec_ok(&in, &r, 0x00);
    assert_int_equal(r.rflags & ARITH, CF | SF | AF | PF); /* 0xff */
}

/* ------------------------------------------------------------ 32/16-bit modes */

static void test_mode32(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_32, 0x8b, 0x18); /* mov (%eax),%ebx */
    assert_int_equal(in.op_size, 4);
    assert_int_equal(in.addr_size, 4);
    r.rip = 0xfffffffe;
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), 0);
    assert_int_equal(r.rip, 0); /* EIP wraps */
    assert_int_equal(r.gpr[RBX], 0xffffffffull);

    in = DEC(EMUL_32, 0x66, 0x8b, 0x18); /* mov (%eax),%bx */
    assert_int_equal(in.op_size, 2);
    in = DEC(EMUL_32, 0xa1, 0x00, 0x10, 0x00, 0x00); /* mov 0x1000,%eax */
    assert_int_equal(in.disp, 0x1000);
    in = DEC(EMUL_32, 0x66, 0xa1, 0x00, 0x10, 0x00, 0x00);
    assert_int_equal(in.op_size, 2);
    in = DEC(EMUL_32, 0x67, 0xa1, 0x00, 0x10); /* 16-bit moffs */
    assert_int_equal(in.addr_size, 2);
    in = DEC(EMUL_32, 0x67, 0x8a, 0x00); /* mov (%bx,%si),%al */
    assert_int_equal(in.addr_size, 2);
    assert_int_equal(in.base, RBX);
    assert_int_equal(in.index, RSI);
    in = DEC(EMUL_32, 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12); /* movl $0x12345678,(%ebx) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x12345678);
    in = DEC(EMUL_32, 0x66, 0xc7, 0x03, 0x34, 0x12); /* movw $0x1234,(%ebx) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x1234);
    in = DEC(EMUL_32, 0x8b, 0x45, 0x08); /* mov 8(%ebp),%eax */
    assert_int_equal(in.seg, EMUL_SEG_SS);
    in = DEC(EMUL_32, 0x8b, 0x04, 0x24); /* mov (%esp),%eax */
    assert_int_equal(in.seg, EMUL_SEG_SS);
    in = DEC(EMUL_32, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00); /* absolute, not RIP-relative */
    assert_int_equal(in.base, EMUL_REG_NONE);
    assert_int_equal(emul_effective_addr(&in, &r), 0x1000);
    in = DEC(EMUL_32, 0x0f, 0xb6, 0x08); /* movzbl (%eax),%ecx */
    assert_int_equal(in.op_size, 4);

    r.gpr[RCX] = 0x5;
    r.gpr[RDI] = 0x100;
    in = DEC(EMUL_32, 0xf3, 0xab); /* rep stosl */
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RDI], 0x114);
    in = DEC(EMUL_32, 0x67, 0x66, 0xf3, 0xab); /* rep stosw %ax,%es:(%di) */
    assert_int_equal(in.addr_size, 2);
    assert_int_equal(in.op_size, 2);

    /* 40-4f are inc/dec outside 64-bit mode, never REX */
    assert_int_equal(DEC_RC(EMUL_32, 0x48, 0x8b, 0x00), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_32, 0x40), -EINVAL);
}

static void test_mode16(void **state)
{
    struct emul_regs r = regs_init();
    struct emul_insn in;
    (void)state;

    in = DEC(EMUL_16, 0x8b, 0x00); /* mov (%bx,%si),%ax */
    assert_int_equal(in.op_size, 2);
    assert_int_equal(in.addr_size, 2);
    assert_int_equal(in.base, RBX);
    assert_int_equal(in.index, RSI);
    r.gpr[RAX] = 0x1122334455667788ull;
    r.rip = 0xffff;
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RAX], 0x112233445566ffffull);
    assert_int_equal(r.rip, 1); /* IP wraps */
    r.gpr[RBX] = 0xfff0;
    r.gpr[RSI] = 0x20;
    assert_int_equal(emul_effective_addr(&in, &r), 0x10);

    in = DEC(EMUL_16, 0x66, 0x8b, 0x00); /* mov (%bx,%si),%eax */
    assert_int_equal(in.op_size, 4);
    in = DEC(EMUL_16, 0x8b, 0x4b, 0x10); /* mov 0x10(%bp,%di),%cx */
    assert_int_equal(in.base, RBP);
    assert_int_equal(in.index, RDI);
    assert_int_equal(in.disp, 0x10);
    assert_int_equal(in.seg, EMUL_SEG_SS);
    assert_int_equal(in.reg, RCX);
    in = DEC(EMUL_16, 0xa1, 0x34, 0x12); /* mov 0x1234,%ax */
    assert_int_equal(in.disp, 0x1234);
    in = DEC(EMUL_16, 0x8b, 0x86, 0x34, 0x12); /* mov 0x1234(%bp),%ax */
    assert_int_equal(in.base, RBP);
    assert_int_equal(in.index, EMUL_REG_NONE);
    assert_int_equal(in.seg, EMUL_SEG_SS);
    in = DEC(EMUL_16, 0x8b, 0x0e, 0x34, 0x12); /* mov 0x1234,%cx (mod 0, rm 6) */
    assert_int_equal(in.base, EMUL_REG_NONE);
    assert_int_equal(in.seg, EMUL_SEG_DS);
    assert_int_equal(emul_effective_addr(&in, &r), 0x1234);
    in = DEC(EMUL_16, 0x8b, 0x47, 0xf0); /* mov -0x10(%bx),%ax */
    r.gpr[RBX] = 0x8;
    assert_int_equal(emul_effective_addr(&in, &r), 0xfff8);
    in = DEC(EMUL_16, 0x67, 0x8b, 0x00); /* mov (%eax),%ax */
    assert_int_equal(in.addr_size, 4);
    assert_int_equal(in.base, RAX);

    r.gpr[RAX] = 0x1234;
    in = DEC(EMUL_16, 0x8a, 0x20); /* mov (%bx,%si),%ah */
    exec_ok(&in, &r, 0xab);
    assert_int_equal(r.gpr[RAX], 0xab34);

    in = DEC(EMUL_16, 0xc6, 0x04, 0x12); /* movb $0x12,(%si) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x12);
    in = DEC(EMUL_16, 0xc7, 0x05, 0x34, 0x12); /* movw $0x1234,(%di) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x1234);
    in = DEC(EMUL_16, 0x66, 0xc7, 0x05, 0x78, 0x56, 0x34, 0x12); /* movl $0x12345678,(%di) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0x12345678);
    in = DEC(EMUL_16, 0x81, 0x27, 0xff, 0x00); /* andw $0xff,(%bx) */
    assert_int_equal(exec_ok(&in, &r, ONES), 0xff);

    in = DEC(EMUL_16, 0xf3, 0xab); /* rep stosw: cx/di, upper bits kept */
    r.gpr[RCX] = 0xdead0003;
    r.gpr[RDI] = 0xbeeffffe;
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RCX], 0xdead0000);
    assert_int_equal(r.gpr[RDI], 0xbeef0004);

    in = DEC(EMUL_16, 0xf3, 0xa5); /* rep movsw */
    in.fault = EMUL_FAULT_WRITE;
    r.gpr[RCX] = 2;
    r.gpr[RSI] = 0x10;
    exec_ok(&in, &r, ONES);
    assert_int_equal(r.gpr[RSI], 0x14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logic_flags), cmocka_unit_test(test_test),
        cmocka_unit_test(test_cmp),         cmocka_unit_test(test_mode32),
        cmocka_unit_test(test_mode16),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
