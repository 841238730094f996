/* SPDX-License-Identifier: MIT */
/* Small helpers: allocation that never returns NULL, a growable string, time. */
#ifndef SMTPSH_UTIL_H
#define SMTPSH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Out of memory is not a state a diagnostic shell can recover from in a
 * useful way: these abort() with a message rather than return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap);

struct strbuf {
	char *s;      /* always NUL-terminated once anything was added */
	size_t len, cap;
};

void strbuf_init(struct strbuf *b);
void strbuf_finish(struct strbuf *b);
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) PRINTF(2, 3);
void strbuf_reset(struct strbuf *b);
/* Hand the string to the caller (never NULL) and reset the buffer. */
char *strbuf_steal(struct strbuf *b);

/* Monotonic milliseconds. */
int64_t now_ms(void);

/* Core code calls before_wait() right before it may block: a poll on the network, a
 * /sleep, input that may not be there yet. The front end registers a hook there that
 * flushes its buffered output, so what was shown is out while smtpsh waits (and if it
 * is killed there). Without a hook it does nothing. */
void before_wait_set(void (*fn)(void *ctx), void *ctx);
void before_wait(void);

bool str_iprefix(const char *s, const char *prefix);
/* Copy the first whitespace-delimited word of s, upper-cased, into out. */
void str_first_word_upper(const char *s, char *out, size_t outlen);
/* Parse a decimal in [min,max]; false when s is not entirely such a number. */
bool str_to_long(const char *s, long min, long max, long *out);

/* Length of a valid UTF-8 sequence of 2-4 bytes at s (len bytes there), its code
 * point in *cp; 0 when the bytes are not one (overlong, surrogate, truncated ...). */
size_t utf8_seq(const unsigned char *s, size_t len, uint32_t *cp);

#endif
