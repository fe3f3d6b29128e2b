// SPDX-License-Identifier: MIT
/* Every buffer the emulator tests decode is an exact-size heap block, so ASan sees overreads. */
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

/* ------------------------------------------------------------ helpers */

int decode_exact(const uint8_t *b, size_t n, enum emul_mode m, struct emul_insn *in)
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
struct emul_insn decode_ok(const uint8_t *b, size_t n, enum emul_mode m)
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

int dec_rc(const uint8_t *b, size_t n, enum emul_mode m)
{
    struct emul_insn in;

    return decode_exact(b, n, m, &in);
}

struct emul_regs regs_init(void)
{
    struct emul_regs r;

    for (int i = 0; i < 16; i++)
        r.gpr[i] = 0x1122334455667700ull | (uint64_t)i;
    r.rip = 0x1000;
    r.rflags = 0x2 | ARITH;
    return r;
}

/* Execute; checks rip advanced by len (64-bit, no wrap). Returns *written. */
uint64_t exec_ok(struct emul_insn *in, struct emul_regs *r, uint64_t val)
{
    uint64_t w = POISON, rip = r->rip;

    assert_int_equal(emul_execute(in, r, val, &w), 0);
    if (in->mode == EMUL_64)
        assert_int_equal(r->rip, rip + in->len);
    return w;
}
