/* SPDX-License-Identifier: MIT */
/* Transcript lines to replay steps: replies matched to the commands waiting for
 * them, message text, chunk data, and the messages /send recorded as a summary. */
#include "replay_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_STEP SIZE_MAX

/* What /send calls the message when no file was given (shell_send.c). */
#define TEST_MESSAGE_NAME "the test message"

static size_t steps_add(struct replay_steps *b)
{
	struct replay *r = b->r;

	if (r->nsteps == b->steps_cap) {
		b->steps_cap = b->steps_cap ? b->steps_cap * 2 : 64;
		r->steps = xrealloc(r->steps, b->steps_cap * sizeof(*r->steps));
	}
	memset(&r->steps[r->nsteps], 0, sizeof(r->steps[0]));
	return r->nsteps++;
}

static void steps_queue_push(struct replay_steps *b, size_t idx)
{
	if (b->qlen == b->qcap) {
		b->qcap = b->qcap ? b->qcap * 2 : 64;
		b->queue = xrealloc(b->queue, b->qcap * sizeof(*b->queue));
	}
	b->queue[b->qlen++] = idx;
}

static bool steps_queue_pop(struct replay_steps *b, size_t *idx)
{
	if (b->qhead == b->qlen) {
		return false;
	}
	*idx = b->queue[b->qhead++];
	if (b->qhead == b->qlen) {
		b->qhead = b->qlen = 0;
	}
	return true;
}

void replay_steps_init(struct replay_steps *b, struct replay *r)
{
	memset(b, 0, sizeof(*b));
	b->r = r;
	b->data_step = b->prev_bdat = b->open_bdat = b->last_msg = NO_STEP;
	reply_parser_init(&b->parser);
	strbuf_init(&b->wire);
	/* Step 0: connecting, and the greeting it brings. */
	steps_add(b);
	steps_queue_push(b, 0);
	b->greeting_queued = true;
}

void replay_steps_finish(struct replay_steps *b)
{
	strbuf_finish(&b->wire);
	reply_parser_finish(&b->parser);
	free(b->queue);
	b->queue = NULL;
}

static bool steps_is_verb(const char *line, const char *want)
{
	char verb[8];

	str_first_word_upper(line, verb, sizeof(verb));
	return strcmp(verb, want) == 0;
}

/* "BDAT n LAST": the chunk that ends the message. */
static bool steps_bdat_last(const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) {
		n--;
	}
	return n >= 5 && (line[n - 5] == ' ' || line[n - 5] == '\t') &&
		strncasecmp(line + n - 4, "LAST", 4) == 0;
}

/* ---- The events of the shell that say how a line went. ----
 * Read back as shell_send.c (/send) and shell.c (BDAT by hand) write them: the
 * transcript formats carry no more than the text the user sees, which already
 * says all a replay needs, so transcripts of earlier versions replay too.
 * tests/e2e/replay-send.sh records with the real shell and fails if they drift. */

/* A decimal number at *p, without sign; *p moves past it. */
static bool steps_number(const char **p, unsigned long long *out)
{
	const char *s = *p;
	unsigned long long v = 0;

	if (*s < '0' || *s > '9') {
		return false;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (ULLONG_MAX - 9) / 10) {
			return false;
		}
		v = v * 10 + (unsigned)(*s - '0');
	}
	*p = s;
	*out = v;
	return true;
}

static bool steps_word(const char **p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*p, word, n) != 0) {
		return false;
	}
	*p += n;
	return true;
}

/* "(n octets of chunk data)": what /send --bdat shows after each BDAT line. */
static bool steps_sent_chunk_event(const char *text, unsigned long long *n)
{
	return steps_word(&text, "(") && steps_number(&text, n) &&
		strcmp(text, " octets of chunk data)") == 0;
}

/* "chunk data now: n octets ...": a BDAT typed by hand; its data lines follow. */
static bool steps_typed_chunk_event(const char *text, unsigned long long *n)
{
	return steps_word(&text, "chunk data now: ") && steps_number(&text, n) &&
		steps_word(&text, " octet");
}

/* What follows "sent NAME: " in the summary of /send. */
static bool steps_summary_counts(const char *p, unsigned long long *octets)
{
	unsigned long long lines, n;

	if (!steps_number(&p, &lines) || !steps_word(&p, lines == 1 ? " line, " : " lines, ") ||
	    !steps_number(&p, &n) || !steps_word(&p, n == 1 ? " octet" : " octets") ||
	    !steps_word(&p, " on the wire")) {
		return false;
	}
	if (*p && strcmp(p, " (line endings made CRLF)") != 0) {
		return false;
	}
	*octets = n;
	return true;
}

/* "sent NAME: N lines, M octets on the wire[ (line endings made CRLF)]". NAME may
 * hold anything, ": " too, so the counts are read after the last ": " they fit. */
static bool steps_summary(const char *text, size_t *name_len, unsigned long long *octets)
{
	const char *name = text + 5, *p;
	bool found = false;

	if (strncmp(text, "sent ", 5) != 0) {
		return false;
	}
	for (p = strstr(name, ": "); p; p = strstr(p + 1, ": ")) {
		if (p > name && steps_summary_counts(p + 2, octets)) {
			*name_len = (size_t)(p - name);
			found = true;
		}
	}
	return found;
}

static void steps_name_message(struct replay_step *st, const char *name, size_t len,
	unsigned long long octets)
{
	free(st->msg_name);
	st->msg_name = xstrndup(name, len);
	st->msg_test = strcmp(st->msg_name, TEST_MESSAGE_NAME) == 0;
	st->msg_octets = octets;
}

/* The summary of /send: it makes the DATA before it a message, or names the BDAT
 * message it ends. */
static void steps_summary_event(struct replay_steps *b, const char *text)
{
	unsigned long long octets;
	size_t len;
	struct replay_step *st;

	if (!steps_summary(text, &len, &octets)) {
		return;
	}
	if (b->in_data && !b->data_msg && b->data_lines == 0 && b->data_step != NO_STEP) {
		/* DATA answered 354 and no text recorded: /send sent it. The step now
		 * stands for the whole message and expects the reply to its ".". */
		st = &b->r->steps[b->data_step];
		st->msg = REPLAY_MSG_DATA;
		st->expect_code = 0;
		st->expect_esc[0] = '\0';
		steps_name_message(st, text + 5, len, octets);
		b->data_msg = true;
		return;
	}
	if (b->last_msg != NO_STEP) {
		st = &b->r->steps[b->last_msg];
		if (st->msg == REPLAY_MSG_BDAT && !st->msg_name) {
			steps_name_message(st, text + 5, len, octets);
		}
		b->last_msg = NO_STEP;
	}
}

/* The BDAT of step idx, sent on the line before, was a chunk of /send --bdat. */
static void steps_sent_chunk(struct replay_steps *b, size_t idx, unsigned long long n)
{
	struct replay *r = b->r;
	struct replay_step *st = &r->steps[idx];
	bool last = steps_bdat_last(st->line);
	size_t size = n > SIZE_MAX ? SIZE_MAX : (size_t)n;

	if (b->open_bdat != NO_STEP && idx == r->nsteps - 1 && b->qlen > b->qhead &&
	    b->queue[b->qlen - 1] == idx) {
		/* The next chunk of the same message: it joins the message's step, and
		 * the reply awaited for it is the message's. */
		free(st->line);
		r->nsteps--;
		idx = b->open_bdat;
		b->queue[b->qlen - 1] = idx;
		st = &r->steps[idx];
		st->msg_chunks++;
		st->msg_octets += n;
	} else {
		st->msg = REPLAY_MSG_BDAT;
		st->msg_chunks = 1;
		st->msg_octets = n;
	}
	if (size > st->msg_chunk_max) {
		st->msg_chunk_max = size;
	}
	b->open_bdat = last ? NO_STEP : idx;
	b->last_msg = idx;
}

static void steps_event(struct replay_steps *b, const char *text, size_t prev_bdat)
{
	unsigned long long n;

	if (prev_bdat != NO_STEP && steps_sent_chunk_event(text, &n)) {
		steps_sent_chunk(b, prev_bdat, n);
	} else if (prev_bdat != NO_STEP && steps_typed_chunk_event(text, &n)) {
		b->chunk_left = n > LLONG_MAX ? LLONG_MAX : (long long)n;
		b->open_bdat = NO_STEP;
	} else {
		steps_summary_event(b, text);
	}
}

/* ---- Sent and received lines. ---- */

static bool steps_sent(struct replay_steps *b, const struct replay_line *l, long lineno,
	char *why, size_t whylen)
{
	struct replay_step *st;
	size_t idx;

	if (b->r->nsteps >= REPLAY_STEPS_MAX) {
		snprintf(why, whylen, "more than %d steps", REPLAY_STEPS_MAX);
		return false;
	}
	if (b->greeting_queued && !b->seen_recv) {
		/* The transcript began after the greeting: nothing to wait for. */
		steps_queue_pop(b, &idx);
		b->greeting_queued = false;
	}
	if (b->in_data && b->data_msg) {
		b->data_msg = false;
		if (strcmp(l->text, ".") == 0) {
			/* The "." after the text /send sent: its reply is the message's. */
			b->in_data = false;
			steps_queue_push(b, b->data_step);
			return true;
		}
		/* Not what /send writes: read on as typed message text. */
	}
	idx = steps_add(b);
	st = &b->r->steps[idx];
	st->line = xstrdup(l->text);
	st->tls = l->tls;
	st->redacted = l->redacted || strstr(l->text, "[redacted]") != NULL;
	st->source_line = lineno;
	if (b->chunk_left > 0) {
		/* Chunk data, counted as the shell counts it: each line with its CRLF. */
		b->chunk_left -= (long long)strlen(l->text) + 2;
		if (b->chunk_left < 0) {
			b->chunk_left = 0;
		}
	} else if (b->in_data) {
		b->data_lines++;
		if (strcmp(l->text, ".") == 0) {
			b->in_data = false;
			steps_queue_push(b, idx);
		}
	} else {
		steps_queue_push(b, idx);
		if (steps_is_verb(l->text, "BDAT")) {
			/* A chunk of /send --bdat if the next line says so. */
			b->prev_bdat = idx;
		} else {
			b->open_bdat = b->last_msg = NO_STEP;
		}
	}
	return true;
}

static void steps_recv(struct replay_steps *b, const struct replay_line *l, long lineno)
{
	struct reply_event ev = { .type = REPLY_EV_NONE };
	struct reply rep;
	struct replay_step *st;
	const char *esc;
	size_t off = 0, idx, n;
	bool last;

	b->seen_recv = true;
	if (!b->in_reply) {
		b->in_reply = true;
		b->reply_line = lineno;
		b->reply_tls = l->tls;
	}
	strbuf_reset(&b->wire);
	strbuf_adds(&b->wire, l->text);
	strbuf_add(&b->wire, "\r\n", 2);
	while (off < b->wire.len) {
		off += reply_feed(&b->parser, b->wire.s + off, b->wire.len - off, &ev);
	}
	last = l->last >= 0 ? l->last != 0 : ev.type == REPLY_EV_LAST;
	if (!last) {
		return;
	}
	reply_take(&b->parser, &rep);
	b->in_reply = false;
	if (!steps_queue_pop(b, &idx)) {
		reply_finish(&rep);
		return;         /* nothing was waiting: an idle 421 or the like */
	}
	st = &b->r->steps[idx];
	st->expect_code = l->code >= 0 ? l->code : ev.code;
	esc = l->esc && *l->esc ? l->esc : rep.esc;
	n = strlen(esc);
	if (n >= sizeof(st->expect_esc)) {
		n = sizeof(st->expect_esc) - 1;
	}
	memcpy(st->expect_esc, esc, n);
	st->expect_esc[n] = '\0';
	reply_finish(&rep);
	if (idx == 0) {
		st->tls = b->reply_tls;
		st->source_line = b->reply_line;
		b->greeting_queued = false;
	} else if (idx == b->open_bdat && st->expect_code != 250) {
		b->open_bdat = NO_STEP;   /* a refused chunk ends /send --bdat */
	} else if (st->msg == REPLAY_MSG_NONE && st->expect_code == 354 &&
		   steps_is_verb(st->line, "DATA")) {
		b->in_data = true;
		b->data_step = idx;
		b->data_lines = 0;
		b->data_msg = false;
	}
}

bool replay_steps_line(struct replay_steps *b, const struct replay_line *l, long lineno,
	char *why, size_t whylen)
{
	size_t prev_bdat = b->prev_bdat;

	/* The event that tells a BDAT's kind comes on the very next line. */
	b->prev_bdat = NO_STEP;
	if ((l->kind == RENDER_SENT || l->kind == RENDER_RECV) && strpbrk(l->text, "\r\n")) {
		snprintf(why, whylen, "a %s line holds a line break",
			l->kind == RENDER_SENT ? "sent" : "received");
		return false;
	}
	switch (l->kind) {
	case RENDER_SENT:
		return steps_sent(b, l, lineno, why, whylen);
	case RENDER_RECV:
		steps_recv(b, l, lineno);
		break;
	case RENDER_EVENT:
		steps_event(b, l->text, prev_bdat);
		break;
	default:
		break;
	}
	return true;
}
