/* SPDX-License-Identifier: MIT */
/*
 * Reading a transcript back (transcript.h describes both formats) as the list
 * of client lines to send again, each with the reply code recorded for it, for
 * `smtpsh --replay TRANSCRIPT [TARGET]`.
 *
 * How lines become steps:
 * - Step 0 is the connection: line NULL, expect_code the greeting's code. A
 *   transcript started in the middle of a session (its first SMTP line is a
 *   sent one) has no greeting: step 0 then expects 0.
 * - Every sent line (-> or ~>) is a step. Replies are matched to the steps
 *   still waiting for one in the order they were sent, so a PIPELINING group
 *   (MAIL, RCPT, RCPT, DATA, then four replies) pairs up one to one. A step
 *   expects the code of its reply's final line and the enhanced status code
 *   of the reply; 0 and "" when no reply was recorded. Received lines are
 *   read by the shell's own reply parser (reply.h); in JSONL the recorded
 *   "code", "esc" and "last" fields take precedence.
 * - After DATA is answered by 354, sent lines are message text: they expect
 *   0 and wait for nothing, until the lone "." that takes the next reply.
 * - After a BDAT typed by hand (the shell then says "chunk data now: N
 *   octets"), the next sent lines are its chunk data, N octets counted with
 *   their CRLF, as the shell counts them: they expect 0 and wait for nothing;
 *   the reply that follows belongs to the BDAT.
 * - A message sent with /send is recorded without its text: DATA, its 354, an
 *   event "sent NAME: N lines, M octets on the wire" and "."; or with --bdat
 *   "BDAT n [LAST]" lines, each followed by the event "(n octets of chunk
 *   data)", then that summary. Either becomes one step with msg set (line is
 *   the DATA or the first BDAT line, source_line its line) expecting the reply
 *   to "." or to the last chunk. NAME is kept to be shown, never to be opened:
 *   a transcript may come from anyone (replay_run.h says what is sent).
 * - A reply with no step waiting for it (an idle 421) is not matched.
 * - Events, errors, warnings, output and explanations are skipped, and so
 *   are "#" lines other than "# target" and blank lines.
 * - A sent line holding "[redacted]" is marked: the caller supplies the secret.
 *
 * Lines sent with control bytes were recorded as their visible escapes (\t,
 * \xNN) and are replayed as such.
 *
 * A last line without a newline (the writer was killed) is ignored and
 * reported in incomplete_line. Any malformed line fails the whole load with
 * "FILE:LINE: what is wrong".
 */
#ifndef SMTPSH_REPLAY_H
#define SMTPSH_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "transcript.h"

#define REPLAY_LINE_MAX (1024 * 1024)   /* bytes in one transcript line */
#define REPLAY_STEPS_MAX 1000000        /* steps in one transcript, the greeting included */

/* How a step's message went, when the step is a message /send sent. */
enum replay_msg { REPLAY_MSG_NONE, REPLAY_MSG_DATA, REPLAY_MSG_BDAT };

struct replay_step {
	char *line;          /* client line to send (without CRLF); NULL: connect, greeting */
	bool tls;            /* sent inside TLS (step 0: the greeting came inside TLS) */
	bool redacted;       /* the line had [redacted] parts: the caller must supply the secret */
	int expect_code;     /* recorded reply code, 0 if none was recorded (message text) */
	char expect_esc[16]; /* recorded enhanced status code, "" if none */
	long source_line;    /* line number in the transcript; step 0: its greeting's, or 0 */
	/* A message sent with /send (REPLAY_MSG_NONE for any other step). */
	enum replay_msg msg;
	char *msg_name;      /* the NAME of its summary; NULL when none was recorded (a
	                        refused chunk stops /send before it) */
	bool msg_test;       /* the summary names the generated test message */
	unsigned long long msg_octets;  /* octets on the wire, as recorded */
	size_t msg_chunks;   /* BDAT: the chunks recorded */
	size_t msg_chunk_max;  /* BDAT: the largest of them (the --chunk of several) */
};

struct replay {
	struct replay_step *steps;
	size_t nsteps;
	char *target;               /* from the header, may be NULL */
	enum transcript_format fmt;
	long incomplete_line;       /* number of an unterminated last line that was ignored, or 0 */
};

/* Load path (text or JSONL, told apart by the first line). On success fills
 * *out, which replay_finish() releases; on failure out is untouched and e
 * holds "FILE:LINE: ..." (or "FILE: ..." for the file as a whole). */
bool replay_load(const char *path, struct replay *out, struct err *e);
/* Free what r owns and zero it; accepts a zeroed replay. */
void replay_finish(struct replay *r);

#endif
