/* SPDX-License-Identifier: MIT */
/*
 * Session transcripts: the marked lines of a session, each with a UTC
 * timestamp, written to a file that a bug report can carry and that
 * `smtpsh --replay` reads back (replay.h).
 *
 * Text format (the default), one line per event:
 *
 *   # smtpsh 0.1.0 transcript                 header: "# " lines, written first
 *   # date 2026-11-23T06:00:00Z
 *   # target mx1.example.test
 *   # local 192.0.2.1 port 40312
 *   # remote 198.51.100.25 port 25
 *   # options --transcript-format text
 *   # markers -> sent, <- received, ~> <~ inside TLS, ** event, !! error or warning, .. output
 *   2026-11-23T06:00:00.123Z <- 220 mx1.example.test ESMTP
 *   2026-11-23T06:00:00.124Z -> EHLO client.example.test
 *   2026-11-23T06:00:00.126Z <- 250-mx1.example.test
 *   2026-11-23T06:00:00.126Z <- 250 PIPELINING<TAB>[2 ms]
 *
 * An event line is TIMESTAMP SP MARKER SP TEXT LF (TIMESTAMP SP MARKER LF
 * when TEXT is empty, as for a blank line of message text). TIMESTAMP is UTC with
 * milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ), full on every line so a session
 * across midnight stays unambiguous. MARKER is render_marker()'s (`->` `<-`
 * `~>` `<~` `**` `!!`, warnings `!!` too) and `..` for shell output and
 * explanations (RENDER_INFO, RENDER_NOTE). The final line of a reply may end
 * in a TAB and "[N ms]", the time since its command was sent; TEXT itself
 * never holds a TAB or another control byte: they are written as \t, \r, \n
 * and \xNN. Header lines the reader does not know are comments.
 *
 * JSONL format: one JSON object per line. The first is the header:
 *   {"t":"...Z","type":"header","version":"0.1.0","target":"...","local_addr":"...",
 *    "local_port":"...","remote_addr":"...","remote_port":"...","options":"..."}
 * then one object per event:
 *   {"t":"2026-11-23T06:00:00.126Z","dir":"recv","tls":false,"line":"250 PIPELINING",
 *    "code":250,"esc":"2.0.0","last":true,"latency_ms":2}
 * dir is sent, recv, event, error, warn, info or note; code and last appear on
 * recv lines only, esc on recv lines that have one, latency_ms on the final
 * line of a reply when known, "redacted":true on sent lines with [redacted]
 * parts. Header fields that are not known are left out.
 *
 * Every event goes to the file in one write(2), with no buffering in the
 * process: a transcript of a session that was killed ends at the last whole
 * line. The file is replaced if it exists and created with mode 0600.
 */
#ifndef SMTPSH_TRANSCRIPT_H
#define SMTPSH_TRANSCRIPT_H

#include <stdbool.h>

#include "err.h"
#include "render.h"
#include "util.h"

enum transcript_format { TRANSCRIPT_TEXT, TRANSCRIPT_JSONL };

/* "text" or "jsonl". */
const char *transcript_format_name(enum transcript_format fmt);
/* Parse "text" or "jsonl" (as for --transcript-format); false otherwise. */
bool transcript_format_parse(const char *s, enum transcript_format *out);

/* The marker of a kind in the text format: render_marker()'s, and ".." for
 * RENDER_INFO and RENDER_NOTE. */
#define TRANSCRIPT_MARKER_OUTPUT ".."
const char *transcript_marker(enum render_kind kind, bool tls);
/* The JSONL "dir" of a kind: "sent", "recv", "event", "error", "warn", "info", "note". */
const char *transcript_dir_name(enum render_kind kind);

struct transcript_header {
	/* Any of these may be NULL: that header line or field is left out. */
	const char *version, *target, *local_addr, *local_port, *remote_addr, *remote_port,
		*options;
};

struct transcript;

/*
 * Create or truncate path (mode 0600; an existing regular file of ours is
 * set to 0600 too) for writing in fmt. Returns NULL and fills e on failure.
 */
struct transcript *transcript_open(const char *path, enum transcript_format fmt, struct err *e);
/* Close and free; accepts NULL. */
void transcript_close(struct transcript *t);
/* The path given to transcript_open (borrowed). */
const char *transcript_path(const struct transcript *t);
enum transcript_format transcript_get_format(const struct transcript *t);

/* Write the header (call once, before the first event). t may be NULL (no-op). */
bool transcript_header(struct transcript *t, const struct transcript_header *h, struct err *e);

struct transcript_event {
	enum render_kind kind;   /* SENT RECV EVENT ERROR WARN INFO NOTE */
	bool tls;
	const char *text;        /* already sanitised, already redacted by the caller; NULL: "" */
	int code;                /* reply code of a RECV line, 0 otherwise */
	const char *esc;         /* enhanced status code of the reply, "" or NULL if none */
	bool last;               /* RECV: the final line of a reply */
	int latency_ms;          /* final RECV line: time since the command was sent, -1 unknown */
	bool redacted;           /* SENT: text holds [redacted] parts */
};

/*
 * Append one event as one line, in one write(2) (short writes and EINTR are
 * retried). t may be NULL (no-op). On failure e says why; after a write that
 * stopped part-way through a line every later write fails too, so the file
 * never holds a line glued to a broken one.
 */
bool transcript_write(struct transcript *t, const struct transcript_event *ev, struct err *e);

/* ---- Reading the format back (replay.c builds on these). ---- */

#define TRANSCRIPT_TIME_LEN 24   /* "2026-11-23T06:00:00.123Z" */

/* s[0..len) is a timestamp as written: YYYY-MM-DDTHH:MM:SS.mmmZ, plausible fields. */
bool transcript_time_valid(const char *s, size_t len);
/* The kind of a two-character text marker; "!!" reads as RENDER_ERROR and
 * ".." as RENDER_INFO. False for anything else. */
bool transcript_marker_parse(const char *s, size_t len, enum render_kind *kind, bool *tls);
/* The kind of a JSONL "dir" value. */
bool transcript_dir_parse(const char *s, enum render_kind *kind);
/* True when s[0..len) is exactly a latency suffix, "\t[N ms]". */
bool transcript_latency_is(const char *s, size_t len);
/*
 * Decode the JSON string literal at *p (its opening quote), ending before
 * end, into out (emptied first). Escapes, surrogate pairs and UTF-8 are
 * checked strictly; \u0000 is refused. On success *p is past the closing
 * quote; on failure *p is at the fault and *why says what it is.
 */
bool transcript_json_decode_string(const char **p, const char *end, struct strbuf *out,
	const char **why);

#endif
