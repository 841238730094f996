/* SPDX-License-Identifier: MIT */
/*
 * The one table of local commands and of SMTP verbs: names, arguments,
 * help, handlers. Help, dispatch, completion and the shell completion
 * scripts all come from it.
 */
#ifndef SMTPSH_CMD_H
#define SMTPSH_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "shell.h"

enum cmd_flags {
	CMD_F_CONN = 1u << 0,        /* needs a live connection */
	CMD_F_INTERACTIVE = 1u << 1, /* only meaningful in a terminal */
};

typedef enum shell_status cmd_run_fn(struct shell *sh, int argc, char **argv);

struct cmd {
	const char *name;      /* "connect", without the slash */
	const char *args;      /* "<target>"; "[a|b]" lists choices */
	int min_args, max_args;/* max -1: no limit */
	unsigned flags;
	cmd_run_fn *run;
	const char *summary;   /* one line */
	const char *help;      /* details and an example, lines separated by '\n' */
};

struct smtp_verb {
	const char *name;      /* "MAIL" */
	const char *syntax;    /* "MAIL FROM:<reverse-path> [parameters]" */
	const char *summary;
	const char *rfc;
	const char *example;
};

/* The tables, sorted by name. */
const struct cmd *cmd_table(size_t *n);
const struct smtp_verb *cmd_verbs(size_t *n);

/* Exact name, else a unique prefix. Sets *ambiguous when a prefix matches several. */
const struct cmd *cmd_find(const char *name, bool *ambiguous);
const struct smtp_verb *cmd_verb_find(const char *name);

/* Run a local command line (without its leading '/'). */
enum shell_status cmd_dispatch(struct shell *sh, const char *line);

/* Handlers, grouped by file. */
cmd_run_fn cmd_auth, cmd_cert, cmd_dane, cmd_close, cmd_connect, cmd_echo, cmd_ehlo, cmd_expect, cmd_explain,
	cmd_help, cmd_history, cmd_pipeline, cmd_quit, cmd_send, cmd_set, cmd_sleep, cmd_source,
	cmd_starttls, cmd_timing, cmd_tls, cmd_transcript;
/* cmd_dns.c */
cmd_run_fn cmd_bl, cmd_dns, cmd_mx, cmd_next_mx, cmd_ptr;
/* cmd_policy.c */
cmd_run_fn cmd_check, cmd_dkim, cmd_dmarc, cmd_mtasts, cmd_spf, cmd_tlsrpt;

#endif
