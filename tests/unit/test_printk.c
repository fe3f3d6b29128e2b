// SPDX-License-Identifier: MIT
/*
 * printk levels, prefixes, console filtering and the log ring, plus
 * hv/lib/vsnprintf against literal expectations and against the host libc.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "host.h"
#include <lamina/cmdline.h>
#include <lamina/errno.h>
#include <lamina/printk.h>

#define RING 16384

static char ring[RING + 1];

static size_t ring_all(void)
{
    size_t n = log_ring_read(ring, RING);
    ring[n] = '\0';
    return n;
}

static void assert_ring_ends_with(const char *s)
{
    size_t n = ring_all(), l = strlen(s);
    assert_true(n >= l);
    assert_string_equal(ring + n - l, s);
}

static int setup(void **state)
{
    (void)state;
    test_console_reset();
    console_loglevel = LVL_INFO;
    return 0;
}

static void test_info_is_default_level(void **state)
{
    (void)state;
    printk("hello %d\n", 5);
    printk(LOG_INFO "tagged %s\n", "info");
    assert_string_equal(test_console, "hello 5\ntagged info\n");
    assert_ring_ends_with("hello 5\ntagged info\n");
}

static void test_error_and_warning_prefixes(void **state)
{
    (void)state;
    printk(LOG_ERR "disk %s\n", "gone");
    printk(LOG_WARN "low memory\n");
    assert_string_equal(test_console, "error: disk gone\nwarning: low memory\n");
    assert_ring_ends_with("error: disk gone\nwarning: low memory\n");
}

static void test_console_level_filtering(void **state)
{
    (void)state;
    static const struct {
        unsigned int level;
        const char *console;
    } cases[] = {
        {LVL_NONE, ""},
        {LVL_ERR, "error: E\n"},
        {LVL_WARN, "error: E\nwarning: W\n"},
        {LVL_INFO, "error: E\nwarning: W\nI\n"},
        {LVL_DEBUG, "error: E\nwarning: W\nI\nD\n"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        test_console_reset();
        console_loglevel = cases[i].level;
        printk(LOG_ERR "E\n");
        printk(LOG_WARN "W\n");
        printk("I\n");
        printk(LOG_DEBUG "D\n");
        assert_string_equal(test_console, cases[i].console);
        /* The ring keeps everything, whatever the console shows. */
        assert_ring_ends_with("error: E\nwarning: W\nI\nD\n");
    }
}

static void test_continuation_gets_one_prefix(void **state)
{
    (void)state;
    printk(LOG_WARN "a ");
    printk(LOG_WARN "b ");
    printk("c\n");
    printk(LOG_WARN "next\n");
    assert_string_equal(test_console, "warning: a b c\nwarning: next\n");
    assert_int_equal(test_console_count("warning: "), 2);
    assert_ring_ends_with("warning: a b c\nwarning: next\n");
}

static void test_continuation_keeps_line_level(void **state)
{
    (void)state;
    console_loglevel = LVL_WARN;
    printk(LOG_DEBUG "dbg ");
    printk("more\n");
    printk(LOG_WARN "w ");
    printk("rest\n");
    assert_string_equal(test_console, "warning: w rest\n");
    assert_ring_ends_with("dbg more\nwarning: w rest\n");
}

static void test_multiline_message_one_prefix(void **state)
{
    (void)state;
    printk(LOG_ERR "one\ntwo\n");
    assert_string_equal(test_console, "error: one\ntwo\n");
}

static void test_arguments_are_not_formats(void **state)
{
    (void)state;
    printk("%s\n", "100%d <1>");
    printk("%s", "<1>not a level\n");
    assert_string_equal(test_console, "100%d <1>\n<1>not a level\n");
}

static void test_long_message_truncated(void **state)
{
    (void)state;
    char big[1001];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';

    printk("%s\n", big);
    assert_int_equal(test_console_len, 511);
    assert_string_equal(test_console + 507, "...\n");
    assert_int_equal(test_console[506], 'x');

    test_console_reset();
    printk(LOG_ERR "%s\n", big);
    assert_int_equal(test_console_len, strlen("error: ") + 511);
    assert_string_equal(test_console + test_console_len - 4, "...\n");
    assert_int_equal(test_console_count("error: "), 1);

    /* The next message starts a fresh line. */
    test_console_reset();
    printk(LOG_WARN "after\n");
    assert_string_equal(test_console, "warning: after\n");
}

static void test_ring_wraps_keeping_newest(void **state)
{
    (void)state;
    static char stream[40000];
    size_t total = 0, n;

    console_loglevel = LVL_NONE;
    for (int i = 0; total + 64 < sizeof(stream); i++) {
        int len = snprintf(stream + total, 64, "line %05d of the wrap test\n", i);
        printk("line %05d of the wrap test\n", i);
        total += len;
    }
    assert_true(total > 2 * RING);
    assert_string_equal(test_console, "");

    n = ring_all();
    assert_int_equal(n, RING);
    assert_memory_equal(ring, stream + total - RING, RING);

    /* A short read gets the oldest retained bytes. */
    char head[100];
    assert_int_equal(log_ring_read(head, sizeof(head)), sizeof(head));
    assert_memory_equal(head, stream + total - RING, sizeof(head));
    assert_int_equal(log_ring_read(head, 0), 0);

    /* Writing more moves the window by exactly that much. */
    printk("tail\n");
    assert_int_equal(ring_all(), RING);
    assert_memory_equal(ring, stream + total - RING + 5, RING - 5);
    assert_string_equal(ring + RING - 5, "tail\n");
}

/* xl dmesg: positions in the free-running count, incremental reads, clear. */
static void test_ring_read_at_positions(void **state)
{
    (void)state;
    char buf[64];
    console_loglevel = LVL_NONE;
    printk("first line\n");
    uint64_t end = log_ring_position(), pos = end - 11;

    /* From a position inside the retained text: exactly what follows it. */
    assert_int_equal(log_ring_read_at(&pos, buf, sizeof(buf), false), 11);
    assert_memory_equal(buf, "first line\n", 11);
    assert_true(pos == end);
    /* At the end: nothing, and the position stays (the loop in libxl ends). */
    assert_int_equal(log_ring_read_at(&pos, buf, sizeof(buf), false), 0);
    assert_true(pos == end);
    printk("second\n");
    assert_int_equal(log_ring_read_at(&pos, buf, 3, false), 3);
    assert_memory_equal(buf, "sec", 3);
    assert_int_equal(log_ring_read_at(&pos, buf, sizeof(buf), false), 4);
    assert_memory_equal(buf, "ond\n", 4);
    /* A position in the future or long gone means "the oldest retained". */
    uint64_t future = log_ring_position() + 100, gone = 0;
    char one, first;
    assert_int_equal(log_ring_read_at(&future, &one, 1, false), 1);
    assert_int_equal(log_ring_read_at(&gone, &first, 1, false), 1);
    assert_true(one == first);
    /* Clearing: what was read is not read again from the start. */
    uint64_t from_start = 0;
    pos = log_ring_position() - 7;
    assert_int_equal(log_ring_read_at(&pos, buf, sizeof(buf), true), 7);
    assert_int_equal(log_ring_read_at(&from_start, buf, sizeof(buf), false), 0);
    printk("third\n");
    from_start = 0;
    assert_int_equal(log_ring_read_at(&from_start, buf, sizeof(buf), false), 6);
    assert_memory_equal(buf, "third\n", 6);
}

static const struct param *find_param(const char *name)
{
    for (const struct param *p = __start_lamina_params; p < __stop_lamina_params; p++)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

static void test_loglvl_param(void **state)
{
    (void)state;
    static const struct {
        const char *val;
        unsigned int level;
    } good[] = {
        {"none", LVL_NONE},
        {"error", LVL_ERR},
        {"warning", LVL_WARN},
        {"info", LVL_INFO},
        {"debug", LVL_DEBUG},
        {"all", LVL_DEBUG},
        {"0", 0},
        {"1", 1},
        {"2", 2},
        {"3", 3},
        {"4", 4},
    };
    static const char *const bad[] = {"5", "44", "-1", "", "verbose", "Info", "info ", "err"};
    const struct param *p = find_param("loglvl");

    assert_non_null(p);
    assert_int_equal(p->kind, PARAM_CUSTOM);
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        console_loglevel = 99;
        assert_int_equal(p->parse(good[i].val), 0);
        assert_int_equal(console_loglevel, good[i].level);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        console_loglevel = LVL_WARN;
        assert_int_equal(p->parse(bad[i]), -EINVAL);
        assert_int_equal(console_loglevel, LVL_WARN);
    }
    assert_int_equal(p->parse(NULL), -EINVAL);
}

/* ---------------------------------------------------------------- vsnprintf */

/* Not marked __printf: some cases are deliberately invalid formats. */
static void check_at(int line, const char *want, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (strcmp(buf, want) || n != (int)strlen(want))
        fail_msg("line %d: format \"%s\" gave \"%s\" (%d), want \"%s\"", line, fmt, buf, n, want);
}
#define check(...) check_at(__LINE__, __VA_ARGS__)

static void test_vsnprintf_integers(void **state)
{
    (void)state;
    check("plain", "plain");
    check("0 -1 42", "%d %d %i", 0, -1, 42);
    check("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
    check("4294967295", "%u", UINT_MAX);
    check("deadbeef DEADBEEF 17", "%x %X %o", 0xdeadbeefU, 0xdeadbeefU, 15U);
    check("0xff 0XFF 0 010 0", "%#x %#X %#x %#o %#o", 255U, 255U, 0U, 8U, 0U);
    check("010 0 ", "%#.3o %#.0o %.0d", 8U, 0U, 0);
    check("     |", "%5.0d|", 0);
    check("|", "%.0x%#.0x|", 0U, 0U);
    check("   42|42   |00042|-0042|42   ", "%5d|%-5d|%05d|%05d|%-05d", 42, 42, 42, -42, 42);
    check("+5  5 +5 -5  0042", "%+d % d %+ d %+d % 05d", 5, 5, 5, -5, 42);
    check("5 5", "%+u % u", 5U, 5U);
    check("     042|-00042", "%08.3d|%.5d", 42, -42);
    check("0x0000ff|    0xff|0xff    |", "%#08x|%#8x|%-#8x|", 255U, 255U, 255U);
}

static void test_vsnprintf_star_and_lengths(void **state)
{
    (void)state;
    check("   42|42   |007|7|1   |    ab", "%*d|%*d|%.*d|%.*d|%-*d|%*.*s", 5, 42, -5, 42, 3, 7, -1,
          7, 4, 1, 6, 2, "abcdef");
    check("-1 7 -1 3", "%hhd %hhu %hd %hu", 255, 263, 65535, 65539);
    check("-9223372036854775808 18446744073709551615", "%ld %lu", LONG_MIN, ULONG_MAX);
    check("-9223372036854775808 ffffffffffffffff", "%lld %llx", LLONG_MIN, ULLONG_MAX);
    check("18446744073709551615 -3 -7", "%zu %zd %td", SIZE_MAX, (ptrdiff_t)-3, (ptrdiff_t)-7);
    check("-9223372036854775808 18446744073709551615", "%jd %ju", INTMAX_MIN, UINTMAX_MAX);
    check("123456789a", "%lx", 0x123456789aUL);
}

static void test_vsnprintf_chars_strings_pointers(void **state)
{
    (void)state;
    const char raw[3] = {'a', 'b', 'c'}; /* no terminator: precision must bound the read */

    check("A|  A|A  |", "%c|%3c|%-3c|", 'A', 'A', 'A');
    check("abc|  abc|abc  |ab|abc", "%s|%5s|%-5s|%.2s|%.3s", "abc", "abc", "abc", "abc", raw);
    check("(null)", "%s", (char *)NULL);
    check("0x0000000000001234 0x0000000000000000", "%p %p", (void *)0x1234, NULL);
    check("  0xffff888000000000|0x0000000000000001  |", "%20p|%-20p|", (void *)0xffff888000000000,
          (void *)1);
    check("% 100% %", "%% 100%% %%");
}

static void test_vsnprintf_unknown_conversions(void **state)
{
    (void)state;
    int victim = 7;

    check("%y %5y %-08.3y", "%y %5y %-08.3y");
    check("a%", "a%");
    check("x%5%y", "x%5%y");
    check("%f", "%f");
    check("%lq 3", "%lq %d", 3);
    /* %n is refused: nothing is written through the pointer. */
    check("%n", "%n", &victim);
    assert_int_equal(victim, 7);
}

static void test_vsnprintf_truncation(void **state)
{
    (void)state;
    char buf[16];
    int (*volatile sn)(char *, size_t, const char *, ...) = snprintf; /* defeat folding */

    assert_int_equal(sn(NULL, 0, "hello %d", 12345), 11);
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(sn(buf, 0, "hello"), 5);
    assert_int_equal(buf[0], 'z');
    assert_int_equal(sn(buf, 1, "hello"), 5);
    assert_string_equal(buf, "");
    assert_int_equal(buf[1], 'z');

    memset(buf, 'z', sizeof(buf));
    assert_int_equal(sn(buf, 5, "hello world"), 11);
    assert_string_equal(buf, "hell");
    assert_int_equal(buf[5], 'z');

    memset(buf, 'z', sizeof(buf));
    assert_int_equal(sn(buf, 6, "%s", "hello"), 5);
    assert_string_equal(buf, "hello");
    assert_int_equal(buf[6], 'z');

    /* Padding and numbers are cut at the same boundary. */
    assert_int_equal(sn(buf, 4, "%8d", -12), 8);
    assert_string_equal(buf, "   ");
    assert_int_equal(sn(buf, 8, "%#x", 0xabcdefU), 8);
    assert_string_equal(buf, "0xabcde");

    /* Absurd widths are capped rather than spinning for a long time. */
    assert_int_equal(sn(NULL, 0, "%100000d", 1), 4096);
    assert_int_equal(sn(NULL, 0, "%*d", INT_MIN, 1), 4096);
    assert_int_equal(sn(NULL, 0, "%.*d", INT_MAX, 1), 4096);
}

/* libc's own vsnprintf: ours overrides the name inside this program. */
typedef int (*vsnprintf_fn)(char *, size_t, const char *, va_list);
static vsnprintf_fn libc_vsnprintf;

static void diff(const char *fmt, ...)
{
    char ours[128], theirs[128];
    va_list ap, ap2;
    int a, b;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    a = vsnprintf(ours, sizeof(ours), fmt, ap);
    b = libc_vsnprintf(theirs, sizeof(theirs), fmt, ap2);
    va_end(ap2);
    va_end(ap);
    if (a != b || strcmp(ours, theirs))
        fail_msg("format \"%s\": ours \"%s\" (%d), libc \"%s\" (%d)", fmt, ours, a, theirs, b);
}

static void test_vsnprintf_matches_libc(void **state)
{
    (void)state;
    static const char *const flags[] = {"",   "-",  "0",  "+",   " ",   "#",
                                        "-0", "+ ", "0#", "-+#", "0 #", "-0+ #"};
    static const char *const widths[] = {"", "1", "7", "21"};
    static const char *const precs[] = {"", ".", ".0", ".1", ".4", ".22"};
    static const char *const lens[] = {"", "hh", "h", "l", "ll", "z", "j", "t"};
    static const char convs[] = "diuxXo";
    static const long long values[] = {
        0,   1,     -1,    42,      -42,     127,       128,       255,
        256, 65535, 65536, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 0x123456789aLL};
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    char fmt[32];

    if (!libc || !(libc_vsnprintf = (vsnprintf_fn)dlsym(libc, "vsnprintf")) ||
        libc_vsnprintf == vsnprintf)
        skip();

    for (size_t f = 0; f < ARRAY_SIZE(flags); f++)
        for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
            for (size_t p = 0; p < ARRAY_SIZE(precs); p++) {
                for (size_t l = 0; l < ARRAY_SIZE(lens); l++)
                    for (size_t c = 0; convs[c]; c++) {
                        snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", flags[f], widths[w], precs[p],
                                 lens[l], convs[c]);
                        for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
                            /* Pass exactly the type the length modifier reads. */
                            if (l < 3)
                                diff(fmt, (int)values[v]);
                            else if (l == 3)
                                diff(fmt, (long)values[v]);
                            else if (l == 4)
                                diff(fmt, values[v]);
                            else if (l == 5)
                                diff(fmt, (size_t)values[v]);
                            else if (l == 6)
                                diff(fmt, (intmax_t)values[v]);
                            else
                                diff(fmt, (ptrdiff_t)values[v]);
                        }
                    }
                /* %s and %c take no 0, +, space or # flags. */
                if (strpbrk(flags[f], "0+ #"))
                    continue;
                snprintf(fmt, sizeof(fmt), "[%%%s%s%ss]", flags[f], widths[w], precs[p]);
                diff(fmt, "");
                diff(fmt, "hello, world");
                if (!strchr(precs[p], '.')) {
                    snprintf(fmt, sizeof(fmt), "[%%%s%sc]", flags[f], widths[w]);
                    diff(fmt, 'q');
                }
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_info_is_default_level, setup),
        cmocka_unit_test_setup(test_error_and_warning_prefixes, setup),
        cmocka_unit_test_setup(test_console_level_filtering, setup),
        cmocka_unit_test_setup(test_continuation_gets_one_prefix, setup),
        cmocka_unit_test_setup(test_continuation_keeps_line_level, setup),
        cmocka_unit_test_setup(test_multiline_message_one_prefix, setup),
        cmocka_unit_test_setup(test_arguments_are_not_formats, setup),
        cmocka_unit_test_setup(test_long_message_truncated, setup),
        cmocka_unit_test_setup(test_ring_read_at_positions, setup),
        cmocka_unit_test_setup(test_ring_wraps_keeping_newest, setup),
        cmocka_unit_test_setup(test_loglvl_param, setup),
        cmocka_unit_test(test_vsnprintf_integers),
        cmocka_unit_test(test_vsnprintf_star_and_lengths),
        cmocka_unit_test(test_vsnprintf_chars_strings_pointers),
        cmocka_unit_test(test_vsnprintf_unknown_conversions),
        cmocka_unit_test(test_vsnprintf_truncation),
        cmocka_unit_test(test_vsnprintf_matches_libc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
