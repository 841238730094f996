/* SPDX-License-Identifier: MIT */
/* Session transcripts: timestamped marker lines (text) or JSON objects (JSONL), one write each. */
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct transcript {
	int fd;
	enum transcript_format fmt;
	bool broken;          /* a write stopped part-way through a line */
	char *path;
	struct strbuf buf;    /* the line being built, reused */
};

static const char *const transcript_format_names[] = {
	[TRANSCRIPT_TEXT] = "text",
	[TRANSCRIPT_JSONL] = "jsonl",
};

const char *transcript_format_name(enum transcript_format fmt)
{
	if ((unsigned)fmt < sizeof(transcript_format_names) / sizeof(transcript_format_names[0])) {
		return transcript_format_names[fmt];
	}
	return "?";
}

bool transcript_format_parse(const char *s, enum transcript_format *out)
{
	if (!s) {
		return false;
	}
	if (strcmp(s, "text") == 0) {
		*out = TRANSCRIPT_TEXT;
		return true;
	}
	if (strcmp(s, "jsonl") == 0) {
		*out = TRANSCRIPT_JSONL;
		return true;
	}
	return false;
}

const char *transcript_marker(enum render_kind kind, bool tls)
{
	if (kind == RENDER_INFO || kind == RENDER_NOTE) {
		return TRANSCRIPT_MARKER_OUTPUT;
	}
	return render_marker(kind, tls);
}

const char *transcript_dir_name(enum render_kind kind)
{
	switch (kind) {
	case RENDER_SENT:
		return "sent";
	case RENDER_RECV:
		return "recv";
	case RENDER_EVENT:
		return "event";
	case RENDER_ERROR:
		return "error";
	case RENDER_WARN:
		return "warn";
	case RENDER_INFO:
		return "info";
	case RENDER_NOTE:
		return "note";
	}
	return "info";
}

struct transcript *transcript_open(const char *path, enum transcript_format fmt, struct err *e)
{
	struct transcript *t;
	struct stat st;
	int fd;

	if (!path || !*path) {
		err_set(e, ERR_USAGE, "transcript: no file name");
		return NULL;
	}
	if (fmt != TRANSCRIPT_TEXT && fmt != TRANSCRIPT_JSONL) {
		err_set(e, ERR_INTERNAL, "transcript: unknown format");
		return NULL;
	}
	do {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* O_CREAT's mode only applies to a new file. An older transcript may
	 * have been readable by others; this one may hold addresses and replies
	 * the user did not mean to share. Devices and pipes are left alone. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
	    st.st_uid == geteuid()) {
		(void)fchmod(fd, st.st_mode & 0700);
	}
	t = xcalloc(1, sizeof(*t));
	t->fd = fd;
	t->fmt = fmt;
	t->path = xstrdup(path);
	strbuf_init(&t->buf);
	return t;
}

void transcript_close(struct transcript *t)
{
	if (!t) {
		return;
	}
	if (t->fd >= 0) {
		close(t->fd);
	}
	strbuf_finish(&t->buf);
	free(t->path);
	free(t);
}

const char *transcript_path(const struct transcript *t)
{
	return t ? t->path : NULL;
}

enum transcript_format transcript_get_format(const struct transcript *t)
{
	return t ? t->fmt : TRANSCRIPT_TEXT;
}

/* The current UTC time, with milliseconds or to the second. */
static void transcript_now(char *out, size_t outlen, bool millis)
{
	struct timespec ts;
	struct tm tm;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		ts.tv_sec = time(NULL);
		ts.tv_nsec = 0;
	}
	if (!gmtime_r(&ts.tv_sec, &tm)) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
	}
	if (millis) {
		snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			(long)(ts.tv_nsec / 1000000));
	} else {
		snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
}

/* Text format: s with every control byte made visible, so one event stays one
 * line and a TAB can only be the separator before the latency. */
static void transcript_add_text(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0;

	for (;;) {
		unsigned char c = u[i];
		char esc[4];

		if (c >= 0x20 && c != 0x7f) {
			i++;
			continue;
		}
		strbuf_add(b, s + start, i - start);
		if (c == '\0') {
			break;
		}
		esc[0] = '\\';
		if (c == '\t' || c == '\r' || c == '\n') {
			esc[1] = c == '\t' ? 't' : c == '\r' ? 'r' : 'n';
			strbuf_add(b, esc, 2);
		} else {
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 0xf];
			strbuf_add(b, esc, 4);
		}
		i++;
		start = i;
	}
}

/* Length of a valid UTF-8 sequence of 2-4 bytes at s, 0 if there is none. */
static size_t transcript_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0) {
			lo = 0xa0;
		} else if (c == 0xed) {
			hi = 0x9f;
		}
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0) {
			lo = 0x90;
		} else if (c == 0xf4) {
			hi = 0x8f;
		}
	} else {
		return 0;
	}
	/* The string is NUL-terminated: a short sequence stops at the NUL. */
	if (s[1] < lo || s[1] > hi) {
		return 0;
	}
	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf) {
			return 0;
		}
	}
	return n;
}

/* A JSON string literal of s. Text is UTF-8 already; a byte that is not
 * (the caller broke the contract) becomes the sanitiser's visible \xNN, so
 * the file stays valid JSON. */
static void transcript_add_json(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t i = 0, start = 0;

	strbuf_add(b, "\"", 1);
	for (;;) {
		unsigned char c = u[i];
		char esc[8];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (n = transcript_utf8_len(u + i)) > 0) {
			i += n;
			continue;
		}
		strbuf_add(b, (const char *)u + start, i - start);
		if (c == '\0') {
			break;
		}
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			strbuf_add(b, esc, 2);
			break;
		case '\b':
			strbuf_add(b, "\\b", 2);
			break;
		case '\f':
			strbuf_add(b, "\\f", 2);
			break;
		case '\n':
			strbuf_add(b, "\\n", 2);
			break;
		case '\r':
			strbuf_add(b, "\\r", 2);
			break;
		case '\t':
			strbuf_add(b, "\\t", 2);
			break;
		default:
			if (c < 0x80) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 0xf];
				strbuf_add(b, esc, 6);
			} else {
				esc[1] = '\\';
				esc[2] = 'x';
				esc[3] = hex[c >> 4];
				esc[4] = hex[c & 0xf];
				strbuf_add(b, esc, 5);
			}
			break;
		}
		i++;
		start = i;
	}
	strbuf_add(b, "\"", 1);
}

/* ,"key":"value" (or without the comma for the first member). */
static void transcript_json_member(struct strbuf *b, const char *key, const char *value)
{
	if (b->len > 1) {
		strbuf_add(b, ",", 1);
	}
	transcript_add_json(b, key);
	strbuf_add(b, ":", 1);
	transcript_add_json(b, value);
}

static bool transcript_flush(struct transcript *t, struct err *e)
{
	const char *s = t->buf.s;
	size_t n = t->buf.len, done = 0;

	if (t->broken) {
		return err_set(e, ERR_IO, "%s: an earlier write stopped part-way; transcript stopped",
			t->path);
	}
	while (done < n) {
		ssize_t w = write(t->fd, s + done, n - done);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			int saved = w < 0 ? errno : ENOSPC;

			if (done > 0) {
				t->broken = true;
			}
			return err_set(e, ERR_IO, "%s: %s", t->path, strerror(saved));
		}
		done += (size_t)w;
	}
	return true;
}

static void transcript_text_header_line(struct strbuf *b, const char *key, const char *value)
{
	if (!value) {
		return;
	}
	strbuf_adds(b, "# ");
	strbuf_adds(b, key);
	strbuf_add(b, " ", 1);
	transcript_add_text(b, value);
	strbuf_add(b, "\n", 1);
}

static void transcript_text_addr_line(struct strbuf *b, const char *key, const char *addr,
	const char *port)
{
	if (!addr) {
		return;
	}
	strbuf_adds(b, "# ");
	strbuf_adds(b, key);
	strbuf_add(b, " ", 1);
	transcript_add_text(b, addr);
	if (port) {
		strbuf_adds(b, " port ");
		transcript_add_text(b, port);
	}
	strbuf_add(b, "\n", 1);
}

bool transcript_header(struct transcript *t, const struct transcript_header *h, struct err *e)
{
	static const struct transcript_header none;
	char now[64];

	if (!t) {
		return true;
	}
	if (!h) {
		h = &none;
	}
	strbuf_reset(&t->buf);
	if (t->fmt == TRANSCRIPT_JSONL) {
		struct strbuf *b = &t->buf;

		transcript_now(now, sizeof(now), true);
		strbuf_add(b, "{", 1);
		transcript_json_member(b, "t", now);
		transcript_json_member(b, "type", "header");
		if (h->version) {
			transcript_json_member(b, "version", h->version);
		}
		if (h->target) {
			transcript_json_member(b, "target", h->target);
		}
		if (h->local_addr) {
			transcript_json_member(b, "local_addr", h->local_addr);
		}
		if (h->local_port) {
			transcript_json_member(b, "local_port", h->local_port);
		}
		if (h->remote_addr) {
			transcript_json_member(b, "remote_addr", h->remote_addr);
		}
		if (h->remote_port) {
			transcript_json_member(b, "remote_port", h->remote_port);
		}
		if (h->options) {
			transcript_json_member(b, "options", h->options);
		}
		strbuf_add(b, "}\n", 2);
		return transcript_flush(t, e);
	}
	transcript_now(now, sizeof(now), false);
	if (h->version) {
		strbuf_adds(&t->buf, "# smtpsh ");
		transcript_add_text(&t->buf, h->version);
		strbuf_adds(&t->buf, " transcript\n");
	} else {
		strbuf_adds(&t->buf, "# smtpsh transcript\n");
	}
	transcript_text_header_line(&t->buf, "date", now);
	transcript_text_header_line(&t->buf, "target", h->target);
	transcript_text_addr_line(&t->buf, "local", h->local_addr, h->local_port);
	transcript_text_addr_line(&t->buf, "remote", h->remote_addr, h->remote_port);
	transcript_text_header_line(&t->buf, "options", h->options);
	strbuf_adds(&t->buf, "# markers -> sent, <- received, ~> <~ inside TLS, ** event, "
		"!! error or warning, .. output\n");
	return transcript_flush(t, e);
}

static void transcript_format_text(struct strbuf *b, const char *now,
	const struct transcript_event *ev)
{
	bool latency = ev->kind == RENDER_RECV && ev->last && ev->latency_ms >= 0;

	strbuf_adds(b, now);
	strbuf_add(b, " ", 1);
	strbuf_adds(b, transcript_marker(ev->kind, ev->tls));
	/* An empty line (of message text) ends at the marker: no trailing blank. */
	if ((ev->text && *ev->text) || latency) {
		strbuf_add(b, " ", 1);
		transcript_add_text(b, ev->text ? ev->text : "");
	}
	if (latency) {
		strbuf_addf(b, "\t[%d ms]", ev->latency_ms);
	}
	strbuf_add(b, "\n", 1);
}

static void transcript_format_jsonl(struct strbuf *b, const char *now,
	const struct transcript_event *ev)
{
	strbuf_add(b, "{", 1);
	transcript_json_member(b, "t", now);
	transcript_json_member(b, "dir", transcript_dir_name(ev->kind));
	strbuf_adds(b, ev->tls ? ",\"tls\":true" : ",\"tls\":false");
	strbuf_add(b, ",", 1);
	transcript_add_json(b, "line");
	strbuf_add(b, ":", 1);
	transcript_add_json(b, ev->text ? ev->text : "");
	if (ev->kind == RENDER_RECV) {
		strbuf_addf(b, ",\"code\":%d", ev->code);
		if (ev->esc && *ev->esc) {
			transcript_json_member(b, "esc", ev->esc);
		}
		strbuf_adds(b, ev->last ? ",\"last\":true" : ",\"last\":false");
		if (ev->last && ev->latency_ms >= 0) {
			strbuf_addf(b, ",\"latency_ms\":%d", ev->latency_ms);
		}
	} else if (ev->kind == RENDER_SENT && ev->redacted) {
		strbuf_adds(b, ",\"redacted\":true");
	}
	strbuf_add(b, "}\n", 2);
}

bool transcript_write(struct transcript *t, const struct transcript_event *ev, struct err *e)
{
	char now[64];

	if (!t || !ev) {
		return true;
	}
	transcript_now(now, sizeof(now), true);
	strbuf_reset(&t->buf);
	if (t->fmt == TRANSCRIPT_JSONL) {
		transcript_format_jsonl(&t->buf, now, ev);
	} else {
		transcript_format_text(&t->buf, now, ev);
	}
	return transcript_flush(t, e);
}
