// SPDX-License-Identifier: MIT
/* hv/lib/string.c (built as lm_* by string_wrap.c) checked against libc. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#define STRING_WRAP_DECLS
#include "string_wrap.c"

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* Every length and both alignments, with guard bytes that must stay intact. */
static void test_memcpy_sizes_alignments(void **state)
{
    (void)state;
    unsigned char src[96], dst[96], want[96];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (unsigned char)(i * 7 + 1);
    for (size_t so = 0; so < 8; so++)
        for (size_t d = 0; d < 8; d++)
            for (size_t n = 0; n <= 70; n++) {
                memset(dst, 0xee, sizeof(dst));
                memset(want, 0xee, sizeof(want));
                memcpy(want + d, src + so, n);
                assert_ptr_equal(lm_memcpy(dst + d, src + so, n), dst + d);
                assert_memory_equal(dst, want, sizeof(dst));
            }
}

static void test_memmove_overlap(void **state)
{
    (void)state;
    unsigned char buf[80], want[80];
    for (size_t s = 0; s < 20; s++)
        for (size_t d = 0; d < 20; d++)
            for (size_t n = 0; n <= 50; n += 7) {
                for (size_t i = 0; i < sizeof(buf); i++)
                    buf[i] = want[i] = (unsigned char)i;
                memmove(want + d, want + s, n);
                assert_ptr_equal(lm_memmove(buf + d, buf + s, n), buf + d);
                assert_memory_equal(buf, want, sizeof(buf));
            }
}

static void test_memset(void **state)
{
    (void)state;
    unsigned char buf[64], want[64];
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n <= 50; n++) {
            memset(buf, 0x11, sizeof(buf));
            memset(want, 0x11, sizeof(want));
            memset(want + off, 0xab, n);
            /* Only the low byte of c counts. */
            assert_ptr_equal(lm_memset(buf + off, 0x1ab, n), buf + off);
            assert_memory_equal(buf, want, sizeof(buf));
        }
}

static void test_memcmp(void **state)
{
    (void)state;
    assert_int_equal(lm_memcmp("abc", "abd", 0), 0);
    assert_int_equal(lm_memcmp("abc", "abc", 3), 0);
    assert_true(lm_memcmp("abc", "abd", 3) < 0);
    assert_true(lm_memcmp("abd", "abc", 3) > 0);
    /* Bytes compare as unsigned char: 0x80 sorts after 0x7f. */
    assert_true(lm_memcmp("\x80", "\x7f", 1) > 0);
    /* Bytes after the first difference are not looked at. */
    assert_true(lm_memcmp("a\0x", "b\0y", 3) < 0);
}

static void test_strlen_strnlen(void **state)
{
    (void)state;
    assert_int_equal(lm_strlen(""), 0);
    assert_int_equal(lm_strlen("hello"), 5);
    assert_int_equal(lm_strnlen("hello", 3), 3);
    assert_int_equal(lm_strnlen("hello", 10), 5);
    assert_int_equal(lm_strnlen("hello", 0), 0);
    /* strnlen must not read past max: this buffer has no terminator. */
    char raw[4] = {'a', 'b', 'c', 'd'};
    assert_int_equal(lm_strnlen(raw, sizeof(raw)), 4);
}

static void test_strcmp_strncmp(void **state)
{
    (void)state;
    static const char *const words[] = {"", "a", "ab", "abc", "abd", "b", "\xff", "A", "ab\x80"};
    for (size_t i = 0; i < ARRAY_SIZE(words); i++)
        for (size_t j = 0; j < ARRAY_SIZE(words); j++) {
            assert_int_equal(sign(lm_strcmp(words[i], words[j])), sign(strcmp(words[i], words[j])));
            for (size_t n = 0; n < 5; n++)
                assert_int_equal(sign(lm_strncmp(words[i], words[j], n)),
                                 sign(strncmp(words[i], words[j], n)));
        }
}

static void test_strchr_strrchr(void **state)
{
    (void)state;
    const char *s = "a/b/c";
    assert_ptr_equal(lm_strchr(s, '/'), s + 1);
    assert_ptr_equal(lm_strrchr(s, '/'), s + 3);
    assert_null(lm_strchr(s, 'x'));
    assert_null(lm_strrchr(s, 'x'));
    /* Searching for NUL finds the terminator. */
    assert_ptr_equal(lm_strchr(s, '\0'), s + 5);
    assert_ptr_equal(lm_strrchr(s, '\0'), s + 5);
    /* c is converted to char, as in C. */
    assert_ptr_equal(lm_strchr(s, 'b' + 256), s + 2);
}

static void test_strstr(void **state)
{
    (void)state;
    const char *h = "aaab abc";
    assert_ptr_equal(lm_strstr(h, ""), h);
    assert_non_null(lm_strstr("", ""));
    assert_ptr_equal(lm_strstr(h, "aab"), h + 1);
    assert_ptr_equal(lm_strstr(h, "abc"), h + 5);
    assert_null(lm_strstr(h, "abcd"));
    assert_null(lm_strstr("ab", "abc"));
    assert_null(lm_strstr("", "a"));
}

static void test_strlcpy(void **state)
{
    (void)state;
    char buf[8];

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(lm_strlcpy(buf, "hello", sizeof(buf)), 5);
    assert_string_equal(buf, "hello");

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(lm_strlcpy(buf, "much too long", sizeof(buf)), 13);
    assert_string_equal(buf, "much to");

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(lm_strlcpy(buf, "abc", 0), 3);
    assert_int_equal(buf[0], 'x'); /* size 0 writes nothing */

    assert_int_equal(lm_strlcpy(buf, "abc", 1), 3);
    assert_string_equal(buf, "");
}

/* Value and end pointer must match libc for every input and base. */
static void test_strtoul_matches_libc(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "0",
        "123",
        "  42xyz",
        "\t\n+17",
        "-1",
        "-0x10",
        "0x1f",
        "0X1F",
        "0x",
        "0xg",
        "017",
        "019",
        "08",
        "z",
        "Zz",
        "",
        "   ",
        "+",
        "-",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "0xffffffffffffffff",
        "0x10000000000000000",
        "-18446744073709551616",
        "1_000",
        "7 8",
    };
    static const int bases[] = {0, 2, 8, 10, 16, 36};

    for (size_t i = 0; i < ARRAY_SIZE(inputs); i++)
        for (size_t b = 0; b < ARRAY_SIZE(bases); b++) {
            char *end_lm = NULL, *end_libc = NULL;
            unsigned long lm = lm_strtoul(inputs[i], &end_lm, bases[b]);
            unsigned long libc = strtoul(inputs[i], &end_libc, bases[b]);
            if (lm != libc || end_lm != end_libc)
                fail_msg("strtoul(\"%s\", %d): got %lu end+%td, libc %lu end+%td", inputs[i],
                         bases[b], lm, end_lm - inputs[i], libc, end_libc - inputs[i]);
        }
}

static void test_strtoul_edges(void **state)
{
    (void)state;
    char *end;
    const char *s = "123";

    assert_int_equal(lm_strtoul("0x10", NULL, 0), 16); /* end may be NULL */
    assert_int_equal(lm_strtoul(s, &end, 1), 0);       /* invalid base */
    assert_ptr_equal(end, s);
    assert_int_equal(lm_strtoul(s, &end, 37), 0);
    assert_ptr_equal(end, s);
    assert_int_equal(lm_strtoul("ff", NULL, 16), 255);
    assert_int_equal(lm_strtoul("1000", NULL, 2), 8);
    assert_true(lm_strtoul("99999999999999999999", NULL, 10) == ULONG_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy_sizes_alignments),
        cmocka_unit_test(test_memmove_overlap),
        cmocka_unit_test(test_memset),
        cmocka_unit_test(test_memcmp),
        cmocka_unit_test(test_strlen_strnlen),
        cmocka_unit_test(test_strcmp_strncmp),
        cmocka_unit_test(test_strchr_strrchr),
        cmocka_unit_test(test_strstr),
        cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_strtoul_matches_libc),
        cmocka_unit_test(test_strtoul_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
