// SPDX-License-Identifier: MIT
/*
 * Routes printk output to the console device chosen with `console=`:
 * "com1" (the default) or "none" (the log ring only, for `xl dmesg`).
 */
#include <lamina/cmdline.h>
#include <lamina/console.h>
#include <lamina/lib.h>

enum console_kind { CONSOLE_COM1, CONSOLE_NONE };

static enum console_kind console_kind = CONSOLE_COM1;
static bool console_ready;

static int parse_console(const char *val)
{
    if (val && strcmp(val, "com1") == 0)
        console_kind = CONSOLE_COM1;
    else if (val && strcmp(val, "none") == 0)
        console_kind = CONSOLE_NONE;
    else
        return -EINVAL;
    return 0;
}
custom_param("console", parse_console);

void console_write(const char *s, size_t len)
{
    if (console_ready)
        serial_write(s, len);
}

void console_init(void)
{
    if (console_kind == CONSOLE_NONE || serial_init() < 0)
        return;
    /*
     * Everything logged before the UART was ready (the banner, command-line
     * warnings) is replayed whatever `loglvl=` says, then output goes live.
     */
    log_ring_replay(serial_write);
    console_ready = true;
}
