// SPDX-License-Identifier: MIT
/*
 * Port I/O from guests. A PVH guest has no port devices: unclaimed reads
 * return all-ones (but see the PIT below) and writes are dropped, except
 * port 0xE9, the debug port, whose bytes go to the hypervisor console line
 * by line as "(d<id>) ...".
 */
#include <lamina/lib.h>
#include <asm/hvm/guest.h>

#define DEBUG_PORT 0xe9
#define PIT_CHANNEL2_PORT 0x42

/* Print what is buffered; a partial line (a prompt) stays open for more. */
static void flush_line(struct domain *d, bool newline)
{
    d->console_line[d->console_len] = '\0';
    if (d->console_open)
        printk("%s%s", d->console_line, newline ? "\n" : "");
    else
        printk("(d%u) %s%s", d->id, d->console_line, newline ? "\n" : "");
    d->console_open = !newline;
    d->console_len = 0;
}

void domain_console_flush(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    if (d->console_len)
        flush_line(d, false);
    spin_unlock_irqrestore(&d->lock, flags);
}

void domain_debug_putc(struct domain *d, char c)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);

    if (c == '\n') {
        flush_line(d, true);
    } else if (c != '\r' && c != '\0') {
        if (d->console_len == sizeof(d->console_line) - 1)
            flush_line(d, true); /* an over-long line is split, never truncated */
        /* Keep the serial log readable: no escape sequences from guests. */
        d->console_line[d->console_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
    }
    spin_unlock_irqrestore(&d->lock, flags);
}

uint32_t guest_port_in(struct vcpu *v, uint16_t port, unsigned int size)
{
    (void)v;
    /*
     * The PIT's channel 2 counter reads as a counter stopped at zero, not
     * as all-ones: Linux's quick TSC calibration (run on AMD, where no CPUID
     * leaf gives the frequency) takes a constant 0xff for a counter at its
     * start value and polls it 100,000 times, 100,000 VM exits per boot,
     * before giving up. A zero makes it give up after four reads; the TSC
     * frequency comes from the Xen time leaf and pvclock anyway.
     */
    if (port == PIT_CHANNEL2_PORT && size == 1)
        return 0;
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

void guest_port_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    if (port == ACPI_GUEST_RESET_PORT && (uint8_t)val == ACPI_GUEST_RESET_VALUE) {
        domain_shutdown(v->domain, SHUTDOWN_REBOOT); /* the FADT's reset register */
        return;
    }
    if (port == DEBUG_PORT)
        for (unsigned int i = 0; i < size; i++)
            domain_debug_putc(v->domain, (char)(val >> (8 * i)));
}
