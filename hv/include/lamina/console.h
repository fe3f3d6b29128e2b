/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor console: where printk output goes (the serial line). Until
 * console_init() runs, output only collects in the log ring; console_init()
 * replays it, so nothing printed early is lost.
 */
#ifndef LAMINA_CONSOLE_H
#define LAMINA_CONSOLE_H

#include <lamina/types.h>

void console_init(void);
/* Start polling the serial line for input (boot CPU, after boot). */
void console_input_start(void);
/* Give serial input to a domain (the first boot domain gets it, as dom0 does on Xen). */
void console_input_focus(domid_t id);

/* Serial port driver (arch): set up from the `com1=` option. */
int serial_init(void);
void serial_write(const char *s, size_t len);
int serial_getc(void); /* -1 when nothing is waiting */

#endif
