/* SPDX-License-Identifier: MIT */
/* The plain output sink of batch mode. */
#include "output.h"

#include <stdlib.h>

void output_line(void *ctx, enum render_kind kind, bool tls, int code, const char *text)
{
	struct output *o = ctx;
	char *s = render_line_dup(kind, tls, code, text, o->color);

	if (!s)
		return;
	fputs(s, o->fp);
	fputc('\n', o->fp);
	/* Line by line: a reader of the pipe, or a killed run, sees every line. */
	fflush(o->fp);
	free(s);
}
