/* SPDX-License-Identifier: MIT */
/* The plain output sink of batch mode: marked lines to a stream, coloured only if asked. */
#ifndef SMTPSH_OUTPUT_H
#define SMTPSH_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "render.h"

struct output {
	FILE *fp;
	bool color;
};

/* Buffer o->fp and flush it whenever the core is about to wait (before_wait); call
 * before anything is written to o->fp. output_stop() flushes and unhooks it: call it
 * before o goes out of scope. */
void output_start(struct output *o);
void output_stop(struct output *o);

/* A shell_output_fn: ctx is a struct output. */
void output_line(void *ctx, enum render_kind kind, bool tls, int code, const char *text);

#endif
