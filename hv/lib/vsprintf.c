// SPDX-License-Identifier: MIT
/*
 * printf-style formatting for the hypervisor, which has no libc. Integers,
 * characters, strings and pointers only: the hypervisor never touches floating
 * point registers (-mgeneral-regs-only), so there is nothing to print for %f.
 */
#include <lamina/printk.h>
#include <lamina/string.h>

/* Bounds the work a hostile or mistaken "%999999999d" can cause. */
#define MAX_FIELD 4096

enum {
    F_LEFT = 1,   /* '-' */
    F_ZERO = 2,   /* '0' */
    F_PLUS = 4,   /* '+' */
    F_SPACE = 8,  /* ' ' */
    F_ALT = 16,   /* '#' */
    F_UPPER = 32, /* %X */
    F_PTR = 64,   /* %p: "0x" even for NULL */
};

struct out {
    char *buf;
    size_t size, pos; /* pos counts every byte, written or not (C99 return value) */
};

struct spec {
    unsigned int flags;
    int width;
    int prec; /* -1: none given */
};

static void put(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

static void put_n(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

static void put_str(struct out *o, const char *s, size_t n)
{
    while (n--)
        put(o, *s++);
}

static void put_num(struct out *o, uintmax_t v, bool neg, unsigned int base, struct spec sp)
{
    const char *hex = sp.flags & F_UPPER ? "0123456789ABCDEF" : "0123456789abcdef";
    char digits[24], prefix[3];
    int nd = 0, np = 0, zeros, pad;

    if (v || sp.prec != 0)
        do {
            digits[nd++] = hex[v % base];
            v /= base;
        } while (v);

    if (neg)
        prefix[np++] = '-';
    else if (sp.flags & F_PLUS)
        prefix[np++] = '+';
    else if (sp.flags & F_SPACE)
        prefix[np++] = ' ';
    /* %#x marks only nonzero values, %#o makes sure the number starts with 0. */
    if (((sp.flags & F_ALT) && base == 16 && nd && digits[nd - 1] != '0') || (sp.flags & F_PTR)) {
        prefix[np++] = '0';
        prefix[np++] = sp.flags & F_UPPER ? 'X' : 'x';
    }
    zeros = sp.prec > nd ? sp.prec - nd : 0;
    if ((sp.flags & (F_ZERO | F_LEFT)) == F_ZERO && sp.prec < 0 && sp.width - np - nd > zeros)
        zeros = sp.width - np - nd;
    if ((sp.flags & F_ALT) && base == 8 && !zeros && (nd == 0 || digits[nd - 1] != '0'))
        zeros = 1;
    pad = sp.width - np - zeros - nd;

    if (!(sp.flags & F_LEFT))
        put_n(o, ' ', pad);
    put_str(o, prefix, np);
    put_n(o, '0', zeros);
    while (nd)
        put(o, digits[--nd]);
    if (sp.flags & F_LEFT)
        put_n(o, ' ', pad);
}

static void put_padded(struct out *o, const char *s, size_t n, struct spec sp)
{
    int pad = sp.width - (int)n;

    if (!(sp.flags & F_LEFT))
        put_n(o, ' ', pad);
    put_str(o, s, n);
    if (sp.flags & F_LEFT)
        put_n(o, ' ', pad);
}

/* Reads a decimal field width or precision, capped at MAX_FIELD. */
static int parse_field(const char **fmt)
{
    int v = 0;

    while (**fmt >= '0' && **fmt <= '9') {
        if (v < MAX_FIELD)
            v = v * 10 + (**fmt - '0');
        (*fmt)++;
    }
    return v < MAX_FIELD ? v : MAX_FIELD;
}

static int clamp_field(int v)
{
    return v > MAX_FIELD ? MAX_FIELD : v;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};

    while (*fmt) {
        const char *start = fmt;
        struct spec sp = {0, 0, -1};
        unsigned int base = 10;
        char len = 0, len2 = 0;
        bool is_signed = false, neg = false;
        uintmax_t v;

        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt++;

        for (;; fmt++) {
            unsigned int f = *fmt == '-'   ? F_LEFT
                             : *fmt == '0' ? F_ZERO
                             : *fmt == '+' ? F_PLUS
                             : *fmt == ' ' ? F_SPACE
                             : *fmt == '#' ? F_ALT
                                           : 0;
            if (!f)
                break;
            sp.flags |= f;
        }
        if (*fmt == '*') {
            int w = va_arg(ap, int);
            fmt++;
            if (w < 0) {
                sp.flags |= F_LEFT;
                w = w < -MAX_FIELD ? MAX_FIELD : -w; /* also keeps INT_MIN from overflowing */
            }
            sp.width = clamp_field(w);
        } else {
            sp.width = parse_field(&fmt);
        }
        if (*fmt == '.') {
            fmt++;
            if (*fmt == '*') {
                int p = va_arg(ap, int);
                fmt++;
                sp.prec = p < 0 ? -1 : clamp_field(p);
            } else {
                sp.prec = parse_field(&fmt);
            }
        }
        if (*fmt == 'h' || *fmt == 'l' || *fmt == 'z' || *fmt == 't' || *fmt == 'j') {
            len = *fmt++;
            if ((len == 'h' || len == 'l') && *fmt == len)
                len2 = *fmt++;
        }

        switch (*fmt) {
        case 'd':
        case 'i':
            is_signed = true;
            break;
        case 'u':
            break;
        case 'X':
            sp.flags |= F_UPPER;
            /* fall through */
        case 'x':
            base = 16;
            break;
        case 'o':
            base = 8;
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, sp);
            fmt++;
            continue;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            put_padded(&o, s, sp.prec < 0 ? strlen(s) : strnlen(s, sp.prec), sp);
            fmt++;
            continue;
        }
        case 'p':
            /* Fixed width, so addresses line up in dumps. */
            sp.flags = (sp.flags & F_LEFT) | F_PTR;
            sp.prec = 16;
            put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, sp);
            fmt++;
            continue;
        case '%':
            /* Only a bare "%%" is valid; "%5%" is shown as written. */
            if (fmt == start + 1) {
                put(&o, '%');
                fmt++;
                continue;
            }
            /* fall through */
        default:
            /* Unknown (or missing) conversion: show the directive as written. */
            if (*fmt)
                fmt++;
            put_str(&o, start, fmt - start);
            continue;
        }
        fmt++;

        if (is_signed) {
            intmax_t s;
            if (len == 'h')
                s = len2 ? (signed char)va_arg(ap, int) : (short)va_arg(ap, int);
            else if (len == 'l')
                s = len2 ? va_arg(ap, long long) : va_arg(ap, long);
            else if (len == 'z' || len == 't')
                s = va_arg(ap, ptrdiff_t); /* the signed type matching size_t */
            else if (len == 'j')
                s = va_arg(ap, intmax_t);
            else
                s = va_arg(ap, int);
            neg = s < 0;
            v = neg ? -(uintmax_t)s : (uintmax_t)s;
        } else {
            sp.flags &= ~(F_PLUS | F_SPACE);
            if (len == 'h')
                v = len2 ? (unsigned char)va_arg(ap, unsigned int)
                         : (unsigned short)va_arg(ap, unsigned int);
            else if (len == 'l')
                v = len2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned long);
            else if (len == 'z' || len == 't')
                v = va_arg(ap, size_t);
            else if (len == 'j')
                v = va_arg(ap, uintmax_t);
            else
                v = va_arg(ap, unsigned int);
        }
        put_num(&o, v, neg, base, sp);
    }

    if (size)
        buf[o.pos < size ? o.pos : size - 1] = '\0';
    return o.pos > 0x7fffffff ? 0x7fffffff : (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
