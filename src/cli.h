/* SPDX-License-Identifier: MIT */
/* Interactive mode: the only module that knows readline. */
#ifndef SMTPSH_CLI_H
#define SMTPSH_CLI_H

#include <stdbool.h>

#include "shell.h"

struct cli_opts {
	bool color;
	const char *history_path;   /* NULL: no history file */
};

/* Run the REPL on sh (initialised by the caller; its output goes to the
 * terminal from now on) until /quit or Ctrl-D; connects to target first when
 * given. Returns the process exit code. */
int cli_run(struct shell *sh, const struct cli_opts *copts, const struct target *target);

/* Read a line from the terminal without echo (for secrets); NULL when
 * cancelled with Ctrl-C or at end of input. Caller frees. */
char *cli_ask_secret(struct shell *sh, const char *prompt);

/* $XDG_STATE_HOME/smtpsh/history (or ~/.local/state/...); caller frees; NULL if no home. */
char *cli_history_path_dup(void);

#endif
