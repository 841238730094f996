/* SPDX-License-Identifier: MIT */
/*
 * Batch mode: runs lines from -c arguments, files and standard input through
 * the same shell as interactive use, with comments and stop-on-failure.
 */
#ifndef SMTPSH_SCRIPT_H
#define SMTPSH_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "shell.h"

enum script_source_kind { SCRIPT_LINE, SCRIPT_FILE, SCRIPT_STDIN };

struct script_source {
	enum script_source_kind kind;
	const char *text;   /* the line, or the file name */
};

/* Exit codes, documented in the man page. */
enum script_exit {
	EXIT_OK_ = 0,
	EXIT_EXPECT = 1,    /* an /expect or another command failed */
	EXIT_USAGE = 2,     /* bad option, unknown command, bad arguments */
	EXIT_CONN = 3,      /* connect, lost connection, no reply in time, DNS of the host */
	EXIT_TLS = 4,       /* handshake failed, verification failed with --tls-verify,
	                       STARTTLS response injection */
};

int script_exit_code(enum shell_status st);

/*
 * Connect to target (when not NULL), then run every source in order. Stops
 * at the first failure unless keep_going. Returns the exit code: that of the
 * first failure, 0 when there was none.
 */
int script_run(struct shell *sh, const struct target *target, const struct script_source *src,
	size_t nsrc, bool keep_going);

#endif
