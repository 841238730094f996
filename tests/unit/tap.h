/* SPDX-License-Identifier: MIT */
/* A tiny TAP producer for the unit tests: ok(), is_int(), is_str(), done_testing(). */
#ifndef SMTPSH_TAP_H
#define SMTPSH_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* TAP lines end at a newline: a description or value holding control bytes
 * (config texts, replies) is printed with them escaped, \n as "\\n". */
static inline void tap_put_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char desc[2048];

	tap_n++;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof desc, fmt, ap);
	va_end(ap);
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	tap_put_escaped(desc);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

static inline void tap_diag_strs(const char *got, const char *want)
{
	fputs("#   got \"", stdout);
	tap_put_escaped(got ? got : "(null)");
	fputs("\", want \"", stdout);
	tap_put_escaped(want ? want : "(null)");
	fputs("\"\n", stdout);
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do { \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, __VA_ARGS__)) \
			printf("#   got %lld, want %lld\n", g_, w_); \
	} while (0)
#define is_str(got, want, ...) do { \
		const char *g_ = (got), *w_ = (want); \
		if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__)) \
			tap_diag_strs(g_, w_); \
	} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
