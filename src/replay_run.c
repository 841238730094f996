/* SPDX-License-Identifier: MIT */
/* Replay of a transcript's client side, comparing reply codes. */
#include "replay_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay.h"
#include "script.h"
#include "shell_send.h"
#include "tls_crypto.h"
#include "util.h"

/* The largest chunk a replay sends. A recording of one big chunk (BDAT LAST of
 * a whole message) would otherwise have the replay hold the message in memory,
 * and a transcript may be anyone's: memory stays flat, the chunks get smaller. */
#define REPLAY_CHUNK_MAX ((size_t)16 << 20)

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

/* What a message step stands for, as the user typed it (the chunk size aside):
 * "/send NAME", "/send NAME --bdat", "/send" for the test message. The name is
 * the transcript's: shown, never opened. */
static char *message_desc_dup(const struct replay_step *st)
{
	const char *bdat = st->msg == REPLAY_MSG_BDAT ? " --bdat" : "";
	char *safe, *desc;

	if (st->msg_test)
		return xasprintf("/send%s", bdat);
	if (!st->msg_name)
		return xasprintf("/send (file name not recorded)%s", bdat);
	safe = render_sanitize_dup(st->msg_name, strlen(st->msg_name));
	desc = xasprintf("/send %s%s", safe, bdat);
	free(safe);
	return desc;
}

/* A step as differences name it: its line, or for a message what sent it. */
static char *step_desc_dup(const struct replay_step *st)
{
	if (st->msg != REPLAY_MSG_NONE)
		return message_desc_dup(st);
	return st->line ? render_sanitize_dup(st->line, strlen(st->line)) : xstrdup("(greeting)");
}

static void difference(struct shell *sh, const char *path, const struct replay_step *st,
	unsigned *diffs)
{
	const struct reply *r = &sh->last;
	char *safe = step_desc_dup(st);

	(*diffs)++;
	shell_emit(sh, RENDER_WARN, "difference at %s:%ld: %s: recorded %d%s%s, got %d%s%s", path,
		st->source_line, safe, st->expect_code, st->expect_esc[0] ? " " : "", st->expect_esc,
		sh->have_last ? r->code : 0, sh->have_last && r->esc[0] ? " " : "",
		sh->have_last ? r->esc : "");
	free(safe);
}

/* Messages whose text is missing: they take a --replay-message file each. */
static bool is_data_step(const struct replay_step *st)
{
	return st->msg == REPLAY_MSG_NONE && st->line && str_iprefix(st->line, "DATA") &&
		st->line[4] == '\0';
}

/* The index of the "." that ends the message text recorded after DATA step i,
 * or the last step when the transcript ends first. */
static size_t text_end(const struct replay *rp, size_t i)
{
	while (i + 1 < rp->nsteps) {
		i++;
		if (rp->steps[i].line && strcmp(rp->steps[i].line, ".") == 0)
			break;
	}
	return i;
}

static bool needs_file(const struct replay_step *st)
{
	return st->msg != REPLAY_MSG_NONE && !st->msg_test;
}

/* "4 lines" or "4 lines and 2 messages", for the first and last lines of a replay. */
static void count_desc(char *buf, size_t len, const char *what, size_t lines, size_t messages)
{
	int n = snprintf(buf, len, "%zu %sline%s", lines, what, lines == 1 ? "" : "s");

	if (messages && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " and %zu message%s", messages,
			messages == 1 ? "" : "s");
}

/* Before connecting: the files exist and are as many as the messages that need them. */
static bool check_message_files(struct shell *sh, const char *path, const struct replay *rp,
	const char *const *files, size_t nfiles)
{
	size_t need = 0, i;

	for (i = 1; i < rp->nsteps; i++)
		if (needs_file(&rp->steps[i]))
			need++;
	if (nfiles > 1 && nfiles != need) {
		shell_emit(sh, RENDER_ERROR, "%s records %zu message%s sent from a file, and --replay-message "
			"was given %zu times: give it once (for every message) or once per message, in order",
			path, need, need == 1 ? "" : "s", nfiles);
		return false;
	}
	for (i = 0; i < nfiles; i++) {
		struct stat stb;
		FILE *fp = fopen(files[i], "rb");

		if (!fp) {
			shell_emit(sh, RENDER_ERROR, "--replay-message %s: %s", files[i], strerror(errno));
			return false;
		}
		/* Refused now, as /send would refuse it, rather than in mid-replay. */
		if (fstat(fileno(fp), &stb) == 0 && S_ISDIR(stb.st_mode)) {
			fclose(fp);
			shell_emit(sh, RENDER_ERROR, "--replay-message %s: it is a directory", files[i]);
			return false;
		}
		fclose(fp);
	}
	if (nfiles == 1 && need == 0)
		shell_emit(sh, RENDER_WARN, "warning: %s records no message sent from a file: --replay-message %s is not used",
			path, files[0]);
	return true;
}

/* A message /send sent: sent again the same way, DATA or BDAT, from file (NULL:
 * the test message). */
static enum shell_status send_message(struct shell *sh, const char *path,
	const struct replay_step *st, const char *file)
{
	bool bdat = st->msg == REPLAY_MSG_BDAT;
	size_t chunk = SEND_CHUNK_DEFAULT;
	char *desc = message_desc_dup(st);

	/* Several chunks: the largest was the --chunk in effect; one chunk only says
	 * the chunk size was at least that. */
	if (bdat && (st->msg_chunks > 1 || st->msg_chunk_max > chunk) && st->msg_chunk_max > 0)
		chunk = st->msg_chunk_max < REPLAY_CHUNK_MAX ? st->msg_chunk_max : REPLAY_CHUNK_MAX;
	if (file)
		shell_emit(sh, RENDER_EVENT, "%s:%ld: %s: sending %s in its place (--replay-message)",
			path, st->source_line, desc, file);
	else if (!st->msg_test)
		shell_emit(sh, RENDER_WARN, "%s:%ld: %s: the message text was not recorded (%llu octets "
			"on the wire); sending the test message in its place (--replay-message FILE sends a file)",
			path, st->source_line, desc, st->msg_octets);
	free(desc);
	return shell_send_message(sh, file, bdat, chunk);
}

int replay_run(struct shell *sh, const char *path, const struct target *target,
	const char *const *messages, size_t nmessages)
{
	struct replay rp;
	struct target t;
	struct err e;
	enum shell_status st;
	const struct replay_step *pending = NULL;
	unsigned diffs = 0, redacted = 0;
	size_t nlines = 0, nmsgs = 0, sent = 0, sent_msgs = 0, file_msgs = 0;
	char counts[96];
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
	if (!check_message_files(sh, path, &rp, messages, nmessages)) {
		code = EXIT_USAGE;
		goto out;
	}
	if (target) {
		t = *target;
	} else if (!rp.target || !header_target(rp.target, &t, &e)) {
		shell_emit(sh, RENDER_ERROR, "%s names no usable target%s%s: give one after the file", path,
			rp.target ? ": " : "", rp.target ? e.msg : "");
		code = EXIT_USAGE;
		goto out;
	}
	for (i = 1; i < rp.nsteps; i++) {
		if (rp.steps[i].msg != REPLAY_MSG_NONE)
			nmsgs++;
		else
			nlines++;
	}
	count_desc(counts, sizeof(counts), "client ", nlines, nmsgs);
	shell_emit(sh, RENDER_EVENT, "replaying %s of %s", counts, path);
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
		const struct replay_step *s = &rp.steps[i], *judged;
		char *line = NULL;

		if (!shell_connected(sh)) {
			shell_emit(sh, RENDER_WARN, "difference at %s:%ld: the connection is gone; %zu recorded line%s not sent",
				path, s->source_line, rp.nsteps - i, rp.nsteps - i == 1 ? "" : "s");
			diffs++;
			break;
		}
		if (s->msg != REPLAY_MSG_NONE) {
			const char *file = NULL;

			if (needs_file(s) && nmessages > 0)
				file = messages[nmessages == 1 ? 0 : file_msgs];
			if (needs_file(s))
				file_msgs++;
			st = send_message(sh, path, s, file);
			sent_msgs++;
			if (st == SHELL_USAGE) {
				code = EXIT_USAGE;   /* the file went away since it was checked */
				goto out;
			}
			if (st == SHELL_FAILED) {
				/* Cut short by a read error; /send ended it, so the session is in step. */
				diffs++;
				shell_emit(sh, RENDER_WARN, "difference at %s:%ld: the message file could not be read whole",
					path, s->source_line);
				continue;
			}
		} else if (s->redacted) {
			line = secret_line(sh, s, ++redacted, path);
			if (!line) {
				code = EXIT_USAGE;
				goto out;
			}
			st = shell_send_secret(sh, line, s->line);
			tlsc_cleanse(line, strlen(line));
			free(line);
			sent++;
		} else {
			st = shell_send_smtp(sh, s->line);
			sent++;
		}
		if (st == SHELL_OK && shell_busy(sh))
			st = shell_wait(sh);
		if (st == SHELL_TLS || st == SHELL_CONN) {
			diffs++;
			shell_emit(sh, RENDER_WARN, "difference at %s:%ld: %s", path, s->source_line,
				st == SHELL_TLS ? "TLS failed" : "no reply (connection lost or timed out)");
			break;
		}
		if (shell_in_chunk(sh)) {
			/* A BDAT typed by hand: its reply comes once its data lines are out. */
			if (!pending)
				pending = s;
			continue;
		}
		judged = pending ? pending : s;
		pending = NULL;
		if (judged->expect_code && (!sh->have_last || sh->last.code != judged->expect_code))
			difference(sh, path, judged, &diffs);
		if (is_data_step(s) && s->expect_code == 354 && !shell_in_data(sh)) {
			/* Refused this time: the recorded text must not go out as commands. */
			size_t end = text_end(&rp, i);

			shell_emit(sh, RENDER_WARN, "%s:%ld: DATA not accepted this time: the %zu recorded "
				"line%s of message text and its \".\" are not sent", path, s->source_line,
				end - i - 1, end - i - 1 == 1 ? "" : "s");
			i = end;
		} else if (is_data_step(s) && s->expect_code != 354 && shell_in_data(sh)) {
			/* Accepted this time: whatever follows would become message text, and
			 * "." would deliver it. Closing makes the server drop the message. */
			shell_emit(sh, RENDER_WARN, "%s:%ld: DATA accepted this time (recorded %d): stopping "
				"here, since the recorded lines after it would become message text; "
				"the connection is closed so the server discards it", path, s->source_line,
				s->expect_code);
			break;
		}
	}
	count_desc(counts, sizeof(counts), "", sent, sent_msgs);
	if (diffs)
		shell_emit(sh, RENDER_ERROR, "replay: %s sent, %u difference%s from %s", counts,
			diffs, diffs == 1 ? "" : "s", path);
	else
		shell_emit(sh, RENDER_EVENT, "replay: %s sent, every reply code as recorded", counts);
	code = diffs ? EXIT_FAILED : 0;
out:
	if (shell_connected(sh))
		shell_close(sh, NULL);
	replay_finish(&rp);
	return code;
}
