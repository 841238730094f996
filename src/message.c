/* SPDX-License-Identifier: MIT */
/* Message text for the wire: line endings, dot-stuffing, the quick test message. */
#include "message.h"

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
	f->octets_out += 2;
	f->lines++;
	f->at_line_start = true;
}

void msgfilter_feed(struct msgfilter *f, const char *in, size_t len, struct strbuf *out)
{
	size_t i = 0;

	f->octets_in += len;
	if (f->pending_cr && len > 0) {
		f->pending_cr = false;
		if (in[0] == '\n')
			i = 1;   /* the LF of a CRLF split across blocks */
	}
	while (i < len) {
		size_t run = i;

		if (f->at_line_start && f->dot_stuff && in[i] == '.') {
			strbuf_add(out, ".", 1);
			f->octets_out++;
			f->stuffed++;
		}
		/* Copy the run of ordinary bytes in one go. */
		while (run < len && in[run] != '\r' && in[run] != '\n') {
			if ((unsigned char)in[run] >= 0x80)
				f->eight_bit = true;
			run++;
		}
		if (run > i) {
			strbuf_add(out, in + i, run - i);
			f->octets_out += run - i;
			f->at_line_start = false;
		}
		if (run == len)
			break;
		if (in[run] == '\r') {
			if (run + 1 < len && in[run + 1] == '\n') {
				line_end(f, out);
				i = run + 2;
				continue;
			}
			if (run + 1 == len) {
				line_end(f, out);
				f->pending_cr = true;
				i = len;
				continue;
			}
			f->bare_ends = true;
		} else {
			f->bare_ends = true;
		}
		line_end(f, out);
		i = run + 1;
	}
}

void msgfilter_end(struct msgfilter *f, struct strbuf *out)
{
	if (!f->at_line_start) {
		f->bare_ends = f->bare_ends || f->lines > 0;
		line_end(f, out);
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
