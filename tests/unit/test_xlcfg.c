// SPDX-License-Identifier: MIT
/*
 * The xl.cfg parser reads boot modules, i.e. untrusted bytes: every test hands
 * it an exact-size heap copy with no NUL terminator, so ASan catches any read
 * past `len`, and checks the one error message word for word.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include <lamina/errno.h>
#include <lamina/xlcfg.h>

#define BASE "name = \"web\"\nkernel = \"vmlinuz\"\nmemory = 512\n" /* lines 1-3 */

static struct xlcfg cfg;
static char err[256];

/* Parses len bytes from an exact-size heap copy (no terminator). */
static int parse_n(const char *text, size_t len)
{
    char *buf = malloc(len ? len : 1);
    int rc;

    assert_non_null(buf);
    memcpy(buf, text, len);
    memset(err, 'X', sizeof(err));
    rc = xlcfg_parse(buf, len, &cfg, err, sizeof(err));
    free(buf);
    assert_true(rc == 0 || rc == -EINVAL);
    assert_non_null(memchr(err, '\0', sizeof(err)));
    if (rc == 0)
        assert_string_equal(err, "");
    else
        assert_true(err[0] != '\0');
    return rc;
}

static int parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static void expect_ok(const char *text)
{
    if (parse(text) != 0)
        fail_msg("unexpected error: %s\nfor: %s", err, text);
}

static void expect_err(const char *text, const char *msg)
{
    assert_int_equal(parse(text), -EINVAL);
    assert_string_equal(err, msg);
}

/* BASE followed by one more line (line 4). */
static void expect_err4(const char *line4, const char *msg)
{
    char buf[8192];

    snprintf(buf, sizeof(buf), BASE "%s\n", line4);
    expect_err(buf, msg);
}

static void expect_ok4(const char *line4)
{
    char buf[8192];

    snprintf(buf, sizeof(buf), BASE "%s\n", line4);
    expect_ok(buf);
}

static void test_full(void **state)
{
    (void)state;
    expect_ok("# a web server\n"
              "name = \"web-1.example_x\"\n"
              "type = \"pvh\"\n"
              "kernel = \"/boot/vmlinuz-6.1\"\n"
              "ramdisk = \"/boot/initrd.img\"\n"
              "cmdline = \"console=hvc0 root=/dev/xvda1 ro\"\n"
              "memory = 2048\n"
              "vcpus = 4\n"
              "rights = [ \"control\", \"hardware\", \"store\", \"device_model(5)\" ]\n");
    assert_string_equal(cfg.name, "web-1.example_x");
    assert_int_equal(cfg.type, XLCFG_TYPE_PVH);
    assert_string_equal(cfg.kernel, "/boot/vmlinuz-6.1");
    assert_string_equal(cfg.ramdisk, "/boot/initrd.img");
    assert_true(cfg.has_ramdisk);
    assert_string_equal(cfg.cmdline, "console=hvc0 root=/dev/xvda1 ro");
    assert_int_equal(cfg.memory_mib, 2048);
    assert_int_equal(cfg.vcpus, 4);
    assert_int_equal(cfg.rights, XLCFG_RIGHT_CONTROL | XLCFG_RIGHT_HARDWARE | XLCFG_RIGHT_STORE |
                                     XLCFG_RIGHT_DEVICE_MODEL);
    assert_int_equal(cfg.dm_target, 5);
    assert_int_equal(cfg.nr_warnings, 0);
}

static void test_defaults(void **state)
{
    (void)state;
    memset(&cfg, 0x5a, sizeof(cfg));
    expect_ok(BASE);
    assert_string_equal(cfg.name, "web");
    assert_string_equal(cfg.kernel, "vmlinuz");
    assert_int_equal(cfg.memory_mib, 512);
    assert_int_equal(cfg.type, XLCFG_TYPE_PVH);
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.rights, 0);
    assert_int_equal(cfg.dm_target, DOMID_INVALID);
    assert_false(cfg.has_ramdisk);
    assert_string_equal(cfg.ramdisk, "");
    assert_string_equal(cfg.cmdline, "");
    assert_int_equal(cfg.nr_warnings, 0);
    assert_int_equal(cfg.nr_warnings_dropped, 0);
}

static void test_layout(void **state)
{
    (void)state;
    /* Comments, blank lines, CRLF, tabs, no spaces, semicolons, single quotes. */
    expect_ok("\r\n"
              "   # comment line\r\n"
              "\t\r\n"
              "name='a.b'; # trailing comment\r\n"
              "kernel\t=\t\"k;e r#n\"\t;\r\n"
              "memory=0x200;\r\n"
              "vcpus = '2'\r\n"
              "cmdline = \"a # b\"\r\n"
              "rights=[\"store\",]#x\r\n"
              "# last line has no newline");
    assert_string_equal(cfg.name, "a.b");
    assert_string_equal(cfg.kernel, "k;e r#n");
    assert_int_equal(cfg.memory_mib, 512);
    assert_int_equal(cfg.vcpus, 2);
    assert_string_equal(cfg.cmdline, "a # b");
    assert_int_equal(cfg.rights, XLCFG_RIGHT_STORE);

    /* Last value with no newline at all; a bare CR is whitespace, not a line end. */
    expect_ok("name = \"x\"\r \r\nkernel = \"k\"\n\rmemory = 1");
    assert_int_equal(cfg.memory_mib, 1);
    assert_string_equal(cfg.kernel, "k");

    expect_err("name = \"x\"\rkernel = \"k\"\n",
               "line 1: unexpected 'kernel = \"k\"' after the value of 'name'");
    /* Line numbers count CRLF lines once. */
    expect_err("name = \"x\"\r\n\r\nkernel \"k\"\r\n", "line 3: expected '=' after 'kernel'");

    /* Empty and NULL input. */
    expect_err("", "missing 'name'");
    memset(err, 'X', sizeof(err));
    assert_int_equal(xlcfg_parse(NULL, 0, &cfg, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "missing 'name'");
}

static void test_missing(void **state)
{
    (void)state;
    expect_err("kernel = \"k\"\nmemory = 1\n", "missing 'name'");
    expect_err("name = \"n\"\nmemory = 1\n", "missing 'kernel'");
    expect_err("name = \"n\"\nkernel = \"k\"\n", "missing 'memory'");
    expect_err("# only a comment\n\n", "missing 'name'");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_err("name = \"n\"\nkernel = \"k\"\nmemory 5\n", "line 3: expected '=' after 'memory'");
    expect_err("name = \"n\"\nvcpus = abc\n", "line 2: bad integer 'abc' for 'vcpus'");
    expect_err("name = \"n\"\nmemory = 0\n", "line 2: 'memory' must be between 1 and 1048576");
    expect_err(BASE "\ncmdline = \"ro\n", "line 5: unterminated string");
    expect_err(BASE "cmdline = 'ro\"\n", "line 4: unterminated string");
    expect_err4("rights = [ \"control\",", "line 4: list for 'rights' not closed on this line "
                                           "(lists must fit on one line)");
    expect_err4("rights = [ \"control\" # ]",
                "line 4: list for 'rights' not closed on this line (lists must fit on one line)");
    expect_err4("Name = \"x\"", "line 4: bad key 'Name' (keys are made of a-z 0-9 _)");
    expect_err4("mem-ory = 1", "line 4: bad key 'mem-ory' (keys are made of a-z 0-9 _)");
    expect_err4("memory: 1", "line 4: bad key 'memory:' (keys are made of a-z 0-9 _)");
    expect_err4("= 5", "line 4: expected a key, found '= 5'");
    expect_err4("\"name\" = \"x\"", "line 4: expected a key, found '\"name\" = \"x\"'");
    expect_err4("vcpus = 2 4", "line 4: unexpected '4' after the value of 'vcpus'");
    expect_err4("vcpus = 2;;", "line 4: unexpected ';' after the value of 'vcpus'");
    expect_err4("vcpus = 2 MiB", "line 4: unexpected 'MiB' after the value of 'vcpus'");
    expect_err4("vcpus =", "line 4: expected a value for 'vcpus'");
    expect_err4("vcpus = ;", "line 4: expected a value for 'vcpus'");
    expect_err4("vcpus = # none", "line 4: expected a value for 'vcpus'");
    expect_err4("rights = [ , ]", "line 4: expected a value for 'rights'");
    expect_err4("rights = [ [ \"x\" ] ]", "line 4: nested list in 'rights'");
    expect_err4("rights = [ \"control\" \"store\" ]",
                "line 4: expected ',' or ']' in the list for 'rights'");
    expect_err4("disk = [ 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 ]",
                "line 4: list for 'disk' has more than 16 items");
    expect_ok4("disk = [ 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 ]");
    expect_err4("cmdline = \"a\x01b\"", "line 4: control character in string");
    expect_err4("cmdline = \"a\x7f\"", "line 4: control character in string");
    expect_ok4("cmdline = \"a\tb\"");
    assert_string_equal(cfg.cmdline, "a\tb");
    /* Multi-digit line numbers. */
    expect_err("\n\n\n\n\n\n\n\n\n\n\n\nfoo bar\n", "line 13: expected '=' after 'foo'");
}

static void test_wrong_kinds(void **state)
{
    (void)state;
    expect_err4("ramdisk = 5", "line 4: 'ramdisk' must be a quoted string");
    expect_err4("cmdline = [ \"a\" ]", "line 4: 'cmdline' must be a quoted string");
    expect_err4("type = pvh", "line 4: 'type' must be a quoted string");
    expect_err("name = web\n", "line 1: 'name' must be a quoted string");
    expect_err4("vcpus = [ 1 ]", "line 4: 'vcpus' must be an integer, not a list");
    expect_err4("rights = \"control\"", "line 4: 'rights' must be a list, like [ \"control\" ]");
    expect_err4("rights = [ control ]", "line 4: right 'control' must be a quoted string");
}

static void test_duplicates(void **state)
{
    (void)state;
    expect_err(BASE "\nmemory = 5\n", "line 5: duplicate key 'memory' (first set on line 3)");
    expect_err("name = \"a\"\nname = \"a\"\n",
               "line 2: duplicate key 'name' (first set on line 1)");
    expect_err4("cmdline = \"a\"\ncmdline = \"b\"",
                "line 5: duplicate key 'cmdline' (first set on line 4)");
    expect_err4("cmdline = \"a\"\nextra = \"b\"",
                "line 5: 'extra' and 'cmdline' (line 4) both set the command line");
    expect_err4("extra = \"a\"\ncmdline = \"b\"",
                "line 5: 'cmdline' and 'extra' (line 4) both set the command line");
    expect_ok4("extra = \"quiet\"");
    assert_string_equal(cfg.cmdline, "quiet");
}

static void test_bytes(void **state)
{
    static const char nul[] = "name = \"n\"\nkernel = \"k\0\"\n";
    static const char nul_comment[] = BASE "# \0\n";
    char *big;
    size_t base = strlen(BASE);

    (void)state;
    assert_int_equal(parse_n(nul, sizeof(nul) - 1), -EINVAL);
    assert_string_equal(err, "line 2: NUL byte");
    assert_int_equal(parse_n(nul_comment, sizeof(nul_comment) - 1), -EINVAL);
    assert_string_equal(err, "line 4: NUL byte");
    assert_int_equal(parse_n("\0", 1), -EINVAL);
    assert_string_equal(err, "line 1: NUL byte");

    /* Line length: 2048 characters fit (CR not counted), 2049 do not. */
    big = malloc(base + 4096);
    assert_non_null(big);
    memcpy(big, BASE, base);
    memset(big + base, ' ', 4096);
    big[base] = '#';
    assert_int_equal(parse_n(big, base + XLCFG_LINE_MAX), 0);
    big[base + XLCFG_LINE_MAX] = '\r';
    assert_int_equal(parse_n(big, base + XLCFG_LINE_MAX + 1), 0);
    big[base + XLCFG_LINE_MAX + 1] = '\n';
    assert_int_equal(parse_n(big, base + XLCFG_LINE_MAX + 2), 0);
    big[base + XLCFG_LINE_MAX] = ' ';
    assert_int_equal(parse_n(big, base + XLCFG_LINE_MAX + 1), -EINVAL);
    assert_string_equal(err, "line 4: longer than 2048 characters");
    assert_int_equal(parse_n(big, base + 4096), -EINVAL);
    assert_string_equal(err, "line 4: longer than 2048 characters");
    free(big);

    /* Input ending in the middle of every construct. */
    static const char *const cuts[] = {
        "n",
        "name",
        "name ",
        "name =",
        "name = ",
        "name = \"",
        "name = \"a",
        "name = '",
        "memory = 1",
        "rights = [",
        "rights = [ \"",
        "rights = [ 1",
        "rights = [ 1,",
        "vcpus = 0x",
        "#",
        "\r",
        "name = \"a\";",
        "x = [ ] ;",
    };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        parse(cuts[i]);
    expect_err("name = \"a", "line 1: unterminated string");
    expect_err("rights = [", "line 1: list for 'rights' not closed on this line (lists must fit "
                             "on one line)");
    expect_err("vcpus = 0x", "line 1: bad integer '0x' for 'vcpus'");
}

static void test_ranges(void **state)
{
    char line[2048];

    (void)state;
    expect_err4("vcpus = 0", "line 4: 'vcpus' must be between 1 and 128");
    expect_ok4("vcpus = 1");
    assert_int_equal(cfg.vcpus, 1);
    expect_ok4("vcpus = 128");
    assert_int_equal(cfg.vcpus, 128);
    expect_ok4("vcpus = 0x80");
    assert_int_equal(cfg.vcpus, 128);
    expect_err4("vcpus = 129", "line 4: 'vcpus' must be between 1 and 128");
    expect_err4("vcpus = 4294967297", "line 4: 'vcpus' must be between 1 and 128");
    expect_err4("vcpus = -1", "line 4: bad integer '-1' for 'vcpus'");
    expect_err4("vcpus = +1", "line 4: bad integer '+1' for 'vcpus'");
    expect_err4("vcpus = 1.5", "line 4: bad integer '1.5' for 'vcpus'");
    expect_err4("vcpus = 0x", "line 4: bad integer '0x' for 'vcpus'");
    expect_err4("vcpus = 0xg", "line 4: bad integer '0xg' for 'vcpus'");
    expect_err4("vcpus = 12a", "line 4: bad integer '12a' for 'vcpus'");
    expect_err4("vcpus = \"\"", "line 4: bad integer '' for 'vcpus'");
    expect_err4("vcpus = \" 1\"", "line 4: bad integer ' 1' for 'vcpus'");
    expect_ok4("vcpus = 010"); /* decimal, not octal */
    assert_int_equal(cfg.vcpus, 10);

    expect_err("name=\"n\"\nkernel=\"k\"\nmemory = 1048577\n",
               "line 3: 'memory' must be between 1 and 1048576");
    expect_ok("name=\"n\"\nkernel=\"k\"\nmemory = 1048576\n");
    assert_int_equal(cfg.memory_mib, 1048576);
    expect_ok("name=\"n\"\nkernel=\"k\"\nmemory = 0X100000\n");
    assert_int_equal(cfg.memory_mib, 1048576);
    expect_ok("name=\"n\"\nkernel=\"k\"\nmemory = 1\n");
    assert_int_equal(cfg.memory_mib, 1);
    expect_err("name=\"n\"\nkernel=\"k\"\nmemory = 18446744073709551615\n",
               "line 3: 'memory' must be between 1 and 1048576");
    expect_err("name=\"n\"\nkernel=\"k\"\nmemory = 18446744073709551616\n",
               "line 3: 'memory' must be between 1 and 1048576");
    expect_err("name=\"n\"\nkernel=\"k\"\nmemory = 0x10000000000000000\n",
               "line 3: 'memory' must be between 1 and 1048576");

    /* name: 1..63 characters of [A-Za-z0-9_.-] */
    memset(line, 0, sizeof(line));
    strcpy(line, "name = \"");
    memset(line + 8, 'a', 63);
    strcpy(line + 8 + 63, "\"\nkernel = \"k\"\nmemory = 1\n");
    expect_ok(line);
    assert_int_equal(strlen(cfg.name), 63);
    memset(line + 8, 'a', 64);
    strcpy(line + 8 + 64, "\"\nkernel = \"k\"\nmemory = 1\n");
    expect_err(line, "line 1: 'name' must be 1 to 63 characters");
    expect_err("name = \"\"\n", "line 1: 'name' must be 1 to 63 characters");
    expect_err("name = \"a b\"\n", "line 1: 'name' may only contain A-Z a-z 0-9 _ . -");
    expect_err("name = \"a/b\"\n", "line 1: 'name' may only contain A-Z a-z 0-9 _ . -");
    expect_err("name = \"\xc3\xa9\"\n", "line 1: 'name' may only contain A-Z a-z 0-9 _ . -");
    expect_ok("name = \"AZaz09_.-\"\nkernel = \"k\"\nmemory = 1\n");

    /* kernel and ramdisk: 1..127 characters */
    static const char *const paths[] = {"kernel", "ramdisk"};
    for (int p = 0; p < 2; p++) {
        char msg[128];
        int n = sprintf(line, "name = \"n\"\nmemory = 1\n%s%s = \"", p ? "kernel = \"k\"\n" : "",
                        paths[p]);
        memset(line + n, 'k', 127);
        strcpy(line + n + 127, "\"\n");
        expect_ok(line);
        assert_int_equal(strlen(p ? cfg.ramdisk : cfg.kernel), 127);
        memset(line + n, 'k', 128);
        strcpy(line + n + 128, "\"\n");
        snprintf(msg, sizeof(msg), "line %d: '%s' must be 1 to 127 characters", p ? 4 : 3,
                 paths[p]);
        expect_err(line, msg);
        strcpy(line + n, "\"\n");
        expect_err(line, msg);
    }

    /* cmdline: 0..1023 characters */
    strcpy(line, BASE "cmdline = \"");
    size_t n = strlen(line);
    memset(line + n, 'c', 1023);
    strcpy(line + n + 1023, "\"\n");
    expect_ok(line);
    assert_int_equal(strlen(cfg.cmdline), 1023);
    memset(line + n, 'c', 1024);
    strcpy(line + n + 1024, "\"\n");
    expect_err(line, "line 4: 'cmdline' must be at most 1023 characters");
    strcpy(line, BASE "extra = \"");
    n = strlen(line);
    memset(line + n, 'c', 1024);
    strcpy(line + n + 1024, "\"\n");
    expect_err(line, "line 4: 'extra' must be at most 1023 characters");
}

static void test_type(void **state)
{
    (void)state;
    expect_ok4("type = \"pvh\"");
    assert_int_equal(cfg.type, XLCFG_TYPE_PVH);
    expect_ok4("type = 'pvh'");
    expect_err4("type = \"hvm\"", "line 4: type 'hvm' is not supported yet (only 'pvh')");
    expect_err4("type = \"pv\"", "line 4: type 'pv' is not supported yet (only 'pvh')");
    expect_err4("type = \"xen\"", "line 4: unknown type 'xen' (expected 'pvh')");
    expect_err4("type = \"PVH\"", "line 4: unknown type 'PVH' (expected 'pvh')");
    expect_err4("type = \"\"", "line 4: unknown type '' (expected 'pvh')");
}

static void test_warnings(void **state)
{
    char buf[4096];
    size_t n;

    (void)state;
    expect_ok(
        "name = \"n\"\nfoo = 1\nkernel = \"k\"\nvif = [ 'bridge=br0', 'mac=00:16:3e:00:00:01' ]\n"
        "memory = 1\non_crash = \"destroy\";\n");
    assert_int_equal(cfg.nr_warnings, 3);
    assert_int_equal(cfg.nr_warnings_dropped, 0);
    assert_string_equal(cfg.warnings[0], "line 2: unknown key 'foo' ignored");
    assert_string_equal(cfg.warnings[1], "line 4: unknown key 'vif' ignored");
    assert_string_equal(cfg.warnings[2], "line 6: unknown key 'on_crash' ignored");
    assert_string_equal(cfg.warnings[3], "");

    /* Unknown keys' values must still be well formed. */
    expect_err4("disk = [ 'a',", "line 4: list for 'disk' not closed on this line (lists must "
                                 "fit on one line)");
    /* Unknown keys may repeat (only known keys are tracked). */
    expect_ok4("foo = 1\nfoo = 2");
    assert_int_equal(cfg.nr_warnings, 2);

    /* Eight are kept, the rest counted. */
    n = (size_t)sprintf(buf, BASE);
    for (int i = 0; i < 11; i++)
        n += (size_t)sprintf(buf + n, "k%d = %d\n", i, i);
    expect_ok(buf);
    assert_int_equal(cfg.nr_warnings, XLCFG_MAX_WARNINGS);
    assert_int_equal(cfg.nr_warnings_dropped, 3);
    assert_string_equal(cfg.warnings[7], "line 11: unknown key 'k7' ignored");

    /* A long key is shortened so the warning fits. */
    n = (size_t)sprintf(buf, BASE);
    memset(buf + n, 'z', 2000);
    strcpy(buf + n + 2000, " = 1\n");
    expect_ok(buf);
    assert_int_equal(cfg.nr_warnings, 1);
    assert_string_equal(cfg.warnings[0], "line 4: unknown key "
                                         "'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' ignored");

    /* Warnings of the lines before an error survive it. */
    expect_err("foo = 1\nname = 5\n", "line 2: 'name' must be a quoted string");
    assert_int_equal(cfg.nr_warnings, 1);
}

static void test_rights(void **state)
{
    (void)state;
    expect_ok4("rights = []");
    assert_int_equal(cfg.rights, 0);
    assert_int_equal(cfg.dm_target, DOMID_INVALID);
    expect_ok4("rights = [ 'control' ]");
    assert_int_equal(cfg.rights, XLCFG_RIGHT_CONTROL);
    expect_ok4("rights = [\"hardware\"]");
    assert_int_equal(cfg.rights, XLCFG_RIGHT_HARDWARE);
    expect_ok4("rights = [ \"device_model(5)\" ]");
    assert_int_equal(cfg.rights, XLCFG_RIGHT_DEVICE_MODEL);
    assert_int_equal(cfg.dm_target, 5);
    expect_ok4("rights = [ \"device_model(0)\", \"store\" ]");
    assert_int_equal(cfg.rights, XLCFG_RIGHT_DEVICE_MODEL | XLCFG_RIGHT_STORE);
    assert_int_equal(cfg.dm_target, 0);
    expect_ok4("rights = [ \"device_model(32751)\" ]");
    assert_int_equal(cfg.dm_target, 32751);
    expect_ok4("rights = [ \"device_model(007)\" ]");
    assert_int_equal(cfg.dm_target, 7);

#define BAD_DM(s) "line 4: bad right '" s "' (expected device_model(<domid>))"
    expect_err4("rights = [ \"device_model()\" ]", BAD_DM("device_model()"));
    expect_err4("rights = [ \"device_model(x)\" ]", BAD_DM("device_model(x)"));
    expect_err4("rights = [ \"device_model(\" ]", BAD_DM("device_model("));
    expect_err4("rights = [ \"device_model(5\" ]", BAD_DM("device_model(5"));
    expect_err4("rights = [ \"device_model(5))\" ]", BAD_DM("device_model(5))"));
    expect_err4("rights = [ \"device_model(5)x\" ]", BAD_DM("device_model(5)x"));
    expect_err4("rights = [ \"device_model(-1)\" ]", BAD_DM("device_model(-1)"));
    expect_err4("rights = [ \"device_model(0x5)\" ]", BAD_DM("device_model(0x5)"));
    expect_err4("rights = [ \"device_model( 5 )\" ]", BAD_DM("device_model( 5 )"));
    expect_err4("rights = [ \"device_model(99999)\" ]",
                "line 4: domid in 'device_model(99999)' must be between 0 and 32751");
    expect_err4("rights = [ \"device_model(32752)\" ]",
                "line 4: domid in 'device_model(32752)' must be between 0 and 32751");
    expect_err4("rights = [ \"device_model(99999999999999999999999)\" ]",
                "line 4: domid in 'device_model(99999999999999999999999)' must be between 0 "
                "and 32751");
#define UNKNOWN(s) \
    "line 4: unknown right '" s "' (expected control, hardware, store or device_model(<domid>))"
    expect_err4("rights = [ \"admin\" ]", UNKNOWN("admin"));
    expect_err4("rights = [ \"Control\" ]", UNKNOWN("Control"));
    expect_err4("rights = [ \"control \" ]", UNKNOWN("control "));
    expect_err4("rights = [ \"\" ]", UNKNOWN(""));
    expect_err4("rights = [ \"device_model\" ]", UNKNOWN("device_model"));
    expect_err4("rights = [ \"store\", \"store\" ]", "line 4: right 'store' given twice");
    expect_err4("rights = [ \"device_model(1)\", \"device_model(2)\" ]",
                "line 4: right 'device_model(2)' given twice");
    expect_err4("rights = [ \"control\" ]\nrights = []",
                "line 5: duplicate key 'rights' (first set on line 4)");
}

static void test_err_buffer(void **state)
{
    static const char text[] = "vcpus = x\n";
    char small[8];

    (void)state;
    assert_int_equal(xlcfg_parse(text, sizeof(text) - 1, &cfg, NULL, 0), -EINVAL);
    assert_int_equal(xlcfg_parse(text, sizeof(text) - 1, &cfg, NULL, 100), -EINVAL);
    memset(small, 'X', sizeof(small));
    assert_int_equal(xlcfg_parse(text, sizeof(text) - 1, &cfg, small, 0), -EINVAL);
    assert_int_equal(small[0], 'X');
    assert_int_equal(xlcfg_parse(text, sizeof(text) - 1, &cfg, small, 1), -EINVAL);
    assert_int_equal(small[0], '\0');
    assert_int_equal(small[1], 'X');
    assert_int_equal(xlcfg_parse(text, sizeof(text) - 1, &cfg, small, sizeof(small)), -EINVAL);
    assert_string_equal(small, "line 1:");
    /* Unprintable input is not echoed raw. */
    expect_err4("vcpus = a\xff\x1b", "line 4: bad integer 'a?"
                                     "?' for 'vcpus'");
}

/* Small deterministic PRNG so failures reproduce. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

static void test_fuzz(void **state)
{
    static const char seed[] = "# guest\nname = \"web\"\ntype = 'pvh'\nkernel = \"vmlinuz\"\n"
                               "ramdisk = \"initrd\"\ncmdline = \"ro quiet\";\nmemory = 0x200\n"
                               "vcpus = 2 # two\nrights = [ \"store\", \"device_model(5)\" ]\n"
                               "vif = [ 'a', 1 ]\r\n";
    static const char special[] = "\"'[]=#;,\n\r\0 \t0x9(ae)_";
    char buf[1024];
    int ok = 0;

    (void)state;
    for (int iter = 0; iter < 30000; iter++) {
        size_t len = sizeof(seed) - 1;
        memcpy(buf, seed, len);
        for (int m = 1 + (int)(rnd() % 6); m > 0; m--) {
            size_t at = len ? rnd() % len : 0;
            char ch = (rnd() & 1) ? special[rnd() % (sizeof(special) - 1)] : (char)rnd();
            switch (rnd() % 5) {
            case 0: /* replace */
                if (len)
                    buf[at] = ch;
                break;
            case 1: /* insert */
                if (len < sizeof(buf)) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = ch;
                    len++;
                }
                break;
            case 2: /* delete */
                if (len) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
                break;
            case 3: /* truncate */
                len = at;
                break;
            case 4: { /* duplicate a chunk */
                size_t n = rnd() % 32;
                if (at + n <= len && len + n <= sizeof(buf)) {
                    memmove(buf + at + n, buf + at, len - at);
                    len += n;
                }
                break;
            }
            }
        }
        if (parse_n(buf, len) == 0) {
            ok++;
            assert_true(strnlen(cfg.name, sizeof(cfg.name)) > 0);
            assert_true(strnlen(cfg.name, sizeof(cfg.name)) < sizeof(cfg.name));
            assert_true(strnlen(cfg.kernel, sizeof(cfg.kernel)) < sizeof(cfg.kernel));
            assert_true(strnlen(cfg.ramdisk, sizeof(cfg.ramdisk)) < sizeof(cfg.ramdisk));
            assert_true(strnlen(cfg.cmdline, sizeof(cfg.cmdline)) < sizeof(cfg.cmdline));
            assert_true(cfg.memory_mib >= 1 && cfg.memory_mib <= XLCFG_MEMORY_MAX);
            assert_true(cfg.vcpus >= 1 && cfg.vcpus <= XLCFG_VCPUS_MAX);
            assert_true(cfg.nr_warnings <= XLCFG_MAX_WARNINGS);
        }
        for (unsigned int w = 0; w < cfg.nr_warnings && w < XLCFG_MAX_WARNINGS; w++)
            assert_non_null(memchr(cfg.warnings[w], '\0', XLCFG_WARNING_LEN));
    }
    /* The mutations are small: a fair share must still parse. */
    assert_true(ok > 1000);
}

static void test_sched_keys(void **state)
{
    (void)state;
    expect_ok(BASE);
    assert_int_equal(cfg.cpu_weight, 256);
    assert_int_equal(cfg.cap, 0);
    assert_true(cfg.cpus == XLCFG_CPUS_ALL);
    assert_false(cfg.has_cpus_soft);
    assert_false(cfg.latency_sensitive);

    expect_ok(BASE "vcpus = 2\ncpu_weight = 768\ncap = 150\ncpus = \"0-1,3\"\n"
                   "cpus_soft = \"1\"\nlatency_sensitive = 1\n");
    assert_int_equal(cfg.cpu_weight, 768);
    assert_int_equal(cfg.cap, 150);
    assert_true(cfg.cpus == 0xb);
    assert_true(cfg.has_cpus_soft);
    assert_true(cfg.cpus_soft == 0x2);
    assert_true(cfg.latency_sensitive);

    expect_ok4("cpu_weight = 1");
    assert_int_equal(cfg.cpu_weight, 1);
    expect_ok4("cpu_weight = \"65535\"");
    assert_int_equal(cfg.cpu_weight, 65535);
    expect_ok4("cap = 100");
    assert_int_equal(cfg.cap, 100);
    expect_ok4("cap = 0");
    expect_ok4("latency_sensitive = 0");
    assert_false(cfg.latency_sensitive);

    /* cap is checked against vcpus whichever comes first */
    expect_ok("cap = 400\n" BASE "vcpus = 4\n");
    assert_int_equal(cfg.cap, 400);
}

static void test_sched_cpus(void **state)
{
    (void)state;
    expect_ok4("cpus = \"all\"");
    assert_true(cfg.cpus == XLCFG_CPUS_ALL);
    expect_ok4("cpus = \"2\"");
    assert_true(cfg.cpus == 0x4);
    expect_ok4("cpus = 2");
    assert_true(cfg.cpus == 0x4);
    expect_ok4("cpus = \"0-3,^1\"");
    assert_true(cfg.cpus == 0xd);
    expect_ok4("cpus = \"^0\"");
    assert_true(cfg.cpus == (XLCFG_CPUS_ALL & ~1ULL));
    expect_ok4("cpus = \" 1 , 5-6 \"");
    assert_true(cfg.cpus == 0x62);
    expect_ok4("cpus = \"63\"");
    assert_true(cfg.cpus == 1ULL << 63);
    expect_ok4("cpus = \"all,^0-62\"");
    assert_true(cfg.cpus == 1ULL << 63);
    expect_ok4("cpus_soft = \"0,2\"");
    assert_true(cfg.has_cpus_soft && cfg.cpus_soft == 0x5);
    assert_int_equal(cfg.cpus_nodes, 0);
    assert_int_equal(cfg.cpus_soft_nodes, 0);
}

/* xl's "node:N" / "nodes:N-M" items name NUMA nodes instead of pCPUs. */
static void test_sched_cpus_nodes(void **state)
{
    (void)state;
    expect_ok4("cpus = \"node:1\"");
    assert_int_equal(cfg.cpus_nodes, 0x2);
    assert_true(cfg.cpus == 0); /* the pCPUs are the nodes' ones, found at build time */
    expect_ok4("cpus = \"nodes:0-2\"");
    assert_int_equal(cfg.cpus_nodes, 0x7);
    expect_ok4("cpus = \"node:0, node:15\"");
    assert_int_equal(cfg.cpus_nodes, 0x8001);
    expect_ok4("cpus_soft = \"node:3\"");
    assert_true(cfg.has_cpus_soft);
    assert_int_equal(cfg.cpus_soft_nodes, 0x8);
    assert_true(cfg.cpus == XLCFG_CPUS_ALL && cfg.cpus_nodes == 0);

    expect_err4("cpus = \"node:16\"", "line 4: node '16' in 'cpus' must be below 16");
    expect_err4("cpus = \"node:x\"",
                "line 4: bad node 'x' in 'cpus' (expected \"all\" or a list like \"0-3,^1\")");
    expect_err4("cpus = \"nodes:2-1\"",
                "line 4: bad range '2-1' in 'cpus' (the end is below the start)");
    expect_err4("cpus = \"node:1,3\"", "line 4: 'cpus' mixes node: items with pCPUs; use one kind");
    expect_err4("cpus_soft = \"all,node:0\"",
                "line 4: 'cpus_soft' mixes node: items with pCPUs; use one kind");
    expect_err4("cpus = \"^node:1\"", "line 4: 'cpus': excluding a node (^node:) is not supported");
    expect_err4("cpus = \"node:\"",
                "line 4: bad node '' in 'cpus' (expected \"all\" or a list like \"0-3,^1\")");
}

static void test_sched_errors(void **state)
{
    (void)state;
    expect_err4("cpu_weight = 0", "line 4: 'cpu_weight' must be between 1 and 65535");
    expect_err4("cpu_weight = 65536", "line 4: 'cpu_weight' must be between 1 and 65535");
    expect_err4("cpu_weight = heavy", "line 4: bad integer 'heavy' for 'cpu_weight'");
    expect_err4("cap = 101", "line 4: 'cap' must be at most 100 (100 per vCPU, 1 vCPU(s))");
    expect_err("cap = 201\n" BASE "vcpus = 2\n",
               "line 1: 'cap' must be at most 200 (100 per vCPU, 2 vCPU(s))");
    expect_err4("cap = 99999", "line 4: 'cap' must be between 0 and 12800");
    expect_err4("latency_sensitive = 2", "line 4: 'latency_sensitive' must be between 0 and 1");
    expect_err4("cpus = \"\"",
                "line 4: bad pCPU '' in 'cpus' (expected \"all\" or a list like \"0-3,^1\")");
    expect_err4("cpus = \"0-1,^0-1\"", "line 4: 'cpus' selects no pCPU");
    expect_err4(
        "cpus_soft = \"^all\"",
        "line 4: bad pCPU 'all' in 'cpus_soft' (expected \"all\" or a list like \"0-3,^1\")");
    expect_err4("cpus = \"64\"", "line 4: pCPU '64' in 'cpus' must be below 64");
    expect_err4("cpus = \"3-1\"", "line 4: bad range '3-1' in 'cpus' (the end is below the start)");
    expect_err4("cpus = \"1,,2\"",
                "line 4: bad pCPU '' in 'cpus' (expected \"all\" or a list like \"0-3,^1\")");
    expect_err4("cpus = \"x\"",
                "line 4: bad pCPU 'x' in 'cpus' (expected \"all\" or a list like \"0-3,^1\")");
    expect_err4("cpus = [ \"0\", \"1\" ]",
                "line 4: 'cpus' must be a string like \"0-3,^1\" (per-vCPU lists are not "
                "supported)");
    expect_err4("cpus = \"0\"\ncpus = \"1\"", "line 5: duplicate key 'cpus' (first set on line 4)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_wrong_kinds),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_rights),
        cmocka_unit_test(test_err_buffer),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_sched_keys),
        cmocka_unit_test(test_sched_cpus),
        cmocka_unit_test(test_sched_cpus_nodes),
        cmocka_unit_test(test_sched_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
