// SPDX-License-Identifier: MIT
/* Guests choose the bytes: anything unsupported or malformed must be refused, never misread. */
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
        cmocka_unit_test(test_reject_unsupported),
        cmocka_unit_test(test_reject_register_direct),
        cmocka_unit_test(test_reject_length),
        cmocka_unit_test(test_execute_checks),
        cmocka_unit_test(test_fuzz),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
