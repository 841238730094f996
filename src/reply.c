/* SPDX-License-Identifier: MIT */
/* Push parser for SMTP replies that records protocol anomalies instead of failing. */
#include "reply.h"

#include <stdlib.h>
#include <string.h>

#define REPLY_STR_(x) #x
#define REPLY_STR(x) REPLY_STR_(x)

static const char *const reply_anom_names[REPLY_ANOM_COUNT] = {
	"bare LF",
	"bare CR",
	"code changed between lines",
	"missing space or hyphen after code",
	"malformed reply code",
	"NUL byte",
	"control bytes",
	"invalid UTF-8",
	"line over " REPLY_STR(REPLY_RFC_LINE_MAX) " octets",
	"line truncated",
	"over " REPLY_STR(REPLY_KEEP_LINES) " lines",
	"enhanced code class differs from reply code",
};

/*
 * UTF-8 decoder states. Each names what the next byte must be; the special
 * first-continuation ranges reject overlongs (E0, F0), surrogates (ED) and
 * code points above U+10FFFF (F4). After C2 a byte below A0 is a C1 control.
 */
enum {
	REPLY_U8_START = 0,
	REPLY_U8_CONT1,   /* 80-BF, then start */
	REPLY_U8_CONT2,   /* 80-BF, then CONT1 */
	REPLY_U8_CONT3,   /* 80-BF, then CONT2 */
	REPLY_U8_E0,      /* A0-BF, then CONT1 */
	REPLY_U8_ED,      /* 80-9F, then CONT1 */
	REPLY_U8_F0,      /* 90-BF, then CONT2 */
	REPLY_U8_F4,      /* 80-8F, then CONT2 */
	REPLY_U8_C2,      /* 80-BF, then start; 80-9F is C1 */
};

const char *reply_anom_name(unsigned bit)
{
	for (unsigned i = 0; i < REPLY_ANOM_COUNT; i++) {
		if (bit == 1u << i) {
			return reply_anom_names[i];
		}
	}
	return NULL;
}

void reply_finish(struct reply *r)
{
	if (!r) {
		return;
	}
	for (size_t i = 0; i < r->nlines; i++) {
		free(r->lines[i].text);
	}
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

static bool reply_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The code of a line, or 0 when it is not a valid RFC 5321 Reply-code. */
static int reply_line_code(const char *s, size_t len)
{
	if (len < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '5' ||
	    !reply_is_digit(s[2])) {
		return 0;
	}
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* Reads 1-3 digits; returns how many, 0 when there are none. */
static size_t reply_esc_number(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && n < 3 && reply_is_digit(s[n])) {
		n++;
	}
	return n;
}

size_t reply_parse_esc(const char *s, size_t len, char out[16])
{
	size_t i, n;

	if (!s || len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') {
		return 0;
	}
	i = 2;
	n = reply_esc_number(s + i, len - i);
	if (n == 0) {
		return 0;
	}
	i += n;
	if (i >= len || s[i] != '.') {
		return 0;
	}
	i++;
	n = reply_esc_number(s + i, len - i);
	if (n == 0) {
		return 0;
	}
	i += n;
	/* "5.7.1000" or "5.7.1x" is not an enhanced code followed by text. */
	if (i < len && s[i] != ' ' && s[i] != '\t') {
		return 0;
	}
	if (out) {
		memcpy(out, s, i);
		out[i] = '\0';
	}
	return i;
}

const char *reply_line_text(const struct reply_line *l)
{
	const char *s;
	size_t len, n;

	if (!l || !l->text) {
		return "";
	}
	s = l->text;
	len = l->len;
	if (reply_line_code(s, len) == 0) {
		return s;
	}
	if (len == 3) {
		return s + 3;
	}
	/* A malformed line has no defined text part: show all of it. */
	if (s[3] != ' ' && s[3] != '-') {
		return s;
	}
	s += 4;
	len -= 4;
	n = reply_parse_esc(s, len, NULL);
	if (n > 0) {
		s += n;
		len -= n;
		while (len > 0 && *s == ' ') {
			s++;
			len--;
		}
	}
	return s;
}

void reply_parser_init(struct reply_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void reply_parser_finish(struct reply_parser *p)
{
	if (!p) {
		return;
	}
	free(p->buf);
	reply_finish(&p->cur);
	/* ev_line.text is borrowed from buf, so it is not freed. */
	memset(p, 0, sizeof(*p));
}

bool reply_parser_pending(const struct reply_parser *p)
{
	return p->wire_len > 0 || p->cr_pending ||
		(p->cur.total_lines > 0 && !p->done);
}

void reply_take(struct reply_parser *p, struct reply *out)
{
	if (out) {
		*out = p->cur;
	} else {
		reply_finish(&p->cur);
	}
	memset(&p->cur, 0, sizeof(p->cur));
	memset(&p->ev_line, 0, sizeof(p->ev_line));
	p->done = false;
}

/* Classify one line byte for anomalies, with UTF-8 state across calls. */
static void reply_classify(struct reply_parser *p, unsigned char c)
{
	unsigned lo = 0x80, hi = 0xbf, next = REPLY_U8_START;

	switch (p->utf8) {
	case REPLY_U8_START:
	case REPLY_U8_CONT1:
		break;
	case REPLY_U8_CONT2:
		next = REPLY_U8_CONT1;
		break;
	case REPLY_U8_CONT3:
		next = REPLY_U8_CONT2;
		break;
	case REPLY_U8_E0:
		lo = 0xa0;
		next = REPLY_U8_CONT1;
		break;
	case REPLY_U8_ED:
		hi = 0x9f;
		next = REPLY_U8_CONT1;
		break;
	case REPLY_U8_F0:
		lo = 0x90;
		next = REPLY_U8_CONT2;
		break;
	case REPLY_U8_F4:
		hi = 0x8f;
		next = REPLY_U8_CONT2;
		break;
	case REPLY_U8_C2:
		if (c >= 0x80 && c <= 0x9f) {
			p->line_anom |= REPLY_ANOM_CTRL;
		}
		break;
	}
	if (p->utf8 != REPLY_U8_START) {
		if (c >= lo && c <= hi) {
			p->utf8 = next;
			return;
		}
		/* Sequence cut short: flag it, then read c as a new start. */
		p->line_anom |= REPLY_ANOM_BAD_UTF8;
		p->utf8 = REPLY_U8_START;
	}
	if (c == 0) {
		p->line_anom |= REPLY_ANOM_NUL;
	} else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
		/* A bare CR has its own bit. */
		p->line_anom |= REPLY_ANOM_CTRL;
	} else if (c < 0x80) {
		return;
	} else if (c < 0xc2 || c > 0xf4) {
		p->line_anom |= REPLY_ANOM_BAD_UTF8;
	} else if (c == 0xc2) {
		p->utf8 = REPLY_U8_C2;
	} else if (c < 0xe0) {
		p->utf8 = REPLY_U8_CONT1;
	} else if (c == 0xe0) {
		p->utf8 = REPLY_U8_E0;
	} else if (c == 0xed) {
		p->utf8 = REPLY_U8_ED;
	} else if (c < 0xf0) {
		p->utf8 = REPLY_U8_CONT2;
	} else if (c == 0xf0) {
		p->utf8 = REPLY_U8_F0;
	} else if (c < 0xf4) {
		p->utf8 = REPLY_U8_CONT3;
	} else {
		p->utf8 = REPLY_U8_F4;
	}
}

/* Room for one more byte plus the terminating NUL, within REPLY_LINE_MAX + 1. */
static bool reply_buf_reserve(struct reply_parser *p, size_t need)
{
	size_t cap;
	char *nb;

	if (need <= p->cap) {
		return true;
	}
	cap = p->cap ? p->cap * 2 : 128;
	if (cap < need) {
		cap = need;
	}
	if (cap > REPLY_LINE_MAX + 1) {
		cap = REPLY_LINE_MAX + 1;
	}
	nb = realloc(p->buf, cap);
	if (!nb) {
		return false;
	}
	p->buf = nb;
	p->cap = cap;
	return true;
}

static void reply_put(struct reply_parser *p, unsigned char c)
{
	reply_classify(p, c);
	p->wire_len++;
	if (p->len >= REPLY_LINE_MAX || !reply_buf_reserve(p, p->len + 2)) {
		/* Keep counting what is dropped; out of memory also cuts. */
		p->line_anom |= REPLY_ANOM_TRUNCATED;
		return;
	}
	p->buf[p->len++] = (char)c;
}

/* Append a line to cur; false when it cannot be stored. */
static bool reply_store(struct reply *r, const struct reply_line *l)
{
	struct reply_line *lines;
	char *text;

	if (r->nlines >= REPLY_KEEP_LINES) {
		return false;
	}
	/* Capacity is implicit: the array is full exactly when nlines is 0 or a
	 * power of two, so it grows by doubling without a field of its own. */
	if ((r->nlines & (r->nlines - 1)) == 0) {
		size_t cap = r->nlines ? r->nlines * 2 : 1;

		if (cap > REPLY_KEEP_LINES) {
			cap = REPLY_KEEP_LINES;
		}
		lines = realloc(r->lines, cap * sizeof(*lines));
		if (!lines) {
			return false;
		}
		r->lines = lines;
	}
	text = malloc(l->len + 1);
	if (!text) {
		return false;
	}
	memcpy(text, l->text, l->len + 1);
	r->lines[r->nlines] = *l;
	r->lines[r->nlines].text = text;
	r->nlines++;
	return true;
}

/* A line is complete: parse it, add it to the reply and fill ev. */
static void reply_end_line(struct reply_parser *p, bool bare_lf, struct reply_event *ev)
{
	static char reply_empty[1];
	struct reply *r = &p->cur;
	struct reply_line line;
	unsigned anom = p->line_anom;
	bool final = true;
	int code;

	if (bare_lf) {
		anom |= REPLY_ANOM_BARE_LF;
	}
	if (p->utf8 != REPLY_U8_START) {
		anom |= REPLY_ANOM_BAD_UTF8;
	}
	if (p->wire_len > REPLY_RFC_LINE_MAX - 2) {
		anom |= REPLY_ANOM_LONG_LINE;
	}
	if (p->buf || reply_buf_reserve(p, 1)) {
		p->buf[p->len] = '\0';
		line.text = p->buf;
	} else {
		line.text = reply_empty;
	}
	line.len = p->buf ? p->len : 0;
	line.wire_len = p->wire_len;

	code = reply_line_code(line.text, line.len);
	if (code == 0) {
		anom |= REPLY_ANOM_BAD_CODE;
	} else if (line.len > 3) {
		if (line.text[3] == '-') {
			final = false;
		} else if (line.text[3] != ' ') {
			anom |= REPLY_ANOM_BAD_SEP;
		}
	}

	if (p->done) {
		/* The caller did not take the previous reply: drop it. */
		reply_finish(r);
		p->done = false;
	}
	if (r->total_lines == 0) {
		r->code = code;
		if (code != 0 && line.len > 4 && !(anom & REPLY_ANOM_BAD_SEP) &&
		    reply_parse_esc(line.text + 4, line.len - 4, r->esc) > 0 &&
		    r->esc[0] - '0' != code / 100) {
			anom |= REPLY_ANOM_ESC_MISMATCH;
		}
	} else if (code != 0 && code != r->code) {
		anom |= REPLY_ANOM_CODE_CHANGED;
	}
	line.anomalies = anom;
	r->total_lines++;
	r->anomalies |= anom;

	if (r->total_lines > REPLY_KEEP_LINES) {
		r->anomalies |= REPLY_ANOM_MANY_LINES;
	}
	if (reply_store(r, &line)) {
		ev->line = &r->lines[r->nlines - 1];
	} else {
		/* Not kept (too many lines, or no memory): hand it out from buf. */
		p->ev_line = line;
		ev->line = &p->ev_line;
	}
	ev->type = final ? REPLY_EV_LAST : REPLY_EV_LINE;
	ev->code = code;
	p->done = final;

	p->len = 0;
	p->wire_len = 0;
	p->line_anom = 0;
	p->utf8 = REPLY_U8_START;
	p->cr_pending = false;
}

size_t reply_feed(struct reply_parser *p, const char *data, size_t len,
	struct reply_event *ev)
{
	struct reply_event dummy;
	size_t i;

	if (!ev) {
		ev = &dummy;
	}
	ev->type = REPLY_EV_NONE;
	ev->line = NULL;
	ev->code = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (p->cr_pending) {
			if (c == '\n') {
				reply_end_line(p, false, ev);
				return i + 1;
			}
			/* The CR was not a line ending: it is part of the text. */
			p->cr_pending = false;
			p->line_anom |= REPLY_ANOM_BARE_CR;
			reply_put(p, '\r');
		}
		if (c == '\r') {
			p->cr_pending = true;
		} else if (c == '\n') {
			reply_end_line(p, true, ev);
			return i + 1;
		} else {
			reply_put(p, c);
		}
	}
	return len;
}
