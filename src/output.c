/* SPDX-License-Identifier: MIT */
/* The plain output sink of batch mode. */
#include "output.h"

#include <stdlib.h>

#include "util.h"

/* Room for what a /pipeline group of a message shows between two waits; more
 * simply goes out in several writes. */
#define OUTPUT_BUFFER (64 * 1024)

static void output_flush(void *ctx)
{
	struct output *o = ctx;

	fflush(o->fp);
}

void output_start(struct output *o)
{
	/* Lines collect in the buffer and go out in one write before smtpsh waits
	 * (before_wait): one write per line was most of the system calls of a
	 * batch, and a reader of the pipe or a terminal still sees each line before
	 * anything is waited for. */
	setvbuf(o->fp, NULL, _IOFBF, OUTPUT_BUFFER);
	before_wait_set(output_flush, o);
}

void output_stop(struct output *o)
{
	before_wait_set(NULL, NULL);
	fflush(o->fp);
}

void output_line(void *ctx, enum render_kind kind, bool tls, int code, const char *text)
{
	struct output *o = ctx;
	char *s = render_line_dup(kind, tls, code, text, o->color);

	if (!s)
		return;
	fputs(s, o->fp);
	fputc('\n', o->fp);
	free(s);
}
