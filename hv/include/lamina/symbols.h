/* SPDX-License-Identifier: MIT */
#ifndef LAMINA_SYMBOLS_H
#define LAMINA_SYMBOLS_H

#include <lamina/types.h>

/* The function containing addr, with addr's offset in it and its size; NULL if unknown. */
const char *symbol_lookup(uintptr_t addr, uintptr_t *offset, uintptr_t *size);

#endif
