/* SPDX-License-Identifier: MIT */
/* The session transcript: --transcript and /transcript, the header with the
 * connection's addresses, and every line the user sees, timestamped. */
#ifndef SMTPSH_SHELL_TRANSCRIPT_H
#define SMTPSH_SHELL_TRANSCRIPT_H

#include "shell.h"

/* Start recording to path (closing any transcript open). The header is
 * written once the connection is up, so it can name both addresses. */
bool shell_transcript_open(struct shell *sh, const char *path, enum transcript_format fmt,
	struct err *e);
void shell_transcript_close(struct shell *sh);
/* A line the user saw; text is already sanitised and redacted. */
void shell_transcript_event(struct shell *sh, const struct transcript_event *ev);
/* The connection is up: write the header and what came before it. */
void shell_transcript_connected(struct shell *sh);

#endif
