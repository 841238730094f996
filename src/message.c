/* SPDX-License-Identifier: MIT */
/* Message text for the wire: line endings, dot-stuffing, the quick test message. */
#include "message.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void msgfilter_init(struct msgfilter *f, bool dot_stuff)
{
	memset(f, 0, sizeof(*f));
	f->dot_stuff = dot_stuff;
	f->at_line_start = true;
}

static void line_end(struct msgfilter *f, struct strbuf *out)
{
	strbuf_add(out, "\r\n", 2);
	f->lines++;
	f->at_line_start = true;
}

/* Is a byte of p[0..len) >= 0x80? Eight at a time: this runs over every
 * byte of a message that has none. */
static bool has_high_bit(const char *p, size_t len)
{
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t acc = 0, w;
	size_t k = 0;

	for (; k + 8 <= len; k += 8) {
		memcpy(&w, p + k, 8);
		acc |= w;
	}
	for (; k < len; k++)
		acc |= (unsigned char)p[k];
	return (acc & high) != 0;
}

/*
 * Input that is already in wire form (CRLF endings, no line starting with
 * ".") is the common case: it is copied in runs as long as the block, and a
 * line costs one memchr. Only what needs changing breaks a run.
 */
void msgfilter_feed(struct msgfilter *f, const char *in, size_t len, struct strbuf *out)
{
	size_t i = 0, run, len0 = out->len;

	f->octets_in += len;
	if (f->pending_cr && len > 0) {
		f->pending_cr = false;
		if (in[0] == '\n')
			i = 1;   /* the LF of a CRLF split across blocks */
		else
			f->bare_ends = true;
	}
	run = i;   /* in[run..i) is wire form, not copied yet */
	while (i < len) {
		const char *nl, *cr;
		size_t end, text_end;

		if (f->at_line_start && f->dot_stuff && in[i] == '.') {
			strbuf_add(out, in + run, i - run);
			strbuf_add(out, ".", 1);
			f->stuffed++;
			run = i;
		}
		nl = memchr(in + i, '\n', len - i);
		end = nl ? (size_t)(nl - in) : len;
		text_end = nl && end > i && in[end - 1] == '\r' ? end - 1 : end;
		if (!f->eight_bit)
			f->eight_bit = has_high_bit(in + i, text_end - i);
		cr = memchr(in + i, '\r', text_end - i);
		if (cr) {
			/* A CR not followed by LF ends a line, unless the block ends
			 * there and the LF comes first in the next. */
			size_t at = (size_t)(cr - in);

			strbuf_add(out, in + run, at - run);
			line_end(f, out);
			if (at + 1 == len)
				f->pending_cr = true;
			else
				f->bare_ends = true;
			i = run = at + 1;
			continue;
		}
		if (!nl) {
			/* the rest of the block starts a line that goes on in the next */
			f->at_line_start = false;
			i = len;
			break;
		}
		if (text_end == end) {
			/* a bare LF */
			strbuf_add(out, in + run, end - run);
			line_end(f, out);
			f->bare_ends = true;
			i = run = end + 1;
			continue;
		}
		f->lines++;
		f->at_line_start = true;
		i = end + 1;
	}
	strbuf_add(out, in + run, i - run);
	f->octets_out += out->len - len0;
}

void msgfilter_end(struct msgfilter *f, struct strbuf *out)
{
	if (!f->at_line_start) {
		f->bare_ends = f->bare_ends || f->lines > 0;
		line_end(f, out);
		f->octets_out += 2;
	}
}

char *message_test_dup(const char *from, const char *to, const char *helo_domain,
	const char *version, long long now, unsigned serial)
{
	char date[64], idtime[32];
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	strftime(idtime, sizeof(idtime), "%Y%m%d%H%M%S", &tm);
	return xasprintf("Date: %s\r\n"
		"From: <%s>\r\n"
		"To: <%s>\r\n"
		"Subject: smtpsh test message %s\r\n"
		"Message-ID: <%s.%u.smtpsh@%s>\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=us-ascii\r\n"
		"\r\n"
		"This is a test message sent with smtpsh %s.\r\n"
		"It was sent on %s.\r\n",
		date, from, to, idtime, idtime, serial, helo_domain, version, date);
}
