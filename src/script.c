/* SPDX-License-Identifier: MIT */
/* Batch mode: lines from -c, files and stdin, run through the shell. */
#include "script.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int script_exit_code(enum shell_status st)
{
	switch (st) {
	case SHELL_OK:
	case SHELL_QUIT:
		return EXIT_OK_;
	case SHELL_EXPECT:
	case SHELL_FAILED:
		return EXIT_EXPECT;
	case SHELL_USAGE:
		return EXIT_USAGE;
	case SHELL_CONN:
		return EXIT_CONN;
	case SHELL_TLS:
		return EXIT_TLS;
	}
	return EXIT_EXPECT;
}

struct run {
	struct shell *sh;
	bool keep_going;
	int exit_code;     /* of the first failure */
	bool stop;
};

static bool is_comment_or_blank(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '\0' || *line == '#';
}

static void run_line(struct run *r, const char *line, const char *where, long lineno)
{
	enum shell_status st;

	/* Message text is sent as is: comments and blank lines are part of it. */
	if (!shell_in_data(r->sh) && is_comment_or_blank(line))
		return;
	shell_poll_now(r->sh);
	st = shell_exec_line(r->sh, line);
	if (st == SHELL_OK && shell_busy(r->sh))
		st = shell_wait(r->sh);
	if (st == SHELL_QUIT) {
		r->stop = true;
		return;
	}
	if (st == SHELL_OK)
		return;
	if (where)
		shell_emit(r->sh, RENDER_ERROR, "%s:%ld: %s", where, lineno,
			r->keep_going ? "failed, going on" : "stopped here");
	else
		shell_emit(r->sh, RENDER_ERROR, "-c line %ld: %s", lineno,
			r->keep_going ? "failed, going on" : "stopped here");
	if (r->exit_code == 0)
		r->exit_code = script_exit_code(st);
	if (!r->keep_going)
		r->stop = true;
}

static void run_stream(struct run *r, FILE *fp, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;

	while (!r->stop && (n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		run_line(r, line, name, lineno);
	}
	free(line);
}

/* After QUIT, show the server closing rather than cutting it off. */
static void linger_for_close(struct shell *sh)
{
	int64_t until = now_ms() + 1000;

	while (shell_connected(sh) && sh->sess.phase == SESSION_QUITTING) {
		struct pollfd pfd = { .fd = shell_fd(sh), .events = POLLIN };
		int64_t left = until - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		shell_io(sh);
	}
}

int script_run(struct shell *sh, const struct target *target, const struct script_source *src,
	size_t nsrc, bool keep_going)
{
	struct run r = { sh, keep_going, 0, false };
	size_t i;
	long cline = 0;

	if (target) {
		enum shell_status st = shell_connect(sh, target);

		if (st == SHELL_OK)
			st = shell_wait(sh);
		if (st != SHELL_OK)
			return script_exit_code(st);
	}
	for (i = 0; i < nsrc && !r.stop; i++) {
		FILE *fp;

		switch (src[i].kind) {
		case SCRIPT_LINE:
			run_line(&r, src[i].text, NULL, ++cline);
			break;
		case SCRIPT_STDIN:
			run_stream(&r, stdin, "stdin");
			break;
		case SCRIPT_FILE:
			fp = fopen(src[i].text, "r");
			if (!fp) {
				shell_emit(sh, RENDER_ERROR, "cannot open %s: %s", src[i].text, strerror(errno));
				if (r.exit_code == 0)
					r.exit_code = EXIT_USAGE;
				r.stop = true;
				break;
			}
			run_stream(&r, fp, src[i].text);
			fclose(fp);
			break;
		}
	}
	if (shell_connected(sh)) {
		if (shell_busy(sh) && !r.stop)
			shell_wait(sh);
		linger_for_close(sh);
		if (shell_connected(sh))
			shell_close(sh, sh->sess.phase == SESSION_QUITTING ? NULL : "end of input: closing the connection");
	}
	return r.exit_code;
}
