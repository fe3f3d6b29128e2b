/* SPDX-License-Identifier: MIT */
/*
 * xl.cfg parser for boot-time domains: a boot module holding `key = value`
 * lines (a subset of xl.cfg(5)) describes one domain. The same code is built
 * into the hypervisor (freestanding) and into the dom0 toolstack (hosted), so
 * it allocates nothing and reports through caller-supplied buffers.
 *
 * Syntax: one `key = value` per line, keys [a-z0-9_]+, `#` starts a comment
 * outside strings, blank lines and CRLF endings are fine, a value may be
 * followed by one `;`. Values: "double" or 'single' quoted strings (no escape
 * sequences; no control characters other than tab), integers (decimal, or
 * hex with 0x; a leading 0 does not mean octal), and lists `[ "a", "b" ]`
 * that must close on the line they open. Lines are at most XLCFG_LINE_MAX
 * characters and may not contain NUL bytes.
 *
 * Keys:
 *   name     string, required, 1..63 characters from [A-Za-z0-9_.-]
 *   type     string, "pvh" (default); "hvm" and "pv" are not supported yet
 *   kernel   string, required, 1..127 characters
 *   ramdisk  string, optional, 1..127 characters
 *   cmdline  string, optional, 0..1023 characters; `extra` is a synonym, and
 *            setting both is an error
 *   memory   integer MiB, required, 1..1048576 (an integer in quotes is
 *            accepted too, as xl does, here and for vcpus)
 *   vcpus    integer, 1..128, default 1
 *   rights   list of strings: "control", "hardware", "store",
 *            "device_model(<domid>)" with domid 0..32751; each at most once
 *   cpu_weight integer, 1..65535, default 256: CPU share relative to others
 *   cap      integer percent of one pCPU over all the vCPUs, 0 (default: no
 *            cap) .. 100 x vcpus
 *   cpus     string, hard affinity of every vCPU: "all" (default) or a
 *            comma-separated list of pCPUs N and ranges N-M, items starting
 *            with ^ excluded ("0-3,^1"; a list starting with ^ excludes from
 *            all); pCPUs 0..63; must select at least one (whether those are
 *            online is checked when the domain is built)
 *            Or NUMA nodes, as xl allows: "node:1", "nodes:0-1", "node:0,node:2"
 *            (the pCPUs of those nodes; not mixed with pCPU items, no ^)
 *   cpus_soft string, soft affinity (preferred pCPUs), same syntax; default none
 *   latency_sensitive  0 (default) or 1: waking vCPUs may preempt past the
 *            ratelimit and run a short slice
 * A key given twice is an error. Unknown keys are ignored with a warning
 * (their value must still be well formed).
 */
#ifndef LAMINA_XLCFG_H
#define LAMINA_XLCFG_H

#include <lamina/types.h>

#define XLCFG_LINE_MAX 2048       /* characters per line, not counting CR/LF */
#define XLCFG_NAME_MAX 63         /* characters in `name` */
#define XLCFG_PATH_MAX 127        /* characters in `kernel` and `ramdisk` */
#define XLCFG_CMDLINE_MAX 1023    /* characters in `cmdline` / `extra` */
#define XLCFG_MEMORY_MAX 1048576u /* MiB (1 TiB) */
#define XLCFG_VCPUS_MAX 128u
#define XLCFG_DOMID_MAX 32751u /* highest ordinary domid (below Xen's reserved range) */
#define XLCFG_WEIGHT_DEFAULT 256u
#define XLCFG_WEIGHT_MAX 65535u
#define XLCFG_CPUS_MAX 64u /* pCPU numbers in cpus/cpus_soft are below this */
#define XLCFG_CPUS_ALL UINT64_MAX
#define XLCFG_NODES_MAX 16u /* node numbers in "node:N" items are below this */
#define XLCFG_MAX_WARNINGS 8
#define XLCFG_WARNING_LEN 96 /* bytes per stored warning, NUL included */

/* Domain type (`type` key). Only PVH is supported so far. */
enum xlcfg_type {
    XLCFG_TYPE_PVH = 0,
};

/* Bits of xlcfg.rights, one per entry of the `rights` list. */
#define XLCFG_RIGHT_CONTROL (1u << 0)      /* "control": manage other domains */
#define XLCFG_RIGHT_HARDWARE (1u << 1)     /* "hardware": devices it was given */
#define XLCFG_RIGHT_STORE (1u << 2)        /* "store": the xenstore domain */
#define XLCFG_RIGHT_DEVICE_MODEL (1u << 3) /* "device_model(T)": see dm_target */

/* One parsed domain description. Strings are always NUL-terminated. */
struct xlcfg {
    char name[XLCFG_NAME_MAX + 1];       /* domain name */
    char kernel[XLCFG_PATH_MAX + 1];     /* kernel: boot module name or path */
    char ramdisk[XLCFG_PATH_MAX + 1];    /* initial ramdisk; "" unless has_ramdisk */
    char cmdline[XLCFG_CMDLINE_MAX + 1]; /* guest kernel command line; "" if unset */
    uint64_t memory_mib;                 /* guest RAM in MiB */
    unsigned int vcpus;                  /* number of vCPUs (default 1) */
    enum xlcfg_type type;                /* domain type (default PVH) */
    unsigned int rights;                 /* XLCFG_RIGHT_* bits (default none) */
    domid_t dm_target;        /* device_model target; DOMID_INVALID unless that right is set */
    bool has_ramdisk;         /* `ramdisk` was given */
    unsigned int cpu_weight;  /* 1..65535 (default 256) */
    unsigned int cap;         /* percent of one pCPU, 0 = none */
    uint64_t cpus;            /* hard affinity: bit N = pCPU N (default XLCFG_CPUS_ALL) */
    uint64_t cpus_soft;       /* soft affinity, when has_cpus_soft */
    uint32_t cpus_nodes;      /* nonzero: `cpus` named NUMA nodes (bit N = node N), cpus is 0 */
    uint32_t cpus_soft_nodes; /* the same for `cpus_soft` */
    bool has_cpus_soft;       /* `cpus_soft` was given */
    bool latency_sensitive;   /* `latency_sensitive = 1` */
    unsigned int nr_warnings; /* warnings stored below, <= XLCFG_MAX_WARNINGS */
    unsigned int nr_warnings_dropped; /* further warnings that did not fit */
    /* "line N: unknown key 'foo' ignored", NUL-terminated, in line order */
    char warnings[XLCFG_MAX_WARNINGS][XLCFG_WARNING_LEN];
};

/*
 * Parses `len` bytes of `text` (need not be NUL-terminated; never read past
 * len) into *out. Returns 0, or -EINVAL with one message in err (truncated to
 * errlen, always NUL-terminated when errlen > 0; err may be NULL), naming the
 * line where there is one: "line 3: expected '=' after 'memory'",
 * "missing 'kernel'". On failure *out is unspecified except that its warnings
 * are those of the lines before the error. err is "" on success.
 */
int xlcfg_parse(const char *text, size_t len, struct xlcfg *out, char *err, size_t errlen);

#endif
