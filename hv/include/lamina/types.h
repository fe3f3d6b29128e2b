/* SPDX-License-Identifier: MIT */
/* Basic types shared by every part of the hypervisor. */
#ifndef LAMINA_TYPES_H
#define LAMINA_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t; /* machine physical address */
typedef uint64_t mfn_t;   /* machine frame number (paddr >> PAGE_SHIFT) */
typedef uint16_t domid_t; /* domain id */

#define DOMID_INVALID ((domid_t)0x7ff4) /* "no owner" (Xen's DOMID_INVALID value) */
#define DOMID_HV ((domid_t)0x7ff2)      /* owned by the hypervisor itself (DOMID_XEN) */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x) __builtin_expect(!!(x), 1)
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn __attribute__((noreturn))
#define __printf(f, a) __attribute__((format(printf, f, a)))
#define __section(s) __attribute__((section(s)))
#define __used __attribute__((used))
#define __unused __attribute__((unused))

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define STATIC_ASSERT(c, msg) _Static_assert(c, msg)

#endif
