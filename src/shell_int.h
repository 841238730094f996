/* SPDX-License-Identifier: MIT */
/* Internals shared by the shell core's files (shell.c, shell_connect.c). */
#ifndef SMTPSH_SHELL_INT_H
#define SMTPSH_SHELL_INT_H

#include "shell.h"

/* The awaited reply is overdue --timeout from now. */
void shell_arm_deadline(struct shell *sh);
/* Remember when n replies' command was sent (and its text, for "answers:"). */
void shell_sent_push(struct shell *sh, int n, const char *line);
void shell_sent_clear(struct shell *sh);

#endif
