// SPDX-License-Identifier: MIT
/*
 * Routes printk output to the console device chosen with `console=`:
 * "com1" (the default) or "none" (the log ring only, for `xl dmesg`).
 */
#include <lamina/cmdline.h>
#include <lamina/console.h>
#include <lamina/domain.h>
#include <lamina/hypercall.h>
#include <lamina/lib.h>
#include <lamina/time.h>
#include <asm/hvm/guest.h>
#include <public/xen.h>

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

/*
 * Serial input goes to Lamina or to one domain. Pressing the switch key
 * (Ctrl-A, or Ctrl-<letter> with conswitch=<letter>) three times in a row
 * moves the focus: Lamina, then each running domain in turn, then Lamina
 * again. There is no UART interrupt: a timer polls the line every 20 ms.
 */
#define POLL_NS (20 * NSEC_PER_MSEC)
static char switch_key = 0x01;
static domid_t focus = DOMID_HV;
static unsigned int switch_presses;
static struct timer poll_timer;

static int parse_conswitch(const char *val)
{
    if (!val || strlen(val) != 1 || val[0] < 'a' || val[0] > 'z')
        return -EINVAL;
    switch_key = (char)(val[0] - 'a' + 1);
    return 0;
}
custom_param("conswitch", parse_conswitch);

static const char *const state_names[] = {"created", "running", "shutdown", "dying"};

static void exit_histograms(void)
{
    struct domain *d;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);

    list_for_each_entry(d, &domain_list, list) arch_domain_exit_histogram(d);
    spin_unlock_irqrestore(&domain_list_lock, flags);
}

static void dump_vcpus(void)
{
    struct domain *d;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);

    list_for_each_entry(d, &domain_list, list)
    {
        for (unsigned int i = 0; i < d->nr_vcpus; i++) {
            arch_vcpu_dump(d->vcpus[i]);
            evtchn_dump_vcpu(d->vcpus[i]);
        }
    }
    spin_unlock_irqrestore(&domain_list_lock, flags);
}

static void list_domains(void)
{
    struct domain *d;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);

    printk("  id name                 state     vcpus  memory\n");
    list_for_each_entry(d, &domain_list, list)
    {
        printk("  %2u %-20s %-9s %5u %6lu MiB\n", d->id, d->name, state_names[d->state],
               d->nr_vcpus, d->tot_pages >> (20 - PAGE_SHIFT));
    }
    spin_unlock_irqrestore(&domain_list_lock, flags);
}

static void lamina_key(char c)
{
    if (c == 'h')
        printk("Lamina keys: h help, l list domains, v vCPU states, e exit reasons; Ctrl-%c x3 "
               "switches input\n",
               switch_key + 'A' - 1);
    else if (c == 'l')
        list_domains();
    else if (c == 'v')
        dump_vcpus();
    else if (c == 'e')
        exit_histograms();
}

/* The running domain after `cur` in list order, or DOMID_HV after the last. */
static domid_t next_focus(domid_t cur)
{
    struct domain *d;
    bool take = cur == DOMID_HV;
    domid_t next = DOMID_HV;
    unsigned long flags = spin_lock_irqsave(&domain_list_lock);

    list_for_each_entry(d, &domain_list, list)
    {
        if (take && d->state == DOMAIN_RUNNING) {
            next = d->id;
            break;
        }
        take |= d->id == cur;
    }
    spin_unlock_irqrestore(&domain_list_lock, flags);
    return next;
}

/*
 * Serial input for a domain without a console ring (dom0): kept here until
 * it reads it with CONSOLEIO_read, announced with VIRQ_CONSOLE as on Xen. A
 * full buffer drops keys rather than blocking the poller.
 */
#define CONSOLE_IO_IN 1024
static char io_in[CONSOLE_IO_IN];
static uint32_t io_in_prod, io_in_cons;
static spinlock_t io_in_lock = SPINLOCK_INIT;

static void console_io_input(struct domain *d, char c)
{
    unsigned long flags = spin_lock_irqsave(&io_in_lock);
    bool room = io_in_prod - io_in_cons < CONSOLE_IO_IN;
    if (room)
        io_in[io_in_prod++ % CONSOLE_IO_IN] = c;
    spin_unlock_irqrestore(&io_in_lock, flags);
    if (room)
        send_virq(d->vcpus[0], VIRQ_CONSOLE);
}

long do_console_read(struct vcpu *v, const struct hc_args *a)
{
    uint64_t count = a->a[1], buf = a->a[2];
    char chunk[128];
    uint32_t n = 0;

    if (count > sizeof(chunk))
        count = sizeof(chunk); /* the rest stays for the next read */
    unsigned long flags = spin_lock_irqsave(&io_in_lock);
    while (n < count && io_in_cons != io_in_prod)
        chunk[n++] = io_in[io_in_cons++ % CONSOLE_IO_IN];
    spin_unlock_irqrestore(&io_in_lock, flags);
    /* A bad buffer loses these keys; the guest asked for them to go there. */
    return n && copy_to_guest(v, buf, chunk, n) ? -EFAULT : (long)n;
}

static void input_to_focus(char c)
{
    struct domain *d = focus == DOMID_HV ? NULL : domain_by_id(focus);

    if (d && d->state == DOMAIN_RUNNING) {
        if (domain_console_input(d, c) == -ENODEV)
            console_io_input(d, c); /* no ring: dom0 reads it with console_io */
    } else if (focus == DOMID_HV)
        lamina_key(c);
    else
        focus = DOMID_HV; /* its domain is gone */
}

static void input_char(char c)
{
    if (c == switch_key) {
        if (++switch_presses < 3)
            return;
        switch_presses = 0;
        focus = next_focus(focus);
        struct domain *d = focus == DOMID_HV ? NULL : domain_by_id(focus);
        if (d)
            printk("[input to d%u (%s); Ctrl-%c x3 switches]\n", d->id, d->name,
                   switch_key + 'A' - 1);
        else
            printk("[input to Lamina; h for help]\n");
        return;
    }
    /* One or two switch keys were meant for whoever has the focus. */
    for (; switch_presses; switch_presses--)
        input_to_focus(switch_key);
    input_to_focus(c);
}

static void poll_input(void *data)
{
    (void)data;
    for (int c, n = 0; n < 64 && (c = serial_getc()) >= 0; n++)
        input_char((char)c);
    timer_set(&poll_timer, now() + POLL_NS);
}

void console_input_focus(domid_t id)
{
    struct domain *d = domain_by_id(id);
    if (!d)
        return;
    focus = id;
    printk("[input to d%u (%s); Ctrl-%c x3 switches]\n", d->id, d->name, switch_key + 'A' - 1);
}

void console_input_start(void)
{
    timer_init(&poll_timer, poll_input, NULL, 0);
    timer_set(&poll_timer, now() + POLL_NS);
}
