/* SPDX-License-Identifier: MIT */
/*
 * Presentation: the only module that knows escape sequences. Sanitises server
 * bytes for the terminal and colours lines by kind and reply class.
 */
#ifndef SMTPSH_RENDER_H
#define SMTPSH_RENDER_H

#include <stdbool.h>
#include <stddef.h>

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* Decide once: ALWAYS/NEVER win; AUTO is on when fd is a terminal, NO_COLOR is
 * unset or empty, and TERM is not "dumb". */
bool render_color_enabled(enum color_mode mode, int fd);

/*
 * Copy len bytes into a printable, NUL-terminated string the caller frees.
 * Control bytes (C0, DEL, C1 as UTF-8), NUL and invalid UTF-8 bytes become
 * visible escapes (\x1b, \x00, \xff); valid UTF-8 is kept; TAB becomes \t.
 * Nothing a server sends can reach the terminal as an escape sequence.
 * Returns NULL only on out of memory.
 */
char *render_sanitize_dup(const char *s, size_t len);

enum render_kind {
	RENDER_SENT,      /* -> */
	RENDER_RECV,      /* <- */
	RENDER_EVENT,     /* ** */
	RENDER_ERROR,     /* !! */
	RENDER_WARN,      /* !! but a warning */
	RENDER_INFO,      /* output of a local command, no marker */
	RENDER_NOTE,      /* dim explanation under a reply */
};

/* The marker of a kind; tls selects ~> / <~ for SENT/RECV. "" for INFO/NOTE. */
const char *render_marker(enum render_kind kind, bool tls);

/*
 * Format one output line: marker, a space, the text (already sanitised).
 * code is the reply code for RECV lines (0 otherwise) and picks the colour.
 * Returns a malloc'd string without trailing newline; NULL on out of memory.
 */
char *render_line_dup(enum render_kind kind, bool tls, int code, const char *text, bool color);

/* Wrap text in SGR for a prompt, with readline's ignore markers \001 \002
 * around the escapes so it measures the width right. Caller frees. */
char *render_prompt_dup(const char *host, const char *state, bool color);

#endif
