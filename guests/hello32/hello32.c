// SPDX-License-Identifier: MIT
// A guest that never leaves 32-bit protected mode: hypercalls use the
// 32-bit convention (eax = number, ebx ecx edx esi edi = arguments, result
// in eax). Prints a greeting and the Xen version, then powers off.
#include <stdint.h>

#define HC_xen_version 17
#define HC_console_io 18
#define HC_sched_op 29
#define CONSOLEIO_write 0
#define XENVER_version 0
#define SCHEDOP_shutdown 2
#define SHUTDOWN_poweroff 0
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u

void main32(uint32_t start_info);

static int have_xen, use_vmmcall;

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static long hypercall3(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
    uint32_t esi = 0, edi = 0;
    long ret = (long)nr;

    /* All five argument registers may come back clobbered. */
    if (use_vmmcall)
        __asm__ volatile("vmmcall"
                         : "+a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(esi), "+D"(edi)
                         :
                         : "memory");
    else
        __asm__ volatile("vmcall"
                         : "+a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(esi), "+D"(edi)
                         :
                         : "memory");
    return ret;
}

static uint32_t str_len(const char *s)
{
    uint32_t n = 0;

    while (s[n])
        n++;
    return n;
}

static void print(const char *s)
{
    uint32_t n = str_len(s);

    if (have_xen) {
        hypercall3(HC_console_io, CONSOLEIO_write, n, (uint32_t)s);
        return;
    }
    while (n--)
        __asm__ volatile("outb %0, $0xe9" : : "a"(*s++));
}

static char *put_uint(char *p, uint32_t v)
{
    char tmp[10];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static void detect(void)
{
    uint32_t r[4];

    cpuid(0, r);
    /* "AuthenticAMD" / "HygonGenuine": ebx holds the first four letters. */
    use_vmmcall = r[1] == 0x68747541 || r[1] == 0x6f677948;
    for (uint32_t leaf = 0x40000000; leaf < 0x40010000; leaf += 0x100) {
        cpuid(leaf, r);
        if (r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e && r[0] >= leaf + 2) {
            have_xen = 1;
            return;
        }
    }
}

void main32(uint32_t start_info)
{
    const uint32_t *si = (const uint32_t *)start_info;
    char line[64], *p = line;
    static uint32_t reason = SHUTDOWN_poweroff;
    long ver;

    detect();
    print("hello from a 32-bit guest\n");
    if (si && si[0] == XEN_HVM_START_MAGIC_VALUE && si[6] && !si[7]) {
        /* cmdline_paddr is the u64 at offset 24; below 4 GiB by the ABI. */
        print("hello32: cmdline: ");
        print((const char *)si[6]);
        print("\n");
    }
    if (!have_xen) {
        print("hello32: no hypervisor\n");
        for (;;)
            __asm__ volatile("cli; hlt");
    }
    ver = hypercall3(HC_xen_version, XENVER_version, 0, 0);
    for (const char *s = "hello32: xen version "; *s;)
        *p++ = *s++;
    p = put_uint(p, (uint32_t)ver >> 16);
    *p++ = '.';
    p = put_uint(p, (uint32_t)ver & 0xffff);
    *p++ = '\n';
    *p = '\0';
    print(line);
    /* sched_op(SCHEDOP_shutdown, &reason): the pointer goes in ecx. */
    ver = hypercall3(HC_sched_op, SCHEDOP_shutdown, (uint32_t)&reason, 0);
    print("hello32: shutdown returned\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}
