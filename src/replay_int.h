/* SPDX-License-Identifier: MIT */
/*
 * Inside the transcript reader: replay.c reads the text and JSONL formats into
 * replay_lines; replay_steps.c turns those into the steps of replay.h (whose
 * comment gives the rules). Not for use elsewhere.
 */
#ifndef SMTPSH_REPLAY_INT_H
#define SMTPSH_REPLAY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "render.h"
#include "replay.h"
#include "reply.h"
#include "util.h"

/* One line of the session, from either format. */
struct replay_line {
	enum render_kind kind;
	bool tls;
	const char *text;
	int code;             /* -1: not recorded, read it from the text */
	const char *esc;      /* NULL: not recorded */
	int last;             /* -1: not recorded, read it from the text */
	bool redacted;
};

/* Building the steps of one transcript. */
struct replay_steps {
	struct replay *r;     /* the steps go to r->steps */
	size_t steps_cap;
	size_t *queue;        /* steps waiting for a reply: queue[qhead..qlen) */
	size_t qhead, qlen, qcap;
	bool greeting_queued; /* step 0 still waits for the greeting */
	bool seen_recv;
	struct reply_parser parser;  /* reads received lines as the shell did */
	struct strbuf wire;   /* a received line with its CRLF again */
	bool in_reply;        /* lines of a reply seen, its final line not yet */
	long reply_line;
	bool reply_tls;
	bool in_data;         /* message text: after 354 to DATA, until "." */
	size_t data_step;     /* the DATA of that message */
	size_t data_lines;    /* lines of its text recorded so far */
	bool data_msg;        /* its text went with /send: the "." is the message step's */
	long long chunk_left; /* chunk data still to come after a BDAT typed by hand */
	size_t prev_bdat;     /* the step of a BDAT sent on the line just before, or SIZE_MAX */
	size_t open_bdat;     /* the /send BDAT message more chunks join, or SIZE_MAX */
	size_t last_msg;      /* the /send BDAT message its summary may follow, or SIZE_MAX */
};

/* Start with step 0 (connecting, waiting for the greeting) in r, which must be zeroed. */
void replay_steps_init(struct replay_steps *b, struct replay *r);
/* Take the next line of the session (lineno: its line in the transcript).
 * False when the transcript must be refused; why then says what is wrong. */
bool replay_steps_line(struct replay_steps *b, const struct replay_line *l, long lineno,
	char *why, size_t whylen);
/* Free the builder's own memory; the steps stay in r. */
void replay_steps_finish(struct replay_steps *b);

#endif
