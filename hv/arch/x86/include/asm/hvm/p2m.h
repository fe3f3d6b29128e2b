/* SPDX-License-Identifier: MIT */
/* Guest-physical to machine mappings on AMD nested paging. */
#ifndef ASM_HVM_P2M_H
#define ASM_HVM_P2M_H

#include <lamina/domain.h>

#define INVALID_MFN (~(mfn_t)0)

enum p2m_access { P2M_RW, P2M_RO };

/* Flags for p2m_map(). */
#define P2M_SHARED (1u << 0) /* frame not owned by the domain, mapped on purpose */

int p2m_init(struct domain *d);
void p2m_destroy(struct domain *d);
/*
 * Map gfn..gfn+nr to mfn..mfn+nr. Each frame must belong to `d` unless
 * P2M_SHARED. Uses 2 MiB / 1 GiB entries where both sides are aligned.
 * -EEXIST if something is mapped there already, -ENOMEM, -EPERM.
 */
int p2m_map(struct domain *d, uint64_t gfn, mfn_t mfn, uint64_t nr, enum p2m_access a,
            unsigned int flags);
/* Remove one 4 KiB mapping (splitting a large one); returns the old mfn or INVALID_MFN. */
mfn_t p2m_unmap(struct domain *d, uint64_t gfn);
/* The frame behind gfn, or INVALID_MFN; `writable` may be NULL. */
mfn_t p2m_lookup(struct domain *d, uint64_t gfn, bool *writable);

#endif
