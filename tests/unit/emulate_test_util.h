/* SPDX-License-Identifier: MIT */
/* Split emulator test files decode and execute through the same exact-size helpers. */
#ifndef EMULATE_TEST_UTIL_H
#define EMULATE_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <asm/hvm/emulate.h>

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

/* emul_decode on an exact-size heap copy of b[0..n). */
int decode_exact(const uint8_t *b, size_t n, enum emul_mode m, struct emul_insn *in);
/* Decodes with exactly n bytes (and with trailing junk), -E2BIG with fewer. */
struct emul_insn decode_ok(const uint8_t *b, size_t n, enum emul_mode m);
int dec_rc(const uint8_t *b, size_t n, enum emul_mode m);

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define DEC(mode, ...) decode_ok(BYTES(__VA_ARGS__), mode)
#define DEC_RC(mode, ...) dec_rc(BYTES(__VA_ARGS__), mode)

struct emul_regs regs_init(void);
/* Execute; checks rip advanced by len (64-bit, no wrap). Returns *written. */
uint64_t exec_ok(struct emul_insn *in, struct emul_regs *r, uint64_t val);

#endif
