/* SPDX-License-Identifier: MIT */
/* Message text for the wire: CRLF line endings and dot-stuffing applied while
 * streaming, and the quick test message. Pure: no I/O. */
#ifndef SMTPSH_MESSAGE_H
#define SMTPSH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct msgfilter {
	bool dot_stuff;       /* DATA: double a leading '.'; BDAT: no */
	bool at_line_start;
	bool pending_cr;      /* a CR ended the previous block */
	unsigned long long lines, octets_in, octets_out, stuffed;
	bool eight_bit;       /* a byte >= 0x80 was seen */
	bool bare_ends;       /* a bare LF or CR was turned into CRLF */
};

void msgfilter_init(struct msgfilter *f, bool dot_stuff);
/* Append the wire form of in[0..len) to out. Every line ending (LF, CR, CRLF)
 * becomes CRLF. */
void msgfilter_feed(struct msgfilter *f, const char *in, size_t len, struct strbuf *out);
/* End of the input: a last line without an ending gets CRLF. */
void msgfilter_end(struct msgfilter *f, struct strbuf *out);

/*
 * A small RFC 5322 message for when no file is at hand: Date, From, To,
 * Subject, Message-ID, MIME headers and a line of body. now is a Unix time.
 * Caller frees.
 */
char *message_test_dup(const char *from, const char *to, const char *helo_domain,
	const char *version, long long now, unsigned serial);

#endif
