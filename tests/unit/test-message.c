/* SPDX-License-Identifier: MIT */
/* The message filter (CRLF, dot-stuffing, counters) against a byte-at-a-time
 * reference, on fixed cases and on random texts fed in random blocks; and the
 * test message. */
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "tap.h"
#include "util.h"

/* What the filter must produce, written the plainest way: one byte at a time. */
struct ref {
	struct strbuf out;
	unsigned long long lines, stuffed;
	bool eight_bit, bare_ends;
};

static void ref_filter(const char *in, size_t len, bool dot_stuff, struct ref *r)
{
	bool start = true;
	size_t i;

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->out);
	for (i = 0; i < len; i++) {
		char c = in[i];

		if ((unsigned char)c >= 0x80)
			r->eight_bit = true;
		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < len && in[i + 1] == '\n')
				i++;
			else if (!(c == '\r' && i + 1 == len))
				r->bare_ends = true;
			strbuf_add(&r->out, "\r\n", 2);
			r->lines++;
			start = true;
			continue;
		}
		if (start && dot_stuff && c == '.') {
			strbuf_add(&r->out, ".", 1);
			r->stuffed++;
		}
		strbuf_add(&r->out, &c, 1);
		start = false;
	}
	if (!start) {
		r->bare_ends = r->bare_ends || r->lines > 0;
		strbuf_add(&r->out, "\r\n", 2);
		r->lines++;
	}
}

/* Feed in[] in blocks of the sizes in cuts[] (cycled; 0 ends the list). */
static void run_filter(const char *in, size_t len, bool dot_stuff, const size_t *cuts,
	struct msgfilter *f, struct strbuf *out)
{
	size_t at = 0, k = 0;

	msgfilter_init(f, dot_stuff);
	strbuf_init(out);
	while (at < len) {
		size_t n = cuts && cuts[k] ? cuts[k++] : len - at;

		if (cuts && !cuts[k])
			k = 0;
		if (n > len - at)
			n = len - at;
		msgfilter_feed(f, in + at, n, out);
		at += n;
	}
	msgfilter_end(f, out);
}

static bool same(const char *in, size_t len, bool dot_stuff, const size_t *cuts)
{
	struct ref r;
	struct msgfilter f;
	struct strbuf out;
	bool ok;

	ref_filter(in, len, dot_stuff, &r);
	run_filter(in, len, dot_stuff, cuts, &f, &out);
	ok = out.len == r.out.len && memcmp(out.s ? out.s : "", r.out.s ? r.out.s : "", out.len) == 0 &&
		f.lines == r.lines && f.stuffed == r.stuffed && f.eight_bit == r.eight_bit &&
		f.bare_ends == r.bare_ends && f.octets_out == out.len && f.octets_in == len;
	strbuf_finish(&out);
	strbuf_finish(&r.out);
	return ok;
}

static void test_cases(void)
{
	static const size_t one[] = { 1, 0 };
	static const struct {
		const char *in, *want, *what;
		bool dot;
	} cases[] = {
		{ "a\r\nb\r\n", "a\r\nb\r\n", "CRLF text unchanged", true },
		{ "a\nb\n", "a\r\nb\r\n", "bare LF made CRLF", true },
		{ "a\rb\r", "a\r\nb\r\n", "bare CR made CRLF", true },
		{ "a\r\r\nb", "a\r\n\r\nb\r\n", "CR CR LF: a bare CR, then CRLF", true },
		{ ".a\r\n..\r\n.\r\nb.\r\n", "..a\r\n...\r\n..\r\nb.\r\n", "leading dots doubled", true },
		{ ".a\r\n", ".a\r\n", "no dot-stuffing for BDAT", false },
		{ "", "", "empty input, no output", true },
		{ "no end", "no end\r\n", "a last line without an ending gets CRLF", true },
		{ "\n\n", "\r\n\r\n", "empty lines", true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msgfilter f;
		struct strbuf out;
		size_t n = strlen(cases[i].in);

		run_filter(cases[i].in, n, cases[i].dot, NULL, &f, &out);
		is_str(out.s ? out.s : "", cases[i].want, "%s", cases[i].what);
		strbuf_finish(&out);
		/* the same, one byte per block: no split may change anything */
		run_filter(cases[i].in, n, cases[i].dot, one, &f, &out);
		is_str(out.s ? out.s : "", cases[i].want, "%s (one byte per block)", cases[i].what);
		strbuf_finish(&out);
	}
}

static void test_counters(void)
{
	struct msgfilter f;
	struct strbuf out;
	static const size_t split[] = { 3, 0 };

	run_filter(".x\r\ny\n\xc3\xa9\r", 9, true, split, &f, &out);
	is_int(f.lines, 3, "three lines");
	is_int(f.stuffed, 1, "one line dot-stuffed");
	ok(f.eight_bit, "8-bit bytes seen");
	ok(f.bare_ends, "a bare LF seen");
	is_int(f.octets_in, 9, "octets in");
	is_int(f.octets_out, out.len, "octets out are what was produced");
	strbuf_finish(&out);

	run_filter("plain\r\n", 7, true, NULL, &f, &out);
	ok(!f.eight_bit && !f.bare_ends, "plain CRLF text: no 8-bit, no bare endings");
	strbuf_finish(&out);
	/* a CR that ends a block and is not followed by LF in the next is bare */
	{
		static const size_t after_cr[] = { 2, 0 };

		run_filter("a\rb\r\n", 5, true, after_cr, &f, &out);
		ok(f.bare_ends, "a bare CR at the end of a block is seen");
		is_str(out.s, "a\r\nb\r\n", "... and made CRLF");
		strbuf_finish(&out);
		run_filter("a\r\nb\r\n", 6, true, after_cr, &f, &out);
		ok(!f.bare_ends, "a CRLF split across blocks is not bare");
		strbuf_finish(&out);
	}
	/* the 8-bit byte after the first eight, at the end of a word */
	run_filter("abcdefghijklmno\x80\r\n", 18, true, NULL, &f, &out);
	ok(f.eight_bit, "an 8-bit byte in the second word is seen");
	strbuf_finish(&out);
}

/* Random texts over an alphabet rich in the bytes that matter, random blocks. */
static void test_random(void)
{
	static const char alphabet[] = "..\r\r\n\n\nab c\x80";
	unsigned seed = 12345;
	int t, bad = 0;

	for (t = 0; t < 3000; t++) {
		char in[300];
		size_t cuts[8], len, i;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % sizeof(in);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		for (i = 0; i < 7; i++) {
			seed = seed * 1103515245u + 12345u;
			cuts[i] = 1 + (seed >> 8) % 40;
		}
		cuts[7] = 0;
		if (!same(in, len, t % 2 == 0, t % 3 == 0 ? NULL : cuts))
			bad++;
	}
	is_int(bad, 0, "3000 random texts in random blocks: the same as the reference");
}

static void test_message(void)
{
	char *m = message_test_dup("a@example.test", "b@example.test", "client.example", "1.0",
		0, 7);

	ok(strstr(m, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n") != NULL, "test message: Date");
	ok(strstr(m, "Message-ID: <19700101000000.7.smtpsh@client.example>\r\n") != NULL,
		"test message: Message-ID");
	ok(strstr(m, "\r\n\r\n") != NULL, "test message: header and body apart");
	free(m);
}

int main(void)
{
	test_cases();
	test_counters();
	test_random();
	test_message();
	return done_testing();
}
