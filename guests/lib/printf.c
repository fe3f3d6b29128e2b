// SPDX-License-Identifier: MIT
// A small vsnprintf: guests format whole lines into a buffer so each line
// costs one console_io hypercall (one VM exit) rather than one per byte.
#include "lib.h"

struct out {
    char *buf;
    size_t size;
    size_t len; /* would-be length, may exceed size */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left, zero;
    int width;
};

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
    int n = (int)strlen(s);

    if (!sp->left)
        put_pad(o, ' ', sp->width - n);
    while (*s)
        put(o, *s++);
    if (sp->left)
        put_pad(o, ' ', sp->width - n);
}

static void put_num(struct out *o, unsigned long long v, unsigned int base, bool upper, bool neg,
                    const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    len = n + neg;
    if (sp->left || !sp->zero)
        put_pad(o, ' ', sp->left ? 0 : sp->width - len);
    if (neg)
        put(o, '-');
    if (!sp->left && sp->zero)
        put_pad(o, '0', sp->width - len);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        put_pad(o, ' ', sp->width - len);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {.buf = buf, .size = size, .len = 0};

    for (; *fmt; fmt++) {
        struct spec sp = {0};
        unsigned long long u;
        long long s;
        int lng = 0;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
            if (*fmt == '-')
                sp.left = true;
            else
                sp.zero = true;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            fmt++;
        }
        for (; *fmt >= '0' && *fmt <= '9'; fmt++)
            sp.width = sp.width * 10 + (*fmt - '0');
        for (; *fmt == 'l' || *fmt == 'z'; fmt++)
            lng++;

        switch (*fmt) {
        case 'd':
        case 'i':
            s = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            u = s < 0 ? -(unsigned long long)s : (unsigned long long)s;
            put_num(&o, u, 10, false, s < 0, &sp);
            break;
        case 'u':
        case 'x':
        case 'X':
            u = lng >= 2 ? va_arg(ap, unsigned long long)
                : lng    ? va_arg(ap, unsigned long)
                         : va_arg(ap, unsigned int);
            put_num(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, &sp);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, false, &sp);
            break;
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            put_str(&o, str ? str : "(null)", &sp);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--; /* a lone '%' at the end: stop at the NUL */
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (o.size)
        o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
    return (int)o.len;
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

int vprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    return printf("%s\n", s);
}
