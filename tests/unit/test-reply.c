/* SPDX-License-Identifier: MIT */
/* Unit tests for the SMTP reply parser, mostly on malformed and hostile input. */
#include "reply.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REPLIES 8

struct feed_result {
	struct reply replies[MAX_REPLIES];
	size_t nreplies;
	size_t nevents;      /* LINE and LAST events */
	size_t nlast;
	int last_code;       /* code of the last event */
	bool events_ok;      /* every event carried a line */
};

/* Feed data in chunks of chunk bytes, taking every complete reply. */
static void feed(struct reply_parser *p, const char *data, size_t len, size_t chunk,
	struct feed_result *fr)
{
	size_t off = 0;

	memset(fr, 0, sizeof(*fr));
	fr->events_ok = true;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		size_t pos = 0;

		while (pos < n) {
			struct reply_event ev;
			size_t c = reply_feed(p, data + off + pos, n - pos, &ev);

			if (c == 0 || c > n - pos) {
				fr->events_ok = false;
				return;
			}
			pos += c;
			if (ev.type == REPLY_EV_NONE) {
				continue;
			}
			fr->nevents++;
			fr->last_code = ev.code;
			if (!ev.line || !ev.line->text) {
				fr->events_ok = false;
			}
			if (ev.type == REPLY_EV_LAST) {
				fr->nlast++;
				if (fr->nreplies < MAX_REPLIES) {
					reply_take(p, &fr->replies[fr->nreplies++]);
				} else {
					reply_take(p, NULL);
				}
			}
		}
		off += n;
	}
}

static void feed_result_finish(struct feed_result *fr)
{
	for (size_t i = 0; i < fr->nreplies; i++) {
		reply_finish(&fr->replies[i]);
	}
	fr->nreplies = 0;
}

/* Parse one string (with explicit length) as a whole and return its first reply. */
static struct feed_result parse(const char *data, size_t len)
{
	struct reply_parser p;
	struct feed_result fr;

	reply_parser_init(&p);
	feed(&p, data, len, len ? len : 1, &fr);
	reply_parser_finish(&p);
	return fr;
}

#define PARSE(s) parse((s), sizeof(s) - 1)

static bool reply_equal(const struct reply *a, const struct reply *b)
{
	if (a->code != b->code || strcmp(a->esc, b->esc) != 0 || a->nlines != b->nlines ||
	    a->total_lines != b->total_lines || a->anomalies != b->anomalies) {
		return false;
	}
	for (size_t i = 0; i < a->nlines; i++) {
		const struct reply_line *x = &a->lines[i], *y = &b->lines[i];

		if (x->len != y->len || x->wire_len != y->wire_len ||
		    x->anomalies != y->anomalies || memcmp(x->text, y->text, x->len) != 0 ||
		    x->text[x->len] != '\0') {
			return false;
		}
	}
	return true;
}

/* Whole, one byte at a time and in 7-byte chunks must give the same replies. */
static void check_chunking(const char *data, size_t len, const char *what)
{
	struct reply_parser p;
	struct feed_result whole, bytes, sevens;
	bool same;

	reply_parser_init(&p);
	feed(&p, data, len, len, &whole);
	reply_parser_finish(&p);
	reply_parser_init(&p);
	feed(&p, data, len, 1, &bytes);
	reply_parser_finish(&p);
	reply_parser_init(&p);
	feed(&p, data, len, 7, &sevens);
	reply_parser_finish(&p);

	same = whole.nreplies == bytes.nreplies && whole.nreplies == sevens.nreplies &&
		whole.nevents == bytes.nevents && whole.nevents == sevens.nevents;
	for (size_t i = 0; same && i < whole.nreplies; i++) {
		same = reply_equal(&whole.replies[i], &bytes.replies[i]) &&
			reply_equal(&whole.replies[i], &sevens.replies[i]);
	}
	ok(same && whole.nreplies > 0, "chunking does not change the result: %s", what);
	feed_result_finish(&whole);
	feed_result_finish(&bytes);
	feed_result_finish(&sevens);
}

#define CHECK_CHUNKING(s, what) check_chunking((s), sizeof(s) - 1, (what))

static void test_multiline(void)
{
	static const char in[] = "250-mx.example.org Hello [192.0.2.1]\r\n"
		"250-PIPELINING\r\n250-SIZE 10240000\r\n250-ENHANCEDSTATUSCODES\r\n"
		"250 8BITMIME\r\n";
	struct feed_result fr = PARSE(in);
	const struct reply *r = &fr.replies[0];

	is_int(fr.nreplies, 1, "multi-line: one reply");
	is_int(fr.nevents, 5, "multi-line: one event per line");
	is_int(fr.nlast, 1, "multi-line: one final event");
	ok(fr.events_ok, "multi-line: events carry lines");
	is_int(r->code, 250, "multi-line: code");
	is_int(r->nlines, 5, "multi-line: lines stored");
	is_int(r->total_lines, 5, "multi-line: lines counted");
	is_int(r->anomalies, 0, "multi-line: no anomalies");
	is_str(r->esc, "", "multi-line: no enhanced code in EHLO greeting line");
	is_str(r->lines[0].text, "250-mx.example.org Hello [192.0.2.1]",
		"multi-line: raw line kept");
	is_str(reply_line_text(&r->lines[0]), "mx.example.org Hello [192.0.2.1]",
		"multi-line: line text after code");
	is_str(reply_line_text(&r->lines[2]), "SIZE 10240000", "multi-line: keyword line");
	is_str(reply_line_text(&r->lines[4]), "8BITMIME", "multi-line: final line text");
	is_int(r->lines[1].wire_len, 14, "multi-line: wire length without CRLF");
	feed_result_finish(&fr);
	CHECK_CHUNKING(in, "EHLO reply");
}

static void test_events(void)
{
	struct reply_parser p;
	struct reply_event ev;
	struct reply r;
	size_t n;

	reply_parser_init(&p);
	n = reply_feed(&p, "", 0, &ev);
	is_int(n, 0, "empty feed consumes nothing");
	is_int(ev.type, REPLY_EV_NONE, "empty feed: no event");
	ok(!reply_parser_pending(&p), "fresh parser: nothing pending");

	n = reply_feed(&p, "25", 2, &ev);
	is_int(n, 2, "partial line consumed");
	is_int(ev.type, REPLY_EV_NONE, "partial line: no event");
	ok(reply_parser_pending(&p), "partial line is pending");
	n = reply_feed(&p, "0-first\r\n250 second\r\n", 21, &ev);
	is_int(n, 9, "feed stops after one line");
	is_int(ev.type, REPLY_EV_LINE, "continuation line event");
	is_int(ev.code, 250, "continuation line code");
	ok(ev.line && strcmp(ev.line->text, "250-first") == 0, "event line is the joined line");
	ok(reply_parser_pending(&p), "unfinished reply is pending");
	n = reply_feed(&p, "250 second\r\n", 12, &ev);
	is_int(n, 12, "final line consumed");
	is_int(ev.type, REPLY_EV_LAST, "final line event");
	ok(!reply_parser_pending(&p), "complete reply is not pending");

	reply_take(&p, &r);
	is_int(r.nlines, 2, "taken reply has both lines");
	reply_finish(&r);

	n = reply_feed(&p, "250 ok\r", 7, &ev);
	is_int(n, 7, "CR at end of chunk consumed");
	is_int(ev.type, REPLY_EV_NONE, "CR alone does not end the line");
	ok(reply_parser_pending(&p), "pending CR");
	n = reply_feed(&p, "\n", 1, &ev);
	is_int(n, 1, "LF after split CR");
	is_int(ev.type, REPLY_EV_LAST, "split CRLF ends the line");
	is_int(ev.line ? ev.line->anomalies : 99, 0, "split CRLF is no anomaly");
	reply_take(&p, NULL);
	reply_parser_finish(&p);
}

static void test_unconsumed_after_final(void)
{
	static const char in[] = "220 ok\r\n250 x\r\n";
	struct reply_parser p;
	struct reply_event ev;
	struct reply r;
	size_t n;

	reply_parser_init(&p);
	n = reply_feed(&p, in, sizeof(in) - 1, &ev);
	is_int(n, 8, "final line: exactly its 8 bytes consumed");
	is_int(ev.type, REPLY_EV_LAST, "final line: reply complete");
	is_int(ev.code, 220, "final line: code 220");
	reply_take(&p, &r);
	is_int(r.code, 220, "STARTTLS reply taken");
	reply_finish(&r);
	ok(!reply_parser_pending(&p), "nothing buffered from the bytes after it");
	n = reply_feed(&p, in + 8, sizeof(in) - 1 - 8, &ev);
	is_int(n, 7, "next reply consumed separately");
	is_int(ev.code, 250, "next reply code");
	reply_parser_finish(&p);
}

static void test_line_endings(void)
{
	struct feed_result fr;

	fr = PARSE("250 ok\n");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_BARE_LF, "bare LF flagged");
	is_str(fr.replies[0].lines[0].text, "250 ok", "bare LF line text");
	is_int(fr.nlast, 1, "bare LF still ends the reply");
	feed_result_finish(&fr);

	fr = PARSE("250-a\n250 b\r\n");
	is_int(fr.replies[0].lines[0].anomalies, REPLY_ANOM_BARE_LF, "bare LF on its line");
	is_int(fr.replies[0].lines[1].anomalies, 0, "next line clean");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_BARE_LF, "reply ORs line anomalies");
	feed_result_finish(&fr);

	fr = PARSE("250 a\rb\r\n");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_BARE_CR, "CR inside a line flagged");
	is_int(fr.replies[0].lines[0].len, 7, "CR inside a line kept");
	is_str(fr.replies[0].lines[0].text, "250 a\rb", "CR inside a line text");
	feed_result_finish(&fr);

	fr = PARSE("250 a\r\r\n");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_BARE_CR, "CR CR LF: one bare CR");
	is_str(fr.replies[0].lines[0].text, "250 a\r", "CR CR LF: text keeps one CR");
	feed_result_finish(&fr);
	CHECK_CHUNKING("250-a\rb\r\n250-c\n250 d\r\r\n", "CR/LF mixture");
}

static void test_code_changed(void)
{
	struct feed_result fr = PARSE("250-a\r\n251-b\r\n250 c\r\n");
	const struct reply *r = &fr.replies[0];

	is_int(fr.nreplies, 1, "code change: still one reply");
	is_int(r->code, 250, "code change: code of the first line");
	ok(r->anomalies & REPLY_ANOM_CODE_CHANGED, "code change flagged on the reply");
	is_int(r->lines[0].anomalies, 0, "code change: first line clean");
	is_int(r->lines[1].anomalies, REPLY_ANOM_CODE_CHANGED, "code change flagged on its line");
	is_int(r->lines[2].anomalies, 0, "code back to the reply's: clean");
	feed_result_finish(&fr);

	fr = PARSE("250-a\r\nxyz\r\n250 c\r\n");
	is_int(fr.nreplies, 2, "malformed continuation ends the reply");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_BAD_CODE, "malformed, not code changed");
	is_int(fr.replies[0].total_lines, 2, "malformed line belongs to the reply");
	is_int(fr.replies[1].code, 250, "next reply parsed");
	feed_result_finish(&fr);
}

static void test_bad_sep_and_code(void)
{
	static const struct {
		const char *in;
		int code;
		unsigned anom;
	} cases[] = {
		{ "250x\r\n", 250, REPLY_ANOM_BAD_SEP },
		{ "250_ok\r\n", 250, REPLY_ANOM_BAD_SEP },
		{ "250\tok\r\n", 250, REPLY_ANOM_BAD_SEP },
		{ "abc def\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "abc-def\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "150-x\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "199 x\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "650 x\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "999-x\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "260 x\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "25a x\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "25\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "\r\n", 0, REPLY_ANOM_BAD_CODE },
		{ "250\r\n", 250, 0 },
		{ "250 \r\n", 250, 0 },
		{ "421 4.4.2 Idle timeout\r\n", 421, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct feed_result fr = parse(cases[i].in, strlen(cases[i].in));
		const char *shown = cases[i].in[0] == '\r' ? "(empty)" : cases[i].in;

		is_int(fr.nlast, 1, "%.*s: one final line", (int)strcspn(shown, "\r"), shown);
		is_int(fr.replies[0].code, cases[i].code, "%.*s: code",
			(int)strcspn(shown, "\r"), shown);
		is_int(fr.replies[0].anomalies, cases[i].anom, "%.*s: anomalies",
			(int)strcspn(shown, "\r"), shown);
		feed_result_finish(&fr);
	}

	struct feed_result fr = PARSE("250x-more\r\n250 ok\r\n");
	is_int(fr.nreplies, 2, "bad separator ends the reply");
	is_str(reply_line_text(&fr.replies[0].lines[0]), "250x-more",
		"bad separator: whole line is the text");
	feed_result_finish(&fr);

	fr = PARSE("abc def\r\n");
	is_str(reply_line_text(&fr.replies[0].lines[0]), "abc def", "bad code: whole line text");
	feed_result_finish(&fr);

	fr = PARSE("\r\n");
	is_int(fr.replies[0].lines[0].len, 0, "empty line: length 0");
	is_str(fr.replies[0].lines[0].text, "", "empty line: empty text");
	feed_result_finish(&fr);

	fr = PARSE("250\r\n");
	is_str(reply_line_text(&fr.replies[0].lines[0]), "", "bare code: empty text");
	feed_result_finish(&fr);
}

static void test_bytes(void)
{
	struct feed_result fr;

	fr = PARSE("250 a\0b\r\n");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_NUL, "NUL flagged");
	is_int(fr.replies[0].lines[0].len, 7, "NUL kept in the stored length");
	ok(memcmp(fr.replies[0].lines[0].text, "250 a\0b", 8) == 0, "NUL stored");
	feed_result_finish(&fr);

	fr = PARSE("250 \x1b[2J\x1b]52;c;ZXZpbA==\x07 hi\r\n");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_CTRL, "ESC and BEL flagged as control");
	feed_result_finish(&fr);

	fr = PARSE("250 a\x7f\r\n");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_CTRL, "DEL flagged as control");
	feed_result_finish(&fr);

	fr = PARSE("250 a\tb\r\n");
	is_int(fr.replies[0].anomalies, 0, "TAB is no anomaly");
	feed_result_finish(&fr);

	fr = PARSE("250 \xc2\x9b" "31m\r\n");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_CTRL, "C1 CSI as UTF-8 flagged as control");
	feed_result_finish(&fr);

	fr = PARSE("250 caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0\r\n");
	is_int(fr.replies[0].anomalies, 0, "valid UTF-8 is clean");
	feed_result_finish(&fr);
	CHECK_CHUNKING("250-caf\xc3\xa9\r\n250 \xe6\x97\xa5\xf0\x9f\x98\x80\r\n",
		"UTF-8 split over chunks");

	static const char *const bad[] = {
		"250 \xff\r\n",                 /* never valid */
		"250 \xc0\xaf\r\n",             /* overlong '/' */
		"250 \xe0\x80\xaf\r\n",         /* overlong, 3 bytes */
		"250 \xf0\x80\x80\xaf\r\n",     /* overlong, 4 bytes */
		"250 \xed\xa0\x80\r\n",         /* surrogate U+D800 */
		"250 \xf4\x90\x80\x80\r\n",     /* U+110000 */
		"250 \xe6\x97 x\r\n",           /* truncated in the middle */
		"250 \xe6\x97\r\n",             /* truncated at the end of line */
		"250 \x80\r\n",                 /* lone continuation */
		"250 \xc3\r\xa9\r\n",           /* cut by a bare CR */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fr = parse(bad[i], strlen(bad[i]));
		unsigned anom = fr.replies[0].anomalies;

		ok(anom & REPLY_ANOM_BAD_UTF8, "invalid UTF-8 case %zu flagged", i);
		ok(!(anom & REPLY_ANOM_CTRL), "invalid UTF-8 case %zu not control", i);
		feed_result_finish(&fr);
	}
	CHECK_CHUNKING("250-\xe6\x97\r\n250-\xf4\x90\x80\x80\x1b\0\r\n250 \xc2\x9b\n",
		"hostile bytes over chunks");
}

static char *repeat(const char *head, char fill, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl);

	if (!s) {
		abort();
	}
	memcpy(s, head, hl);
	memset(s + hl, fill, n);
	memcpy(s + hl + n, tail, tl);
	*len = hl + n + tl;
	return s;
}

static void test_long_lines(void)
{
	struct feed_result fr;
	struct reply_parser p;
	size_t len;
	char *s;

	s = repeat("250 ", 'a', 506, "\r\n", &len);
	fr = parse(s, len);
	is_int(fr.replies[0].lines[0].wire_len, 510, "510 octets + CRLF");
	is_int(fr.replies[0].anomalies, 0, "512 octets with CRLF is allowed");
	feed_result_finish(&fr);
	free(s);

	s = repeat("250 ", 'a', 507, "\r\n", &len);
	fr = parse(s, len);
	is_int(fr.replies[0].anomalies, REPLY_ANOM_LONG_LINE, "513 octets with CRLF is long");
	feed_result_finish(&fr);
	free(s);

	s = repeat("250 ", 'a', REPLY_LINE_MAX - 4, "\r\n", &len);
	fr = parse(s, len);
	is_int(fr.replies[0].anomalies, REPLY_ANOM_LONG_LINE, "exactly REPLY_LINE_MAX: not cut");
	feed_result_finish(&fr);
	free(s);

	s = repeat("250 ", 'a', 100000, "\r\n", &len);
	reply_parser_init(&p);
	feed(&p, s, len, 1500, &fr);
	is_int(fr.nlast, 1, "100 KB line: one reply");
	is_int(fr.replies[0].lines[0].len, REPLY_LINE_MAX, "100 KB line: stored up to the cap");
	is_int(fr.replies[0].lines[0].wire_len, 100004, "100 KB line: wire length counted");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_LONG_LINE | REPLY_ANOM_TRUNCATED,
		"100 KB line: long and truncated");
	is_int(fr.replies[0].lines[0].text[REPLY_LINE_MAX], '\0', "100 KB line: terminated");
	ok(p.cap <= REPLY_LINE_MAX + 1, "100 KB line: buffer bounded (%zu)", p.cap);
	feed_result_finish(&fr);
	reply_parser_finish(&p);
	free(s);

	/* 10 MB in 64 KB segments, with an ESC past the stored part. */
	size_t chunk_len;
	char *chunk = repeat("", 'b', 65536, "", &chunk_len);
	struct reply_event ev;
	size_t total = 0, cap_max = 0;
	bool stuck = false;

	reply_parser_init(&p);
	(void)reply_feed(&p, "554 ", 4, &ev);
	for (int i = 0; i < 160; i++) {
		size_t off = 0;

		if (i == 100) {
			chunk[10] = '\x1b';
		}
		while (off < chunk_len) {
			size_t n = reply_feed(&p, chunk + off, chunk_len - off, &ev);

			if (n == 0 || ev.type != REPLY_EV_NONE) {
				stuck = true;
				break;
			}
			off += n;
		}
		total += off;
		if (p.cap > cap_max) {
			cap_max = p.cap;
		}
		if (i == 100) {
			chunk[10] = 'b';
		}
	}
	ok(!stuck, "10 MB line: consumed without a line event");
	is_int(total, 160 * 65536, "10 MB line: all bytes consumed");
	ok(cap_max <= REPLY_LINE_MAX + 1, "10 MB line: buffer bounded (%zu)", cap_max);
	(void)reply_feed(&p, "\r\n", 2, &ev);
	is_int(ev.type, REPLY_EV_LAST, "10 MB line: ends");
	ok(ev.line && ev.line->wire_len == 4 + 160 * 65536, "10 MB line: wire length");
	ok(ev.line && (ev.line->anomalies & REPLY_ANOM_CTRL), "10 MB line: dropped ESC flagged");
	ok(ev.line && (ev.line->anomalies & REPLY_ANOM_TRUNCATED), "10 MB line: truncated");
	reply_parser_finish(&p);
	free(chunk);
}

static void test_many_lines(void)
{
	size_t cap = 10000 * 24, len = 0;
	char *s = malloc(cap);
	struct reply_parser p;
	struct feed_result fr;

	if (!s) {
		abort();
	}
	for (int i = 0; i < 9999; i++) {
		len += (size_t)snprintf(s + len, cap - len, "250-line %d\r\n", i);
	}
	len += (size_t)snprintf(s + len, cap - len, "250 end\r\n");

	reply_parser_init(&p);
	feed(&p, s, len, 4096, &fr);
	is_int(fr.nreplies, 1, "10000 lines: one reply");
	is_int(fr.nevents, 10000, "10000 lines: an event per line");
	ok(fr.events_ok, "10000 lines: every event has a line");
	is_int(fr.replies[0].nlines, REPLY_KEEP_LINES, "10000 lines: kept REPLY_KEEP_LINES");
	is_int(fr.replies[0].total_lines, 10000, "10000 lines: all counted");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_MANY_LINES, "10000 lines: MANY_LINES only");
	is_str(fr.replies[0].lines[REPLY_KEEP_LINES - 1].text, "250-line 999",
		"10000 lines: last kept line");
	feed_result_finish(&fr);
	reply_parser_finish(&p);

	/* The final event of a long reply comes from the reused line. */
	struct reply_event ev;
	size_t off = 0;

	reply_parser_init(&p);
	do {
		off += reply_feed(&p, s + off, len - off, &ev);
	} while (ev.type != REPLY_EV_LAST && off < len);
	ok(ev.line && strcmp(ev.line->text, "250 end") == 0, "10000 lines: final event text");
	is_int(ev.code, 250, "10000 lines: final event code");
	reply_parser_finish(&p);
	free(s);
}

static void test_esc(void)
{
	struct feed_result fr;
	char out[16];
	size_t n;

	fr = PARSE("550 5.7.1 Relaying denied\r\n");
	is_str(fr.replies[0].esc, "5.7.1", "enhanced code of a final line");
	is_str(reply_line_text(&fr.replies[0].lines[0]), "Relaying denied", "text after it");
	is_int(fr.replies[0].anomalies, 0, "matching class: no anomaly");
	feed_result_finish(&fr);

	fr = PARSE("250-2.1.0 Sender ok\r\n250 2.1.0 more\r\n");
	is_str(fr.replies[0].esc, "2.1.0", "enhanced code of a continuation line");
	is_str(reply_line_text(&fr.replies[0].lines[1]), "more", "text after it, final line");
	feed_result_finish(&fr);

	fr = PARSE("220 mx.example.org ESMTP\r\n");
	is_str(fr.replies[0].esc, "", "no enhanced code in a greeting");
	feed_result_finish(&fr);

	fr = PARSE("550 5.7.1000 x\r\n");
	is_str(fr.replies[0].esc, "", "5.7.1000 rejected");
	feed_result_finish(&fr);

	fr = PARSE("550 2.0.0 odd\r\n");
	is_str(fr.replies[0].esc, "2.0.0", "mismatching enhanced code still parsed");
	is_int(fr.replies[0].anomalies, REPLY_ANOM_ESC_MISMATCH, "class mismatch flagged");
	feed_result_finish(&fr);

	fr = PARSE("451 4.3.0\r\n");
	is_str(fr.replies[0].esc, "4.3.0", "enhanced code at the end of the line");
	feed_result_finish(&fr);

	n = reply_parse_esc("5.7.1", 5, out);
	is_int(n, 5, "parse 5.7.1");
	is_str(out, "5.7.1", "parse 5.7.1 text");
	n = reply_parse_esc("4.999.999 x", 11, out);
	is_int(n, 9, "parse widest code");
	is_str(out, "4.999.999", "widest code text");
	strcpy(out, "keep");
	is_int(reply_parse_esc("5.7.1000", 8, out), 0, "four-digit detail rejected");
	is_str(out, "keep", "out untouched on failure");
	is_int(reply_parse_esc("5.1000.1", 8, out), 0, "four-digit subject rejected");
	is_int(reply_parse_esc("3.0.0", 5, out), 0, "class 3 rejected");
	is_int(reply_parse_esc("5.7", 3, out), 0, "two parts rejected");
	is_int(reply_parse_esc("5.7.", 4, out), 0, "empty detail rejected");
	is_int(reply_parse_esc("5..1", 4, out), 0, "empty subject rejected");
	is_int(reply_parse_esc("5.7.1,", 6, out), 0, "trailing punctuation rejected");
	is_int(reply_parse_esc("5.7.12", 5, out), 5, "length bound respected");
	is_int(reply_parse_esc("", 0, out), 0, "empty rejected");
}

static void test_take_and_fresh(void)
{
	struct reply_parser p;
	struct reply_event ev;
	struct reply a, b;
	size_t off = 0;
	static const char in[] = "250-x\n250 7.7.7 y\r\n354 go\r\n";

	reply_parser_init(&p);
	while (off < sizeof(in) - 1) {
		off += reply_feed(&p, in + off, sizeof(in) - 1 - off, &ev);
		if (ev.type == REPLY_EV_LAST) {
			break;
		}
	}
	reply_take(&p, &a);
	off += reply_feed(&p, in + off, sizeof(in) - 1 - off, &ev);
	reply_take(&p, &b);
	is_int(a.anomalies, REPLY_ANOM_BARE_LF, "first reply anomalies");
	is_int(b.code, 354, "second reply code");
	is_int(b.nlines, 1, "second reply starts fresh");
	is_int(b.anomalies, 0, "second reply has no old anomalies");
	is_str(b.esc, "", "second reply has no old enhanced code");

	reply_finish(&a);
	reply_finish(&b);
	reply_finish(&b);
	ok(b.lines == NULL && b.nlines == 0, "finish zeroes and is idempotent");

	/* A reply not taken is dropped when the next one begins. */
	(void)reply_feed(&p, "221 bye\r\n", 9, &ev);
	(void)reply_feed(&p, "421 gone\r\n", 10, &ev);
	reply_take(&p, &a);
	is_int(a.code, 421, "untaken reply replaced");
	is_int(a.nlines, 1, "untaken reply not merged");
	reply_finish(&a);
	reply_parser_finish(&p);

	struct reply_parser z;
	struct reply zr;

	memset(&z, 0, sizeof(z));
	memset(&zr, 0, sizeof(zr));
	reply_parser_finish(&z);
	reply_finish(&zr);
	reply_finish(NULL);
	reply_parser_finish(NULL);
	ok(1, "finish accepts zeroed structs and NULL");
	ok(reply_line_text(NULL) != NULL, "line text of NULL is empty");
}

static void test_names(void)
{
	bool all = true, distinct = true;

	for (unsigned i = 0; i < REPLY_ANOM_COUNT; i++) {
		const char *a = reply_anom_name(1u << i);

		if (!a || !*a) {
			all = false;
			continue;
		}
		for (unsigned j = 0; j < i; j++) {
			const char *b = reply_anom_name(1u << j);

			if (b && strcmp(a, b) == 0) {
				distinct = false;
			}
		}
	}
	ok(all, "every anomaly has a name");
	ok(distinct, "anomaly names are distinct");
	is_str(reply_anom_name(REPLY_ANOM_BARE_LF), "bare LF", "bare LF name");
	is_str(reply_anom_name(REPLY_ANOM_LONG_LINE), "line over 512 octets", "long line name");
	is_str(reply_anom_name(REPLY_ANOM_MANY_LINES), "over 1000 lines", "many lines name");
	ok(reply_anom_name(0) == NULL, "no name for 0");
	ok(reply_anom_name(3) == NULL, "no name for two bits");
	ok(reply_anom_name(1u << REPLY_ANOM_COUNT) == NULL, "no name for an unknown bit");
}

int main(void)
{
	test_multiline();
	test_events();
	test_unconsumed_after_final();
	test_line_endings();
	test_code_changed();
	test_bad_sep_and_code();
	test_bytes();
	test_long_lines();
	test_many_lines();
	test_esc();
	test_take_and_fresh();
	test_names();
	return done_testing();
}
