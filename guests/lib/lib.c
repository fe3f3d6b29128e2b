// SPDX-License-Identifier: MIT
// The C side of guest start-up and the services every test guest shares:
// hypervisor detection, console output, shutdown, string helpers and the
// PASS/FAIL/RESULT lines the system tests read.
#include "lib.h"

uint32_t start_info_paddr;
const struct hvm_start_info *start_info;

/* ---- hypervisor detection and console ---- */

uint32_t xen_detect(void)
{
    static uint32_t base = 1; /* 1 = not probed yet */

    if (base != 1)
        return base;
    base = 0;
    for (uint32_t leaf = XEN_CPUID_FIRST_LEAF; leaf < XEN_CPUID_FIRST_LEAF + 0x10000;
         leaf += 0x100) {
        struct cpuid_regs r = cpuid(leaf);

        if (r.ebx == XEN_CPUID_SIGNATURE_EBX && r.ecx == XEN_CPUID_SIGNATURE_ECX &&
            r.edx == XEN_CPUID_SIGNATURE_EDX && r.eax >= leaf + 2) {
            base = leaf;
            break;
        }
    }
    return base;
}

void e9_write(const char *s, size_t len)
{
    while (len--)
        outb(0xe9, (uint8_t)*s++);
}

void console_write(const char *s, size_t len)
{
    if (xen_detect())
        hc_console_io(CONSOLEIO_write, len, s);
    else
        e9_write(s, len);
}

__attribute__((noreturn)) void shutdown(unsigned int reason)
{
    if (xen_detect()) {
        struct sched_shutdown arg = {.reason = reason};
        long rc = hc_sched_op(SCHEDOP_shutdown, &arg);

        printf("shutdown(%u) returned %ld\n", reason, rc);
    }
    halt_forever();
}

/* ---- tests ---- */

static unsigned int tests_passed, tests_failed;
static bool summary_due;

void test_result(const char *name, bool ok)
{
    printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
    if (ok)
        tests_passed++;
    else
        tests_failed++;
    summary_due = true;
}

void test_resultf(bool ok, const char *fmt, ...)
{
    char name[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    test_result(name, ok);
}

void test_result_why(const char *name, bool ok, const char *why, ...)
{
    char detail[200];
    va_list ap;

    if (ok) {
        test_result(name, true);
        return;
    }
    va_start(ap, why);
    vsnprintf(detail, sizeof(detail), why, ap);
    va_end(ap);
    test_resultf(false, "%s (%s)", name, detail);
}

bool test_rc2(const char *name, long got, long want1, long want2)
{
    bool ok = got == want1 || got == want2;

    if (ok)
        test_result(name, true);
    else if (want1 == want2)
        test_resultf(false, "%s (got %ld, expected %ld)", name, got, want1);
    else
        test_resultf(false, "%s (got %ld, expected %ld or %ld)", name, got, want1, want2);
    return ok;
}

bool test_rc(const char *name, long got, long want)
{
    return test_rc2(name, got, want, want);
}

unsigned int test_summary(void)
{
    printf("RESULT: %u passed, %u failed\n", tests_passed, tests_failed);
    summary_due = false;
    return tests_failed;
}

/* ---- command line: space-separated words, options are key=value ---- */

const char *cmdline(void)
{
    if (start_info && start_info->cmdline_paddr)
        return (const char *)(uintptr_t)start_info->cmdline_paddr;
    return "";
}

bool cmdline_get(const char *key, char *val, size_t len)
{
    size_t klen = strlen(key);

    for (const char *p = cmdline(); *p;) {
        const char *w = p, *end;

        while (*p && *p != ' ')
            p++;
        end = p;
        while (*p == ' ')
            p++;
        if ((size_t)(end - w) < klen || strncmp(w, key, klen))
            continue;
        if (w + klen == end || w[klen] == '=') {
            const char *v = w + klen + (w + klen < end);
            size_t n = (size_t)(end - v);

            if (len) {
                n = n < len - 1 ? n : len - 1;
                memcpy(val, v, n);
                val[n] = '\0';
            }
            return true;
        }
    }
    return false;
}

unsigned long cmdline_ulong(const char *key, unsigned long dflt)
{
    char buf[32], *p = buf;
    unsigned long v = 0, base = 10;

    if (!cmdline_get(key, buf, sizeof(buf)) || !*buf)
        return dflt;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    for (; *p; p++) {
        unsigned int d;

        if (*p >= '0' && *p <= '9')
            d = (unsigned int)(*p - '0');
        else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
            d = (unsigned int)((*p | 0x20) - 'a' + 10);
        else
            return dflt;
        v = v * base + d;
    }
    return v;
}

/* ---- start-up: head.S jumps here in 64-bit mode ---- */

__attribute__((noreturn)) void lib_start(uint32_t ebx);

__attribute__((noreturn)) void lib_start(uint32_t ebx)
{
    const struct hvm_start_info *si = (const void *)(uintptr_t)ebx;

    idt_init();
    hypercall_init();
    start_info_paddr = ebx;
    if (si && si->magic == XEN_HVM_START_MAGIC_VALUE)
        start_info = si;
    else
        printf("start_info at 0x%x: bad magic\n", ebx);
    guest_main(start_info);
    if (summary_due)
        test_summary();
    shutdown(SHUTDOWN_poweroff);
}

/* ---- string helpers (the compiler may also call the mem* ones) ---- */

/* String instructions: a plain loop here could be turned back into a call
 * to memset/memcpy by the optimiser. */
void *memset(void *s, int c, size_t n)
{
    void *d = s;

    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;

    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;

    for (; n; n--, x++, y++) {
        if (*x != *y)
            return *x - *y;
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a)
            return (uint8_t)*a - (uint8_t)*b;
    }
    return 0;
}

int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, (size_t)-1);
}
