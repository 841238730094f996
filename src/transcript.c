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

/* Length of a valid UTF-8 sequence of 2-4 bytes at s (len bytes there), 0 if none. */
static size_t transcript_utf8_len(const unsigned char *s, size_t len)
{
	uint32_t cp;

	return utf8_seq(s, len, &cp);
}

/* A JSON string literal of s. Text is UTF-8 already; a byte that is not
 * (the caller broke the contract) becomes the sanitiser's visible \xNN, so
 * the file stays valid JSON. */
static void transcript_add_json(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t i = 0, start = 0, len = strlen((const char *)u);

	strbuf_add(b, "\"", 1);
	for (;;) {
		unsigned char c = u[i];
		char esc[8];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (n = transcript_utf8_len(u + i, len - i)) > 0) {
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
		return err_set(e, ERR_IO, "%s: an earlier write was cut short; transcript stopped",
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

/* ---- Reading the format back. ---- */

static bool transcript_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

bool transcript_time_valid(const char *s, size_t len)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	int mon, day, hour, min, sec;

	if (len != TRANSCRIPT_TIME_LEN) {
		return false;
	}
	for (size_t i = 0; i < TRANSCRIPT_TIME_LEN; i++) {
		if (pattern[i] == 'd' ? !transcript_is_digit(s[i]) : s[i] != pattern[i]) {
			return false;
		}
	}
	mon = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	hour = (s[11] - '0') * 10 + (s[12] - '0');
	min = (s[14] - '0') * 10 + (s[15] - '0');
	sec = (s[17] - '0') * 10 + (s[18] - '0');
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hour <= 23 && min <= 59 &&
		sec <= 60;
}

/* Every kind a line can be read back as (WARN and NOTE share markers). */
static const enum render_kind transcript_kinds[] = {
	RENDER_SENT, RENDER_RECV, RENDER_EVENT, RENDER_ERROR, RENDER_WARN, RENDER_INFO, RENDER_NOTE,
};

bool transcript_marker_parse(const char *s, size_t len, enum render_kind *kind, bool *tls)
{
	if (len != 2) {
		return false;
	}
	for (size_t i = 0; i < sizeof(transcript_kinds) / sizeof(transcript_kinds[0]); i++) {
		for (int t = 0; t < 2; t++) {
			const char *m = transcript_marker(transcript_kinds[i], t != 0);

			if (strlen(m) == 2 && s[0] == m[0] && s[1] == m[1]) {
				*kind = transcript_kinds[i];
				*tls = t != 0;
				return true;
			}
		}
	}
	return false;
}

bool transcript_dir_parse(const char *s, enum render_kind *kind)
{
	for (size_t i = 0; i < sizeof(transcript_kinds) / sizeof(transcript_kinds[0]); i++) {
		if (strcmp(s, transcript_dir_name(transcript_kinds[i])) == 0) {
			*kind = transcript_kinds[i];
			return true;
		}
	}
	return false;
}

bool transcript_latency_is(const char *s, size_t len)
{
	size_t i = 2, digits = 0;

	if (len < 7 || s[0] != '\t' || s[1] != '[') {
		return false;
	}
	while (i < len && transcript_is_digit(s[i]) && digits < 10) {
		i++;
		digits++;
	}
	return digits > 0 && len - i == 4 && memcmp(s + i, " ms]", 4) == 0;
}

static int transcript_hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = s[i];

		v <<= 4;
		if (transcript_is_digit(ch)) {
			v |= ch - '0';
		} else if (ch >= 'a' && ch <= 'f') {
			v |= ch - 'a' + 10;
		} else if (ch >= 'A' && ch <= 'F') {
			v |= ch - 'A' + 10;
		} else {
			return -1;
		}
	}
	return v;
}

static void transcript_add_utf8(struct strbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_add(b, u, n);
}

/* The \uXXXX escape at p (its backslash), a surrogate pair taken whole;
 * returns its length, 0 on a fault (*why says which). */
static size_t transcript_json_unicode(const char *p, const char *end, struct strbuf *out,
	const char **why)
{
	int hi, lo;

	if (end - p < 6 || (hi = transcript_hex4(p + 2)) < 0) {
		*why = "bad \\u escape";
		return 0;
	}
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		*why = "lone low surrogate";
		return 0;
	}
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
		    (lo = transcript_hex4(p + 8)) < 0xdc00 || lo > 0xdfff) {
			*why = "high surrogate without a low one";
			return 0;
		}
		transcript_add_utf8(out, 0x10000 + (((uint32_t)hi - 0xd800) << 10) +
			((uint32_t)lo - 0xdc00));
		return 12;
	}
	if (hi == 0) {
		*why = "\\u0000 is not allowed";
		return 0;
	}
	transcript_add_utf8(out, (uint32_t)hi);
	return 6;
}

bool transcript_json_decode_string(const char **pp, const char *end, struct strbuf *out,
	const char **why)
{
	static const char simple_in[] = "\"\\/bfnrt", simple_out[] = "\"\\/\b\f\n\r\t";
	const char *p = *pp + 1;
	bool good = false;

	strbuf_reset(out);
	strbuf_add(out, "", 0);
	for (;;) {
		const char *run = p, *esc;
		unsigned char ch = 0;
		size_t n;

		while (p < end && (ch = (unsigned char)*p) >= 0x20 && ch < 0x80 && ch != '"' &&
		       ch != '\\') {
			p++;
		}
		strbuf_add(out, run, (size_t)(p - run));
		if (p >= end) {
			*why = "unterminated string";
			break;
		}
		if (ch == '"') {
			p++;
			good = true;
			break;
		}
		if (ch < 0x20) {
			*why = "control byte in a string";
			break;
		}
		if (ch >= 0x80) {
			n = transcript_utf8_len((const unsigned char *)p, (size_t)(end - p));
			if (n == 0) {
				*why = "invalid UTF-8 in a string";
				break;
			}
			strbuf_add(out, p, n);
			p += n;
			continue;
		}
		/* A backslash. */
		if (end - p < 2) {
			*why = "unterminated string";
			break;
		}
		if (p[1] == 'u') {
			n = transcript_json_unicode(p, end, out, why);
			if (n == 0) {
				break;
			}
			p += n;
			continue;
		}
		esc = p[1] ? strchr(simple_in, p[1]) : NULL;
		if (!esc) {
			*why = "bad escape in a string";
			break;
		}
		strbuf_add(out, simple_out + (esc - simple_in), 1);
		p += 2;
	}
	*pp = p;
	return good;
}
