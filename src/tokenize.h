/* SPDX-License-Identifier: MIT */
/* Quote-aware splitting of local command lines into words. Never expands anything. */
#ifndef SMTPSH_TOKENIZE_H
#define SMTPSH_TOKENIZE_H

#include <stddef.h>

#include "err.h"

struct tokens {
	int argc;
	char **argv;   /* argc words, then NULL */
};

/*
 * Split on blanks. "double" and 'single' quotes group words; inside double
 * quotes and outside quotes a backslash escapes the next character. Returns
 * false with ERR_USAGE for an unterminated quote or a trailing backslash.
 */
bool tokenize(const char *line, struct tokens *out, struct err *e);
void tokens_finish(struct tokens *t);

#endif
