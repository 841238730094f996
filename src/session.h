/* SPDX-License-Identifier: MIT */
/*
 * The SMTP session as the shell understands it: phase, capabilities from the
 * last EHLO, and the commands waiting for replies. Advisory only: it warns,
 * it never stops a line from being sent. No sockets, no terminal.
 */
#ifndef SMTPSH_SESSION_H
#define SMTPSH_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "reply.h"

enum session_phase {
	SESSION_CLOSED = 0,  /* not connected */
	SESSION_GREETING,    /* connected, waiting for the banner */
	SESSION_CONNECTED,   /* banner received, no EHLO yet */
	SESSION_READY,       /* EHLO/HELO/LHLO accepted, no transaction */
	SESSION_MAIL,        /* MAIL accepted */
	SESSION_RCPT,        /* at least one RCPT accepted */
	SESSION_DATA,        /* 354 received: message text until "." */
	SESSION_QUITTING,    /* QUIT sent or 421 received */
};

const char *session_phase_name(enum session_phase p);

struct session_cap {
	char *keyword;   /* upper case */
	char *params;    /* the rest of the line, may be "" */
};

/* Commands sent and waiting for their reply, oldest first (PIPELINING). */
#define SESSION_MAX_PENDING 1024

struct session {
	enum session_phase phase;
	bool lmtp;             /* LHLO, one reply per accepted recipient after DATA */
	bool tls;              /* the stream is inside TLS */
	bool authenticated;

	char *greeting_domain;       /* from the 220 banner */
	char *ehlo_domain;           /* first line of the EHLO reply */
	struct session_cap *caps;    /* from the last EHLO reply */
	size_t ncaps;
	bool caps_valid;             /* an EHLO reply was parsed */
	bool caps_stale;             /* learned before TLS */
	bool helo_only;              /* HELO used: no extensions */
	struct session_cap *pre_tls_caps;  /* what EHLO said before STARTTLS */
	size_t npre_tls_caps;
	bool have_pre_tls_caps;

	size_t rcpts_accepted;       /* in the current transaction */
	char last_verb[16];          /* verb the last reply answered */
	bool auth_in_progress;       /* a 334 asked for more: the next line answers it */
	size_t npending;
	char *pending[SESSION_MAX_PENDING];  /* verbs upper-cased, "GREETING" for the banner */
};

void session_init(struct session *s, bool lmtp);
void session_finish(struct session *s);

/* A connection was made: wait for the banner. */
void session_connected(struct session *s);
/* The connection is gone. */
void session_closed(struct session *s);

/*
 * Advisory check of a line about to be sent outside DATA mode. Writes a
 * one-line warning into warn and returns true when there is something to
 * say ("RCPT before MAIL", "STARTTLS not advertised in EHLO").
 */
bool session_check_line(const struct session *s, const char *line, char *warn, size_t warnlen);

/*
 * A line was sent. Returns the number of replies it makes the shell wait for
 * (0 for message text in DATA, several after "." on LMTP).
 */
int session_line_sent(struct session *s, const char *line);

/* A complete reply arrived. Returns the verb it answered ("" if unsolicited). */
const char *session_reply(struct session *s, const struct reply *r);

/* Capabilities. */
const struct session_cap *session_cap_find(const struct session *s, const char *keyword);
bool session_has_cap(const struct session *s, const char *keyword);

/* Mark capabilities learned before TLS as stale (RFC 3207 4.2). */
void session_tls_started(struct session *s);

/* Parse an EHLO reply into s->caps (replacing what was there). */
void session_parse_ehlo(struct session *s, const struct reply *r);

#endif
