// SPDX-License-Identifier: MIT
/* CPU identification: read once on the boot CPU, used everywhere after. */
#include <lamina/lib.h>
#include <asm/cpu.h>

struct cpu_features cpu_features;

void cpu_features_init(void)
{
    struct cpuid_regs r = cpuid(0);
    uint32_t max_ext = cpuid(0x80000000).eax;

    memcpy(cpu_features.vendor + 0, &r.ebx, 4);
    memcpy(cpu_features.vendor + 4, &r.edx, 4);
    memcpy(cpu_features.vendor + 8, &r.ecx, 4);
    cpu_features.vendor[12] = '\0';

    r = cpuid(1);
    cpu_features.stepping = r.eax & 0xf;
    cpu_features.model = (r.eax >> 4) & 0xf;
    cpu_features.family = (r.eax >> 8) & 0xf;
    if (cpu_features.family == 0xf)
        cpu_features.family += (r.eax >> 20) & 0xff;
    if (cpu_features.family >= 6)
        cpu_features.model |= ((r.eax >> 16) & 0xf) << 4;
    cpu_features.x2apic = r.ecx & (1u << 21);
    cpu_features.tsc_deadline = r.ecx & (1u << 24);

    if (max_ext >= 0x80000001) {
        r = cpuid(0x80000001);
        cpu_features.nx = r.edx & (1u << 20);
        cpu_features.pdpe1gb = r.edx & (1u << 26);
        cpu_features.svm = r.ecx & (1u << 2);
    }
    if (max_ext >= 0x80000007)
        cpu_features.invariant_tsc = cpuid(0x80000007).edx & (1u << 8);
}
