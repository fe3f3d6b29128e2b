// SPDX-License-Identifier: MIT
/*
 * Event channels (2-level ABI). Placeholder until the event-channel work
 * lands: no ports, no upcalls.
 */
#include <lamina/domain.h>
#include <lamina/lib.h>
#include <asm/hvm/hvm.h>

int event_domain_init(struct domain *d)
{
    (void)d;
    return 0;
}

void event_domain_destroy(struct domain *d)
{
    (void)d;
}

bool vcpu_upcall_pending(struct vcpu *v)
{
    (void)v;
    return false;
}

uint8_t vcpu_callback_vector(struct vcpu *v)
{
    (void)v;
    return 0;
}

void vcpu_singleshot_fired(void *data)
{
    vcpu_wake(data);
}
