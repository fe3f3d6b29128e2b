// SPDX-License-Identifier: MIT
/*
 * Command-line parsing. A typo on the boot line must never stop the machine
 * from booting, so every problem is one warning and the option keeps its
 * compiled-in default; the caller learns how many warnings there were.
 */
#include <lamina/cmdline.h>
#include <lamina/errno.h>
#include <lamina/printk.h>
#include <lamina/string.h>

#define NAME_MAX_LEN 63
#define VALUE_MAX 1024
#define SHOWN_VALUE 80

/* Values are copied out to be NUL-terminated; parsing runs once, at boot. */
static char value_buf[VALUE_MAX];

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static unsigned int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return 16;
}

int parse_uint(const char *s, uint64_t *out)
{
    unsigned int base = 10;
    uint64_t v = 0;

    if (!s || !*s)
        return -EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return -EINVAL;
    } else if (s[0] == '0' && s[1]) {
        base = 8;
        s++;
    }
    for (; *s; s++) {
        unsigned int d = digit_value(*s);
        if (d >= base || v > (UINT64_MAX - d) / base)
            return -EINVAL;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "on", "true", "1"};
    static const char *const no[] = {"no", "off", "false", "0"};

    if (!s)
        return -EINVAL;
    for (unsigned int i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
            *out = !strcmp(s, yes[i]);
            return 0;
        }
    }
    return -EINVAL;
}

/* "16M" and friends; modifies s (our own copy) to split off the suffix. */
int parse_size(char *s, uint64_t *out)
{
    size_t n = strlen(s);
    unsigned int shift = 0;
    uint64_t v;

    if (n > 1) {
        char *suffix = strchr("kKmMgG", s[n - 1]);
        if (suffix) {
            shift = 10 * (1 + (suffix - "kKmMgG") / 2);
            s[n - 1] = '\0';
        }
    }
    if (parse_uint(s, &v) || v > (UINT64_MAX >> shift))
        return -EINVAL;
    *out = v << shift;
    return 0;
}

/* Stores through the variable's real size, refusing values that do not fit. */
static int store_uint(const struct param *p, uint64_t v)
{
    if (p->len < 8 && v >> (8 * p->len))
        return -EINVAL;
    switch (p->len) {
    case 1:
        *(uint8_t *)p->var = v;
        return 0;
    case 2:
        *(uint16_t *)p->var = v;
        return 0;
    case 4:
        *(uint32_t *)p->var = v;
        return 0;
    case 8:
        *(uint64_t *)p->var = v;
        return 0;
    }
    return -EINVAL;
}

static const struct param *find(const char *name, size_t len, const struct param *first,
                                const struct param *last)
{
    for (const struct param *p = first; p < last; p++)
        if (!strncmp(p->name, name, len) && !p->name[len])
            return p;
    return NULL;
}

/* Applies one value; 0 or -EINVAL (bad value) or -ENODATA (value missing). */
static int apply(const struct param *p, char *val, size_t vlen)
{
    uint64_t v;
    bool b;

    switch (p->kind) {
    case PARAM_BOOL:
        if (!val)
            return store_uint(p, 1);
        if (parse_bool(val, &b))
            return -EINVAL;
        return store_uint(p, b);
    case PARAM_UINT:
    case PARAM_SIZE:
        if (!val)
            return -ENODATA;
        if ((p->kind == PARAM_UINT ? parse_uint(val, &v) : parse_size(val, &v)) || v < p->min ||
            v > p->max)
            return -EINVAL;
        return store_uint(p, v);
    case PARAM_STRING:
        if (!val)
            return -ENODATA;
        if (vlen >= p->len)
            return -EINVAL;
        memcpy(p->var, val, vlen + 1);
        return 0;
    case PARAM_CUSTOM:
        return p->parse(val) ? (val ? -EINVAL : -ENODATA) : 0;
    }
    return -EINVAL;
}

/* Handles one "name[=value]" word; returns the number of warnings printed. */
static int handle(const char *name, size_t nlen, const char *val, size_t vlen,
                  const struct param *first, const struct param *last)
{
    char shown[NAME_MAX_LEN + 1];
    const struct param *p = NULL;
    bool negate = false;
    int rc;

    memcpy(shown, name, MIN(nlen, NAME_MAX_LEN));
    shown[MIN(nlen, NAME_MAX_LEN)] = '\0';
    if (nlen > NAME_MAX_LEN)
        memcpy(shown + NAME_MAX_LEN - 3, "...", 3);
    else
        p = find(name, nlen, first, last);
    if (!p && nlen > 3 && nlen <= NAME_MAX_LEN && !strncmp(name, "no-", 3)) {
        p = find(name + 3, nlen - 3, first, last);
        negate = p && p->kind == PARAM_BOOL;
        if (!negate)
            p = NULL;
    }
    if (!p) {
        printk(LOG_WARN "cmdline: unknown option '%s' ignored\n", shown);
        return 1;
    }

    if (val) {
        memcpy(value_buf, val, MIN(vlen, VALUE_MAX - 1));
        value_buf[MIN(vlen, VALUE_MAX - 1)] = '\0';
    }
    if (val && vlen >= VALUE_MAX)
        rc = -EINVAL;
    else if (negate)
        rc = val ? -EINVAL : store_uint(p, 0);
    else
        rc = apply(p, val ? value_buf : NULL, vlen);

    if (rc == -ENODATA)
        printk(LOG_WARN "cmdline: option '%s' needs a value, keeping the default\n", shown);
    else if (rc) /* long values are cut so the option name survives in the message */
        printk(LOG_WARN "cmdline: bad value '%.*s%s' for '%s', keeping the default\n",
               (int)MIN(vlen, SHOWN_VALUE), value_buf, vlen > SHOWN_VALUE ? "..." : "", shown);
    return rc ? 1 : 0;
}

int cmdline_parse(const char *cmdline, const struct param *first, const struct param *last)
{
    const char *p = cmdline;
    int warnings = 0;

    if (!p)
        return 0;
    for (;;) {
        const char *name, *val = NULL;
        size_t nlen, vlen = 0;

        while (is_sep(*p))
            p++;
        if (!*p)
            return warnings;
        for (name = p; *p && *p != '=' && !is_sep(*p); p++)
            ;
        nlen = p - name;
        if (*p == '=' && *++p == '"') {
            for (val = ++p; *p && *p != '"'; p++)
                ;
            vlen = p - val;
            if (*p) {
                p++;
            } else {
                printk(LOG_WARN "cmdline: unterminated quote in value of '%.*s', using the "
                                "rest of the line\n",
                       (int)MIN(nlen, NAME_MAX_LEN), name);
                warnings++;
            }
        } else if (name[nlen] == '=') {
            for (val = p; *p && !is_sep(*p); p++)
                ;
            vlen = p - val;
        }
        warnings += handle(name, nlen, val, vlen, first, last);
    }
}
