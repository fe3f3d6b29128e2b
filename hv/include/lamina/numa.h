/* SPDX-License-Identifier: MIT */
/*
 * NUMA placement (core/numa.c). Nodes come from the ACPI SRAT; without one
 * everything is node 0. The heap keeps free memory per node (mm.h); this
 * glue tells it which frames are where and answers "which node suits this
 * domain" and "which pCPUs are on that node".
 */
#ifndef LAMINA_NUMA_H
#define LAMINA_NUMA_H

#include <lamina/acpi.h>
#include <lamina/credit2.h>
#include <lamina/mm.h>

/* Hand the SRAT's memory ranges to the heap. Boot CPU, after memory_init(). */
void numa_init(const struct acpi_info *acpi);
/* One line per node: free memory and online pCPUs. */
void numa_report(void);

/* Online pCPUs of the nodes in `nodes` (empty for nodes without any). */
void numa_cpus_of(nodemask_t nodes, struct credit2_cpumask *m);
/* Nodes of the pCPUs in `m`. */
nodemask_t numa_nodes_of(const struct credit2_cpumask *m);
/* More than one node has online pCPUs: placement matters. */
bool numa_placement_matters(void);
/*
 * Automatic placement: among nodes with online pCPUs, the fewest vCPUs per
 * pCPU, then the most free memory.
 */
unsigned int numa_pick_node(void);

/* For the toolstack: nodes (highest with memory or pCPUs, plus one), memory per node. */
struct cpu;
unsigned int numa_nr_nodes(void);
unsigned int numa_cpu_node(const struct cpu *c);
uint64_t numa_node_frames(unsigned int node); /* free or in use */
uint64_t numa_total_frames(void);

/* "0-1,3" (or "none") for logs and error messages, truncated to fit `len`. */
void cpumask_format(char *buf, size_t len, const struct credit2_cpumask *m);

#endif
