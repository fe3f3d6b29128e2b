// SPDX-License-Identifier: MIT
/*
 * Parser for the xl.cfg subset that describes a boot-time domain (see
 * lamina/xlcfg.h). Its input is a boot module's raw bytes, so it is hostile:
 * every read is bounded by the current line, and the first problem stops
 * parsing with one message naming the line. No allocation and no printk, so
 * the toolstack can compile the same file.
 */
#include <lamina/errno.h>
#include <lamina/string.h>
#include <lamina/xlcfg.h>

#define LIST_MAX 16  /* items in one list value */
#define SHOWN_MAX 40 /* bytes of input quoted in a message */

struct span {
    const char *p;
    size_t n;
};

enum vkind { V_STRING, V_WORD, V_LIST };

struct value {
    enum vkind kind;
    struct span s; /* V_STRING, V_WORD */
    unsigned int nr_items;
    struct span items[LIST_MAX];
    enum vkind item_kind[LIST_MAX];
};

enum key {
    K_NAME,
    K_TYPE,
    K_KERNEL,
    K_RAMDISK,
    K_CMDLINE,
    K_EXTRA,
    K_MEMORY,
    K_VCPUS,
    K_RIGHTS,
    K_CPU_WEIGHT,
    K_CAP,
    K_CPUS,
    K_CPUS_SOFT,
    K_LATENCY,
};
#define NR_KEYS (K_LATENCY + 1)
static const char *const key_names[NR_KEYS] = {
    "name",  "type",   "kernel",     "ramdisk", "cmdline", "extra",     "memory",
    "vcpus", "rights", "cpu_weight", "cap",     "cpus",    "cpus_soft", "latency_sensitive",
};

struct ctx {
    struct xlcfg *out;
    char *err;
    size_t errlen;
    unsigned long line;          /* current line, 1-based; 0 once past the text */
    unsigned long seen[NR_KEYS]; /* line each known key was set on, 0 = not yet */
};

/* A cursor over one line; '\0' means "end of line" since NUL bytes are refused. */
struct cur {
    const char *p;
    size_t i, n;
};

/* ---- bounded messages: no snprintf here, so a tiny formatter. */

struct msg {
    char *buf;
    size_t size, pos;
};

static void put(struct msg *m, const char *s, size_t n)
{
    for (size_t i = 0; i < n && m->pos + 1 < m->size; i++)
        m->buf[m->pos++] = s[i];
    if (m->size)
        m->buf[m->pos] = '\0';
}

static void put_num(struct msg *m, unsigned long v)
{
    char d = (char)('0' + v % 10);

    if (v >= 10)
        put_num(m, v / 10);
    put(m, &d, 1);
}

/* Input text goes out quoted, shortened and with unprintable bytes replaced. */
static void put_shown(struct msg *m, const struct span *s)
{
    put(m, "'", 1);
    for (size_t i = 0; i < s->n && i < SHOWN_MAX; i++) {
        unsigned char ch = (unsigned char)s->p[i];
        char c = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
        put(m, &c, 1);
    }
    if (s->n > SHOWN_MAX)
        put(m, "...", 3);
    put(m, "'", 1);
}

/*
 * Writes "line N: " (when line != 0) and fmt into buf: %s C string,
 * %q const struct span * (quoted input), %u unsigned long.
 */
static void say(char *buf, size_t size, unsigned long line, const char *fmt, ...)
{
    struct msg m = {buf, buf ? size : 0, 0};
    va_list ap;

    if (line) {
        put(&m, "line ", 5);
        put_num(&m, line);
        put(&m, ": ", 2);
    }
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%' || !fmt[1]) {
            put(&m, fmt, 1);
            continue;
        }
        switch (*++fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            put(&m, s, strlen(s));
            break;
        }
        case 'q':
            put_shown(&m, va_arg(ap, const struct span *));
            break;
        case 'u':
            put_num(&m, va_arg(ap, unsigned long));
            break;
        }
    }
    va_end(ap);
}

#define FAIL(c, ...) (say((c)->err, (c)->errlen, (c)->line, __VA_ARGS__), -EINVAL)

/* ---- lexing */

static char peek(const struct cur *k)
{
    return k->i < k->n ? k->p[k->i] : '\0';
}

static void skip_ws(struct cur *k)
{
    while (peek(k) == ' ' || peek(k) == '\t' || peek(k) == '\r')
        k->i++;
}

static bool is_delim(char ch)
{
    return ch == '\0' || strchr(" \t\r=#;,[]\"'", ch) != NULL;
}

static bool span_eq(const struct span *s, const char *lit)
{
    return s->n == strlen(lit) && memcmp(s->p, lit, s->n) == 0;
}

/* Strip `prefix` from the front of *it; true if it was there. */
static bool strip_prefix(struct span *it, const char *prefix)
{
    size_t n = strlen(prefix);
    if (it->n < n || memcmp(it->p, prefix, n) != 0)
        return false;
    it->p += n, it->n -= n;
    return true;
}

/* A quoted string or a bare word (an integer, if anything). */
static int parse_scalar(struct ctx *c, struct cur *k, const struct span *key, struct span *s,
                        enum vkind *kind)
{
    char q = peek(k);
    size_t start;

    if (q == '"' || q == '\'') {
        start = ++k->i;
        while (k->i < k->n && k->p[k->i] != q) {
            unsigned char ch = (unsigned char)k->p[k->i];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                return FAIL(c, "control character in string");
            k->i++;
        }
        if (k->i >= k->n)
            return FAIL(c, "unterminated string");
        *s = (struct span){k->p + start, k->i - start};
        *kind = V_STRING;
        k->i++;
        return 0;
    }
    start = k->i;
    while (!is_delim(peek(k)))
        k->i++;
    if (k->i == start)
        return FAIL(c, "expected a value for %q", key);
    *s = (struct span){k->p + start, k->i - start};
    *kind = V_WORD;
    return 0;
}

static int parse_value(struct ctx *c, struct cur *k, const struct span *key, struct value *v)
{
    int rc;

    if (peek(k) != '[')
        return parse_scalar(c, k, key, &v->s, &v->kind);
    k->i++;
    v->kind = V_LIST;
    v->nr_items = 0;
    for (;;) {
        skip_ws(k);
        char ch = peek(k);
        if (ch == ']') {
            k->i++;
            return 0;
        }
        if (ch == '\0' || ch == '#')
            return FAIL(c, "list for %q not closed on this line (lists must fit on one line)", key);
        if (ch == '[')
            return FAIL(c, "nested list in %q", key);
        if (v->nr_items == LIST_MAX)
            return FAIL(c, "list for %q has more than %u items", key, (unsigned long)LIST_MAX);
        rc = parse_scalar(c, k, key, &v->items[v->nr_items], &v->item_kind[v->nr_items]);
        if (rc)
            return rc;
        v->nr_items++;
        skip_ws(k);
        ch = peek(k);
        if (ch == ',')
            k->i++;
        else if (ch != ']' && ch != '\0' && ch != '#')
            return FAIL(c, "expected ',' or ']' in the list for %q", key);
    }
}

/* Decimal, or hex after 0x when hex_ok. -ERANGE: well formed but past UINT64_MAX. */
static int parse_u64(const struct span *s, bool hex_ok, uint64_t *val)
{
    unsigned int base = 10;
    size_t i = 0;
    uint64_t v = 0;
    bool over = false;

    if (hex_ok && s->n > 2 && s->p[0] == '0' && (s->p[1] == 'x' || s->p[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i >= s->n)
        return -EINVAL;
    for (; i < s->n; i++) {
        char ch = s->p[i], lc = (char)(ch | 0x20);
        unsigned int d = ch >= '0' && ch <= '9'   ? (unsigned int)(ch - '0')
                         : lc >= 'a' && lc <= 'f' ? (unsigned int)(lc - 'a' + 10)
                                                  : 99;
        if (d >= base)
            return -EINVAL;
        if (v > (UINT64_MAX - d) / base)
            over = true;
        else
            v = v * base + d;
    }
    *val = v;
    return over ? -ERANGE : 0;
}

/* ---- keys */

static int get_string(struct ctx *c, const struct value *v, const char *key, size_t min, size_t max,
                      char *dst)
{
    if (v->kind != V_STRING)
        return FAIL(c, "'%s' must be a quoted string", key);
    if (v->s.n > max || v->s.n < min)
        return min ? FAIL(c, "'%s' must be %u to %u characters", key, (unsigned long)min,
                          (unsigned long)max)
                   : FAIL(c, "'%s' must be at most %u characters", key, (unsigned long)max);
    memcpy(dst, v->s.p, v->s.n);
    dst[v->s.n] = '\0';
    return 0;
}

/* xl also takes an integer in quotes, so both forms are accepted. */
static int get_uint(struct ctx *c, const struct value *v, const char *key, uint64_t min,
                    uint64_t max, uint64_t *val)
{
    int rc;

    if (v->kind == V_LIST)
        return FAIL(c, "'%s' must be an integer, not a list", key);
    rc = parse_u64(&v->s, true, val);
    if (rc == -EINVAL)
        return FAIL(c, "bad integer %q for '%s'", &v->s, key);
    if (rc || *val < min || *val > max)
        return FAIL(c, "'%s' must be between %u and %u", key, (unsigned long)min,
                    (unsigned long)max);
    return 0;
}

static int set_name(struct ctx *c, const struct value *v)
{
    int rc = get_string(c, v, "name", 1, XLCFG_NAME_MAX, c->out->name);

    for (size_t i = 0; !rc && i < v->s.n; i++) {
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-", v->s.p[i]))
            return FAIL(c, "'name' may only contain A-Z a-z 0-9 _ . -");
    }
    return rc;
}

static int set_type(struct ctx *c, const struct value *v)
{
    if (v->kind != V_STRING)
        return FAIL(c, "'type' must be a quoted string");
    if (span_eq(&v->s, "hvm") || span_eq(&v->s, "pv"))
        return FAIL(c, "type %q is not supported yet (only 'pvh')", &v->s);
    if (!span_eq(&v->s, "pvh"))
        return FAIL(c, "unknown type %q (expected 'pvh')", &v->s);
    c->out->type = XLCFG_TYPE_PVH;
    return 0;
}

static int set_right(struct ctx *c, const struct span *it)
{
    static const struct {
        const char *name;
        unsigned int bit;
    } simple[] = {{"control", XLCFG_RIGHT_CONTROL},
                  {"hardware", XLCFG_RIGHT_HARDWARE},
                  {"store", XLCFG_RIGHT_STORE}};
    struct xlcfg *o = c->out;
    struct span num = *it;
    unsigned int bit = 0;
    uint64_t domid = 0;
    int rc;

    for (size_t i = 0; i < ARRAY_SIZE(simple); i++)
        if (span_eq(it, simple[i].name))
            bit = simple[i].bit;
    if (!bit && strip_prefix(&num, "device_model(")) {
        rc = -EINVAL;
        if (num.n >= 2 && num.p[num.n - 1] == ')') {
            num.n--;
            rc = parse_u64(&num, false, &domid);
        }
        if (rc == -EINVAL)
            return FAIL(c, "bad right %q (expected device_model(<domid>))", it);
        if (rc || domid > XLCFG_DOMID_MAX)
            return FAIL(c, "domid in %q must be between 0 and %u", it,
                        (unsigned long)XLCFG_DOMID_MAX);
        bit = XLCFG_RIGHT_DEVICE_MODEL;
    }
    if (!bit)
        return FAIL(c,
                    "unknown right %q (expected control, hardware, store or "
                    "device_model(<domid>))",
                    it);
    if (o->rights & bit)
        return FAIL(c, "right %q given twice", it);
    o->rights |= bit;
    if (bit == XLCFG_RIGHT_DEVICE_MODEL)
        o->dm_target = (domid_t)domid;
    return 0;
}

static int set_rights(struct ctx *c, const struct value *v)
{
    int rc;

    if (v->kind != V_LIST)
        return FAIL(c, "'rights' must be a list, like [ \"control\" ]");
    for (unsigned int i = 0; i < v->nr_items; i++) {
        if (v->item_kind[i] != V_STRING)
            return FAIL(c, "right %q must be a quoted string", &v->items[i]);
        rc = set_right(c, &v->items[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* One pCPU (or node) number of a cpus list, below `max`. */
static int cpu_number(struct ctx *c, const char *key, const struct span *num, uint64_t max,
                      uint64_t *cpu)
{
    int rc = parse_u64(num, false, cpu);
    const char *what = max == XLCFG_NODES_MAX ? "node" : "pCPU";

    if (rc == -EINVAL)
        return FAIL(c, "bad %s %q in '%s' (expected \"all\" or a list like \"0-3,^1\")", what, num,
                    key);
    if (rc || *cpu >= max)
        return FAIL(c, "%s %q in '%s' must be below %u", what, num, key, (unsigned long)max);
    return 0;
}

/* N or N-M, each below max, into [*a, *b]. */
static int cpu_range(struct ctx *c, const char *key, const struct span *it, uint64_t max,
                     uint64_t *a, uint64_t *b)
{
    struct span lo = *it, hi = *it;
    int rc;

    for (size_t j = 0; j < it->n; j++) {
        if (it->p[j] == '-') {
            lo.n = j;
            hi = (struct span){it->p + j + 1, it->n - j - 1};
            break;
        }
    }
    if ((rc = cpu_number(c, key, &lo, max, a)) || (rc = cpu_number(c, key, &hi, max, b)))
        return rc;
    if (*b < *a)
        return FAIL(c, "bad range %q in '%s' (the end is below the start)", it, key);
    return 0;
}

/*
 * "all", or N / N-M / ^N / ^N-M items separated by commas, as xl's cpus=;
 * or node:N / nodes:N-M items, which set *nodes instead.
 */
static int set_cpus(struct ctx *c, const struct value *v, const char *key, uint64_t *out,
                    uint32_t *nodes)
{
    uint64_t mask = 0, a, b;
    bool cpu_items = false;
    int rc;

    *nodes = 0;
    if (v->kind == V_LIST)
        return FAIL(c, "'%s' must be a string like \"0-3,^1\" (per-vCPU lists are not supported)",
                    key);
    for (size_t i = 0; i <= v->s.n;) {
        size_t end = i;
        while (end < v->s.n && v->s.p[end] != ',')
            end++;
        struct span it = {v->s.p + i, end - i};
        while (it.n && (it.p[0] == ' ' || it.p[0] == '\t'))
            it.p++, it.n--;
        while (it.n && (it.p[it.n - 1] == ' ' || it.p[it.n - 1] == '\t'))
            it.n--;
        bool excl = it.n && it.p[0] == '^';
        if (excl) {
            it.p++, it.n--;
            if (i == 0)
                mask = XLCFG_CPUS_ALL; /* "^1": all but 1 */
        }
        if (strip_prefix(&it, "nodes:") || strip_prefix(&it, "node:")) {
            if (excl)
                return FAIL(c, "'%s': excluding a node (^node:) is not supported", key);
            if ((rc = cpu_range(c, key, &it, XLCFG_NODES_MAX, &a, &b)))
                return rc;
            for (uint64_t n = a; n <= b; n++)
                *nodes |= 1u << n;
        } else if (span_eq(&it, "all") && !excl) {
            mask = XLCFG_CPUS_ALL;
            cpu_items = true;
        } else {
            if ((rc = cpu_range(c, key, &it, XLCFG_CPUS_MAX, &a, &b)))
                return rc;
            for (uint64_t cpu = a; cpu <= b; cpu++)
                mask = excl ? mask & ~(1ULL << cpu) : mask | (1ULL << cpu);
            cpu_items = true;
        }
        i = end + 1;
    }
    if (*nodes && cpu_items)
        return FAIL(c, "'%s' mixes node: items with pCPUs; use one kind", key);
    if (!mask && !*nodes)
        return FAIL(c, "'%s' selects no pCPU", key);
    *out = mask;
    return 0;
}

static int set_key(struct ctx *c, enum key id, const struct value *v)
{
    struct xlcfg *o = c->out;
    uint64_t val;
    int rc;

    switch (id) {
    case K_NAME:
        return set_name(c, v);
    case K_TYPE:
        return set_type(c, v);
    case K_KERNEL:
        return get_string(c, v, "kernel", 1, XLCFG_PATH_MAX, o->kernel);
    case K_RAMDISK:
        o->has_ramdisk = true;
        return get_string(c, v, "ramdisk", 1, XLCFG_PATH_MAX, o->ramdisk);
    case K_CMDLINE:
    case K_EXTRA: {
        enum key other = id == K_CMDLINE ? K_EXTRA : K_CMDLINE;
        if (c->seen[other])
            return FAIL(c, "'%s' and '%s' (line %u) both set the command line", key_names[id],
                        key_names[other], c->seen[other]);
        return get_string(c, v, key_names[id], 0, XLCFG_CMDLINE_MAX, o->cmdline);
    }
    case K_MEMORY:
        rc = get_uint(c, v, "memory", 1, XLCFG_MEMORY_MAX, &val);
        o->memory_mib = val;
        return rc;
    case K_VCPUS:
        rc = get_uint(c, v, "vcpus", 1, XLCFG_VCPUS_MAX, &val);
        o->vcpus = (unsigned int)val;
        return rc;
    case K_RIGHTS:
        return set_rights(c, v);
    case K_CPU_WEIGHT:
        rc = get_uint(c, v, "cpu_weight", 1, XLCFG_WEIGHT_MAX, &val);
        o->cpu_weight = (unsigned int)val;
        return rc;
    case K_CAP: /* checked against vcpus at the end: vcpus may come later */
        rc = get_uint(c, v, "cap", 0, 100ULL * XLCFG_VCPUS_MAX, &val);
        o->cap = (unsigned int)val;
        return rc;
    case K_CPUS:
        return set_cpus(c, v, "cpus", &o->cpus, &o->cpus_nodes);
    case K_CPUS_SOFT:
        o->has_cpus_soft = true;
        return set_cpus(c, v, "cpus_soft", &o->cpus_soft, &o->cpus_soft_nodes);
    case K_LATENCY:
        rc = get_uint(c, v, "latency_sensitive", 0, 1, &val);
        o->latency_sensitive = val == 1;
        return rc;
    default:
        return -EINVAL;
    }
}

static int parse_line(struct ctx *c, const char *p, size_t n)
{
    struct cur k = {p, 0, n};
    struct span key, tail;
    struct value v;
    int rc;

    skip_ws(&k);
    if (peek(&k) == '\0' || peek(&k) == '#')
        return 0;
    key.p = p + k.i;
    while (!is_delim(peek(&k)))
        k.i++;
    key.n = (size_t)(p + k.i - key.p);
    if (key.n == 0) {
        tail = (struct span){p + k.i, n - k.i};
        return FAIL(c, "expected a key, found %q", &tail);
    }
    for (size_t i = 0; i < key.n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_", key.p[i]))
            return FAIL(c, "bad key %q (keys are made of a-z 0-9 _)", &key);
    skip_ws(&k);
    if (peek(&k) != '=')
        return FAIL(c, "expected '=' after %q", &key);
    k.i++;
    skip_ws(&k);
    rc = parse_value(c, &k, &key, &v);
    if (rc)
        return rc;
    skip_ws(&k);
    if (peek(&k) == ';') {
        k.i++;
        skip_ws(&k);
    }
    if (peek(&k) != '\0' && peek(&k) != '#') {
        tail = (struct span){p + k.i, n - k.i};
        return FAIL(c, "unexpected %q after the value of %q", &tail, &key);
    }

    for (unsigned int id = 0; id < NR_KEYS; id++) {
        if (!span_eq(&key, key_names[id]))
            continue;
        if (c->seen[id])
            return FAIL(c, "duplicate key %q (first set on line %u)", &key, c->seen[id]);
        c->seen[id] = c->line;
        return set_key(c, (enum key)id, &v);
    }
    if (c->out->nr_warnings < XLCFG_MAX_WARNINGS)
        say(c->out->warnings[c->out->nr_warnings++], XLCFG_WARNING_LEN, c->line,
            "unknown key %q ignored", &key);
    else
        c->out->nr_warnings_dropped++;
    return 0;
}

int xlcfg_parse(const char *text, size_t len, struct xlcfg *out, char *err, size_t errlen)
{
    static const enum key required[] = {K_NAME, K_KERNEL, K_MEMORY};
    struct ctx c = {.out = out, .err = err, .errlen = errlen};
    size_t pos = 0;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    memset(out, 0, sizeof(*out));
    out->type = XLCFG_TYPE_PVH;
    out->vcpus = 1;
    out->dm_target = DOMID_INVALID;
    out->cpu_weight = XLCFG_WEIGHT_DEFAULT;
    out->cpus = XLCFG_CPUS_ALL;

    while (pos < len) {
        size_t start = pos, n;

        c.line++;
        while (pos < len && text[pos] != '\n') {
            if (text[pos] == '\0')
                return FAIL(&c, "NUL byte");
            pos++;
        }
        n = pos - start;
        if (pos < len)
            pos++; /* the '\n' */
        if (n && text[start + n - 1] == '\r')
            n--;
        if (n > XLCFG_LINE_MAX)
            return FAIL(&c, "longer than %u characters", (unsigned long)XLCFG_LINE_MAX);
        rc = parse_line(&c, text + start, n);
        if (rc)
            return rc;
    }

    c.line = 0;
    for (size_t i = 0; i < ARRAY_SIZE(required); i++)
        if (!c.seen[required[i]])
            return FAIL(&c, "missing '%s'", key_names[required[i]]);
    if (out->cap > 100u * out->vcpus) {
        c.line = c.seen[K_CAP];
        return FAIL(&c, "'cap' must be at most %u (100 per vCPU, %u vCPU(s))",
                    (unsigned long)(100u * out->vcpus), (unsigned long)out->vcpus);
    }
    return 0;
}
