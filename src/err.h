/* SPDX-License-Identifier: MIT */
/* Error reporting for core modules: they fill a struct err, the front end shows it. */
#ifndef SMTPSH_ERR_H
#define SMTPSH_ERR_H

#include <stdbool.h>

#if defined(__GNUC__)
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF(f, a)
#endif

enum err_kind {
	ERR_NONE = 0,
	ERR_INTERNAL,
	ERR_USAGE,
	ERR_CONN,     /* connect, reset, timeout, close */
	ERR_TLS,
	ERR_DNS,
	ERR_PROTO,    /* the server broke the protocol */
	ERR_TIMEOUT,  /* no reply in time */
	ERR_IO,       /* local files */
};

struct err {
	enum err_kind kind;
	char msg[512];
};

/* Fill e (if not NULL) and return false, so callers can write `return err_set(...)`. */
bool err_set(struct err *e, enum err_kind kind, const char *fmt, ...) PRINTF(3, 4);
void err_clear(struct err *e);

#endif
