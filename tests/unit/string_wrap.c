// SPDX-License-Identifier: MIT
/*
 * Builds hv/lib/string.c unchanged under lm_* names so the host test can run
 * it side by side with the libc functions it mirrors. With STRING_WRAP_DECLS
 * defined it only declares the lm_* functions (for tests/unit/test_string.c).
 */
#define memcpy lm_memcpy
#define memmove lm_memmove
#define memset lm_memset
#define memcmp lm_memcmp
#define strlen lm_strlen
#define strnlen lm_strnlen
#define strcmp lm_strcmp
#define strncmp lm_strncmp
#define strchr lm_strchr
#define strrchr lm_strrchr
#define strstr lm_strstr
#define strlcpy lm_strlcpy
#define strtoul lm_strtoul

#ifdef STRING_WRAP_DECLS
#include <lamina/string.h>
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strstr
#undef strlcpy
#undef strtoul
#else
#include "../../hv/lib/string.c"
#endif
