/* SPDX-License-Identifier: MIT */
/*
 * MMIO instruction decoder and emulator.
 *
 * A guest access to guest-physical memory that nothing backs exits with a
 * nested page fault. Under QEMU TCG there are no decode assists, so the caller
 * copies up to 15 instruction bytes from guest memory, emul_decode() decodes
 * them, and emul_execute() applies the access as if the memory were an open
 * bus: reads return the value the caller passes (all-ones for unbacked
 * memory), writes are handed back through *written and dropped.
 *
 * Only the forms compilers and drivers use for MMIO are accepted; everything
 * else is -EINVAL and the caller crashes the guest, never the hypervisor.
 * The decoder treats its input as hostile: it never reads past `avail` (or
 * past 15 bytes) and every accepted instruction has 1 <= len <= 15.
 *
 * Supported (any operand size the prefixes select unless noted):
 *   88/89 mov r/m,r        8A/8B mov r,r/m       C6/0 C7/0 mov r/m,imm
 *   A0-A3 mov al/ax,moffs  0F B6/B7 movzx        0F BE/BF movsx
 *   63 movsxd (64-bit mode only)
 *   A4/A5 movs, AA/AB stos (F3 or F2 = rep, as QEMU and hardware treat them)
 *   08-0B or   20-23 and   30-33 xor   38-3B cmp   84/85 test
 *   80/81/83 /1 or, /4 and, /6 xor, /7 cmp        F6/F7 /0 test imm
 * Prefixes: 66, 67, segment overrides (2E 36 3E 26 64 65), F2, F3, REX in
 * 64-bit mode (a legacy prefix after REX cancels it, as on hardware), and
 * LOCK (F0) only on or/and/xor with a memory destination (elsewhere it is #UD
 * on hardware, so -EINVAL here). 16-bit addressing (mode 16, or 67 in mode 32)
 * is decoded. Register-direct ModRM (mod = 3) is not a memory access: -EINVAL.
 *
 * Register writes follow x86 rules: 8- and 16-bit writes merge, 32-bit writes
 * zero-extend to 64 bits (hardware does so in every mode; outside 64-bit mode
 * the upper half is invisible anyway), AH/CH/DH/BH are named by reg 4-7 when
 * no REX prefix is present.
 */
#ifndef ASM_HVM_EMULATE_H
#define ASM_HVM_EMULATE_H

#include <lamina/types.h>

#define EMUL_MAX_INSN_LEN 15

/* Code segment default size (CS.D) or long mode (CS.L). */
enum emul_mode { EMUL_16, EMUL_32, EMUL_64 };

/* gpr[] order is the x86 encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15. */
struct emul_regs {
    uint64_t gpr[16];
    uint64_t rip;    /* of the faulting instruction; emul_execute advances it */
    uint64_t rflags; /* DF is read; CF PF AF ZF SF OF are written by and/or/xor/test/cmp */
};

enum emul_op {
    EMUL_OP_LOAD,  /* reg <- mem (8A 8B A0 A1) */
    EMUL_OP_STORE, /* mem <- reg or imm (88 89 A2 A3 C6 C7) */
    EMUL_OP_MOVZX, /* reg <- zero-extended mem (0F B6, 0F B7) */
    EMUL_OP_MOVSX, /* reg <- sign-extended mem (0F BE, 0F BF, 63) */
    EMUL_OP_MOVS,  /* ES:[rDI] <- seg:[rSI] (A4 A5) */
    EMUL_OP_STOS,  /* ES:[rDI] <- AL/AX/EAX/RAX (AA AB) */
    EMUL_OP_OR,    /* dst <- dst op src, flags: CF=OF=AF=0, SF ZF PF from the result */
    EMUL_OP_AND,
    EMUL_OP_XOR,
    EMUL_OP_TEST, /* flags of mem & src only */
    EMUL_OP_CMP,  /* flags of dst - src only */
};

enum emul_rep { EMUL_REP_NONE, EMUL_REP_E /* F3 */, EMUL_REP_NE /* F2 */ };

/* Segment register numbers as x86 encodes them (Sreg field). */
enum emul_seg { EMUL_SEG_ES, EMUL_SEG_CS, EMUL_SEG_SS, EMUL_SEG_DS, EMUL_SEG_FS, EMUL_SEG_GS };

/* What the nested page fault reported; set by the caller between decode and execute. */
enum emul_fault { EMUL_FAULT_UNKNOWN, EMUL_FAULT_READ, EMUL_FAULT_WRITE };

#define EMUL_REG_NONE (-1) /* no base / no index */
#define EMUL_REG_RIP 16    /* base of a RIP-relative operand (next instruction's rip) */

struct emul_insn {
    enum emul_op op;
    enum emul_mode mode;
    uint8_t len;       /* instruction length in bytes, 1..15 */
    uint8_t op_size;   /* register / result width: 1, 2, 4 or 8 */
    uint8_t mem_size;  /* bytes per memory access; < op_size only for movzx/movsx */
    uint8_t addr_size; /* 2, 4 or 8: width of the address and of rCX/rSI/rDI for strings */
    bool is_read;      /* the instruction reads the memory operand */
    bool is_write;     /* ... writes it (both for read-modify-write and movs) */
    bool dst_mem;      /* the memory operand is the first (destination) operand */
    bool has_reg;      /* `reg` is an operand (else the source is imm or implicit) */
    bool reg_high8;    /* `reg` names bits 15:8 (AH CH DH BH) of gpr[reg] */
    bool has_imm;
    bool lock;
    uint8_t reg;       /* ModRM.reg + REX.R, 0..15; 0 (rAX) for moffs/movs/stos */
    uint8_t rex;       /* REX byte in effect (0x40..0x4f), 0 if none */
    enum emul_rep rep; /* last F2/F3 prefix seen */
    enum emul_seg seg; /* segment of the memory operand (movs: of the source; the
                          destination is always ES). In 64-bit mode only FS/GS have bases. */
    bool seg_override; /* seg came from a prefix */
    int64_t imm;       /* immediate, sign-extended to 64 bits (mask to op_size) */
    /* Memory operand of ModRM and moffs forms: base + index * scale + disp. */
    int8_t base;           /* 0..15, EMUL_REG_RIP or EMUL_REG_NONE */
    int8_t index;          /* 0..15 or EMUL_REG_NONE */
    uint8_t scale;         /* 1, 2, 4 or 8 */
    int64_t disp;          /* sign-extended displacement; A0-A3: the zero-extended moffs */
    enum emul_fault fault; /* input to emul_execute; emul_decode sets UNKNOWN */
};

/*
 * Decode the instruction at bytes[0..avail). Bytes beyond 15 are never looked
 * at. Returns 0 and fills *out, -E2BIG when the instruction continues past
 * avail (and could still fit in 15 bytes), or -EINVAL when it is longer than
 * 15 bytes, undecodable, or not one of the supported MMIO forms.
 */
int emul_decode(const uint8_t *bytes, size_t avail, enum emul_mode mode, struct emul_insn *out);

/*
 * Apply the instruction to regs as an MMIO access whose memory operand reads
 * as mmio_read_value (truncated to mem_size), and advance rip by len
 * (wrapping at 16/32 bits outside 64-bit mode). When the instruction writes
 * memory, *written (if non-NULL) receives the value, truncated to mem_size,
 * that the last write would store; the caller drops it. RFLAGS.RF, TF and
 * pending events are the caller's business.
 *
 * String ops: every iteration is taken to hit MMIO. With rep, rCX (at
 * addr_size width) iterations happen at once: rCX becomes 0 and rSI/rDI move
 * by count * mem_size, down when RFLAGS.DF is set; without rep one iteration
 * and rCX is untouched. For movs *written is mmio_read_value (the source is
 * not read here). movs is emulated only when insn->fault is EMUL_FAULT_WRITE
 * (the destination is MMIO); a read fault means the source is MMIO and the
 * destination may be RAM, which is out of scope: -EOPNOTSUPP, crash the guest.
 *
 * Returns 0, -EOPNOTSUPP as above, or -EINVAL when insn is malformed or
 * insn->fault contradicts it (a write fault on an instruction that never
 * writes memory, or a read fault on one that never reads it: the guest
 * changed the bytes between the fault and the fetch). regs are unchanged on
 * error.
 */
int emul_execute(const struct emul_insn *insn, struct emul_regs *regs, uint64_t mmio_read_value,
                 uint64_t *written);

/*
 * Offset (before the segment base) of the memory operand, truncated to
 * addr_size; for movs/stos the destination rDI. regs->rip must still be the
 * instruction's own rip (call before emul_execute) for RIP-relative operands.
 */
uint64_t emul_effective_addr(const struct emul_insn *insn, const struct emul_regs *regs);

#endif
