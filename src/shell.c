/* SPDX-License-Identifier: MIT */
/* The shell core: one live SMTP session and the marked lines the user sees of it. */
#include "shell.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "shell_int.h"
#include "explain.h"
#include "interrupt.h"
#include "maildns.h"
#include "shell_dns.h"
#include "shell_tls.h"
#include "shell_transcript.h"
#include "util.h"

void shell_init(struct shell *sh, const struct shell_opts *opts, shell_output_fn *out, void *ctx)
{
	memset(sh, 0, sizeof(*sh));
	sh->opts = *opts;
	sh->out = out;
	sh->out_ctx = ctx;
	session_init(&sh->sess, false);
	reply_parser_init(&sh->parser);
}


void shell_set_var(struct shell *sh, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < sh->nvars; i++) {
		if (strcmp(sh->vars[i].name, name) == 0) {
			free(sh->vars[i].value);
			sh->vars[i].value = xstrdup(value);
			return;
		}
	}
	sh->vars = xrealloc(sh->vars, sizeof(*sh->vars) * (sh->nvars + 1));
	sh->vars[sh->nvars].name = xstrdup(name);
	sh->vars[sh->nvars].value = xstrdup(value);
	sh->nvars++;
}

const char *shell_get_var(const struct shell *sh, const char *name)
{
	size_t i;

	for (i = 0; i < sh->nvars; i++)
		if (strcmp(sh->vars[i].name, name) == 0)
			return sh->vars[i].value;
	return getenv(name);
}

void shell_finish(struct shell *sh)
{
	size_t i;

	if (!sh)
		return;
	for (i = 0; i < sh->nvars; i++) {
		free(sh->vars[i].name);
		free(sh->vars[i].value);
	}
	free(sh->vars);
	sh->vars = NULL;
	sh->nvars = 0;
	transport_destroy(sh->tr);
	sh->tr = NULL;
	dns_destroy(sh->dns);
	sh->dns = NULL;
	session_finish(&sh->sess);
	reply_parser_finish(&sh->parser);
	reply_finish(&sh->last);
	shell_sent_clear(sh);
	shell_transcript_close(sh);
	for (i = 0; i < sh->nqueue; i++)
		free(sh->queue[i]);
	free(sh->queue);
	free(sh->env_from);
	free(sh->env_to);
	mx_hosts_free(sh->mx_hosts, sh->nmx_hosts);
	sh->mx_hosts = NULL;
	sh->nmx_hosts = 0;
	mx_route_free(sh->mx_route);
	sh->mx_route = NULL;
}

static void emit_text(struct shell *sh, enum render_kind kind, int code, const char *text)
{
	if (sh->out)
		sh->out(sh->out_ctx, kind, sh->sess.tls, code, text);
	if (sh->transcript) {
		struct transcript_event ev = { kind, sh->sess.tls, text, code, "", false, -1,
			kind == RENDER_SENT && strstr(text, "[redacted]") != NULL };

		shell_transcript_event(sh, &ev);
	}
}

/* A received line: the transcript also gets whether it ends the reply, the
 * enhanced code and the latency. */
static void emit_recv(struct shell *sh, const struct reply_line *l, int code, bool last)
{
	char *safe = render_sanitize_dup(l->text, l->len);
	char esc[16] = "";

	if (!safe)
		return;
	if (sh->out)
		sh->out(sh->out_ctx, RENDER_RECV, sh->sess.tls, code, safe);
	if (sh->transcript) {
		struct transcript_event ev = { RENDER_RECV, sh->sess.tls, safe, code, esc, last, -1, false };
		const char *t = l->text;

		if (l->len > 4)
			reply_parse_esc(t + 4, l->len - 4, esc);
		if (last && sh->nsent > 0)
			ev.latency_ms = (int)(now_ms() - sh->sent_at[0]);
		shell_transcript_event(sh, &ev);
	}
	free(safe);
}

void shell_emit(struct shell *sh, enum render_kind kind, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	emit_text(sh, kind, 0, s);
	free(s);
}

void shell_emit_raw(struct shell *sh, enum render_kind kind, int code, const char *s, size_t len)
{
	char *safe = render_sanitize_dup(s, len);

	emit_text(sh, kind, code, safe ? safe : "");
	free(safe);
}

bool shell_connected(const struct shell *sh)
{
	return sh->tr != NULL;
}

int shell_fd(const struct shell *sh)
{
	return sh->tr ? transport_fd(sh->tr) : -1;
}

bool shell_busy(const struct shell *sh)
{
	return sh->tr && sh->awaiting > 0;
}

bool shell_in_data(const struct shell *sh)
{
	return sh->tr && sh->sess.phase == SESSION_DATA;
}

void shell_arm_deadline(struct shell *sh)
{
	sh->deadline = now_ms() + sh->opts.timeout_ms;
}

void shell_close(struct shell *sh, const char *why)
{
	if (!sh->tr)
		return;
	transport_destroy(sh->tr);
	sh->tr = NULL;
	session_closed(&sh->sess);
	reply_parser_finish(&sh->parser);
	reply_parser_init(&sh->parser);
	sh->awaiting = 0;
	sh->abandoned = 0;
	shell_sent_clear(sh);
	sh->bdat_left = 0;
	sh->bdat_replies = 0;
	if (why)
		shell_emit(sh, RENDER_EVENT, "%s", why);
}

void shell_sent_push(struct shell *sh, int n, const char *line)
{
	int64_t t = now_ms();

	while (n-- > 0 && sh->nsent < SESSION_MAX_PENDING) {
		sh->sent_line[sh->nsent] = line ? xstrdup(line) : NULL;
		sh->sent_at[sh->nsent++] = t;
	}
}

void shell_sent_clear(struct shell *sh)
{
	size_t i;

	for (i = 0; i < sh->nsent; i++) {
		free(sh->sent_line[i]);
		sh->sent_line[i] = NULL;
	}
	sh->nsent = 0;
}

/* Latency of the reply that just completed, -1 when unknown (unsolicited). */
static int sent_pop(struct shell *sh)
{
	int64_t t;

	if (sh->nsent == 0)
		return -1;
	t = sh->sent_at[0];
	if (sh->show_answers && sh->sent_line[0]) {
		char *safe = render_sanitize_dup(sh->sent_line[0], strlen(sh->sent_line[0]));

		shell_emit(sh, RENDER_NOTE, "answers: %s", safe);
		free(safe);
	}
	free(sh->sent_line[0]);
	memmove(sh->sent_at, sh->sent_at + 1, (sh->nsent - 1) * sizeof(sh->sent_at[0]));
	memmove(sh->sent_line, sh->sent_line + 1, (sh->nsent - 1) * sizeof(sh->sent_line[0]));
	sh->nsent--;
	sh->sent_line[sh->nsent] = NULL;
	return (int)(now_ms() - t);
}

static void report_anomalies(struct shell *sh, unsigned bits)
{
	unsigned bit;

	bits &= ~sh->reply_anoms_shown;
	for (bit = 1; bits && bit; bit <<= 1) {
		const char *name;

		if (!(bits & bit))
			continue;
		bits &= ~bit;
		sh->reply_anoms_shown |= bit;
		name = reply_anom_name(bit);
		shell_emit(sh, RENDER_WARN, "anomaly: %s", name ? name : "unknown");
	}
}

/* Returns true when the reply was a 220 to STARTTLS: the handshake comes next. */
static bool reply_complete(struct shell *sh)
{
	struct reply r;
	const char *verb;

	reply_take(&sh->parser, &r);
	report_anomalies(sh, r.anomalies);
	sh->reply_anoms_shown = 0;
	verb = session_reply(&sh->sess, &r);
	sh->last_latency_ms = verb[0] ? sent_pop(sh) : -1;
	if (sh->abandoned > 0 && verb[0]) {
		/* The late reply of a command no longer waited for: it must not
		 * count as the reply of a later one. */
		sh->abandoned--;
	} else if (sh->awaiting > 0) {
		sh->awaiting--;
		shell_arm_deadline(sh);
	} else if (!verb[0]) {
		shell_emit(sh, RENDER_EVENT, "unsolicited reply (no command was waiting for it)");
	}
	if (sh->opts.timing && sh->last_latency_ms >= 0)
		shell_emit(sh, RENDER_NOTE, "%s reply after %d ms", verb, sh->last_latency_ms);
	if (sh->opts.explain == EXPLAIN_ALL ||
			(sh->opts.explain == EXPLAIN_ERRORS && (r.code >= 400 || r.code == 0))) {
		char *note = r.code ? explain_reply_dup(r.code, r.esc)
				: xstrdup("not a valid reply: a reply starts with a three-digit code");

		emit_text(sh, RENDER_NOTE, r.code, note);
		free(note);
	}
	if (sh->sess.phase == SESSION_DATA && strcmp(verb, "DATA") == 0)
		shell_emit(sh, RENDER_EVENT, "message text now: a line with a single \".\" ends it");
	if ((strcmp(verb, "EHLO") == 0 || strcmp(verb, "LHLO") == 0) && r.code == 250 && sh->sess.tls)
		shell_tls_caps_changed(sh);
	reply_finish(&sh->last);
	sh->last = r;
	sh->have_last = true;
	return strcmp(verb, "STARTTLS") == 0 && r.code == 220 && !sh->sess.tls;
}

/* Feed buffered bytes to the parser. After a 220 to STARTTLS it stops and
 * hands over to the handshake: what follows that reply is not parsed. */
static enum shell_status parse_buffered(struct shell *sh)
{
	size_t len;
	const char *data = transport_data(sh->tr, &len);

	while (len > 0) {
		struct reply_event ev;
		size_t used = reply_feed(&sh->parser, data, len, &ev);

		transport_consume(sh->tr, used);
		data += used;
		len -= used;
		if (ev.type == REPLY_EV_NONE)
			continue;
		emit_recv(sh, ev.line, ev.code, ev.type == REPLY_EV_LAST);
		report_anomalies(sh, ev.line->anomalies);
		if (ev.type == REPLY_EV_LAST && reply_complete(sh))
			return shell_tls_start(sh, true);
		if (!sh->tr)
			return SHELL_OK;
	}
	return SHELL_OK;
}

enum shell_status shell_io(struct shell *sh)
{
	struct err e;
	bool waiting;

	err_clear(&e);
	if (!sh->tr)
		return SHELL_OK;
	for (;;) {
		enum transport_read r = transport_fill(sh->tr, &e);

		if (r == TRANSPORT_READ_DATA) {
			enum shell_status st;

			shell_arm_deadline(sh);
			st = parse_buffered(sh);
			if (st != SHELL_OK) {
				sh->io_status = st;
				if (!sh->tr)
					return st;
			}
			continue;
		}
		if (r == TRANSPORT_READ_AGAIN)
			return SHELL_OK;
		/* A reply still owed is a failure even after a 421: the command got none. */
		waiting = sh->awaiting > 0;
		if (reply_parser_pending(&sh->parser))
			shell_emit(sh, RENDER_ERROR, "connection closed in the middle of a reply");
		if (r == TRANSPORT_READ_EOF)
			shell_close(sh, "connection closed by server");
		else {
			shell_emit(sh, RENDER_ERROR, "%s", e.msg);
			shell_close(sh, "connection lost");
		}
		if (waiting) {
			sh->lost = true;
			return SHELL_CONN;
		}
		return SHELL_OK;
	}
}

int shell_timeout_left(const struct shell *sh)
{
	int64_t left;

	if (!shell_busy(sh))
		return -1;
	left = sh->deadline - now_ms();
	return left < 0 ? 0 : (int)left;
}

enum shell_status shell_timed_out(struct shell *sh)
{
	shell_emit(sh, RENDER_ERROR, "no reply within %d.%d s (--timeout)", sh->opts.timeout_ms / 1000,
		(sh->opts.timeout_ms % 1000) / 100);
	sh->abandoned += sh->awaiting;
	sh->awaiting = 0;
	return SHELL_CONN;
}

void shell_cancel_wait(struct shell *sh)
{
	if (sh->awaiting > 0)
		shell_emit(sh, RENDER_EVENT, "stopped waiting for the reply (it will still be shown if it comes)");
	sh->abandoned += sh->awaiting;
	sh->awaiting = 0;
}

enum shell_status shell_wait(struct shell *sh)
{
	while (shell_busy(sh)) {
		struct pollfd pfd = { .fd = shell_fd(sh), .events = POLLIN };
		int left = shell_timeout_left(sh);
		int rc;

		if (interrupt_pending()) {
			shell_cancel_wait(sh);
			return SHELL_INTERRUPTED;
		}
		if (left == 0)
			return shell_timed_out(sh);
		before_wait();
		rc = poll(&pfd, 1, left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			shell_emit(sh, RENDER_ERROR, "poll: %s", strerror(errno));
			return SHELL_FAILED;
		}
		if (rc == 0)
			continue;
		rc = shell_io(sh);
		if (rc != SHELL_OK)
			break;
	}
	if (sh->io_status != SHELL_OK) {
		enum shell_status st = sh->io_status;

		sh->io_status = SHELL_OK;
		sh->lost = false;
		return st;
	}
	if (sh->lost) {
		sh->lost = false;
		return SHELL_CONN;
	}
	return SHELL_OK;
}

enum shell_status shell_poll_now(struct shell *sh)
{
	struct pollfd pfd;

	if (!sh->tr)
		return SHELL_OK;
	pfd.fd = shell_fd(sh);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) > 0)
		return shell_io(sh);
	return SHELL_OK;
}

static char *redacted_dup(const struct shell *sh, const char *line);

/* Remember the envelope typed, for the quick test message of /send. */
static void note_envelope(struct shell *sh, const char *line)
{
	const char *lt = strchr(line, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	char **slot;

	if (str_iprefix(line, "MAIL FROM:"))
		slot = &sh->env_from;
	else if (str_iprefix(line, "RCPT TO:"))
		slot = &sh->env_to;
	else
		return;
	if (!lt || !gt)
		return;
	if (slot == &sh->env_to && *slot)
		return;   /* the first recipient is the To: of the test message */
	free(*slot);
	*slot = xstrndup(lt + 1, (size_t)(gt - lt - 1));
}

/* Track a line that was just written: replies it is owed, chunk data of BDAT. */
static void track_sent(struct shell *sh, const char *line)
{
	char verb[16];
	int replies;

	if (sh->bdat_left > 0) {
		long long n = (long long)strlen(line) + 2;

		sh->bdat_left -= n;
		if (sh->bdat_left < 0)
			shell_emit(sh, RENDER_WARN, "warning: %lld octet%s more than the BDAT size announced",
				-sh->bdat_left, sh->bdat_left == -1 ? "" : "s");
		if (sh->bdat_left <= 0) {
			sh->bdat_left = 0;
			if (sh->awaiting == 0)
				shell_arm_deadline(sh);
			sh->awaiting += sh->bdat_replies;
			sh->bdat_replies = 0;
		}
		return;
	}
	note_envelope(sh, line);
	if (sh->sess.npending >= SESSION_MAX_PENDING && sh->sess.phase != SESSION_DATA)
		shell_emit(sh, RENDER_WARN, "warning: %d commands already await replies: this one's reply will not be matched",
			SESSION_MAX_PENDING);
	{
		char *red = redacted_dup(sh, line);

		replies = session_line_sent(&sh->sess, line);
		shell_sent_push(sh, replies, red ? red : line);
		free(red);
	}
	str_first_word_upper(line, verb, sizeof(verb));
	if (strcmp(verb, "BDAT") == 0 && sh->sess.phase != SESSION_DATA) {
		long long size = 0;
		const char *p = line + strspn(line, " \t") + 4;

		if (sscanf(p, "%lld", &size) == 1 && size > 0) {
			/* The reply comes after the chunk: wait for it only then. */
			sh->bdat_left = size;
			sh->bdat_replies = replies;
			shell_emit(sh, RENDER_EVENT, "chunk data now: %lld octets (each line counts with its CRLF)",
				size);
			return;
		}
	}
	if (replies > 0) {
		if (sh->awaiting == 0)
			shell_arm_deadline(sh);
		sh->awaiting += replies;
	}
}

/* What the user and the transcript see of a line that may hold a secret:
 * "AUTH PLAIN [redacted]" for an initial response, "[redacted]" for an
 * answer to a 334. NULL when the line is shown as it is. */
static char *redacted_dup(const struct shell *sh, const char *line)
{
	const char *p = line;
	size_t mech;

	if (sh->opts.no_redact || !shell_line_sensitive(sh, line))
		return NULL;
	p += strspn(p, " \t");
	if (!str_iprefix(p, "AUTH"))
		return xstrdup(line[0] ? "[redacted]" : "");
	p += 4;
	p += strspn(p, " \t");
	mech = strcspn(p, " \t");
	if (p[mech] == '\0')
		return NULL;   /* AUTH MECH alone: nothing secret in it */
	return xasprintf("AUTH %.*s [redacted]", (int)mech, p);
}

static enum shell_status send_group_shown(struct shell *sh, char **lines, size_t n,
	const char *display);

enum shell_status shell_send_secret(struct shell *sh, const char *line, const char *display)
{
	char *one = (char *)line;

	return send_group_shown(sh, &one, 1, sh->opts.no_redact ? NULL : display);
}

enum shell_status shell_send_group(struct shell *sh, char **lines, size_t n)
{
	return send_group_shown(sh, lines, n, NULL);
}

static enum shell_status send_group_shown(struct shell *sh, char **lines, size_t n,
	const char *display)
{
	struct strbuf wire;
	struct err e;
	char warn[256];
	size_t i;
	bool ok;

	sh->io_status = SHELL_OK;
	if (!sh->tr) {
		shell_emit(sh, RENDER_ERROR, "not connected (use /connect TARGET)");
		return SHELL_CONN;
	}
	err_clear(&e);
	strbuf_init(&wire);
	for (i = 0; i < n; i++) {
		if (sh->sess.phase != SESSION_DATA && sh->bdat_left == 0 && n == 1 &&
				session_check_line(&sh->sess, lines[i], warn, sizeof(warn)))
			shell_emit(sh, RENDER_WARN, "warning: %s", warn);
		strbuf_adds(&wire, lines[i]);
		strbuf_add(&wire, "\r\n", 2);
		if (display) {
			shell_emit_raw(sh, RENDER_SENT, 0, display, strlen(display));
		} else {
			char *red = redacted_dup(sh, lines[i]);

			if (red)
				shell_emit_raw(sh, RENDER_SENT, 0, red, strlen(red));
			else
				shell_emit_raw(sh, RENDER_SENT, 0, lines[i], strlen(lines[i]));
			free(red);
		}
	}
	/* One write for the whole group: that is what PIPELINING allows. */
	ok = transport_send(sh->tr, wire.s ? wire.s : "", wire.len, sh->opts.timeout_ms, &e);
	strbuf_finish(&wire);
	if (!ok) {
		shell_emit(sh, RENDER_ERROR, "%s", e.msg);
		shell_close(sh, "connection lost");
		return SHELL_CONN;
	}
	for (i = 0; i < n; i++)
		track_sent(sh, lines[i]);
	return SHELL_OK;
}

enum shell_status shell_send_smtp(struct shell *sh, const char *line)
{
	char *one = (char *)line;

	return shell_send_group(sh, &one, 1);
}

bool shell_in_text(const struct shell *sh)
{
	if (shell_in_data(sh) || shell_in_chunk(sh))
		return true;
	return sh->pipelining && sh->nqueue > 0 && sh->queue_in_text;
}

/* Append a line to the /pipeline queue, keeping queue_in_text up to date: after a
 * queued DATA, every line is message text up to the "." that ends it. Kept per line
 * rather than found by walking the queue, which made queueing quadratic. */
static void queue_push(struct shell *sh, const char *line)
{
	bool text = sh->nqueue > 0 && sh->queue_in_text;

	/* The capacity is nqueue rounded up to a power of two, so it needs no field of
	 * its own that the code emptying the queue (sending, cancelling) would have to
	 * reset: it grows when nqueue is 0 or a power of two. */
	if ((sh->nqueue & (sh->nqueue - 1)) == 0)
		sh->queue = xrealloc(sh->queue, sizeof(char *) * (sh->nqueue ? 2 * sh->nqueue : 1));
	sh->queue[sh->nqueue++] = xstrdup(line);
	if (text)
		sh->queue_in_text = strcmp(line, ".") != 0;
	else
		sh->queue_in_text = str_iprefix(line, "DATA") && line[4] == '\0';
}

bool shell_in_chunk(const struct shell *sh)
{
	return sh->tr && sh->bdat_left > 0;
}

bool shell_queues_line(const struct shell *sh, const char *line)
{
	if (shell_in_data(sh) || shell_in_chunk(sh))
		return false;
	/* "/pipeline end" and "/pipeline cancel" are recognised even after a queued
	 * DATA, so a queue missing its "." can still be sent or dropped. */
	return sh->pipelining && strcmp(line, "/pipeline end") != 0 && strcmp(line, "/pipeline cancel") != 0 &&
		(shell_in_text(sh) || !(line[0] == '/' && line[1] != '/'));
}

enum shell_status shell_exec_line(struct shell *sh, const char *line)
{
	if (shell_in_data(sh) || shell_in_chunk(sh))
		return shell_send_smtp(sh, line);
	if (shell_queues_line(sh, line)) {
		/* Queued until /pipeline end sends them in one write. */
		queue_push(sh, line[0] == '/' && line[1] == '/' && !shell_in_text(sh) ? line + 1 : line);
		return SHELL_OK;
	}
	if (line[0] == '/' && line[1] == '/')
		return shell_send_smtp(sh, line + 1);
	if (line[0] == '/')
		return cmd_dispatch(sh, line + 1);
	return shell_send_smtp(sh, line);
}

bool shell_line_sensitive(const struct shell *sh, const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (str_iprefix(line, "AUTH") && (line[4] == ' ' || line[4] == '\t' || line[4] == '\0'))
		return true;
	return sh->tr && sh->have_last && sh->last.code == 334 && !shell_in_data(sh);
}

const char *shell_prompt_host(const struct shell *sh)
{
	if (!sh->tr)
		return NULL;
	if (sh->target.kind == TARGET_UNIX)
		return sh->target.path;
	return sh->target.host;
}

const char *shell_prompt_state(const struct shell *sh, char *buf, unsigned len)
{
	const struct session *s = &sh->sess;

	if (!sh->tr) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	if (sh->bdat_left > 0)
		snprintf(buf, len, "%s%schunk %lld", s->lmtp ? "lmtp " : "", s->tls ? "tls " : "",
			sh->bdat_left);
	else if (sh->pipelining)
		snprintf(buf, len, "%s%s%spipeline %zu", s->lmtp ? "lmtp " : "", s->tls ? "tls " : "",
			s->authenticated ? "auth " : "", sh->nqueue);
	else
		snprintf(buf, len, "%s%s%s%s", s->lmtp ? "lmtp " : "", s->tls ? "tls " : "",
			s->authenticated ? "auth " : "", session_phase_name(s->phase));
	return buf;
}
