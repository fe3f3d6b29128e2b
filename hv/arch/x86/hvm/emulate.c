// SPDX-License-Identifier: MIT
/*
 * Guest accesses to unbacked guest-physical memory must behave like an open
 * bus, and under TCG nothing tells us what the faulting instruction was, so we
 * decode it ourselves. The bytes come from the guest and may be anything (or
 * rewritten by another vCPU since the fault), so decoding is a bounded walk
 * over at most 15 bytes that accepts only a short list of forms and rejects
 * the rest; the caller turns a rejection into a guest crash.
 */
#include <asm/hvm/emulate.h>
#include <lamina/errno.h>

#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

#define X86_CF 0x001ull
#define X86_PF 0x004ull
#define X86_AF 0x010ull
#define X86_ZF 0x040ull
#define X86_SF 0x080ull
#define X86_DF 0x400ull
#define X86_OF 0x800ull
#define X86_ARITH_FLAGS (X86_CF | X86_PF | X86_AF | X86_ZF | X86_SF | X86_OF)

#define R_AX 0
#define R_CX 1
#define R_SP 4
#define R_BP 5
#define R_SI 6
#define R_DI 7
#define R_BX 3

/* The immediate that follows ModRM: none, one byte, or 2/4 bytes by operand size. */
enum imm_kind { IMM_NONE, IMM_8, IMM_Z };

struct dec {
    const uint8_t *bytes;
    size_t avail;
    size_t pos;
};

/* Take n little-endian bytes; fails rather than read past 15 bytes or avail. */
static int take(struct dec *d, unsigned int n, uint64_t *v)
{
    uint64_t x = 0;

    if (n > EMUL_MAX_INSN_LEN - d->pos)
        return -EINVAL;
    if (n > d->avail - d->pos)
        return -E2BIG;
    for (unsigned int i = 0; i < n; i++)
        x |= (uint64_t)d->bytes[d->pos + i] << (8 * i);
    d->pos += n;
    *v = x;
    return 0;
}

static uint64_t size_mask(unsigned int size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static int64_t sign_extend(uint64_t v, unsigned int size)
{
    unsigned int shift = 64 - size * 8;

    return size >= 8 ? (int64_t)v : (int64_t)(v << shift) >> shift;
}

/* 16-bit ModRM: fixed base/index pairs, no SIB, no RIP-relative form. */
static int decode_modrm16(struct dec *d, struct emul_insn *in, unsigned int mod, unsigned int rm)
{
    static const int8_t base16[8] = {R_BX, R_BX, R_BP, R_BP, R_SI, R_DI, R_BP, R_BX};
    static const int8_t index16[8] = {R_SI, R_DI, R_SI, R_DI, -1, -1, -1, -1};
    uint64_t disp = 0;
    int rc = 0;

    in->base = base16[rm];
    in->index = index16[rm];
    in->scale = 1;
    if (mod == 0 && rm == 6) {
        in->base = EMUL_REG_NONE;
        rc = take(d, 2, &disp);
        in->disp = sign_extend(disp, 2);
    } else if (mod == 1) {
        rc = take(d, 1, &disp);
        in->disp = sign_extend(disp, 1);
    } else if (mod == 2) {
        rc = take(d, 2, &disp);
        in->disp = sign_extend(disp, 2);
    }
    if (in->base == R_BP && !in->seg_override)
        in->seg = EMUL_SEG_SS;
    return rc;
}

/* ModRM (+ SIB + displacement). *regfield gets ModRM.reg without REX.R. */
static int decode_modrm(struct dec *d, struct emul_insn *in, unsigned int *regfield)
{
    unsigned int mod, rm, base;
    uint64_t m, sib, disp = 0;
    bool disp32 = false;
    int rc;

    rc = take(d, 1, &m);
    if (rc)
        return rc;
    mod = m >> 6;
    rm = m & 7;
    *regfield = (m >> 3) & 7;
    if (mod == 3)
        return -EINVAL; /* register operand: no memory access to emulate */
    if (in->addr_size == 2)
        return decode_modrm16(d, in, mod, rm);

    in->index = EMUL_REG_NONE;
    in->scale = 1;
    base = rm;
    if (rm == 4) {
        unsigned int index;

        rc = take(d, 1, &sib);
        if (rc)
            return rc;
        index = ((sib >> 3) & 7) | (in->rex & REX_X ? 8 : 0);
        if (index != R_SP) {
            in->index = (int8_t)index;
            in->scale = (uint8_t)(1u << (sib >> 6));
        }
        base = sib & 7;
        if (mod == 0 && base == 5) {
            in->base = EMUL_REG_NONE;
            disp32 = true;
        }
    } else if (mod == 0 && rm == 5) {
        in->base = in->mode == EMUL_64 ? EMUL_REG_RIP : EMUL_REG_NONE;
        disp32 = true;
    }
    if (!disp32) {
        in->base = (int8_t)(base | (in->rex & REX_B ? 8 : 0));
        if ((in->base == R_SP || in->base == R_BP) && !in->seg_override)
            in->seg = EMUL_SEG_SS;
    }

    if (mod == 1) {
        rc = take(d, 1, &disp);
        in->disp = sign_extend(disp, 1);
    } else if (mod == 2 || disp32) {
        rc = take(d, 4, &disp);
        in->disp = sign_extend(disp, 4);
    }
    return rc;
}

/* Legacy prefixes and REX. Returns the first opcode byte through *op. */
static int decode_prefixes(struct dec *d, struct emul_insn *in, bool *opsize, bool *adsize,
                           uint64_t *op)
{
    int rc;

    for (;;) {
        rc = take(d, 1, op);
        if (rc)
            return rc;
        if (in->mode == EMUL_64 && (*op & 0xf0) == 0x40) {
            in->rex = (uint8_t)*op; /* only the last REX, right before the opcode, counts */
            continue;
        }
        switch (*op) {
        case 0x26:                                     /* ES */
        case 0x2e:                                     /* CS */
        case 0x36:                                     /* SS */
        case 0x3e:                                     /* DS */
            in->seg = (enum emul_seg)((*op >> 3) & 3); /* ES CS SS DS */
            in->seg_override = true;
            break;
        case 0x64:
        case 0x65:
            in->seg = *op == 0x64 ? EMUL_SEG_FS : EMUL_SEG_GS;
            in->seg_override = true;
            break;
        case 0x66:
            *opsize = true;
            break;
        case 0x67:
            *adsize = true;
            break;
        case 0xf0:
            in->lock = true;
            break;
        case 0xf2:
            in->rep = EMUL_REP_NE;
            break;
        case 0xf3:
            in->rep = EMUL_REP_E;
            break;
        default:
            return 0;
        }
        in->rex = 0; /* a REX followed by a legacy prefix is ignored */
    }
}

/*
 * One-byte and 0F-map opcodes we accept. Sets op and its shape; the ModRM is
 * consumed here only for group opcodes, whose reg field picks the operation.
 */
struct shape {
    bool byte_op;
    bool modrm;
    bool group;
    enum imm_kind imm;
};

static const int8_t alu_ops[8] = {-1,          EMUL_OP_OR, -1,          -1,
                                  EMUL_OP_AND, -1,         EMUL_OP_XOR, EMUL_OP_CMP};

static int classify(struct dec *d, struct emul_insn *in, uint64_t b, struct shape *s)
{
    uint64_t b2;
    int rc;

    *s = (struct shape){.modrm = true, .imm = IMM_NONE};
    if (b < 0x40 && (b & 7) < 4 && alu_ops[b >> 3] >= 0) {
        /* ALU r/m,r (bit 1 clear) or r,r/m (bit 1 set) */
        in->op = (enum emul_op)alu_ops[b >> 3];
        s->byte_op = !(b & 1);
        in->dst_mem = !(b & 2);
        in->has_reg = true;
        return 0;
    }
    switch (b) {
    case 0x0f:
        rc = take(d, 1, &b2);
        if (rc)
            return rc;
        if (b2 != 0xb6 && b2 != 0xb7 && b2 != 0xbe && b2 != 0xbf)
            return -EINVAL;
        in->op = b2 & 8 ? EMUL_OP_MOVSX : EMUL_OP_MOVZX;
        in->mem_size = b2 & 1 ? 2 : 1;
        in->has_reg = true;
        return 0;
    case 0x63:
        if (in->mode != EMUL_64)
            return -EINVAL; /* ARPL */
        in->op = EMUL_OP_MOVSX;
        in->has_reg = true;
        return 0;
    case 0x80:
    case 0x81:
    case 0x83:
        s->byte_op = b == 0x80;
        s->group = true;
        s->imm = b == 0x81 ? IMM_Z : IMM_8;
        in->dst_mem = true;
        return 0;
    case 0x84:
    case 0x85:
        in->op = EMUL_OP_TEST;
        s->byte_op = b == 0x84;
        in->dst_mem = true;
        in->has_reg = true;
        return 0;
    case 0x88:
    case 0x89:
    case 0x8a:
    case 0x8b:
        in->op = b & 2 ? EMUL_OP_LOAD : EMUL_OP_STORE;
        s->byte_op = !(b & 1);
        in->dst_mem = !(b & 2);
        in->has_reg = true;
        return 0;
    case 0xa0:
    case 0xa1:
    case 0xa2:
    case 0xa3:
        in->op = b & 2 ? EMUL_OP_STORE : EMUL_OP_LOAD;
        s->byte_op = !(b & 1);
        s->modrm = false;
        in->dst_mem = b & 2;
        in->has_reg = true; /* AL/AX/EAX/RAX */
        return 0;
    case 0xa4:
    case 0xa5:
    case 0xaa:
    case 0xab:
        in->op = b & 8 ? EMUL_OP_STOS : EMUL_OP_MOVS;
        s->byte_op = !(b & 1);
        s->modrm = false;
        in->dst_mem = true;
        in->has_reg = b & 8; /* stos stores rAX */
        return 0;
    case 0xc6:
    case 0xc7:
    case 0xf6:
    case 0xf7:
        in->op = b & 0x30 ? EMUL_OP_TEST : EMUL_OP_STORE;
        s->byte_op = !(b & 1);
        s->group = true;
        s->imm = b & 1 ? IMM_Z : IMM_8;
        in->dst_mem = true;
        return 0;
    default:
        return -EINVAL;
    }
}

/* The operation of a group opcode from its ModRM.reg field. */
static int group_op(uint8_t opcode, unsigned int regfield, struct emul_insn *in)
{
    if (opcode == 0xc6 || opcode == 0xc7 || opcode == 0xf6 || opcode == 0xf7)
        return regfield == 0 ? 0 : -EINVAL; /* mov /0, test /0; op set by classify */
    if (alu_ops[regfield] < 0)
        return -EINVAL;
    in->op = (enum emul_op)alu_ops[regfield];
    return 0;
}

int emul_decode(const uint8_t *bytes, size_t avail, enum emul_mode mode, struct emul_insn *out)
{
    struct dec d = {.bytes = bytes, .avail = avail, .pos = 0};
    struct emul_insn in = {.mode = mode,
                           .seg = EMUL_SEG_DS,
                           .base = EMUL_REG_NONE,
                           .index = EMUL_REG_NONE,
                           .scale = 1,
                           .fault = EMUL_FAULT_UNKNOWN};
    bool opsize = false, adsize = false;
    unsigned int regfield = 0;
    struct shape s;
    uint64_t b, v;
    int rc;

    if (!bytes || !out || (mode != EMUL_16 && mode != EMUL_32 && mode != EMUL_64))
        return -EINVAL;
    rc = decode_prefixes(&d, &in, &opsize, &adsize, &b);
    if (rc)
        return rc;
    rc = classify(&d, &in, b, &s);
    if (rc)
        return rc;

    if (s.byte_op)
        in.op_size = 1;
    else if (in.rex & REX_W)
        in.op_size = 8;
    else
        in.op_size = (mode == EMUL_16) != opsize ? 2 : 4;
    if (mode == EMUL_64)
        in.addr_size = adsize ? 4 : 8;
    else
        in.addr_size = (mode == EMUL_16) != adsize ? 2 : 4;
    if (b == 0x63)
        in.mem_size = MIN(in.op_size, 4);
    else if (!in.mem_size)
        in.mem_size = in.op_size;

    if (s.modrm) {
        rc = decode_modrm(&d, &in, &regfield);
        if (rc)
            return rc;
        if (s.group) {
            rc = group_op((uint8_t)b, regfield, &in);
            if (rc)
                return rc;
        } else {
            in.reg = (uint8_t)(regfield | (in.rex & REX_R ? 8 : 0));
        }
    } else if (in.op == EMUL_OP_STOS) {
        in.seg = EMUL_SEG_ES; /* not overridable */
        in.seg_override = false;
    } else if (in.op != EMUL_OP_MOVS) {
        rc = take(&d, in.addr_size, &v); /* moffs */
        if (rc)
            return rc;
        in.disp = (int64_t)v;
    }

    if (s.imm != IMM_NONE) {
        unsigned int n = s.imm == IMM_8 ? 1 : MIN(in.op_size, 4);

        rc = take(&d, n, &v);
        if (rc)
            return rc;
        in.imm = sign_extend(v, n);
        in.has_imm = true;
    }

    if (in.has_reg && in.op_size == 1 && !in.rex && in.reg >= 4 && in.reg < 8) {
        in.reg -= 4;
        in.reg_high8 = true;
    }
    /* Memory is the destination of every form except loads, movzx/movsx and r,r/m ALU. */
    in.is_write = in.dst_mem && in.op != EMUL_OP_TEST && in.op != EMUL_OP_CMP;
    in.is_read = in.op != EMUL_OP_STORE && in.op != EMUL_OP_STOS;
    /* LOCK is legal only on a read-modify-write of memory; elsewhere it is #UD. */
    if (in.lock &&
        !((in.op == EMUL_OP_OR || in.op == EMUL_OP_AND || in.op == EMUL_OP_XOR) && in.dst_mem))
        return -EINVAL;

    in.len = (uint8_t)d.pos;
    *out = in;
    return 0;
}

/* ------------------------------------------------------------------ execute */

/* Write a register the way an x86 destination of `size` bytes does. */
static void gpr_write(uint64_t *r, unsigned int size, bool high8, uint64_t v)
{
    if (size == 1 && high8)
        *r = (*r & ~0xff00ull) | (v & 0xff) << 8;
    else if (size == 4)
        *r = (uint32_t)v;
    else
        *r = (*r & ~size_mask(size)) | (v & size_mask(size));
}

static uint64_t reg_read(const struct emul_insn *in, const struct emul_regs *regs)
{
    uint64_t v = regs->gpr[in->reg];

    return (in->reg_high8 ? v >> 8 : v) & size_mask(in->op_size);
}

/* SF, ZF and PF of a result; PF looks at the low byte only. */
static uint64_t flags_szp(uint64_t res, unsigned int size)
{
    uint64_t f = 0, p = res & 0xff;

    res &= size_mask(size);
    if (!res)
        f |= X86_ZF;
    if (res >> (size * 8 - 1))
        f |= X86_SF;
    p ^= p >> 4;
    p ^= p >> 2;
    p ^= p >> 1;
    if (!(p & 1))
        f |= X86_PF;
    return f;
}

static uint64_t flags_sub(uint64_t a, uint64_t b, unsigned int size)
{
    uint64_t m = size_mask(size), res = (a - b) & m;
    uint64_t f = flags_szp(res, size);

    a &= m;
    b &= m;
    if (a < b)
        f |= X86_CF;
    if (((a ^ b) & (a ^ res)) >> (size * 8 - 1) & 1)
        f |= X86_OF;
    if ((a ^ b ^ res) & 0x10)
        f |= X86_AF;
    return f;
}

static bool size_ok(unsigned int size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static int check_insn(const struct emul_insn *in)
{
    if (in->len < 1 || in->len > EMUL_MAX_INSN_LEN || in->reg > 15 || !size_ok(in->op_size) ||
        !size_ok(in->mem_size) || in->mem_size > in->op_size ||
        (in->addr_size != 2 && in->addr_size != 4 && in->addr_size != 8) ||
        (in->reg_high8 && (in->op_size != 1 || in->reg > 3)) ||
        (in->mode != EMUL_16 && in->mode != EMUL_32 && in->mode != EMUL_64))
        return -EINVAL;
    if ((in->fault == EMUL_FAULT_WRITE && !in->is_write) ||
        (in->fault == EMUL_FAULT_READ && !in->is_read))
        return -EINVAL;
    return 0;
}

/* movs/stos: all iterations at once; returns whether any iteration ran. */
static bool string_op(const struct emul_insn *in, struct emul_regs *regs)
{
    unsigned int as = in->addr_size;
    uint64_t count = 1, delta;

    if (in->rep != EMUL_REP_NONE) {
        count = regs->gpr[R_CX] & size_mask(as);
        if (!count)
            return false;
        gpr_write(&regs->gpr[R_CX], as, false, 0);
    }
    delta = count * in->mem_size;
    if (regs->rflags & X86_DF)
        delta = -delta;
    gpr_write(&regs->gpr[R_DI], as, false, regs->gpr[R_DI] + delta);
    if (in->op == EMUL_OP_MOVS)
        gpr_write(&regs->gpr[R_SI], as, false, regs->gpr[R_SI] + delta);
    return true;
}

int emul_execute(const struct emul_insn *in, struct emul_regs *regs, uint64_t mmio_read_value,
                 uint64_t *written)
{
    uint64_t mem = mmio_read_value & size_mask(in->mem_size);
    uint64_t src = 0, a, b, res = 0, flags = 0;
    bool wrote = false, set_flags = false;
    int rc;

    rc = check_insn(in);
    if (rc)
        return rc;
    if (in->op == EMUL_OP_MOVS && in->fault != EMUL_FAULT_WRITE)
        return -EOPNOTSUPP;
    if (in->has_imm)
        src = (uint64_t)in->imm & size_mask(in->op_size);
    else if (in->has_reg)
        src = reg_read(in, regs);
    /* Two-operand ALU forms: the memory operand is first or second. */
    a = in->dst_mem ? mem : src;
    b = in->dst_mem ? src : mem;

    switch (in->op) {
    case EMUL_OP_LOAD:
    case EMUL_OP_MOVZX:
        gpr_write(&regs->gpr[in->reg], in->op_size, in->reg_high8, mem);
        break;
    case EMUL_OP_MOVSX:
        gpr_write(&regs->gpr[in->reg], in->op_size, false,
                  (uint64_t)sign_extend(mem, in->mem_size));
        break;
    case EMUL_OP_STORE:
        res = src;
        wrote = true;
        break;
    case EMUL_OP_MOVS:
        res = mem;
        wrote = string_op(in, regs);
        break;
    case EMUL_OP_STOS:
        res = regs->gpr[R_AX];
        wrote = string_op(in, regs);
        break;
    case EMUL_OP_OR:
    case EMUL_OP_AND:
    case EMUL_OP_XOR:
        res = in->op == EMUL_OP_OR ? a | b : in->op == EMUL_OP_AND ? a & b : a ^ b;
        flags = flags_szp(res, in->op_size);
        set_flags = true;
        if (in->dst_mem)
            wrote = true;
        else
            gpr_write(&regs->gpr[in->reg], in->op_size, in->reg_high8, res);
        break;
    case EMUL_OP_TEST:
        flags = flags_szp(a & b, in->op_size);
        set_flags = true;
        break;
    case EMUL_OP_CMP:
        flags = flags_sub(a, b, in->op_size);
        set_flags = true;
        break;
    default:
        return -EINVAL;
    }

    if (set_flags)
        regs->rflags = (regs->rflags & ~X86_ARITH_FLAGS) | flags;
    regs->rip += in->len;
    if (in->mode != EMUL_64)
        regs->rip &= size_mask(in->mode == EMUL_32 ? 4 : 2);
    if (wrote && written)
        *written = res & size_mask(in->mem_size);
    return 0;
}

uint64_t emul_effective_addr(const struct emul_insn *in, const struct emul_regs *regs)
{
    uint64_t ea;

    if (in->op == EMUL_OP_MOVS || in->op == EMUL_OP_STOS) {
        ea = regs->gpr[R_DI];
    } else {
        ea = (uint64_t)in->disp;
        if (in->base == EMUL_REG_RIP)
            ea += regs->rip + in->len;
        else if (in->base >= 0 && in->base < 16)
            ea += regs->gpr[in->base];
        if (in->index >= 0 && in->index < 16)
            ea += regs->gpr[in->index] * in->scale;
    }
    return ea & size_mask(in->addr_size);
}
