/* SPDX-License-Identifier: MIT */
/*
 * Logging. A message may start with a level prefix; without one it is INFO.
 * Every message goes into the log ring (read later by `xl dmesg`); only those
 * at or above the `loglvl=` threshold reach the console.
 */
#ifndef LAMINA_PRINTK_H
#define LAMINA_PRINTK_H

#include <lamina/types.h>

#define LOG_ERR "<1>"  /* printed as "error: ..." */
#define LOG_WARN "<2>" /* printed as "warning: ..." */
#define LOG_INFO "<3>"
#define LOG_DEBUG "<4>"

enum log_level { LVL_NONE = 0, LVL_ERR = 1, LVL_WARN = 2, LVL_INFO = 3, LVL_DEBUG = 4 };

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

/* Console threshold: messages with level <= this are printed. */
extern unsigned int console_loglevel;

/* Log ring: copy out up to len bytes of the oldest retained text. */
size_t log_ring_read(char *buf, size_t len);
/*
 * Read from position *pos of the free-running byte count (a position older
 * than what is retained, or in the future, means "the oldest retained");
 * *pos moves past what was copied. `clear`: what was read is never shown
 * again. For `xl dmesg`'s incremental reads.
 */
size_t log_ring_read_at(uint64_t *pos, char *buf, size_t len, bool clear);
uint64_t log_ring_position(void); /* bytes written so far */
/* Pass the retained text, oldest first, to `sink` (in at most two pieces). */
void log_ring_replay(void (*sink)(const char *s, size_t len));

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Bytes straight to the console (not the log ring): dom0's terminal output. */
void console_write_raw(const char *s, size_t len);

/* Provided by the console layer (or by a unit test's stub). */
void console_write(const char *s, size_t len);

#endif
