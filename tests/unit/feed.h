/* SPDX-License-Identifier: MIT */
/* Test helper: feed wire bytes through the real reply parser into a session. */
#ifndef SMTPSH_TEST_FEED_H
#define SMTPSH_TEST_FEED_H

#include <string.h>

#include "reply.h"
#include "session.h"

/* Hand each complete reply in wire to s; returns how many there were and,
 * when verb is not NULL, the verb the last one answered. */
static inline int feed_replies(struct session *s, const char *wire, const char **verb)
{
	struct reply_parser p;
	struct reply r;
	const char *data = wire;
	size_t len = strlen(wire);
	int complete = 0;

	memset(&r, 0, sizeof(r));
	reply_parser_init(&p);
	while (len > 0) {
		struct reply_event ev;
		size_t n = reply_feed(&p, data, len, &ev);

		if (n == 0)
			break;
		data += n;
		len -= n;
		if (ev.type == REPLY_EV_LAST) {
			const char *v;

			reply_take(&p, &r);
			complete++;
			v = session_reply(s, &r);
			if (verb)
				*verb = v;
			reply_finish(&r);
		}
	}
	reply_parser_finish(&p);
	return complete;
}

#endif
