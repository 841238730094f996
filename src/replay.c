/* SPDX-License-Identifier: MIT */
/* Transcripts read back as steps to replay: line reader, text format, strict JSONL parser.
 * The steps themselves are built in replay_steps.c. */
#include "replay.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay_int.h"
#include "util.h"

#define REPLAY_READ_CHUNK 65536
#define REPLAY_TIME_LEN TRANSCRIPT_TIME_LEN
#define REPLAY_TIME_EXAMPLE "2026-11-23T06:00:00.123Z"

/* ---- Line reader: bounded memory whatever the file holds. ---- */

struct replay_reader {
	int fd;
	char *buf;
	size_t cap, pos, end;
	bool eof;
};

enum replay_read {
	REPLAY_READ_LINE,     /* a whole line */
	REPLAY_READ_PARTIAL,  /* the last line, without its newline */
	REPLAY_READ_EOF,
	REPLAY_READ_TOO_LONG,
	REPLAY_READ_ERROR,    /* errno says why */
};

/* Next line, NUL-terminated in place (the newline is dropped). */
static enum replay_read replay_read_line(struct replay_reader *rd, char **line, size_t *len)
{
	size_t scanned = 0;

	for (;;) {
		char *start = rd->buf + rd->pos;
		size_t avail = rd->end - rd->pos;
		char *nl = avail > scanned ? memchr(start + scanned, '\n', avail - scanned) : NULL;
		ssize_t n;

		if (nl) {
			*line = start;
			*len = (size_t)(nl - start);
			*nl = '\0';
			rd->pos += *len + 1;
			return *len > REPLAY_LINE_MAX ? REPLAY_READ_TOO_LONG : REPLAY_READ_LINE;
		}
		scanned = avail;
		if (avail > REPLAY_LINE_MAX) {
			return REPLAY_READ_TOO_LONG;
		}
		if (rd->eof) {
			if (avail == 0) {
				return REPLAY_READ_EOF;
			}
			*line = start;
			*len = avail;
			start[avail] = '\0';   /* cap > end always holds */
			rd->pos = rd->end;
			return REPLAY_READ_PARTIAL;
		}
		if (rd->pos > 0) {
			memmove(rd->buf, start, avail);
			rd->pos = 0;
			rd->end = avail;
		}
		if (rd->cap - rd->end < REPLAY_READ_CHUNK + 1) {
			size_t want = rd->end + REPLAY_READ_CHUNK + 1;
			size_t cap = rd->cap;

			while (cap < want) {
				cap *= 2;
			}
			rd->buf = xrealloc(rd->buf, cap);
			rd->cap = cap;
		}
		n = read(rd->fd, rd->buf + rd->end, rd->cap - rd->end - 1);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return REPLAY_READ_ERROR;
		}
		if (n == 0) {
			rd->eof = true;
		} else {
			rd->end += (size_t)n;
		}
	}
}

/* ---- Loading state. ---- */

enum replay_jkey {
	JK_T, JK_TYPE, JK_DIR, JK_TLS, JK_LINE, JK_CODE, JK_ESC, JK_LAST, JK_REDACTED, JK_TARGET,
	JK_COUNT
};

static const char *const replay_jkey_names[JK_COUNT] = {
	[JK_T] = "t", [JK_TYPE] = "type", [JK_DIR] = "dir", [JK_TLS] = "tls",
	[JK_LINE] = "line", [JK_CODE] = "code", [JK_ESC] = "esc", [JK_LAST] = "last",
	[JK_REDACTED] = "redacted", [JK_TARGET] = "target",
};

enum replay_jtype { JT_ABSENT, JT_NULL, JT_BOOL, JT_NUM, JT_STR };

struct replay_jval {
	enum replay_jtype type;
	bool b;
	bool is_int;          /* a number without fraction or exponent that fits */
	long long n;
	struct strbuf s;
};

struct replay_ctx {
	const char *path;
	long lineno;
	struct err *e;
	struct replay r;
	struct replay_steps steps;
	struct replay_jval jv[JK_COUNT];
	struct replay_jval junk;  /* the value of a key not read */
	struct strbuf key;
};

/* A short, printable rendering of untrusted bytes for an error message. */
static void replay_quote(char *out, size_t outlen, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 8 >= outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
}

static bool replay_fail(struct replay_ctx *c, const char *fmt, ...) PRINTF(2, 3);

static bool replay_fail(struct replay_ctx *c, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(c->e, ERR_USAGE, "%s:%ld: %s", c->path, c->lineno, what);
}

static bool replay_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool replay_event(struct replay_ctx *c, const struct replay_line *l)
{
	char why[200];

	if (!replay_steps_line(&c->steps, l, c->lineno, why, sizeof(why))) {
		return replay_fail(c, "%s", why);
	}
	return true;
}

/* ---- Text format. ---- */

static bool replay_no_controls(struct replay_ctx *c, const char *s, size_t len, const char *where)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f) {
			return replay_fail(c, "control byte 0x%02x in %s", ch, where);
		}
	}
	return true;
}

static bool replay_text_line(struct replay_ctx *c, char *s, size_t len)
{
	struct replay_line l = { .code = -1, .last = -1 };
	char shown[64];
	char *text, *tab;
	size_t tlen;

	if (s[0] == '#') {
		static const char key[] = "# target ";

		if (len > sizeof(key) - 1 && memcmp(s, key, sizeof(key) - 1) == 0 && !c->r.target) {
			if (!replay_no_controls(c, s, len, "the target line")) {
				return false;
			}
			c->r.target = xstrndup(s + sizeof(key) - 1, len - (sizeof(key) - 1));
		}
		return true;
	}
	if (len <= REPLAY_TIME_LEN || !transcript_time_valid(s, REPLAY_TIME_LEN) ||
	    s[REPLAY_TIME_LEN] != ' ') {
		replay_quote(shown, 40, s, len < REPLAY_TIME_LEN ? len : REPLAY_TIME_LEN);
		return replay_fail(c, "bad timestamp \"%s\" (want UTC like %s)", shown,
			REPLAY_TIME_EXAMPLE);
	}
	/* MARKER, then the end or a space and the text. */
	text = s + REPLAY_TIME_LEN + 1;
	tlen = len - (REPLAY_TIME_LEN + 1);
	if (tlen < 2 || !transcript_marker_parse(text, 2, &l.kind, &l.tls) ||
	    (tlen > 2 && text[2] != ' ')) {
		size_t mlen = 0;

		while (mlen < tlen && text[mlen] != ' ' && mlen < 8) {
			mlen++;
		}
		replay_quote(shown, sizeof(shown), text, mlen);
		return replay_fail(c, "unknown marker \"%s\"", shown);
	}
	text += tlen > 2 ? 3 : 2;
	tlen -= tlen > 2 ? 3 : 2;
	tab = memchr(text, '\t', tlen);
	if (tab) {
		size_t rest = tlen - (size_t)(tab - text);

		if (l.kind != RENDER_RECV || !transcript_latency_is(tab, rest)) {
			return replay_fail(c, "TAB in a line (%s)",
				"only \"\\t[N ms]\" may end a received line");
		}
		*tab = '\0';
		tlen = (size_t)(tab - text);
	}
	if (!replay_no_controls(c, text, tlen, "a line")) {
		return false;
	}
	l.text = text;
	return replay_event(c, &l);
}

/* ---- JSONL: a strict parser for flat objects. ---- */

struct replay_json {
	const char *p, *start, *end;
};

static bool replay_jerr(struct replay_ctx *c, const struct replay_json *in, const char *what)
{
	return replay_fail(c, "bad JSON at column %ld: %s", (long)(in->p - in->start) + 1, what);
}

static void replay_jskip_ws(struct replay_json *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\r')) {
		in->p++;
	}
}

static bool replay_jstring(struct replay_ctx *c, struct replay_json *in, struct strbuf *out)
{
	const char *why = "";

	if (!transcript_json_decode_string(&in->p, in->end, out, &why)) {
		return replay_jerr(c, in, why);
	}
	return true;
}

static bool replay_jnumber(struct replay_ctx *c, struct replay_json *in, struct replay_jval *v)
{
	bool neg = false, is_int = true;
	long long n = 0;
	int digits = 0;

	if (*in->p == '-') {
		neg = true;
		in->p++;
	}
	if (in->p >= in->end || !replay_is_digit(*in->p)) {
		return replay_jerr(c, in, "bad number");
	}
	if (*in->p == '0') {
		in->p++;
		if (in->p < in->end && replay_is_digit(*in->p)) {
			return replay_jerr(c, in, "number with a leading zero");
		}
	} else {
		while (in->p < in->end && replay_is_digit(*in->p)) {
			if (digits < 18) {
				n = n * 10 + (*in->p - '0');
			} else {
				is_int = false;
			}
			digits++;
			in->p++;
		}
	}
	if (in->p < in->end && *in->p == '.') {
		in->p++;
		if (in->p >= in->end || !replay_is_digit(*in->p)) {
			return replay_jerr(c, in, "bad number");
		}
		while (in->p < in->end && replay_is_digit(*in->p)) {
			in->p++;
		}
		is_int = false;
	}
	if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
		in->p++;
		if (in->p < in->end && (*in->p == '+' || *in->p == '-')) {
			in->p++;
		}
		if (in->p >= in->end || !replay_is_digit(*in->p)) {
			return replay_jerr(c, in, "bad number");
		}
		while (in->p < in->end && replay_is_digit(*in->p)) {
			in->p++;
		}
		is_int = false;
	}
	v->type = JT_NUM;
	v->is_int = is_int;
	v->n = neg ? -n : n;
	return true;
}

static bool replay_jliteral(struct replay_json *in, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, word, n) != 0) {
		return false;
	}
	in->p += n;
	return true;
}

/* Any scalar value into v (v->s holds a string). */
static bool replay_jvalue(struct replay_ctx *c, struct replay_json *in, struct replay_jval *v)
{
	if (in->p >= in->end) {
		return replay_jerr(c, in, "expected a value");
	}
	switch (*in->p) {
	case '"':
		v->type = JT_STR;
		return replay_jstring(c, in, &v->s);
	case '{':
	case '[':
		return replay_jerr(c, in, "nested objects and arrays are not supported");
	case 't':
	case 'f':
		if (replay_jliteral(in, "true")) {
			v->type = JT_BOOL;
			v->b = true;
			return true;
		}
		if (replay_jliteral(in, "false")) {
			v->type = JT_BOOL;
			v->b = false;
			return true;
		}
		break;
	case 'n':
		if (replay_jliteral(in, "null")) {
			v->type = JT_NULL;
			return true;
		}
		break;
	default:
		if (*in->p == '-' || replay_is_digit(*in->p)) {
			return replay_jnumber(c, in, v);
		}
		break;
	}
	return replay_jerr(c, in, "expected a value");
}

/* Parse one flat object into c->jv (known keys) and check nothing follows it. */
static bool replay_jobject(struct replay_ctx *c, const char *s, size_t len)
{
	struct replay_json in = { .p = s, .start = s, .end = s + len };

	for (int k = 0; k < JK_COUNT; k++) {
		c->jv[k].type = JT_ABSENT;
	}
	replay_jskip_ws(&in);
	if (in.p >= in.end || *in.p != '{') {
		return replay_jerr(c, &in, "expected '{'");
	}
	in.p++;
	replay_jskip_ws(&in);
	if (in.p < in.end && *in.p == '}') {
		in.p++;
	} else {
		for (;;) {
			struct replay_jval *v = &c->junk;
			const char *key_at = in.p;
			int k;

			if (in.p >= in.end || *in.p != '"') {
				return replay_jerr(c, &in, "expected a key");
			}
			if (!replay_jstring(c, &in, &c->key)) {
				return false;
			}
			for (k = 0; k < JK_COUNT; k++) {
				if (strcmp(c->key.s, replay_jkey_names[k]) == 0) {
					break;
				}
			}
			if (k < JK_COUNT) {
				if (c->jv[k].type != JT_ABSENT) {
					char what[64];

					snprintf(what, sizeof(what), "duplicate key \"%s\"",
						replay_jkey_names[k]);
					in.p = key_at;
					return replay_jerr(c, &in, what);
				}
				v = &c->jv[k];
			}
			replay_jskip_ws(&in);
			if (in.p >= in.end || *in.p != ':') {
				return replay_jerr(c, &in, "expected ':'");
			}
			in.p++;
			replay_jskip_ws(&in);
			if (!replay_jvalue(c, &in, v)) {
				return false;
			}
			replay_jskip_ws(&in);
			if (in.p < in.end && *in.p == ',') {
				in.p++;
				replay_jskip_ws(&in);
				continue;
			}
			if (in.p < in.end && *in.p == '}') {
				in.p++;
				break;
			}
			return replay_jerr(c, &in, "expected ',' or '}'");
		}
	}
	replay_jskip_ws(&in);
	if (in.p != in.end) {
		return replay_jerr(c, &in, "more after the object");
	}
	return true;
}

/* A field of the right type, or absent/null. */
static bool replay_jwant(struct replay_ctx *c, enum replay_jkey k, enum replay_jtype type)
{
	static const char *const type_names[] = {
		[JT_BOOL] = "true or false", [JT_NUM] = "a number", [JT_STR] = "a string",
	};
	enum replay_jtype got = c->jv[k].type;

	if (got == JT_ABSENT || got == JT_NULL || got == type) {
		return true;
	}
	return replay_fail(c, "\"%s\" must be %s", replay_jkey_names[k], type_names[type]);
}

static bool replay_jhas(const struct replay_ctx *c, enum replay_jkey k)
{
	return c->jv[k].type != JT_ABSENT && c->jv[k].type != JT_NULL;
}

static bool replay_jsonl_line(struct replay_ctx *c, const char *s, size_t len)
{
	struct replay_line l = { .code = -1, .last = -1 };
	struct replay_jval *jv = c->jv;
	char shown[64];

	if (!replay_jobject(c, s, len)) {
		return false;
	}
	for (int k = 0; k < JK_COUNT; k++) {
		enum replay_jtype want = k == JK_TLS || k == JK_LAST || k == JK_REDACTED ? JT_BOOL :
			k == JK_CODE ? JT_NUM : JT_STR;

		if (!replay_jwant(c, (enum replay_jkey)k, want)) {
			return false;
		}
	}
	if (replay_jhas(c, JK_T) && !transcript_time_valid(jv[JK_T].s.s, jv[JK_T].s.len)) {
		replay_quote(shown, 40, jv[JK_T].s.s, jv[JK_T].s.len);
		return replay_fail(c, "bad timestamp \"%s\" (want UTC like %s)", shown,
			REPLAY_TIME_EXAMPLE);
	}
	if (replay_jhas(c, JK_TYPE)) {
		if (strcmp(jv[JK_TYPE].s.s, "header") != 0) {
			replay_quote(shown, 40, jv[JK_TYPE].s.s, jv[JK_TYPE].s.len);
			return replay_fail(c, "unknown \"type\" \"%s\"", shown);
		}
		if (replay_jhas(c, JK_TARGET) && !c->r.target) {
			c->r.target = xstrdup(jv[JK_TARGET].s.s);
		}
		return true;
	}
	if (!replay_jhas(c, JK_T)) {
		return replay_fail(c, "no \"t\" (timestamp)");
	}
	if (!replay_jhas(c, JK_DIR)) {
		return replay_fail(c, "no \"dir\"");
	}
	if (!transcript_dir_parse(jv[JK_DIR].s.s, &l.kind)) {
		replay_quote(shown, 40, jv[JK_DIR].s.s, jv[JK_DIR].s.len);
		return replay_fail(c, "unknown \"dir\" \"%s\"", shown);
	}
	if (!replay_jhas(c, JK_LINE)) {
		return replay_fail(c, "no \"line\"");
	}
	if (replay_jhas(c, JK_CODE)) {
		if (!jv[JK_CODE].is_int || jv[JK_CODE].n < 0 || jv[JK_CODE].n > 999) {
			return replay_fail(c, "\"code\" must be a whole number from 0 to 999");
		}
		l.code = (int)jv[JK_CODE].n;
	}
	if (replay_jhas(c, JK_ESC)) {
		if (jv[JK_ESC].s.len >= sizeof(((struct replay_step *)0)->expect_esc)) {
			return replay_fail(c, "\"esc\" is too long for an enhanced status code");
		}
		l.esc = jv[JK_ESC].s.s;
	}
	if (replay_jhas(c, JK_LAST)) {
		l.last = jv[JK_LAST].b;
	}
	l.tls = replay_jhas(c, JK_TLS) && jv[JK_TLS].b;
	l.redacted = replay_jhas(c, JK_REDACTED) && jv[JK_REDACTED].b;
	l.text = jv[JK_LINE].s.s;
	return replay_event(c, &l);
}

/* ---- Loading. ---- */

static void replay_ctx_finish(struct replay_ctx *c)
{
	for (int k = 0; k < JK_COUNT; k++) {
		strbuf_finish(&c->jv[k].s);
	}
	strbuf_finish(&c->junk.s);
	strbuf_finish(&c->key);
	replay_steps_finish(&c->steps);
}

static bool replay_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
			return false;
		}
	}
	return true;
}

static bool replay_run(struct replay_ctx *c, struct replay_reader *rd)
{
	bool fmt_known = false, any = false;

	for (;;) {
		char *s;
		size_t len;
		enum replay_read got = replay_read_line(rd, &s, &len);

		if (got == REPLAY_READ_EOF) {
			break;
		}
		c->lineno++;
		if (got == REPLAY_READ_ERROR) {
			return err_set(c->e, ERR_IO, "%s: %s", c->path, strerror(errno));
		}
		if (got == REPLAY_READ_TOO_LONG) {
			return replay_fail(c, "line longer than %d bytes", REPLAY_LINE_MAX);
		}
		if (got == REPLAY_READ_PARTIAL) {
			/* Cut off when the writer was killed: not a line yet. */
			if (!replay_blank(s, len)) {
				c->r.incomplete_line = c->lineno;
			}
			break;
		}
		if (len > 0 && s[len - 1] == '\r') {
			s[--len] = '\0';
		}
		if (c->lineno == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			len -= 3;
		}
		if (replay_blank(s, len)) {
			continue;
		}
		if (!fmt_known) {
			const char *p = s;

			while (*p == ' ' || *p == '\t') {
				p++;
			}
			c->r.fmt = *p == '{' ? TRANSCRIPT_JSONL : TRANSCRIPT_TEXT;
			fmt_known = true;
		}
		if (c->r.fmt == TRANSCRIPT_JSONL) {
			if (!replay_jsonl_line(c, s, len)) {
				return false;
			}
		} else if (!replay_text_line(c, s, len)) {
			return false;
		}
		any = true;
	}
	if (!any) {
		return err_set(c->e, ERR_USAGE, "%s: %s", c->path, c->r.incomplete_line ?
			"nothing but an incomplete line: not a transcript, or cut off" :
			"empty: not a transcript");
	}
	return true;
}

bool replay_load(const char *path, struct replay *out, struct err *e)
{
	struct replay_ctx c;
	struct replay_reader rd;
	bool good;
	int fd;

	if (!path || !out) {
		return err_set(e, ERR_INTERNAL, "replay: no file");
	}
	do {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	}
	memset(&c, 0, sizeof(c));
	memset(&rd, 0, sizeof(rd));
	c.path = path;
	c.e = e;
	c.r.fmt = TRANSCRIPT_TEXT;
	replay_steps_init(&c.steps, &c.r);
	rd.fd = fd;
	rd.cap = 2 * REPLAY_READ_CHUNK;
	rd.buf = xmalloc(rd.cap);

	good = replay_run(&c, &rd);
	close(fd);
	free(rd.buf);
	replay_ctx_finish(&c);
	if (!good) {
		replay_finish(&c.r);
		return false;
	}
	*out = c.r;
	return true;
}

void replay_finish(struct replay *r)
{
	if (!r) {
		return;
	}
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].line);
		free(r->steps[i].msg_name);
	}
	free(r->steps);
	free(r->target);
	memset(r, 0, sizeof(*r));
}
