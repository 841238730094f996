/* SPDX-License-Identifier: MIT */
/* Replay of a transcript's client side, comparing reply codes. */
#include "replay_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "script.h"
#include "tls_crypto.h"
#include "util.h"

/* The header names the target as target_spec() writes it ("smtps://host:465",
 * "host:25", "unix:/path"); older transcripts as "host port 25". */
static bool header_target(const char *desc, struct target *t, struct err *e)
{
	char host[300], port[16], spec[330];

	if (sscanf(desc, "%299s port %15s", host, port) != 2)
		return target_parse(desc, t, e);
	if (host[0] == '[')
		snprintf(spec, sizeof(spec), "%s:%s", host, port);
	else if (strchr(host, ':'))
		snprintf(spec, sizeof(spec), "[%s]:%s", host, port);
	else
		snprintf(spec, sizeof(spec), "%s:%s", host, port);
	return target_parse(spec, t, e);
}

/* The real line for a step recorded as [redacted]. */
static char *secret_line(struct shell *sh, const struct replay_step *st, unsigned k, const char *path)
{
	char name[48], *prompt, *v;

	snprintf(name, sizeof(name), "SMTPSH_REDACTED_%u", k);
	v = getenv(name);
	if (v)
		return xstrdup(v);
	if (sh->ask_secret) {
		prompt = xasprintf("%s:%ld was recorded as \"%s\"; type the line to send: ", path,
			st->source_line, st->line);
		v = sh->ask_secret(sh, prompt);
		free(prompt);
		if (v)
			return v;
	}
	shell_emit(sh, RENDER_ERROR,
		"%s:%ld: the line was recorded as \"%s\": set %s to the line to send (never guessed)",
		path, st->source_line, st->line, name);
	return NULL;
}

static void difference(struct shell *sh, const char *path, const struct replay_step *st,
	unsigned *diffs)
{
	const struct reply *r = &sh->last;
	char *safe = st->line ? render_sanitize_dup(st->line, strlen(st->line)) : xstrdup("(greeting)");

	(*diffs)++;
	shell_emit(sh, RENDER_WARN, "difference at %s:%ld: %s: recorded %d%s%s, got %d%s%s", path,
		st->source_line, safe, st->expect_code, st->expect_esc[0] ? " " : "", st->expect_esc,
		sh->have_last ? r->code : 0, sh->have_last && r->esc[0] ? " " : "",
		sh->have_last ? r->esc : "");
	free(safe);
}

int replay_run(struct shell *sh, const char *path, const struct target *target)
{
	struct replay rp;
	struct target t;
	struct err e;
	enum shell_status st;
	unsigned diffs = 0, redacted = 0, sent = 0;
	int code = 0;
	size_t i;

	err_clear(&e);
	if (!replay_load(path, &rp, &e)) {
		shell_emit(sh, RENDER_ERROR, "%s", e.msg);
		return EXIT_USAGE;
	}
	if (rp.incomplete_line)
		shell_emit(sh, RENDER_WARN, "%s:%ld: the last line is cut short (the session was killed?); replaying up to it",
			path, rp.incomplete_line);
	if (target) {
		t = *target;
	} else if (!rp.target || !header_target(rp.target, &t, &e)) {
		shell_emit(sh, RENDER_ERROR, "%s names no usable target%s%s: give one after the file", path,
			rp.target ? ": " : "", rp.target ? e.msg : "");
		code = EXIT_USAGE;
		goto out;
	}
	shell_emit(sh, RENDER_EVENT, "replaying %zu client line%s of %s", rp.nsteps ? rp.nsteps - 1 : 0,
		rp.nsteps == 2 ? "" : "s", path);
	st = shell_connect(sh, &t);
	if (st == SHELL_OK)
		st = shell_wait(sh);
	if (st != SHELL_OK) {
		code = script_exit_code(st, NULL);
		goto out;
	}
	if (rp.nsteps > 0 && rp.steps[0].expect_code && (!sh->have_last ||
			sh->last.code != rp.steps[0].expect_code))
		difference(sh, path, &rp.steps[0], &diffs);
	for (i = 1; i < rp.nsteps; i++) {
		const struct replay_step *s = &rp.steps[i];
		char *line = NULL;

		if (!shell_connected(sh)) {
			shell_emit(sh, RENDER_WARN, "difference at %s:%ld: the connection is gone; %zu recorded line%s not sent",
				path, s->source_line, rp.nsteps - i, rp.nsteps - i == 1 ? "" : "s");
			diffs++;
			break;
		}
		if (s->line && strcmp(s->line, ".") == 0 && i > 1 && rp.steps[i - 1].expect_code == 354)
			shell_emit(sh, RENDER_WARN, "%s:%ld: no message text was recorded after DATA (sent with /send?): "
				"the replay sends an empty message", path, s->source_line);
		if (s->redacted) {
			line = secret_line(sh, s, ++redacted, path);
			if (!line) {
				code = EXIT_USAGE;
				goto out;
			}
			st = shell_send_secret(sh, line, s->line);
			tlsc_cleanse(line, strlen(line));
			free(line);
		} else {
			st = shell_send_smtp(sh, s->line);
		}
		sent++;
		if (st == SHELL_OK && shell_busy(sh))
			st = shell_wait(sh);
		if (st == SHELL_TLS || st == SHELL_CONN) {
			diffs++;
			shell_emit(sh, RENDER_WARN, "difference at %s:%ld: %s", path, s->source_line,
				st == SHELL_TLS ? "TLS failed" : "no reply (connection lost or timed out)");
			break;
		}
		if (s->expect_code && (!sh->have_last || sh->last.code != s->expect_code))
			difference(sh, path, s, &diffs);
	}
	if (diffs)
		shell_emit(sh, RENDER_ERROR, "replay: %u line%s sent, %u difference%s from %s", sent,
			sent == 1 ? "" : "s", diffs, diffs == 1 ? "" : "s", path);
	else
		shell_emit(sh, RENDER_EVENT, "replay: %u line%s sent, every reply code as recorded", sent,
			sent == 1 ? "" : "s");
	code = diffs ? EXIT_FAILED : 0;
out:
	if (shell_connected(sh))
		shell_close(sh, NULL);
	replay_finish(&rp);
	return code;
}
