/* SPDX-License-Identifier: MIT */
/* Dispatch of local commands, argument checks and the help generated from the tables. */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tokenize.h"
#include "util.h"

static void usage_line(struct shell *sh, const struct cmd *c)
{
	shell_emit(sh, RENDER_ERROR, "usage: /%s%s%s", c->name, c->args[0] ? " " : "", c->args);
}

enum shell_status cmd_dispatch(struct shell *sh, const char *line)
{
	struct tokens tok = { 0, NULL };
	struct err e;
	const struct cmd *c;
	bool ambiguous;
	enum shell_status st = SHELL_USAGE;
	int nargs;

	err_clear(&e);
	if (!tokenize(line, &tok, &e)) {
		shell_emit(sh, RENDER_ERROR, "%s", e.msg);
		return SHELL_USAGE;
	}
	if (tok.argc == 0) {
		shell_emit(sh, RENDER_ERROR, "empty command: type /help for the list, // to send a line starting with /");
		goto out;
	}
	c = cmd_find(tok.argv[0], &ambiguous);
	if (!c) {
		char *safe = render_sanitize_dup(tok.argv[0], strlen(tok.argv[0]));

		if (ambiguous)
			shell_emit(sh, RENDER_ERROR, "/%s is ambiguous: type /help for the list", safe);
		else
			shell_emit(sh, RENDER_ERROR, "unknown command /%s: type /help for the list", safe);
		free(safe);
		goto out;
	}
	nargs = tok.argc - 1;
	if (nargs < c->min_args || (c->max_args >= 0 && nargs > c->max_args)) {
		shell_emit(sh, RENDER_ERROR, "/%s: %s", c->name,
			nargs < c->min_args ? "missing argument" : "too many arguments");
		usage_line(sh, c);
		goto out;
	}
	if ((c->flags & CMD_F_CONN) && !shell_connected(sh)) {
		shell_emit(sh, RENDER_ERROR, "/%s: not connected", c->name);
		st = SHELL_CONN;
		goto out;
	}
	st = c->run(sh, tok.argc, tok.argv);
out:
	tokens_finish(&tok);
	return st;
}

static void help_command(struct shell *sh, const struct cmd *c)
{
	const char *p = c->help;

	shell_emit(sh, RENDER_INFO, "/%s%s%s  —  %s", c->name, c->args[0] ? " " : "", c->args,
		c->summary);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		shell_emit(sh, RENDER_INFO, "  %.*s", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static void help_verb(struct shell *sh, const struct smtp_verb *v)
{
	shell_emit(sh, RENDER_INFO, "%s  —  %s (%s)", v->syntax, v->summary, v->rfc);
	shell_emit(sh, RENDER_INFO, "  Example: %s", v->example);
	shell_emit(sh, RENDER_INFO, "  Sent to the server exactly as typed; /explain decodes the reply.");
}

enum shell_status cmd_help(struct shell *sh, int argc, char **argv)
{
	size_t i, n, nv;
	const struct cmd *cmds = cmd_table(&n);
	const struct smtp_verb *verbs = cmd_verbs(&nv);

	if (argc == 2) {
		const char *name = argv[1][0] == '/' ? argv[1] + 1 : argv[1];
		const struct smtp_verb *v = argv[1][0] == '/' ? NULL : cmd_verb_find(name);
		bool ambiguous;
		const struct cmd *c;

		if (v) {
			help_verb(sh, v);
			return SHELL_OK;
		}
		c = cmd_find(name, &ambiguous);
		if (c) {
			help_command(sh, c);
			return SHELL_OK;
		}
		shell_emit(sh, RENDER_ERROR, "no help for \"%s\": type /help for the list", argv[1]);
		return SHELL_USAGE;
	}
	shell_emit(sh, RENDER_INFO, "Local commands (start with /):");
	for (i = 0; i < n; i++) {
		char syn[160];

		snprintf(syn, sizeof(syn), "/%s%s%s", cmds[i].name, cmds[i].args[0] ? " " : "",
			cmds[i].args);
		/* A long syntax gets a line of its own, the summary under it. */
		if (strlen(syn) > 28) {
			shell_emit(sh, RENDER_INFO, "  %s", syn);
			shell_emit(sh, RENDER_INFO, "  %-28s %s", "", cmds[i].summary);
		} else {
			shell_emit(sh, RENDER_INFO, "  %-28s %s", syn, cmds[i].summary);
		}
	}
	shell_emit(sh, RENDER_INFO, "SMTP verbs (any other line is sent to the server as typed):");
	for (i = 0; i < nv; i++)
		shell_emit(sh, RENDER_INFO, "  %-28s %s", verbs[i].name, verbs[i].summary);
	shell_emit(sh, RENDER_INFO, "After a 354 reply every line is message text; a lone \".\" ends it.");
	shell_emit(sh, RENDER_INFO, "//text sends the line /text. /help NAME tells more.");
	return SHELL_OK;
}
