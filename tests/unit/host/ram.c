// SPDX-License-Identifier: MIT
/* Fake machine memory for unit tests: see host/asm/page.h. */
#include <stdlib.h>
#include <string.h>

#include "host.h"

unsigned char *test_ram;
uint64_t test_ram_frames;

void test_ram_setup(uint64_t frames)
{
    test_ram_teardown();
    test_ram = aligned_alloc(PAGE_SIZE, frames * PAGE_SIZE);
    assert(test_ram);
    memset(test_ram, 0xa5, frames * PAGE_SIZE); /* dirty, like RAM after reboot */
    test_ram_frames = frames;
}

void test_ram_teardown(void)
{
    free(test_ram);
    test_ram = NULL;
    test_ram_frames = 0;
}
