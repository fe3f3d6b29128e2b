/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor has no libc: these are its own string and memory routines
 * (hv/lib/string.c). The names and prototypes match the C library's, because
 * the compiler emits calls to memcpy/memset/memmove/memcmp by itself and unit
 * tests link hypervisor sources against the host libc instead.
 */
#ifndef LAMINA_STRING_H
#define LAMINA_STRING_H

#include <lamina/types.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);

/* Copies at most size-1 bytes, always terminates (size > 0), returns strlen(src). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/* As in C: leading space, optional sign, base 0 picks 0x hex / 0 octal / decimal. */
unsigned long strtoul(const char *s, char **end, int base);

#endif
