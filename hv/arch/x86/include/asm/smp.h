/* SPDX-License-Identifier: MIT */
/* Bringing up the other CPUs, and running functions on them. */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <lamina/acpi.h>
#include <lamina/types.h>

struct cpu;

struct cpu *cpu_alloc(unsigned int id, uint32_t apic_id, unsigned int node);
void smp_boot_cpus(const struct acpi_info *acpi);

/* Run fn(arg) on `cpu` in interrupt context and wait for it to finish. */
int smp_call_function(unsigned int cpu, void (*fn)(void *), void *arg);
/* Stop every other CPU (panic path). */
void smp_halt_others(void);

#endif
