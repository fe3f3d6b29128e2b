// SPDX-License-Identifier: MIT
/*
 * The MMIO decoder reads bytes a guest chose, so it must get real encodings
 * right (a wrong length silently corrupts the guest) and reject everything
 * else without reading past what it was given. Encodings here were produced
 * by GNU as; every buffer is an exact-size heap block so ASan flags a read one
 * byte too far, and every good encoding is re-decoded with each shorter
 * length to check -E2BIG.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <asm/hvm/emulate.h>
#include <lamina/errno.h>

#define CF 0x001ull
#define PF 0x004ull
#define AF 0x010ull
#define ZF 0x040ull
#define SF 0x080ull
#define DF 0x400ull
#define OF 0x800ull
#define ARITH (CF | PF | AF | ZF | SF | OF)

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

#define ONES (~0ull)
#define POISON 0x5a5a5a5a5a5a5a5aull

/* ------------------------------------------------------------ helpers */

static int decode_exact(const uint8_t *b, size_t n, enum emul_mode m, struct emul_insn *in)
{
    uint8_t *p = malloc(n ? n : 1);
    int rc;

    assert_non_null(p);
    memcpy(p, b, n);
    rc = emul_decode(p, n, m, in);
    free(p);
    return rc;
}

/* Decodes with exactly n bytes (and with trailing junk), -E2BIG with fewer. */
static struct emul_insn decode_ok(const uint8_t *b, size_t n, enum emul_mode m)
{
    struct emul_insn in, t;
    uint8_t buf[EMUL_MAX_INSN_LEN];

    assert_int_equal(decode_exact(b, n, m, &in), 0);
    assert_int_equal(in.len, n);
    assert_int_equal(in.fault, EMUL_FAULT_UNKNOWN);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(decode_exact(b, k, m, &t), -E2BIG);
    memset(buf, 0xcc, sizeof(buf));
    memcpy(buf, b, n);
    assert_int_equal(decode_exact(buf, sizeof(buf), m, &t), 0);
    assert_int_equal(t.len, n);
    return in;
}

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define DEC(mode, ...) decode_ok(BYTES(__VA_ARGS__), mode)
#define DEC_RC(mode, ...) dec_rc(BYTES(__VA_ARGS__), mode)

static int dec_rc(const uint8_t *b, size_t n, enum emul_mode m)
{
    struct emul_insn in;

    return decode_exact(b, n, m, &in);
}

static struct emul_regs regs_init(void)
{
    struct emul_regs r;

    for (int i = 0; i < 16; i++)
        r.gpr[i] = 0x1122334455667700ull | (uint64_t)i;
    r.rip = 0x1000;
    r.rflags = 0x2 | ARITH;
    return r;
}

/* Execute; checks rip advanced by len (64-bit, no wrap). Returns *written. */
static uint64_t exec_ok(struct emul_insn *in, struct emul_regs *r, uint64_t val)
{
    uint64_t w = POISON, rip = r->rip;

    assert_int_equal(emul_execute(in, r, val, &w), 0);
    if (in->mode == EMUL_64)
        assert_int_equal(r->rip, rip + in->len);
    return w;
}

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

/* ------------------------------------------------------------ rejects */

static void test_reject_unsupported(void **state)
{
    (void)state;
    assert_int_equal(DEC_RC(EMUL_64, 0x00, 0x00), -EINVAL);       /* add */
    assert_int_equal(DEC_RC(EMUL_64, 0x01, 0x00), -EINVAL);       /* add */
    assert_int_equal(DEC_RC(EMUL_64, 0x8d, 0x00), -EINVAL);       /* lea: no access */
    assert_int_equal(DEC_RC(EMUL_64, 0xff, 0x00), -EINVAL);       /* inc */
    assert_int_equal(DEC_RC(EMUL_64, 0x0f, 0x0b), -EINVAL);       /* ud2 */
    assert_int_equal(DEC_RC(EMUL_64, 0x0f, 0x10, 0x00), -EINVAL); /* movups */
    assert_int_equal(DEC_RC(EMUL_64, 0xa6), -EINVAL);             /* cmpsb */
    assert_int_equal(DEC_RC(EMUL_64, 0xac), -EINVAL);             /* lodsb */
    assert_int_equal(DEC_RC(EMUL_64, 0x90), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_64, 0xc4, 0xe1, 0x7a, 0x10, 0x00), -EINVAL); /* VEX */
    assert_int_equal(DEC_RC(EMUL_64, 0x80, 0x00, 0x01), -EINVAL);             /* add /0 */
    assert_int_equal(DEC_RC(EMUL_64, 0x83, 0x28, 0x01), -EINVAL);             /* sub /5 */
    assert_int_equal(DEC_RC(EMUL_64, 0x82, 0x08, 0x01), -EINVAL);             /* 82: #UD */
    assert_int_equal(DEC_RC(EMUL_64, 0xc6, 0x08, 0x01), -EINVAL);             /* c6 /1 */
    assert_int_equal(DEC_RC(EMUL_64, 0xc7, 0x38, 1, 2, 3, 4), -EINVAL);       /* c7 /7 */
    assert_int_equal(DEC_RC(EMUL_64, 0xf6, 0x08, 0x01), -EINVAL);             /* f6 /1 */
    assert_int_equal(DEC_RC(EMUL_64, 0xf7, 0x10), -EINVAL);                   /* not */

    /* LOCK only on a read-modify-write of memory */
    assert_int_equal(DEC_RC(EMUL_64, 0xf0, 0x89, 0x00), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_64, 0xf0, 0x0b, 0x00), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_64, 0xf0, 0x39, 0x00), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_64, 0xf0, 0x85, 0x00), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_64, 0xf0, 0xf6, 0x00, 0x01), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_64, 0xf0, 0x83, 0x38, 0x01), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_64, 0xf0, 0xab), -EINVAL);
    assert_int_equal(DEC_RC(EMUL_64, 0xf0, 0x31, 0x00), 0);
}

static void test_reject_register_direct(void **state)
{
    (void)state;
    assert_int_equal(DEC_RC(EMUL_64, 0x8b, 0xc3), -EINVAL);             /* mov %ebx,%eax */
    assert_int_equal(DEC_RC(EMUL_64, 0x89, 0xd8), -EINVAL);             /* mov %ebx,%eax */
    assert_int_equal(DEC_RC(EMUL_64, 0xc7, 0xc0, 1, 0, 0, 0), -EINVAL); /* mov $1,%eax */
    assert_int_equal(DEC_RC(EMUL_64, 0x0f, 0xb6, 0xc0), -EINVAL);       /* movzbl %al,%eax */
    assert_int_equal(DEC_RC(EMUL_64, 0x80, 0xc8, 0x01), -EINVAL);       /* or $1,%al */
    assert_int_equal(DEC_RC(EMUL_64, 0x09, 0xc0), -EINVAL);             /* or %eax,%eax */
    assert_int_equal(DEC_RC(EMUL_16, 0x8b, 0xc3), -EINVAL);
}

static void test_reject_length(void **state)
{
    uint8_t b[32];
    struct emul_insn in;
    (void)state;

    memset(b, 0x66, sizeof(b));
    assert_int_equal(decode_exact(b, 15, EMUL_64, &in), -EINVAL); /* 15 prefixes */
    assert_int_equal(decode_exact(b, 32, EMUL_64, &in), -EINVAL);
    assert_int_equal(decode_exact(b, 14, EMUL_64, &in), -E2BIG); /* could still end */
    assert_int_equal(decode_exact(b, 0, EMUL_64, &in), -E2BIG);

    b[13] = 0x8b; /* 13 prefixes + 8b 00 = 15 bytes: fine */
    b[14] = 0x00;
    assert_int_equal(decode_exact(b, 15, EMUL_64, &in), 0);
    assert_int_equal(in.len, 15);
    b[13] = 0x66; /* 14 prefixes + 8b 00 = 16 bytes */
    b[14] = 0x8b;
    b[15] = 0x00;
    assert_int_equal(decode_exact(b, 16, EMUL_64, &in), -EINVAL);
    assert_int_equal(decode_exact(b, 15, EMUL_64, &in), -EINVAL);

    /* 9 prefixes + c7 84 24 disp32 imm32 = 20 bytes: -EINVAL however many bytes */
    memset(b, 0x3e, 9);
    memcpy(b + 9, (const uint8_t[]){0xc7, 0x84, 0x24, 1, 2, 3, 4, 5, 6, 7, 8}, 11);
    assert_int_equal(decode_exact(b, 20, EMUL_64, &in), -EINVAL);
    assert_int_equal(decode_exact(b, 12, EMUL_64, &in), -EINVAL);
    assert_int_equal(decode_exact(b, 11, EMUL_64, &in), -E2BIG);

    assert_int_equal(emul_decode(NULL, 4, EMUL_64, &in), -EINVAL);
    assert_int_equal(emul_decode(b, 4, EMUL_64, NULL), -EINVAL);
    assert_int_equal(emul_decode(b, 4, (enum emul_mode)7, &in), -EINVAL);
}

static void test_execute_checks(void **state)
{
    struct emul_regs r = regs_init(), saved = r;
    struct emul_insn in, bad;
    (void)state;

    in = DEC(EMUL_64, 0x8b, 0x18);
    in.fault = EMUL_FAULT_WRITE; /* a load cannot write-fault */
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), -EINVAL);
    in.fault = EMUL_FAULT_READ;
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), 0);

    r = saved;
    in = DEC(EMUL_64, 0x89, 0x18);
    in.fault = EMUL_FAULT_READ; /* a store cannot read-fault */
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), -EINVAL);
    assert_memory_equal(&r, &saved, sizeof(r));
    in.fault = EMUL_FAULT_WRITE;
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), 0);

    in = DEC(EMUL_64, 0x09, 0x18); /* read-modify-write: either fault */
    in.fault = EMUL_FAULT_READ;
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), 0);
    in.fault = EMUL_FAULT_WRITE;
    assert_int_equal(emul_execute(&in, &r, ONES, NULL), 0);

    in = DEC(EMUL_64, 0x8b, 0x18);
    r = saved;
    bad = in;
    bad.op_size = 3;
    assert_int_equal(emul_execute(&bad, &r, ONES, NULL), -EINVAL);
    bad = in;
    bad.reg = 16;
    assert_int_equal(emul_execute(&bad, &r, ONES, NULL), -EINVAL);
    bad = in;
    bad.len = 16;
    assert_int_equal(emul_execute(&bad, &r, ONES, NULL), -EINVAL);
    bad = in;
    bad.reg_high8 = true; /* only with byte operands */
    assert_int_equal(emul_execute(&bad, &r, ONES, NULL), -EINVAL);
    bad = in;
    bad.op = (enum emul_op)99;
    assert_int_equal(emul_execute(&bad, &r, ONES, NULL), -EINVAL);
    assert_memory_equal(&r, &saved, sizeof(r));
}

/* ------------------------------------------------------------ fuzz */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Fill b[0..n) with random bytes, half the time biased toward accepted forms. */
static void fuzz_bytes(uint8_t *b, size_t n)
{
    static const uint8_t pfx[] = {0x66, 0x67, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65,
                                  0xf3, 0xf2, 0xf0, 0x40, 0x41, 0x48, 0x4c, 0x4f};
    static const uint8_t ops[] = {0x08, 0x09, 0x0a, 0x0b, 0x20, 0x21, 0x22, 0x23, 0x30, 0x31,
                                  0x32, 0x33, 0x38, 0x39, 0x3a, 0x3b, 0x63, 0x80, 0x81, 0x83,
                                  0x84, 0x85, 0x88, 0x89, 0x8a, 0x8b, 0xa0, 0xa1, 0xa2, 0xa3,
                                  0xa4, 0xa5, 0xaa, 0xab, 0xc6, 0xc7, 0xf6, 0xf7, 0x0f};
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)rng();
    if (rng() & 1)
        return;
    for (unsigned int np = rng() % 4; np && k < n; np--)
        b[k++] = pfx[rng() % sizeof(pfx)];
    if (k < n)
        b[k++] = ops[rng() % sizeof(ops)];
    if (k < n && b[k - 1] == 0x0f)
        b[k] = (const uint8_t[]){0xb6, 0xb7, 0xbe, 0xbf}[rng() % 4];
}

static void test_fuzz(void **state)
{
    unsigned int accepted = 0;
    (void)state;

    for (int iter = 0; iter < 200000; iter++) {
        size_t avail = rng() % 21;
        enum emul_mode mode = (enum emul_mode)(rng() % 3);
        uint8_t *b = malloc(avail ? avail : 1);
        struct emul_insn in, t;
        struct emul_regs r, saved;
        uint64_t w;
        int rc;

        assert_non_null(b);
        fuzz_bytes(b, avail);
        rc = emul_decode(b, avail, mode, &in);
        if (rc) {
            assert_true(rc == -EINVAL || (rc == -E2BIG && avail < EMUL_MAX_INSN_LEN));
            free(b);
            continue;
        }
        accepted++;
        assert_true(in.len >= 1 && in.len <= EMUL_MAX_INSN_LEN && in.len <= avail);
        assert_true(in.op_size == 1 || in.op_size == 2 || in.op_size == 4 || in.op_size == 8);
        assert_true(in.mem_size <= in.op_size && in.mem_size >= 1);
        assert_true(in.reg < 16);
        assert_true(in.is_read || in.is_write);
        /* the length is self-consistent: exactly len bytes decode alike, fewer do not */
        assert_int_equal(emul_decode(b, in.len, mode, &t), 0);
        assert_int_equal(t.len, in.len);
        assert_int_equal(t.op, in.op);
        assert_int_equal(emul_decode(b, in.len - 1u, mode, &t), -E2BIG);

        for (int i = 0; i < 16; i++)
            r.gpr[i] = rng();
        r.rip = rng();
        r.rflags = rng();
        saved = r;
        in.fault = (enum emul_fault)(rng() % 3);
        rc = emul_execute(&in, &r, rng(), &w);
        if (rc) {
            assert_true(rc == -EINVAL || rc == -EOPNOTSUPP);
            assert_memory_equal(&r, &saved, sizeof(r));
        } else if (mode == EMUL_64) {
            assert_int_equal(r.rip, saved.rip + in.len);
        }
        (void)emul_effective_addr(&in, &saved);
        free(b);
    }
    assert_true(accepted > 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mov_load_64),
        cmocka_unit_test(test_addressing_64),
        cmocka_unit_test(test_rex_rules),
        cmocka_unit_test(test_mov_store),
        cmocka_unit_test(test_moffs),
        cmocka_unit_test(test_movzx_movsx),
        cmocka_unit_test(test_movs),
        cmocka_unit_test(test_stos),
        cmocka_unit_test(test_logic_flags),
        cmocka_unit_test(test_test),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_mode32),
        cmocka_unit_test(test_mode16),
        cmocka_unit_test(test_reject_unsupported),
        cmocka_unit_test(test_reject_register_direct),
        cmocka_unit_test(test_reject_length),
        cmocka_unit_test(test_execute_checks),
        cmocka_unit_test(test_fuzz),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
