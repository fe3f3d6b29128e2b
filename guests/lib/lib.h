/* SPDX-License-Identifier: MIT */
/*
 * The test-guest library: what a guest's guest_main() can use. Output goes
 * to the hypervisor console (console_io) and test outcomes are printed as
 * lines the system tests parse: "PASS: x", "FAIL: x", "RESULT: n passed, m
 * failed".
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xen.h"
#include "x86.h"
#include "hypercall.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE 4096ul

/* Each guest defines this. It runs in 64-bit mode on the boot stack with
 * interrupts off; si is NULL if %ebx did not point at a valid start_info.
 * When it returns, the library prints the test summary (if any test ran)
 * and powers the domain off. */
void guest_main(const struct hvm_start_info *si);

/* The raw %ebx the guest was entered with, and the validated pointer. */
extern uint32_t start_info_paddr;
extern const struct hvm_start_info *start_info;

/* CPUID base leaf (0x40000000 + 0x100*n) of a Xen-ABI hypervisor, or 0. */
uint32_t xen_detect(void);

/* Console: console_io(CONSOLEIO_write) when xen_detect() != 0, otherwise
 * the byte sink at I/O port 0xE9. */
void console_write(const char *s, size_t len);
void e9_write(const char *s, size_t len); /* always port 0xE9 */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s); /* appends "\n" */
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* %d %i %u %x %X %p %s %c %%, flags '-' '0', width (or *), length l ll z. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* SCHEDOP_shutdown(reason); if that returns (or there is no hypervisor),
 * halt with interrupts off. */
__attribute__((noreturn)) void shutdown(unsigned int reason);

/* Tests: one line per check, and a summary at the end of the guest. */
void test_result(const char *name, bool ok);
#define TEST_CHECK(expr) test_result(#expr, (expr))
/* Prints "RESULT: <n> passed, <m> failed"; returns m. Called automatically
 * after guest_main() if any test_result() ran and no summary was printed. */
unsigned int test_summary(void);
/* test_result() with a printf-formatted name. */
void test_resultf(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "PASS: name", or "FAIL: name (why)" with why printf-formatted: the name
 * stays fixed for the tests to match, the details show only on failure. */
void test_result_why(const char *name, bool ok, const char *why, ...)
    __attribute__((format(printf, 3, 4)));
/* A hypercall's return value against the expected one: "PASS: name", or
 * "FAIL: name (got X, expected Y)". test_rc2 accepts either of two values
 * (e.g. -EPERM or -ESRCH where both are correct). Return whether it passed. */
bool test_rc(const char *name, long got, long want);
bool test_rc2(const char *name, long got, long want1, long want2);

/* The start_info command line ("" if none) and "key=value" words in it. */
const char *cmdline(void);
/* Copies the value of key into val (NUL-terminated, truncated to len);
 * returns false if the key is absent. A bare "key" has the value "". */
bool cmdline_get(const char *key, char *val, size_t len);
/* The value of key as a decimal (or 0x hex) number, dflt if absent/bad. */
unsigned long cmdline_ulong(const char *key, unsigned long dflt);

/* The guest image in guest-physical memory (1 MiB up to the end of .bss). */
extern char __image_start[], __image_end[];

/* Traps. The IDT covers all 256 vectors with interrupt gates. Exceptions
 * without a handler print a diagnosis and shutdown(SHUTDOWN_crash); other
 * unhandled vectors print a line and return. A handler may edit the frame
 * (e.g. advance rip past a faulting instruction). */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code; /* error_code is 0 for vectors without one */
    uint64_t rip, cs, rflags, rsp, ss;
};
typedef void (*trap_handler_t)(struct trap_frame *f);
void trap_set_handler(uint8_t vector, trap_handler_t handler);
/* Gate privilege: 3 lets ring-3 code reach the vector with `int n`. */
void trap_set_dpl(uint8_t vector, unsigned int dpl);
/* What happens to an exception without a handler: report, crash. A handler
 * that does not want a particular trap can pass it on here. */
__attribute__((noreturn)) void trap_default(struct trap_frame *f);
void idt_init(void);

#endif
