// SPDX-License-Identifier: MIT
/*
 * Hypervisor logging. Every message is kept in a ring so `xl dmesg` can show
 * what happened before anyone was watching; the console, which is slow and
 * may be a 115200-baud UART, only gets what `loglvl=` lets through.
 */
#include <lamina/cmdline.h>
#include <lamina/errno.h>
#include <lamina/printk.h>
#include <lamina/spinlock.h>
#include <lamina/string.h>

#define MSG_MAX 512
#define RING_SIZE 16384

unsigned int console_loglevel = LVL_INFO;
volatile bool system_crashing;

static spinlock_t log_lock = SPINLOCK_INIT;
static char ring[RING_SIZE];
static size_t ring_head;      /* next byte to write */
static size_t ring_used;      /* retained bytes, ending at ring_head */
static uint64_t ring_total;   /* bytes ever written: positions for `xl dmesg` are these */
static uint64_t ring_cleared; /* `xl dmesg -c`: nothing before this is read again */
/* A line may be built by several printk calls; these track the open one. */
static bool at_line_start = true;
static unsigned int line_level = LVL_INFO;

/* Normal locking, or a bounded try once the system is crashing. */
static bool log_lock_take(unsigned long *flags)
{
    *flags = local_irq_save();
    if (!system_crashing) {
        spin_lock(&log_lock);
        return true;
    }
    return spin_lock_bounded(&log_lock, 10000000);
}

static void log_lock_drop(bool held, unsigned long flags)
{
    if (held)
        spin_unlock(&log_lock);
    local_irq_restore(flags);
}

static void ring_put(const char *s, size_t len)
{
    ring_total += len;
    ring_used = MIN(ring_used + len, RING_SIZE);
    if (len > RING_SIZE) { /* only the tail survives; it lands where it would have */
        ring_head = (ring_head + (len - RING_SIZE)) % RING_SIZE;
        s += len - RING_SIZE;
        len = RING_SIZE;
    }
    while (len) {
        size_t n = MIN(len, RING_SIZE - ring_head);
        memcpy(ring + ring_head, s, n);
        ring_head = (ring_head + n) % RING_SIZE;
        s += n;
        len -= n;
    }
}

size_t log_ring_read(char *buf, size_t len)
{
    unsigned long flags = spin_lock_irqsave(&log_lock);
    size_t n = MIN(len, ring_used);
    size_t start = (ring_head + RING_SIZE - ring_used) % RING_SIZE;
    size_t first = MIN(n, RING_SIZE - start);

    memcpy(buf, ring + start, first);
    memcpy(buf + first, ring, n - first);
    spin_unlock_irqrestore(&log_lock, flags);
    return n;
}

size_t log_ring_read_at(uint64_t *pos, char *buf, size_t len, bool clear)
{
    unsigned long flags = spin_lock_irqsave(&log_lock);
    uint64_t oldest = MAX(ring_total - ring_used, ring_cleared);
    uint64_t from = *pos >= oldest && *pos <= ring_total ? *pos : oldest;
    size_t n = (size_t)MIN((uint64_t)len, ring_total - from);
    size_t start = (size_t)(from % RING_SIZE);
    size_t first = MIN(n, RING_SIZE - start);

    /* ring_head == ring_total % RING_SIZE: byte `from` sits at from % RING_SIZE. */
    memcpy(buf, ring + start, first);
    memcpy(buf + first, ring, n - first);
    *pos = from + n;
    if (clear)
        ring_cleared = *pos;
    spin_unlock_irqrestore(&log_lock, flags);
    return n;
}

uint64_t log_ring_position(void)
{
    return __atomic_load_n(&ring_total, __ATOMIC_RELAXED);
}

void log_ring_replay(void (*sink)(const char *s, size_t len))
{
    unsigned long flags;
    bool held = log_lock_take(&flags);
    size_t start = (ring_head + RING_SIZE - ring_used) % RING_SIZE;
    size_t first = MIN(ring_used, RING_SIZE - start);

    sink(ring + start, first);
    sink(ring, ring_used - first);
    log_lock_drop(held, flags);
}

static void emit(const char *s, size_t len, bool to_console)
{
    ring_put(s, len);
    if (to_console)
        console_write(s, len);
}

void vprintk(const char *fmt, va_list ap)
{
    char msg[MSG_MAX];
    const char *prefix = NULL;
    unsigned int level = 0;
    unsigned long flags;
    size_t len;
    int n;

    if (fmt[0] == '<' && fmt[1] >= '1' && fmt[1] <= '4' && fmt[2] == '>') {
        level = fmt[1] - '0';
        fmt += 3;
    }

    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n < 0)
        return;
    len = MIN((size_t)n, sizeof(msg) - 1);
    if ((size_t)n >= sizeof(msg))
        memcpy(msg + len - 4, "...\n", 4); /* tell the reader something is missing */

    bool held = log_lock_take(&flags);
    /* An unmarked continuation keeps the level of the line it continues. */
    if (at_line_start || level)
        line_level = level ? level : LVL_INFO;
    if (at_line_start && line_level == LVL_ERR)
        prefix = "error: ";
    else if (at_line_start && line_level == LVL_WARN)
        prefix = "warning: ";

    if (prefix)
        emit(prefix, strlen(prefix), line_level <= console_loglevel);
    emit(msg, len, line_level <= console_loglevel);
    if (len)
        at_line_start = msg[len - 1] == '\n';
    log_lock_drop(held, flags);
}

void console_write_raw(const char *s, size_t len)
{
    unsigned long flags;
    bool held = log_lock_take(&flags);
    console_write(s, len);
    log_lock_drop(held, flags);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

static int parse_loglvl(const char *s)
{
    static const char *const names[] = {"none", "error", "warning", "info", "debug"};

    if (!s)
        return -EINVAL;
    if (s[0] >= '0' && s[0] <= '4' && !s[1]) {
        console_loglevel = s[0] - '0';
        return 0;
    }
    if (!strcmp(s, "all")) {
        console_loglevel = LVL_DEBUG;
        return 0;
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
        if (!strcmp(s, names[i])) {
            console_loglevel = i;
            return 0;
        }
    return -EINVAL;
}
custom_param("loglvl", parse_loglvl);
