/* SPDX-License-Identifier: MIT */
/*
 * Batch mode: runs lines from -c arguments, files and standard input through
 * the same shell as interactive use, with comments, ${NAME} variables,
 * /source and stop-on-failure; the exit code says which phase failed.
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

/* Exit codes, documented in the man page: which phase failed. */
enum script_exit {
	EXIT_OK_ = 0,
	EXIT_FAILED = 1,    /* an /expect on another reply, or a local command failed */
	EXIT_USAGE = 2,     /* bad option, unknown command, bad arguments, unreadable file */
	EXIT_CONN = 3,      /* could not connect, connection lost, no reply in time */
	EXIT_TLS = 4,       /* handshake or required verification failed, STARTTLS injection */
	EXIT_GREETING = 5,  /* an /expect on the server's greeting failed */
	EXIT_EHLO = 6,      /* ... on EHLO, HELO or LHLO */
	EXIT_AUTH = 7,      /* ... on AUTH */
	EXIT_MAIL = 8,      /* ... on MAIL */
	EXIT_RCPT = 9,      /* ... on RCPT */
	EXIT_DATA = 10,     /* ... on DATA, BDAT or the end of the message */
};

/* The exit code for a failed line: st, and for SHELL_EXPECT the verb whose reply failed. */
int script_exit_code(enum shell_status st, const char *failed_verb);

/*
 * Connect to target (when not NULL), then run every source in order. Stops
 * at the first failure unless sh->opts.keep_going. Returns the exit code of
 * the first failure, 0 when there was none.
 */
int script_run(struct shell *sh, const struct target *target, const struct script_source *src,
	size_t nsrc);

/* /source FILE: run the lines of a file here (nesting is bounded). */
enum shell_status script_source_file(struct shell *sh, const char *path);

/* Expand ${NAME} (from -D, then the environment) in line; "$${" gives "${".
 * Returns NULL with ERR_USAGE naming an undefined variable. Caller frees. */
char *script_expand_dup(const struct shell *sh, const char *line, struct err *e);

#endif
