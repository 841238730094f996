/* SPDX-License-Identifier: MIT */
/* Batch mode: lines from -c, files and stdin, run through the shell. */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "interrupt.h"
#include "util.h"

#define SOURCE_DEPTH_MAX 16

/* Keep in step with the man page's EXIT STATUS. */
static const struct {
	const char *verb;
	int code;
} phase_exit[] = {
	{ "GREETING", EXIT_GREETING },
	{ "EHLO", EXIT_EHLO },
	{ "HELO", EXIT_EHLO },
	{ "LHLO", EXIT_EHLO },
	{ "STARTTLS", EXIT_TLS },
	{ "AUTH", EXIT_AUTH },
	{ "MAIL", EXIT_MAIL },
	{ "RCPT", EXIT_RCPT },
	{ "DATA", EXIT_DATA },
	{ "BDAT", EXIT_DATA },
	{ "DATA-END", EXIT_DATA },
};

int script_exit_code(enum shell_status st, const char *failed_verb)
{
	size_t i;

	switch (st) {
	case SHELL_OK:
	case SHELL_QUIT:
		return EXIT_OK_;
	case SHELL_EXPECT:
		for (i = 0; failed_verb && i < sizeof(phase_exit) / sizeof(phase_exit[0]); i++)
			if (strcmp(failed_verb, phase_exit[i].verb) == 0)
				return phase_exit[i].code;
		return EXIT_FAILED;
	case SHELL_FAILED:
	case SHELL_INTERRUPTED:
		return EXIT_FAILED;
	case SHELL_USAGE:
		return EXIT_USAGE;
	case SHELL_CONN:
		return EXIT_CONN;
	case SHELL_TLS:
		return EXIT_TLS;
	}
	return EXIT_FAILED;
}

static bool is_comment_or_blank(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '\0' || *line == '#';
}

static bool var_char(char c, bool first)
{
	return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

char *script_expand_dup(const struct shell *sh, const char *line, struct err *e)
{
	struct strbuf b;
	const char *p = line;

	strbuf_init(&b);
	while (*p) {
		const char *start, *end, *val;
		char name[128];

		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			strbuf_adds(&b, "${");
			p += 3;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			strbuf_add(&b, p, 1);
			p++;
			continue;
		}
		start = p + 2;
		for (end = start; *end && var_char(*end, end == start); end++)
			;
		if (*end != '}' || end == start || (size_t)(end - start) >= sizeof(name)) {
			err_set(e, ERR_USAGE, "bad variable reference (use ${NAME}, or $${ for a literal ${)");
			strbuf_finish(&b);
			return NULL;
		}
		memcpy(name, start, (size_t)(end - start));
		name[end - start] = '\0';
		val = shell_get_var(sh, name);
		if (!val) {
			err_set(e, ERR_USAGE, "undefined variable ${%s} (define it with -D %s=VALUE or in the environment)",
				name, name);
			strbuf_finish(&b);
			return NULL;
		}
		strbuf_adds(&b, val);
		p = end + 1;
	}
	return strbuf_steal(&b);
}

static void record_failure(struct shell *sh, enum shell_status st, const char *where, long lineno)
{
	const char *what = sh->opts.keep_going ? "failed, going on" : "stopped here";
	int code = script_exit_code(st, sh->failed_verb);

	if (where)
		shell_emit(sh, RENDER_ERROR, "%s:%ld: %s (exit code %d)", where, lineno, what, code);
	else
		shell_emit(sh, RENDER_ERROR, "-c line %ld: %s (exit code %d)", lineno, what, code);
	if (sh->batch_exit == 0)
		sh->batch_exit = code;
	if (!sh->opts.keep_going)
		sh->batch_stop = true;
}

/* live: the input may keep smtpsh waiting between lines (a pipe, a terminal), as
 * opposed to -c lines and regular files, which run through without a pause. */
static void run_line(struct shell *sh, const char *raw, const char *where, long lineno, bool live)
{
	enum shell_status st;
	struct err e;
	char *line;

	/* Message text is sent as is: comments and blank lines are part of it. */
	if (!shell_in_text(sh) && is_comment_or_blank(raw))
		return;
	err_clear(&e);
	line = script_expand_dup(sh, raw, &e);
	if (!line) {
		shell_emit(sh, RENDER_ERROR, "%s", e.msg);
		record_failure(sh, SHELL_USAGE, where, lineno);
		return;
	}
	/* Show what the server sent meanwhile (an idle 421, say) before this line acts.
	 * A line that /pipeline only queues neither sends nor shows anything, so from
	 * input that never pauses the look can wait for the next line that does: a poll
	 * per queued line was most of the system calls of a long /pipeline. Only a
	 * reply still owed could change how a line is taken (a 354 starts message text);
	 * anything else arriving can only be shown. */
	if (live || sh->sess.npending > 0 || !shell_queues_line(sh, line))
		shell_poll_now(sh);
	sh->failed_verb[0] = '\0';
	st = shell_exec_line(sh, line);
	free(line);
	if (st == SHELL_OK && shell_busy(sh))
		st = shell_wait(sh);
	if (st == SHELL_QUIT) {
		sh->batch_stop = true;
		return;
	}
	/* Ctrl-C in a sourced file stops the whole file, whatever on-error says. */
	if (interrupt_pending()) {
		sh->batch_stop = true;
		return;
	}
	if (st != SHELL_OK)
		record_failure(sh, st, where, lineno);
}

static void run_stream(struct shell *sh, FILE *fp, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	struct stat st;
	bool live = fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode);

	for (;;) {
		if (sh->batch_stop)
			break;
		/* The next line of a pipe or a terminal may be a while coming. */
		if (live)
			before_wait();
		if ((n = getline(&line, &cap, fp)) < 0)
			break;
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		run_line(sh, line, name, lineno, live);
	}
	free(line);
}

enum shell_status script_source_file(struct shell *sh, const char *path)
{
	FILE *fp;
	bool top = sh->opts.interactive && sh->source_depth == 0;
	int code;

	if (sh->source_depth >= SOURCE_DEPTH_MAX) {
		shell_emit(sh, RENDER_ERROR, "/source: nested more than %d deep (a file sourcing itself?)",
			SOURCE_DEPTH_MAX);
		return SHELL_USAGE;
	}
	before_wait();   /* opening a FIFO waits for its writer */
	fp = fopen(path, "r");
	if (!fp) {
		shell_emit(sh, RENDER_ERROR, "cannot open %s: %s", path, strerror(errno));
		return SHELL_USAGE;
	}
	if (top) {
		sh->batch_exit = 0;
		sh->batch_stop = false;
	}
	sh->source_depth++;
	run_stream(sh, fp, path);
	sh->source_depth--;
	fclose(fp);
	/* In batch mode a failure inside was recorded with the file's own line and
	 * stops the outer run too; interactively it ends only the sourced file. */
	if (!top)
		return SHELL_OK;
	code = sh->batch_exit;
	sh->batch_exit = 0;
	sh->batch_stop = false;
	return code ? SHELL_FAILED : SHELL_OK;
}

/* After QUIT, show the server closing rather than cutting it off. */
static void linger_for_close(struct shell *sh)
{
	int64_t until = now_ms() + 1000;

	while (shell_connected(sh) && sh->sess.phase == SESSION_QUITTING) {
		struct pollfd pfd = { .fd = shell_fd(sh), .events = POLLIN };
		int64_t left = until - now_ms();

		if (left <= 0)
			break;
		before_wait();
		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		shell_io(sh);
	}
}

int script_run(struct shell *sh, const struct target *target, const struct script_source *src,
	size_t nsrc)
{
	size_t i;
	long cline = 0;

	sh->batch_exit = 0;
	sh->batch_stop = false;
	if (target) {
		enum shell_status st = shell_connect(sh, target);

		if (st == SHELL_OK)
			st = shell_wait(sh);
		if (st != SHELL_OK)
			return script_exit_code(st, NULL);
	}
	for (i = 0; i < nsrc && !sh->batch_stop; i++) {
		FILE *fp;

		switch (src[i].kind) {
		case SCRIPT_LINE:
			run_line(sh, src[i].text, NULL, ++cline, false);
			break;
		case SCRIPT_STDIN:
			run_stream(sh, stdin, "stdin");
			break;
		case SCRIPT_FILE:
			before_wait();   /* opening a FIFO waits for its writer */
			fp = fopen(src[i].text, "r");
			if (!fp) {
				shell_emit(sh, RENDER_ERROR, "cannot open %s: %s", src[i].text, strerror(errno));
				if (sh->batch_exit == 0)
					sh->batch_exit = EXIT_USAGE;
				sh->batch_stop = true;
				break;
			}
			run_stream(sh, fp, src[i].text);
			fclose(fp);
			break;
		}
	}
	if (sh->pipelining && !sh->batch_stop) {
		shell_emit(sh, RENDER_ERROR, "end of input with %zu line%s still queued by /pipeline: never sent (add /pipeline end)",
			sh->nqueue, sh->nqueue == 1 ? "" : "s");
		if (sh->batch_exit == 0)
			sh->batch_exit = EXIT_USAGE;
	}
	if (shell_connected(sh)) {
		if (shell_busy(sh) && !sh->batch_stop)
			shell_wait(sh);
		linger_for_close(sh);
		if (shell_connected(sh))
			shell_close(sh, sh->sess.phase == SESSION_QUITTING ? NULL : "end of input: closing the connection");
	}
	return sh->batch_exit;
}
