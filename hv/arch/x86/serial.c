// SPDX-License-Identifier: MIT
/*
 * 16550 UART, polled. `com1=<baud>[,<bits><parity><stop>][,<io port>]`,
 * e.g. com1=115200,8n1 (the default) or com1=9600,7e1,0x2f8.
 */
#include <lamina/cmdline.h>
#include <lamina/console.h>
#include <lamina/lib.h>
#include <lamina/spinlock.h>
#include <asm/cpu.h>

#define UART_CLOCK 115200
enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20

static uint16_t io_base = 0x3f8;
static uint32_t baud = 115200;
static uint8_t lcr = 0x03; /* 8 data bits, no parity, 1 stop bit */
static bool present;
static spinlock_t tx_lock = SPINLOCK_INIT;

static int parse_format(const char *f, uint8_t *out)
{
    uint8_t v;

    if (strlen(f) != 3 || f[0] < '5' || f[0] > '8')
        return -EINVAL;
    v = (uint8_t)(f[0] - '5');
    switch (f[1]) {
    case 'n':
        break;
    case 'o':
        v |= 0x08;
        break;
    case 'e':
        v |= 0x18;
        break;
    default:
        return -EINVAL;
    }
    if (f[2] == '2')
        v |= 0x04;
    else if (f[2] != '1')
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_com1(const char *val)
{
    char buf[48], *field[3] = {buf, NULL, NULL};
    uint64_t b, port = io_base;
    uint8_t fmt = lcr;

    if (!val || strlcpy(buf, val, sizeof(buf)) >= sizeof(buf))
        return -EINVAL;
    for (unsigned int i = 1; i < 3 && field[i - 1]; i++) {
        char *comma = strchr(field[i - 1], ',');
        if (comma) {
            *comma = '\0';
            field[i] = comma + 1;
        }
    }
    if (strchr(field[2] ? field[2] : "", ','))
        return -EINVAL;
    if (parse_uint(field[0], &b) < 0 || b < 50 || b > UART_CLOCK || UART_CLOCK % b)
        return -EINVAL;
    if (field[1] && *field[1] && parse_format(field[1], &fmt) < 0)
        return -EINVAL;
    if (field[2] && (parse_uint(field[2], &port) < 0 || port == 0 || port > 0xfff8))
        return -EINVAL;
    baud = (uint32_t)b;
    lcr = fmt;
    io_base = (uint16_t)port;
    return 0;
}
custom_param("com1", parse_com1);

int serial_init(void)
{
    uint16_t div = (uint16_t)(UART_CLOCK / baud);

    /* No UART answers with all-ones: don't spin on a missing device. */
    if (inb(io_base + LSR) == 0xff)
        return -ENODEV;
    outb(io_base + IER, 0);
    outb(io_base + LCR, LCR_DLAB);
    outb(io_base + DLL, (uint8_t)div);
    outb(io_base + DLM, (uint8_t)(div >> 8));
    outb(io_base + LCR, lcr);
    outb(io_base + FCR, 0x07); /* enable and clear FIFOs */
    outb(io_base + MCR, 0x03); /* DTR, RTS */
    present = true;
    return 0;
}

static void putc_raw(char c)
{
    for (unsigned int spin = 0; spin < 1000000; spin++)
        if (inb(io_base + LSR) & LSR_THRE)
            break;
    outb(io_base + THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
    if (!present)
        return;
    unsigned long flags = local_irq_save();
    bool held =
        system_crashing ? spin_lock_bounded(&tx_lock, 10000000) : (spin_lock(&tx_lock), true);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            putc_raw('\r');
        putc_raw(s[i]);
    }
    if (held)
        spin_unlock(&tx_lock);
    local_irq_restore(flags);
}

int serial_getc(void)
{
    if (!present || !(inb(io_base + LSR) & LSR_DR))
        return -1;
    return inb(io_base + RBR);
}
