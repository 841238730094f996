/* SPDX-License-Identifier: MIT */
/* Error struct helpers. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

bool err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return false;
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return false;
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	e->kind = ERR_NONE;
	e->msg[0] = '\0';
}
