/* SPDX-License-Identifier: MIT */
/* Sending whole messages and pipelined groups of commands. */
#include "shell_send.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "interrupt.h"
#include "message.h"
#include "util.h"
#include "version.h"

#define READ_BLOCK (256 * 1024)
#define PIPELINE_GROUP_MAX (SESSION_MAX_PENDING / 2)

/* Where the message text comes from: a file, or the test message in memory. */
struct source {
	FILE *fp;
	const char *mem;
	size_t memlen, mempos;
	const char *name;
};

static size_t source_read(struct source *s, char *buf, size_t len, bool *error)
{
	size_t n;

	*error = false;
	if (!s->fp) {
		n = s->memlen - s->mempos < len ? s->memlen - s->mempos : len;
		memcpy(buf, s->mem + s->mempos, n);
		s->mempos += n;
		return n;
	}
	n = fread(buf, 1, len, s->fp);
	if (n == 0 && ferror(s->fp))
		*error = true;
	return n;
}

static enum shell_status write_raw(struct shell *sh, const char *data, size_t len)
{
	struct err e;

	err_clear(&e);
	if (!sh->tr)
		return SHELL_CONN;
	if (interrupt_pending() || !transport_send(sh->tr, data, len, sh->opts.timeout_ms, &e)) {
		if (interrupt_pending()) {
			/* SMTP has no way to abort DATA or a chunk: whatever came next
			 * would be taken as message text, so the connection must go. */
			shell_close(sh, "interrupted in the middle of the message: closing the "
				"connection, so the server discards the part it has");
			return SHELL_INTERRUPTED;
		}
		shell_emit(sh, RENDER_ERROR, "%s", e.msg);
		shell_close(sh, "connection lost");
		return SHELL_CONN;
	}
	return SHELL_OK;
}

static void summary(struct shell *sh, const struct source *src, const struct msgfilter *f)
{
	shell_emit(sh, RENDER_EVENT, "sent %s: %llu line%s, %llu octet%s on the wire%s",
		src->name, f->lines, f->lines == 1 ? "" : "s", f->octets_out, f->octets_out == 1 ? "" : "s",
		f->bare_ends ? " (line endings made CRLF)" : "");
	if (f->stuffed)
		shell_emit(sh, RENDER_EVENT, "%llu line%s starting with \".\" dot-stuffed", f->stuffed,
			f->stuffed == 1 ? "" : "s");
	if (f->eight_bit && !session_has_cap(&sh->sess, "8BITMIME"))
		shell_emit(sh, RENDER_WARN, "warning: the message has 8-bit bytes and the server did not advertise 8BITMIME");
}

static enum shell_status send_data(struct shell *sh, struct source *src)
{
	struct msgfilter f;
	struct strbuf out;
	char *buf = NULL;
	enum shell_status st;
	bool rerr = false;
	size_t n;

	st = shell_send_smtp(sh, "DATA");
	if (st == SHELL_OK)
		st = shell_wait(sh);
	if (st != SHELL_OK)
		return st;
	if (sh->sess.phase != SESSION_DATA) {
		shell_emit(sh, RENDER_ERROR, "DATA was not accepted: the message was not sent");
		return SHELL_OK;   /* the reply is there for /expect to judge */
	}
	msgfilter_init(&f, true);
	strbuf_init(&out);
	buf = xmalloc(READ_BLOCK);
	while ((n = source_read(src, buf, READ_BLOCK, &rerr)) > 0) {
		msgfilter_feed(&f, buf, n, &out);
		st = write_raw(sh, out.s, out.len);
		strbuf_reset(&out);
		if (st != SHELL_OK)
			goto out;
	}
	if (rerr) {
		/* The server already has part of the text: end it so the session stays in step. */
		shell_emit(sh, RENDER_ERROR, "reading %s: %s; ending the message early", src->name,
			strerror(errno));
	}
	msgfilter_end(&f, &out);
	if (out.len && (st = write_raw(sh, out.s, out.len)) != SHELL_OK)
		goto out;
	summary(sh, src, &f);
	st = shell_send_smtp(sh, ".");
	if (st == SHELL_OK)
		st = shell_wait(sh);
	if (st == SHELL_OK && rerr)
		st = SHELL_FAILED;
out:
	free(buf);
	strbuf_finish(&out);
	return st;
}

/* One BDAT command and its chunk, then its reply. The chunk goes from the
 * caller's buffer as it is: a copy per chunk would cost more than the write. */
static enum shell_status send_chunk(struct shell *sh, const char *data, size_t len, bool last)
{
	char cmd[64];
	enum shell_status st;
	int replies;

	snprintf(cmd, sizeof(cmd), "BDAT %zu%s\r\n", len, last ? " LAST" : "");
	shell_emit(sh, RENDER_SENT, "%.*s", (int)strlen(cmd) - 2, cmd);
	shell_emit(sh, RENDER_EVENT, "(%zu octets of chunk data)", len);
	st = write_raw(sh, cmd, strlen(cmd));
	if (st == SHELL_OK && len)
		st = write_raw(sh, data, len);
	if (st != SHELL_OK)
		return st;
	cmd[strlen(cmd) - 2] = '\0';
	replies = session_line_sent(&sh->sess, cmd);
	if (replies > 0) {
		sh->awaiting += replies;
		sh->deadline = now_ms() + sh->opts.timeout_ms;
	}
	return shell_wait(sh);
}

static enum shell_status send_bdat(struct shell *sh, struct source *src, size_t chunk)
{
	struct msgfilter f;
	struct strbuf out;
	char *buf = xmalloc(READ_BLOCK);
	enum shell_status st = SHELL_OK;
	bool rerr = false, eof = false, refused = false;
	size_t n;

	if (sh->sess.caps_valid && !session_has_cap(&sh->sess, "CHUNKING"))
		shell_emit(sh, RENDER_WARN, "warning: BDAT needs CHUNKING, which EHLO did not advertise");
	msgfilter_init(&f, false);
	strbuf_init(&out);
	while (!eof) {
		/* Fill a chunk; the chunk that ends with the input is the LAST one. */
		while (out.len < chunk) {
			size_t want = chunk - out.len < READ_BLOCK ? chunk - out.len : READ_BLOCK;

			n = source_read(src, buf, want, &rerr);
			if (n == 0) {
				eof = true;
				msgfilter_end(&f, &out);
				break;
			}
			msgfilter_feed(&f, buf, n, &out);
		}
		if (!eof && out.len >= chunk) {
			/* Send exactly chunk octets; keep the rest (at most what line
			 * endings added) for the next chunk. */
			st = send_chunk(sh, out.s, chunk, false);
			memmove(out.s, out.s + chunk, out.len - chunk);
			out.len -= chunk;
		} else {
			st = send_chunk(sh, out.s, out.len, true);
			strbuf_reset(&out);
		}
		if (st == SHELL_OK && !eof && interrupt_pending())
			st = SHELL_INTERRUPTED;
		if (st == SHELL_INTERRUPTED && !eof && shell_connected(sh)) {
			/* Between chunks the session is in step: stop here and leave the
			 * choice (RSET, or more BDAT by hand) to the user. */
			shell_emit(sh, RENDER_WARN, "stopped after %llu octets: the server holds an "
				"unfinished message; RSET discards it", f.octets_out - out.len);
		}
		if (st != SHELL_OK)
			break;
		if (sh->have_last && sh->last.code != 250) {
			if (!eof)
				shell_emit(sh, RENDER_ERROR, "chunk refused: the rest of the message was not sent");
			refused = true;
			break;
		}
	}
	if (st == SHELL_OK && !refused)
		summary(sh, src, &f);
	if (rerr)
		shell_emit(sh, RENDER_ERROR, "reading %s failed; the message was cut short", src->name);
	free(buf);
	strbuf_finish(&out);
	return st == SHELL_OK && rerr ? SHELL_FAILED : st;
}

enum shell_status shell_send_message(struct shell *sh, const char *path, bool bdat, size_t chunk)
{
	static unsigned serial;
	struct source src;
	char *test = NULL;
	enum shell_status st;

	memset(&src, 0, sizeof(src));
	if (!shell_connected(sh)) {
		shell_emit(sh, RENDER_ERROR, "not connected (use /connect TARGET)");
		return SHELL_CONN;
	}
	if (sh->sess.phase != SESSION_RCPT)
		shell_emit(sh, RENDER_WARN, "warning: no recipient accepted yet (MAIL and RCPT come first)");
	if (path) {
		struct stat stb;

		src.fp = fopen(path, "rb");
		if (!src.fp) {
			shell_emit(sh, RENDER_ERROR, "cannot open %s: %s", path, strerror(errno));
			return SHELL_USAGE;
		}
		/* Refuse before DATA what cannot be read as a message. */
		if (fstat(fileno(src.fp), &stb) == 0 && S_ISDIR(stb.st_mode)) {
			fclose(src.fp);
			shell_emit(sh, RENDER_ERROR, "cannot send %s: it is a directory", path);
			return SHELL_USAGE;
		}
		src.name = path;
	} else {
		const char *from = sh->env_from ? sh->env_from : sh->opts.from ? sh->opts.from : "smtpsh@localhost";
		const char *to = sh->env_to ? sh->env_to : sh->opts.to ? sh->opts.to : "postmaster";
		const char *dom = sh->opts.ehlo_name ? sh->opts.ehlo_name : "smtpsh.invalid";

		test = message_test_dup(from, to, dom, SMTPSH_VERSION, (long long)time(NULL), ++serial);
		src.mem = test;
		src.memlen = strlen(test);
		src.name = "the test message";
	}
	st = bdat ? send_bdat(sh, &src, chunk ? chunk : SEND_CHUNK_DEFAULT) : send_data(sh, &src);
	if (src.fp)
		fclose(src.fp);
	free(test);
	return st;
}

/* RFC 2920 3.1 (and RFC 3207, RFC 4954): these may only end a group. */
static bool ends_group(const char *line)
{
	static const char *const last[] = { "EHLO", "HELO", "LHLO", "DATA", "VRFY", "EXPN", "TURN",
		"QUIT", "NOOP", "STARTTLS", "AUTH", "ETRN", "ATRN" };
	char verb[16];
	size_t i;

	str_first_word_upper(line, verb, sizeof(verb));
	for (i = 0; i < sizeof(last) / sizeof(last[0]); i++)
		if (strcmp(verb, last[i]) == 0)
			return true;
	return false;
}

enum shell_status shell_pipeline_flush(struct shell *sh)
{
	char **lines = sh->queue;
	size_t n = sh->nqueue, i = 0, k;
	enum shell_status st = SHELL_OK;
	bool adv;

	sh->queue = NULL;
	sh->nqueue = 0;
	sh->pipelining = false;
	if (n == 0) {
		shell_emit(sh, RENDER_EVENT, "nothing queued");
		goto out;
	}
	if (!shell_connected(sh)) {
		shell_emit(sh, RENDER_ERROR, "not connected: %zu queued line%s dropped", n, n == 1 ? "" : "s");
		st = SHELL_CONN;
		goto out;
	}
	adv = session_has_cap(&sh->sess, "PIPELINING");
	if (!adv)
		shell_emit(sh, RENDER_WARN, "warning: PIPELINING not advertised: sending the %zu lines one at a time", n);
	sh->show_answers = true;
	while (i < n && st == SHELL_OK) {
		size_t len = 1;

		if (adv && shell_in_data(sh)) {
			/* Message text goes out in one write up to and including the ".". */
			while (i + len < n && strcmp(lines[i + len - 1], ".") != 0)
				len++;
		} else if (adv) {
			/* A group never outgrows the table of commands awaiting replies. */
			while (i + len < n && len < PIPELINE_GROUP_MAX && !ends_group(lines[i + len - 1]))
				len++;
		}
		st = shell_send_group(sh, lines + i, len);
		if (st == SHELL_OK)
			st = shell_wait(sh);
		i += len;
		if (st == SHELL_OK && i < n && ends_group(lines[i - 1]) &&
				str_iprefix(lines[i - 1], "DATA") && !shell_in_data(sh)) {
			shell_emit(sh, RENDER_ERROR, "DATA was not accepted: %zu queued line%s of message text not sent",
				n - i, n - i == 1 ? "" : "s");
			break;
		}
	}
	sh->show_answers = false;
out:
	for (k = 0; k < n; k++)
		free(lines[k]);
	free(lines);
	return st;
}
