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

/* A shell_output_fn: ctx is a struct output. */
void output_line(void *ctx, enum render_kind kind, bool tls, int code, const char *text);

#endif
