/* SPDX-License-Identifier: MIT */
/* Advisory SMTP state machine and EHLO capabilities. */
#include "session.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "util.h"

static const char *const phase_names[] = {
	[SESSION_CLOSED] = "closed",
	[SESSION_GREETING] = "greeting",
	[SESSION_CONNECTED] = "connected",
	[SESSION_READY] = "ready",
	[SESSION_MAIL] = "mail",
	[SESSION_RCPT] = "rcpt",
	[SESSION_DATA] = "data",
	[SESSION_QUITTING] = "quitting",
};

const char *session_phase_name(enum session_phase p)
{
	if ((size_t)p < sizeof(phase_names) / sizeof(phase_names[0]) && phase_names[p])
		return phase_names[p];
	return "?";
}

static void caps_clear(struct session *s)
{
	size_t i;

	for (i = 0; i < s->ncaps; i++) {
		free(s->caps[i].keyword);
		free(s->caps[i].params);
	}
	free(s->caps);
	s->caps = NULL;
	s->ncaps = 0;
	s->caps_valid = false;
	s->caps_stale = false;
}

static void pre_tls_clear(struct session *s)
{
	size_t i;

	for (i = 0; i < s->npre_tls_caps; i++) {
		free(s->pre_tls_caps[i].keyword);
		free(s->pre_tls_caps[i].params);
	}
	free(s->pre_tls_caps);
	s->pre_tls_caps = NULL;
	s->npre_tls_caps = 0;
	s->have_pre_tls_caps = false;
}

static void pending_clear(struct session *s)
{
	size_t i;

	for (i = 0; i < s->npending; i++)
		free(s->pending[i]);
	s->npending = 0;
}

void session_init(struct session *s, bool lmtp)
{
	memset(s, 0, sizeof(*s));
	s->lmtp = lmtp;
}

void session_finish(struct session *s)
{
	if (!s)
		return;
	caps_clear(s);
	pre_tls_clear(s);
	pending_clear(s);
	free(s->greeting_domain);
	free(s->ehlo_domain);
	memset(s, 0, sizeof(*s));
}

static void pending_push(struct session *s, const char *verb)
{
	if (s->npending >= SESSION_MAX_PENDING)
		return;
	s->pending[s->npending++] = xstrdup(verb);
}

void session_connected(struct session *s)
{
	bool lmtp = s->lmtp;

	session_finish(s);
	session_init(s, lmtp);
	s->phase = SESSION_GREETING;
	pending_push(s, "GREETING");
}

void session_closed(struct session *s)
{
	pending_clear(s);
	s->phase = SESSION_CLOSED;
	s->tls = false;
}

const struct session_cap *session_cap_find(const struct session *s, const char *keyword)
{
	size_t i;

	for (i = 0; i < s->ncaps; i++)
		if (strcasecmp(s->caps[i].keyword, keyword) == 0)
			return &s->caps[i];
	return NULL;
}

bool session_has_cap(const struct session *s, const char *keyword)
{
	return session_cap_find(s, keyword) != NULL;
}

void session_tls_started(struct session *s)
{
	s->tls = true;
	pre_tls_clear(s);
	if (s->caps_valid) {
		size_t i;

		/* Keep a copy to show what TLS changed once EHLO is sent again. */
		s->pre_tls_caps = xcalloc(s->ncaps ? s->ncaps : 1, sizeof(*s->pre_tls_caps));
		for (i = 0; i < s->ncaps; i++) {
			s->pre_tls_caps[i].keyword = xstrdup(s->caps[i].keyword);
			s->pre_tls_caps[i].params = xstrdup(s->caps[i].params);
		}
		s->npre_tls_caps = s->ncaps;
		s->have_pre_tls_caps = true;
		s->caps_stale = true;
	}
	s->phase = SESSION_CONNECTED;
	s->authenticated = false;
}

/* The EHLO keyword that adds verb (from the codes table), or NULL if it is a base verb. */
static const char *keyword_for_verb(const char *verb)
{
	size_t i, n = codes_ehlo_count();

	for (i = 0; i < n; i++) {
		const struct code_ehlo *k = codes_ehlo_at(i);
		const char *v = k->verbs;
		size_t vl = strlen(verb);

		if (!v || strcasecmp(k->keyword, verb) == 0)
			continue;
		while (v && *v) {
			while (*v == ' ')
				v++;
			if (strncasecmp(v, verb, vl) == 0 && (v[vl] == ' ' || v[vl] == '\0'))
				return k->keyword;
			v = strchr(v, ' ');
		}
	}
	return NULL;
}

/* Verbs that only exist with an extension of the same name. */
static bool verb_is_extension_keyword(const char *verb)
{
	static const char *const ext[] = { "STARTTLS", "AUTH", "ETRN", "ATRN", "BURL",
		"XCLIENT", "XFORWARD" };
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcmp(verb, ext[i]) == 0)
			return true;
	return false;
}

/* Is name (e.g. "BODY", "SMTPUTF8") among the space-separated parameters of list
 * ("BODY= SIZE=", as in the codes table)? */
static bool param_listed(const char *list, const char *name, size_t nlen)
{
	while (list && *list) {
		size_t n;

		list += strspn(list, " ");
		n = strcspn(list, " ");
		if (n && list[n - 1] == '=')
			n--;
		if (n == nlen && strncasecmp(list, name, nlen) == 0)
			return true;
		list += strcspn(list, " ");
	}
	return false;
}

/* MAIL and RCPT parameters checked against the EHLO: the keyword that
 * defines each must have been advertised. */
static bool check_params(const struct session *s, const char *line, bool mail, char *warn,
	size_t warnlen)
{
	const char *p = strchr(line, '>');
	size_t i, n = codes_ehlo_count();

	if (!p)
		return false;
	for (p++; *p;) {
		size_t len;
		const struct code_ehlo *def = NULL;

		p += strspn(p, " \t");
		len = strcspn(p, "= \t");
		if (len == 0)
			break;
		for (i = 0; i < n && !def; i++) {
			const struct code_ehlo *k = codes_ehlo_at(i);

			if (param_listed(mail ? k->mail_params : k->rcpt_params, p, len))
				def = k;
		}
		/* BODY=BINARYMIME needs BINARYMIME; BODY=8BITMIME needs 8BITMIME. */
		if (def && len == 4 && strncasecmp(p, "BODY", 4) == 0 && p[4] == '=') {
			size_t vl = strcspn(p + 5, " \t");

			if (vl == 10 && strncasecmp(p + 5, "BINARYMIME", 10) == 0)
				def = codes_ehlo_find("BINARYMIME");
			else if (vl == 8 && strncasecmp(p + 5, "8BITMIME", 8) == 0)
				def = codes_ehlo_find("8BITMIME");
			else if (vl == 4 && strncasecmp(p + 5, "7BIT", 4) == 0)
				def = NULL;   /* the default: needs nothing */
		}
		if (def && !session_has_cap(s, def->keyword)) {
			snprintf(warn, warnlen, "%.*s needs %s, which EHLO did not advertise", (int)len, p,
				def->keyword);
			return true;
		}
		if (len == 10 && strncasecmp(p, "REQUIRETLS", 10) == 0 && !s->tls) {
			snprintf(warn, warnlen, "REQUIRETLS outside TLS (RFC 8689: the server answers 5.7.30)");
			return true;
		}
		p += strcspn(p, " \t");
	}
	return false;
}

bool session_check_line(const struct session *s, const char *line, char *warn, size_t warnlen)
{
	char verb[32];
	const char *kw;

	str_first_word_upper(line, verb, sizeof(verb));
	warn[0] = '\0';
	if (s->phase == SESSION_GREETING) {
		snprintf(warn, warnlen, "sending before the server's greeting (early talkers are often rejected)");
		return true;
	}
	if (s->phase == SESSION_QUITTING) {
		snprintf(warn, warnlen, "the server is closing the connection (it sent 421 or 221)");
		return true;
	}
	if (strcmp(verb, "EHLO") == 0 && s->lmtp)
		snprintf(warn, warnlen, "this is an LMTP server: it expects LHLO, not EHLO");
	else if (strcmp(verb, "LHLO") == 0 && !s->lmtp)
		snprintf(warn, warnlen, "LHLO is the LMTP greeting; SMTP servers expect EHLO");
	else if (strcmp(verb, "MAIL") == 0 && s->phase == SESSION_CONNECTED)
		snprintf(warn, warnlen, "MAIL before EHLO/HELO");
	else if (strcmp(verb, "MAIL") == 0 && (s->phase == SESSION_MAIL || s->phase == SESSION_RCPT))
		snprintf(warn, warnlen, "MAIL inside a transaction (RSET first; servers answer 503)");
	else if (strcmp(verb, "RCPT") == 0 && s->phase != SESSION_MAIL && s->phase != SESSION_RCPT)
		snprintf(warn, warnlen, "RCPT before MAIL");
	else if ((strcmp(verb, "DATA") == 0 || strcmp(verb, "BDAT") == 0) && s->phase == SESSION_MAIL)
		snprintf(warn, warnlen, "%s before any recipient was accepted", verb);
	else if ((strcmp(verb, "DATA") == 0 || strcmp(verb, "BDAT") == 0) && s->phase != SESSION_RCPT)
		snprintf(warn, warnlen, "%s before MAIL and RCPT", verb);
	else if (strcmp(verb, "STARTTLS") == 0 && s->tls)
		snprintf(warn, warnlen, "STARTTLS inside TLS (RFC 3207 forbids it)");
	else if (strcmp(verb, "AUTH") == 0 && s->authenticated)
		snprintf(warn, warnlen, "already authenticated (servers answer 503)");
	if (warn[0])
		return true;
	if (!s->caps_valid || s->helo_only)
		return false;
	kw = verb_is_extension_keyword(verb) ? verb : keyword_for_verb(verb);
	if (kw && !session_has_cap(s, kw)) {
		if (strcmp(kw, verb) == 0)
			snprintf(warn, warnlen, "%s not advertised in EHLO", verb);
		else
			snprintf(warn, warnlen, "%s needs %s, which EHLO did not advertise", verb, kw);
		return true;
	}
	if ((strcmp(verb, "MAIL") == 0 || strcmp(verb, "RCPT") == 0) &&
			check_params(s, line, verb[0] == 'M', warn, warnlen))
		return true;
	if (strcmp(verb, "AUTH") == 0 && !s->tls) {
		char mech[32];
		const char *p = line;

		while (*p == ' ')
			p++;
		p += 4;
		str_first_word_upper(p, mech, sizeof(mech));
		if (strcmp(mech, "PLAIN") == 0 || strcmp(mech, "LOGIN") == 0) {
			snprintf(warn, warnlen, "AUTH %s over a plaintext connection sends the password in the clear", mech);
			return true;
		}
		if (strcmp(mech, "XOAUTH2") == 0 || strcmp(mech, "OAUTHBEARER") == 0) {
			snprintf(warn, warnlen, "AUTH %s over a plaintext connection sends the token in the clear", mech);
			return true;
		}
	}
	return false;
}

/* True when the last word of line is LAST, as in "BDAT 1024 LAST". */
static bool last_word_is_last(const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) {
		n--;
	}
	return n >= 5 && strncasecmp(line + n - 4, "LAST", 4) == 0 &&
		(line[n - 5] == ' ' || line[n - 5] == '\t');
}

int session_line_sent(struct session *s, const char *line)
{
	char verb[32];
	int n, i;

	if (s->phase == SESSION_DATA) {
		if (strcmp(line, ".") != 0)
			return 0;
		/* LMTP answers the end of data once per accepted recipient (RFC 2033 4.2). */
		n = s->lmtp && s->rcpts_accepted > 0 ? (int)s->rcpts_accepted : 1;
		for (i = 0; i < n; i++)
			pending_push(s, "DATA-END");
		s->phase = SESSION_READY;
		s->rcpts_accepted = 0;
		return n;
	}
	if (s->auth_in_progress) {
		/* An answer to a 334 challenge belongs to the AUTH exchange. */
		pending_push(s, "AUTH");
		return 1;
	}
	str_first_word_upper(line, verb, sizeof(verb));
	if (strcmp(verb, "BDAT") == 0 && last_word_is_last(line) &&
	    (s->phase == SESSION_MAIL || s->phase == SESSION_RCPT)) {
		/* The last chunk ends the transaction as "." does. LMTP answers it once
		 * per accepted recipient, not at all without one (RFC 2033 4.3). */
		n = s->lmtp ? (int)s->rcpts_accepted : 1;
		for (i = 0; i < n; i++) {
			pending_push(s, verb);
		}
		s->phase = SESSION_READY;
		s->rcpts_accepted = 0;
		return n;
	}
	pending_push(s, verb[0] ? verb : "(empty)");
	return 1;
}

static char *dup_first_word(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t')
		n++;
	return xstrndup(s, n);
}

void session_parse_ehlo(struct session *s, const struct reply *r)
{
	size_t i;

	caps_clear(s);
	free(s->ehlo_domain);
	s->ehlo_domain = NULL;
	if (r->nlines > 0)
		s->ehlo_domain = dup_first_word(reply_line_text(&r->lines[0]));
	for (i = 1; i < r->nlines; i++) {
		const char *t = reply_line_text(&r->lines[i]);
		const char *sp;
		char *kw;
		size_t k;

		while (*t == ' ')
			t++;
		if (!*t)
			continue;
		sp = t;
		while (*sp && *sp != ' ')
			sp++;
		kw = xstrndup(t, (size_t)(sp - t));
		for (k = 0; kw[k]; k++)
			kw[k] = (char)toupper((unsigned char)kw[k]);
		while (*sp == ' ')
			sp++;
		/* Old Outlook-compatible "AUTH=LOGIN PLAIN": same meaning as AUTH. */
		if (strncmp(kw, "AUTH=", 5) == 0) {
			char *params = xasprintf("%s%s%s", kw + 5, *sp ? " " : "", sp);

			free(kw);
			if (session_has_cap(s, "AUTH")) {
				free(params);
				continue;
			}
			kw = xstrdup("AUTH");
			s->caps = xrealloc(s->caps, sizeof(*s->caps) * (s->ncaps + 1));
			s->caps[s->ncaps].keyword = kw;
			s->caps[s->ncaps].params = params;
			s->ncaps++;
			continue;
		}
		s->caps = xrealloc(s->caps, sizeof(*s->caps) * (s->ncaps + 1));
		s->caps[s->ncaps].keyword = kw;
		s->caps[s->ncaps].params = xstrdup(sp);
		s->ncaps++;
	}
	s->caps_valid = true;
	s->caps_stale = false;
	s->helo_only = false;
}

const char *session_reply(struct session *s, const struct reply *r)
{
	char verb[16] = "";
	int code = r->code;
	size_t i;

	if (s->npending > 0) {
		snprintf(verb, sizeof(verb), "%s", s->pending[0]);
		free(s->pending[0]);
		for (i = 1; i < s->npending; i++)
			s->pending[i - 1] = s->pending[i];
		s->npending--;
	}
	snprintf(s->last_verb, sizeof(s->last_verb), "%s", verb);
	s->auth_in_progress = strcmp(verb, "AUTH") == 0 && code == 334;
	if (code == 421) {
		s->phase = SESSION_QUITTING;
		return s->last_verb;
	}
	if (strcmp(verb, "GREETING") == 0) {
		/* Any banner ends the wait; after a 554 one the server waits for QUIT. */
		s->phase = SESSION_CONNECTED;
		if (code == 220) {
			free(s->greeting_domain);
			s->greeting_domain = r->nlines ? dup_first_word(reply_line_text(&r->lines[0])) : NULL;
		}
	} else if (strcmp(verb, "EHLO") == 0 || strcmp(verb, "LHLO") == 0) {
		if (code == 250) {
			session_parse_ehlo(s, r);
			s->phase = SESSION_READY;
			s->rcpts_accepted = 0;
		}
	} else if (strcmp(verb, "HELO") == 0) {
		if (code == 250) {
			caps_clear(s);
			s->helo_only = true;
			s->phase = SESSION_READY;
			s->rcpts_accepted = 0;
		}
	} else if (strcmp(verb, "MAIL") == 0) {
		if (code == 250) {
			s->phase = SESSION_MAIL;
			s->rcpts_accepted = 0;
		}
	} else if (strcmp(verb, "RCPT") == 0) {
		if (code >= 250 && code <= 252) {
			s->phase = SESSION_RCPT;
			s->rcpts_accepted++;
		}
	} else if (strcmp(verb, "DATA") == 0) {
		if (code == 354)
			s->phase = SESSION_DATA;
	} else if (strcmp(verb, "RSET") == 0) {
		if (code == 250 && s->phase != SESSION_CONNECTED) {
			s->phase = SESSION_READY;
			s->rcpts_accepted = 0;
		}
	} else if (strcmp(verb, "AUTH") == 0) {
		if (code == 235)
			s->authenticated = true;
	} else if (strcmp(verb, "QUIT") == 0) {
		s->phase = SESSION_QUITTING;
	}
	return s->last_verb;
}
