// SPDX-License-Identifier: MIT
/*
 * Memory and string routines for a hypervisor without libc. Kept simple and
 * obviously correct; memcpy/memset move whole words when alignment allows
 * because the compiler calls them for every struct copy and zeroing.
 */
#include <lamina/string.h>

typedef uint64_t __attribute__((may_alias)) word_t;
#define WORD sizeof(word_t)

/*
 * GCC recognises copy/fill loops and turns them into calls to memcpy/memset,
 * which inside memcpy/memset themselves would recurse forever.
 */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

static inline bool aligned2(const void *a, const void *b)
{
    return (((uintptr_t)a | (uintptr_t)b) & (WORD - 1)) == 0;
}

NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (aligned2(d, s))
        for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
            *(word_t *)d = *(const word_t *)s;
    while (n--)
        *d++ = *s++;
    return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    /* Unsigned distance: copying forwards is safe unless dst lies inside src. */
    if ((uintptr_t)d - (uintptr_t)s >= n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    word_t pattern = (unsigned char)c * 0x0101010101010101ULL;

    for (; n && ((uintptr_t)d & (WORD - 1)); n--)
        *d++ = (unsigned char)c;
    for (; n >= WORD; n -= WORD, d += WORD)
        *(word_t *)d = pattern;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;

    while (*p)
        p++;
    return p - s;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    const unsigned char *x = (const void *)a, *y = (const void *)b;

    while (*x && *x == *y)
        x++, y++;
    return *x - *y;
}

int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const void *)a, *y = (const void *)b;

    for (; n; n--, x++, y++)
        if (*x != *y || !*x)
            return *x - *y;
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;

    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (!*s)
            return (char *)last;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);

    if (!n)
        return (char *)haystack;
    for (; *haystack; haystack++)
        if (*haystack == *needle && !strncmp(haystack, needle, n))
            return (char *)haystack;
    return NULL;
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
    size_t len = strlen(src);

    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

unsigned long strtoul(const char *s, char **end, int base)
{
    const char *p = s, *digits;
    unsigned long v = 0;
    bool neg = false, overflow = false;

    if (base < 0 || base == 1 || base > 36)
        goto none;
    while (is_space(*p))
        p++;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    /* "0x" counts as a prefix only when a hex digit follows it. */
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 0x20) == 'x' &&
        digit_value(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = *p == '0' ? 8 : 10;
    }
    for (digits = p; digit_value(*p) < base; p++) {
        unsigned long d = digit_value(*p);
        if (v > (~0UL - d) / base)
            overflow = true;
        v = v * base + d;
    }
    if (p == digits)
        goto none;
    if (end)
        *end = (char *)p;
    if (overflow)
        return ~0UL;
    return neg ? -v : v;
none:
    if (end)
        *end = (char *)s;
    return 0;
}
