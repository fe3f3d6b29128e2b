// SPDX-License-Identifier: MIT
/*
 * Command-line parsing through the real *_param() macros: good values land,
 * every kind of bad input costs exactly one warning and keeps the default.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include <lamina/cmdline.h>
#include <lamina/errno.h>
#include <lamina/printk.h>

static bool opt_flag;
static uint32_t opt_u32;
static uint64_t opt_u64;
static uint8_t opt_u8;
static uint64_t opt_mem;
static uint32_t opt_size32;
static char opt_name[8];
static const char *mode_seen;
static int mode_calls;

static int parse_mode(const char *s)
{
    mode_calls++;
    mode_seen = s;
    if (s && strcmp(s, "fast") && strcmp(s, "slow"))
        return -EINVAL;
    return 0;
}

static int parse_req(const char *s)
{
    return s ? 0 : -EINVAL;
}

boolean_param("flag", opt_flag);
uint_param("u32", opt_u32, 1, 1000);
uint_param("u64", opt_u64, 0, UINT64_MAX);
uint_param("u8", opt_u8, 0, 1000); /* range wider than the variable */
size_param("mem", opt_mem);
size_param("size32", opt_size32);
string_param("name", opt_name);
custom_param("mode", parse_mode);
custom_param("req", parse_req);

static int setup(void **state)
{
    (void)state;
    opt_flag = false;
    opt_u32 = 7;
    opt_u64 = 5;
    opt_u8 = 3;
    opt_mem = 99;
    opt_size32 = 11;
    strcpy(opt_name, "def");
    mode_seen = "untouched";
    mode_calls = 0;
    console_loglevel = LVL_INFO;
    test_console_reset();
    return 0;
}

/* Parses against every param in the program; checks warnings printed == returned. */
static int parse(const char *s)
{
    int n = cmdline_parse(s, __start_lamina_params, __stop_lamina_params);
    assert_int_equal(test_console_count("warning: "), n);
    return n;
}

/* Each bad input: exactly one warning, and the default stays. */
static void expect_one_warning(const char *s)
{
    test_console_reset();
    if (parse(s) != 1)
        fail_msg("'%s': expected one warning, console: %s", s, test_console);
}

static void test_null_and_empty(void **state)
{
    (void)state;
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(parse(""), 0);
    assert_int_equal(parse(" \t\n "), 0);
    assert_string_equal(test_console, "");
}

static void test_bool_forms(void **state)
{
    (void)state;
    static const char *const on[] = {"flag", "flag=yes", "flag=on", "flag=true", "flag=1"};
    static const char *const off[] = {"no-flag", "flag=no", "flag=off", "flag=false", "flag=0"};

    for (size_t i = 0; i < ARRAY_SIZE(on); i++) {
        opt_flag = false;
        assert_int_equal(parse(on[i]), 0);
        assert_true(opt_flag);
        assert_int_equal(parse(off[i]), 0);
        assert_false(opt_flag);
    }
    opt_flag = true;
    expect_one_warning("flag=maybe");
    expect_one_warning("flag=");
    expect_one_warning("flag=YES");
    expect_one_warning("no-flag=1");
    assert_true(opt_flag);
}

static void test_uint_good(void **state)
{
    (void)state;
    assert_int_equal(parse("u32=42"), 0);
    assert_int_equal(opt_u32, 42);
    assert_int_equal(parse("u32=0x3e8"), 0);
    assert_int_equal(opt_u32, 1000);
    assert_int_equal(parse("u32=010"), 0);
    assert_int_equal(opt_u32, 8);
    assert_int_equal(parse("u32=1"), 0);
    assert_int_equal(opt_u32, 1);
    assert_int_equal(parse("u64=18446744073709551615 u8=255"), 0);
    assert_true(opt_u64 == UINT64_MAX);
    assert_int_equal(opt_u8, 255);
    assert_int_equal(parse("u64=0XFFFF"), 0);
    assert_true(opt_u64 == 0xffff);
}

static void test_uint_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "u32=abc",  "u32=",
        "u32=0",    "u32=1001",
        "u32=-1",   "u32=+5",
        "u32=0x",   "u32=08",
        "u32=12ab", "u32=1.5",
        "u8=256",   "u64=18446744073709551616",
        "u32=0x1g", "u64=0x10000000000000000",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        expect_one_warning(bad[i]);
    assert_int_equal(opt_u32, 7);
    assert_int_equal(opt_u64, 5);
    assert_int_equal(opt_u8, 3);

    test_console_reset();
    assert_int_equal(parse("u32=abc"), 1);
    assert_string_equal(test_console,
                        "warning: cmdline: bad value 'abc' for 'u32', keeping the default\n");
    test_console_reset();
    assert_int_equal(parse("u32"), 1);
    assert_string_equal(test_console,
                        "warning: cmdline: option 'u32' needs a value, keeping the default\n");
    assert_int_equal(opt_u32, 7);
}

static void test_size(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t v;
    } good[] = {
        {"mem=123", 123},
        {"mem=4k", 4096},
        {"mem=4K", 4096},
        {"mem=16M", 16ULL << 20},
        {"mem=16m", 16ULL << 20},
        {"mem=2G", 2ULL << 30},
        {"mem=0x10K", 16ULL << 10},
        {"mem=17179869183G", 17179869183ULL << 30},
        {"mem=0", 0},
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        assert_int_equal(parse(good[i].s), 0);
        assert_true(opt_mem == good[i].v);
    }
    assert_int_equal(parse("size32=3G"), 0);
    assert_int_equal(opt_size32, 3U << 30);

    opt_mem = 99;
    opt_size32 = 11;
    static const char *const bad[] = {"mem=16Q",
                                      "mem=M",
                                      "mem=",
                                      "mem=16MB",
                                      "mem=1.5G",
                                      "mem=17179869184G",
                                      "mem=18446744073709551616",
                                      "size32=4G",
                                      "mem=-1K",
                                      "mem"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        expect_one_warning(bad[i]);
    assert_int_equal(opt_mem, 99);
    assert_int_equal(opt_size32, 11);
}

static void test_string(void **state)
{
    (void)state;
    assert_int_equal(parse("name=abc"), 0);
    assert_string_equal(opt_name, "abc");
    assert_int_equal(parse("name=\"a b\tc\""), 0);
    assert_string_equal(opt_name, "a b\tc");
    assert_int_equal(parse("name=1234567"), 0); /* exactly fills char[8] */
    assert_string_equal(opt_name, "1234567");
    assert_int_equal(parse("name=\"\""), 0);
    assert_string_equal(opt_name, "");
    assert_int_equal(parse("name="), 0);
    assert_string_equal(opt_name, "");

    strcpy(opt_name, "def");
    expect_one_warning("name=12345678");
    expect_one_warning("name=\"1234 5678\"");
    expect_one_warning("name");
    assert_string_equal(opt_name, "def");
}

static void test_custom(void **state)
{
    (void)state;
    assert_int_equal(parse("mode=fast"), 0);
    assert_string_equal(mode_seen, "fast");
    assert_int_equal(parse("mode=\"slow\""), 0);
    assert_string_equal(mode_seen, "slow");
    assert_int_equal(parse("mode"), 0);
    assert_null(mode_seen);
    assert_int_equal(mode_calls, 3);

    expect_one_warning("mode=bogus");
    assert_string_equal(test_console,
                        "warning: cmdline: bad value 'bogus' for 'mode', keeping the default\n");
    expect_one_warning("req");
    assert_non_null(strstr(test_console, "'req' needs a value"));
    test_console_reset();
    assert_int_equal(parse("req=x"), 0);
}

static void test_unknown_options(void **state)
{
    (void)state;
    char name[101], *msg;

    expect_one_warning("bogus");
    assert_string_equal(test_console, "warning: cmdline: unknown option 'bogus' ignored\n");
    expect_one_warning("bogus=1");
    expect_one_warning("no-u32"); /* no- applies to booleans only */
    expect_one_warning("no-");
    expect_one_warning("no-bogus");
    expect_one_warning("=5");
    assert_non_null(strstr(test_console, "unknown option ''"));
    expect_one_warning("FLAG");
    expect_one_warning("fla");
    expect_one_warning("flagx");

    /* Overlong names are unknown even when a prefix matches, shown truncated. */
    strcpy(name, "flag");
    memset(name + 4, 'z', 96);
    name[100] = '\0';
    expect_one_warning(name);
    msg = strstr(test_console, "'flag");
    assert_non_null(msg);
    assert_true(strchr(msg + 1, '\'') - msg - 1 <= 63);
    assert_null(strstr(test_console, name));
    assert_false(opt_flag);
}

static void test_mixed_line_counts_warnings(void **state)
{
    (void)state;
    assert_int_equal(
        parse("  flag\tu32=5 bogus mem=1M u32=abc name=\"x y\" other=\"q r\" u64=0x20\n"), 3);
    assert_true(opt_flag);
    assert_int_equal(opt_u32, 5);
    assert_true(opt_mem == 1ULL << 20);
    assert_string_equal(opt_name, "x y");
    assert_int_equal(opt_u64, 0x20);
    assert_int_equal(test_console_count("unknown option 'bogus'"), 1);
    assert_int_equal(test_console_count("unknown option 'other'"), 1);
    assert_int_equal(test_console_count("bad value 'abc' for 'u32'"), 1);
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    assert_int_equal(parse("u32=3 name=\"ab cd"), 1);
    assert_string_equal(opt_name, "ab cd");
    assert_int_equal(opt_u32, 3);
    assert_non_null(strstr(test_console, "unterminated quote"));
    assert_non_null(strstr(test_console, "'name'"));

    /* The rest of the line is one value: here too long, a second warning. */
    test_console_reset();
    assert_int_equal(parse("name=\"abc flag u32=9"), 2);
    assert_string_equal(opt_name, "ab cd");
    assert_false(opt_flag);
    assert_int_equal(opt_u32, 3);
}

/* Lines in exact-size heap buffers: ASan reports any read past the end. */
static void test_never_reads_past_end(void **state)
{
    (void)state;
    static const char *const lines[] = {"u32=", "name=\"", "name=\"abc", "flag",    "no-",
                                        "=",    "\"",      "a=\"b\"c",   "mem=1K ", "mode=\"\""};
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
        size_t n = strlen(lines[i]) + 1;
        char *copy = malloc(n);
        memcpy(copy, lines[i], n);
        test_console_reset();
        parse(copy);
        free(copy);
    }
}

static void test_overlong_value(void **state)
{
    (void)state;
    char line[2100];
    strcpy(line, "mode=");
    memset(line + 5, 'v', 2000);
    line[2005] = '\0';
    expect_one_warning(line);
    assert_int_equal(mode_calls, 0);
    assert_non_null(strstr(test_console, "vvv...' for 'mode', keeping the default\n"));
}

static void test_loglvl_from_cmdline(void **state)
{
    (void)state;
    assert_int_equal(parse("loglvl=debug"), 0);
    assert_int_equal(console_loglevel, LVL_DEBUG);
    assert_int_equal(parse("loglvl=2"), 0);
    assert_int_equal(console_loglevel, LVL_WARN);
    expect_one_warning("loglvl=loud");
    assert_string_equal(test_console,
                        "warning: cmdline: bad value 'loud' for 'loglvl', keeping the default\n");
    expect_one_warning("loglvl");
    assert_int_equal(console_loglevel, LVL_WARN);

    /* With the console at "none" the warnings are still counted (and logged). */
    console_loglevel = LVL_NONE;
    test_console_reset();
    assert_int_equal(cmdline_parse("bogus", __start_lamina_params, __stop_lamina_params), 1);
    assert_string_equal(test_console, "");
}

static void test_helpers(void **state)
{
    (void)state;
    uint64_t v = 77;
    bool b = false;

    assert_int_equal(parse_uint(NULL, &v), -EINVAL);
    assert_int_equal(parse_uint("", &v), -EINVAL);
    assert_int_equal(parse_uint(" 1", &v), -EINVAL);
    assert_int_equal(parse_uint("0x", &v), -EINVAL);
    assert_int_equal(v, 77);
    assert_int_equal(parse_uint("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_uint("0777", &v), 0);
    assert_int_equal(v, 0777);
    assert_int_equal(parse_uint("0xAbC", &v), 0);
    assert_int_equal(v, 0xabc);

    assert_int_equal(parse_bool(NULL, &b), -EINVAL);
    assert_int_equal(parse_bool("", &b), -EINVAL);
    assert_int_equal(parse_bool("on", &b), 0);
    assert_true(b);
    assert_int_equal(parse_bool("2", &b), -EINVAL);
    assert_true(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_null_and_empty, setup),
        cmocka_unit_test_setup(test_bool_forms, setup),
        cmocka_unit_test_setup(test_uint_good, setup),
        cmocka_unit_test_setup(test_uint_bad, setup),
        cmocka_unit_test_setup(test_size, setup),
        cmocka_unit_test_setup(test_string, setup),
        cmocka_unit_test_setup(test_custom, setup),
        cmocka_unit_test_setup(test_unknown_options, setup),
        cmocka_unit_test_setup(test_mixed_line_counts_warnings, setup),
        cmocka_unit_test_setup(test_unterminated_quote, setup),
        cmocka_unit_test_setup(test_never_reads_past_end, setup),
        cmocka_unit_test_setup(test_overlong_value, setup),
        cmocka_unit_test_setup(test_loglvl_from_cmdline, setup),
        cmocka_unit_test_setup(test_helpers, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
