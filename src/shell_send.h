/* SPDX-License-Identifier: MIT */
/* Sending in the shell core: whole messages (/send, DATA or BDAT, streamed)
 * and pipelined groups of commands (/pipeline). */
#ifndef SMTPSH_SHELL_SEND_H
#define SMTPSH_SHELL_SEND_H

#include <stddef.h>

#include "shell.h"

#define SEND_CHUNK_DEFAULT (1024 * 1024)

/*
 * Send a message after MAIL and RCPT: DATA, the text of path (or a generated
 * test message when path is NULL) with CRLF line endings and dot-stuffing,
 * and the final "."; or, with bdat, BDAT chunks of at most chunk octets, the
 * last one marked LAST. Streams: memory does not grow with the file. Waits
 * for every reply; the last reply is the one to /expect.
 */
enum shell_status shell_send_message(struct shell *sh, const char *path, bool bdat, size_t chunk);

/* Send the lines queued since /pipeline: in groups of one write each when
 * PIPELINING is advertised (a command that must end a group ends it), one at
 * a time otherwise; every reply is shown with the command it answers. */
enum shell_status shell_pipeline_flush(struct shell *sh);

#endif
