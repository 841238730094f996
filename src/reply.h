/* SPDX-License-Identifier: MIT */
/*
 * Push parser for SMTP replies (RFC 5321 4.2). Pure: no I/O, never aborts on
 * bad input. Protocol faults are recorded as anomaly bits, per line and per
 * reply, so the shell can show them instead of hiding them.
 *
 * Memory is bounded whatever the server sends: a line is stored up to
 * REPLY_LINE_MAX bytes (the rest is counted and dropped), and a reply keeps at
 * most REPLY_KEEP_LINES lines (later lines are still parsed, shown and counted).
 */
#ifndef SMTPSH_REPLY_H
#define SMTPSH_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define REPLY_LINE_MAX 4096      /* bytes of one line kept */
#define REPLY_KEEP_LINES 1000    /* lines of one reply kept */
#define REPLY_RFC_LINE_MAX 512   /* RFC 5321 4.5.3.1.5, CRLF included */

enum reply_anom {
	REPLY_ANOM_BARE_LF = 1u << 0,      /* line ended in LF without CR */
	REPLY_ANOM_BARE_CR = 1u << 1,      /* CR not followed by LF inside a line */
	REPLY_ANOM_CODE_CHANGED = 1u << 2, /* continuation line with another code */
	REPLY_ANOM_BAD_SEP = 1u << 3,      /* neither SP, '-' nor end after the code */
	REPLY_ANOM_BAD_CODE = 1u << 4,     /* not three digits, or first digit not 2-5 */
	REPLY_ANOM_NUL = 1u << 5,          /* NUL byte in the line */
	REPLY_ANOM_CTRL = 1u << 6,         /* other control bytes (ESC, BEL ...) */
	REPLY_ANOM_BAD_UTF8 = 1u << 7,     /* bytes >= 0x80 that are not valid UTF-8 */
	REPLY_ANOM_LONG_LINE = 1u << 8,    /* longer than 512 octets with CRLF */
	REPLY_ANOM_TRUNCATED = 1u << 9,    /* longer than REPLY_LINE_MAX: stored cut */
	REPLY_ANOM_MANY_LINES = 1u << 10,  /* more than REPLY_KEEP_LINES lines */
	REPLY_ANOM_ESC_MISMATCH = 1u << 11,/* enhanced code class differs from code */
};
#define REPLY_ANOM_COUNT 12

/* Short human name of one anomaly bit, e.g. "bare LF"; NULL for an unknown bit. */
const char *reply_anom_name(unsigned bit);

struct reply_line {
	char *text;       /* the whole line as received, without CRLF/LF, NUL-terminated
	                     (may hold NUL bytes itself: use len) */
	size_t len;       /* stored length (<= REPLY_LINE_MAX) */
	size_t wire_len;  /* length on the wire without the line ending */
	unsigned anomalies;
};

struct reply {
	int code;             /* from the first line; 0 when not numeric */
	char esc[16];         /* enhanced status code of the first line ("5.7.1"), or "" */
	struct reply_line *lines;
	size_t nlines;        /* lines stored (<= REPLY_KEEP_LINES) */
	size_t total_lines;   /* lines received */
	unsigned anomalies;   /* OR of all line anomalies plus reply-level ones */
};

/* Free what a reply owns and zero it; accepts a zeroed reply. */
void reply_finish(struct reply *r);

/* Text of stored line i after the code and separator (and not the enhanced code):
 * "250-mx.example.org ESMTP" -> "mx.example.org ESMTP". */
const char *reply_line_text(const struct reply_line *l);

enum reply_event_type {
	REPLY_EV_NONE = 0,  /* need more bytes */
	REPLY_EV_LINE,      /* a line of a reply that goes on */
	REPLY_EV_LAST,      /* the final line: the reply is complete */
};

struct reply_event {
	enum reply_event_type type;
	const struct reply_line *line; /* valid until the next reply_feed / reply_take */
	int code;                      /* code of this line, 0 when not numeric */
};

struct reply_parser {
	char *buf;            /* partial line */
	size_t len, cap;
	size_t wire_len;      /* bytes of the partial line seen, including dropped ones */
	unsigned line_anom;
	bool cr_pending;
	unsigned utf8;        /* UTF-8 decoder state, carried across chunks and past
	                         the stored part of a long line */
	bool done;            /* cur is complete and not yet taken */
	struct reply cur;     /* reply being assembled */
	struct reply_line ev_line; /* line handed out when the reply keeps no more
	                              (its text is borrowed from buf) */
};

void reply_parser_init(struct reply_parser *p);
void reply_parser_finish(struct reply_parser *p);

/*
 * Feed bytes. Consumes bytes up to and including the end of at most one line
 * and returns how many it consumed; ev says whether that completed a line.
 * The caller loops until all input is consumed. Stopping after each line lets
 * the caller leave bytes that follow a final line unread (STARTTLS injection
 * guard). Returns 0 only when len is 0.
 */
size_t reply_feed(struct reply_parser *p, const char *data, size_t len,
	struct reply_event *ev);

/* After REPLY_EV_LAST: move the complete reply to out (caller reply_finish()es it)
 * and start a new one. */
void reply_take(struct reply_parser *p, struct reply *out);

/* True when a partial line or unfinished multi-line reply is buffered. */
bool reply_parser_pending(const struct reply_parser *p);

/* Parse "X.Y.Z" at the start of s (class 2, 4 or 5; subject 0-999; detail
 * 0-999), followed by SP, TAB or the end of s, into out; returns its length
 * in s, or 0 if there is none (out is then untouched). */
size_t reply_parse_esc(const char *s, size_t len, char out[16]);

#endif
