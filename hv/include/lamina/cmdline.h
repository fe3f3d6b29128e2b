/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor command line: "name", "name=value", "no-name" words separated by
 * spaces; a value may be double-quoted to hold spaces. Each option is declared
 * next to the code that uses it with one of the *_param() macros below, which
 * put a `struct param` into the "lamina_params" section.
 *
 * An unknown option or a malformed value prints one warning and leaves the
 * variable at its default; parsing always continues.
 */
#ifndef LAMINA_CMDLINE_H
#define LAMINA_CMDLINE_H

#include <lamina/types.h>

enum param_kind {
    PARAM_BOOL,   /* bool: "x", "x=<yes|no|on|off|true|false|1|0>", "no-x" */
    PARAM_UINT,   /* unsigned int / uint64_t by size, within [min, max] */
    PARAM_SIZE,   /* uint64_t bytes, with optional K/M/G suffix */
    PARAM_STRING, /* char[len], NUL-terminated; too long is an error */
    PARAM_CUSTOM, /* parse(value) returns 0 or -EINVAL; value may be NULL */
};

struct param {
    const char *name;
    enum param_kind kind;
    void *var;
    size_t len;        /* sizeof(*var) for UINT (4 or 8), buffer size for STRING */
    uint64_t min, max; /* UINT range, inclusive */
    int (*parse)(const char *val);
};

#define __param_entry(n, k, v, l, lo, hi, fn)                               \
    static const struct param __param_##v __used __section("lamina_params") \
        __aligned(8) = {n, k, &v, l, lo, hi, fn}

#define boolean_param(n, v) __param_entry(n, PARAM_BOOL, v, sizeof(v), 0, 1, NULL)
#define uint_param(n, v, lo, hi) __param_entry(n, PARAM_UINT, v, sizeof(v), lo, hi, NULL)
#define size_param(n, v) __param_entry(n, PARAM_SIZE, v, sizeof(v), 0, UINT64_MAX, NULL)
#define string_param(n, v) __param_entry(n, PARAM_STRING, v, sizeof(v), 0, 0, NULL)
/* For custom params `v` is a unique tag name, not a variable. */
#define custom_param(n, fn)                                                  \
    static const struct param __param_##fn __used __section("lamina_params") \
        __aligned(8) = {n, PARAM_CUSTOM, NULL, 0, 0, 0, fn}

extern const struct param __start_lamina_params[], __stop_lamina_params[];

/*
 * Parse `cmdline` against the table [first, last). Returns the number of
 * warnings printed (0 when everything was understood).
 */
int cmdline_parse(const char *cmdline, const struct param *first, const struct param *last);

/* The command line Lamina was booted with (arch; XENVER_commandline). */
const char *hv_command_line(void);

/* Helpers shared with custom parsers: 0 on success, -EINVAL otherwise. */
int parse_bool(const char *s, bool *out);
int parse_uint(const char *s, uint64_t *out); /* decimal, 0x hex, 0 octal */
int parse_size(char *s, uint64_t *out);       /* bytes, with K/M/G suffix; edits s */

#endif
