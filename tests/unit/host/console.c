// SPDX-License-Identifier: MIT
/* Captures console output so tests can assert on warnings. */
#include <string.h>

#include "host.h"

char test_console[65536];
size_t test_console_len;

void console_write(const char *s, size_t len)
{
    size_t room = sizeof(test_console) - 1 - test_console_len;
    if (len > room)
        len = room;
    memcpy(test_console + test_console_len, s, len);
    test_console_len += len;
    test_console[test_console_len] = '\0';
}

void test_console_reset(void)
{
    test_console_len = 0;
    test_console[0] = '\0';
}

int test_console_count(const char *needle)
{
    int n = 0;
    for (const char *p = test_console; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}
