/* SPDX-License-Identifier: MIT */
/*
 * Reference tables: SMTP basic reply codes (RFC 5321 and extensions), the
 * IANA enhanced status code registry (RFC 3463/5248), and EHLO keywords
 * (IANA SMTP service extensions plus common private ones). Pure data.
 */
#ifndef SMTPSH_CODES_H
#define SMTPSH_CODES_H

#include <stddef.h>

struct code_reply {
	int code;              /* 250 */
	const char *meaning;   /* "Requested mail action okay, completed" */
	const char *rfc;       /* "RFC 5321" */
	const char *context;   /* where it is seen / extra note, may be NULL */
};

struct code_esc {
	int subject, detail;   /* X.subject.detail */
	const char *meaning;
	const char *basic;     /* associated basic codes, e.g. "451, 550", may be "" */
	const char *rfc;       /* "RFC 3463" */
};

struct code_ehlo {
	const char *keyword;     /* "PIPELINING" (upper case) */
	const char *meaning;
	const char *rfc;         /* "RFC 2920", or "Postfix" for private ones */
	const char *params;      /* EHLO parameters syntax, may be NULL */
	const char *mail_params; /* MAIL FROM parameters it adds, space-separated, may be NULL */
	const char *rcpt_params; /* RCPT TO parameters it adds, may be NULL */
	const char *verbs;       /* verbs it adds, space-separated, may be NULL */
};

/* Every reply code entry; several entries may share a code (extensions). */
size_t codes_reply_count(void);
const struct code_reply *codes_reply_at(size_t i);
/* First entry for code, or NULL. */
const struct code_reply *codes_reply_find(int code);
/* The entry after prev (from this table) with the same code, or NULL. */
const struct code_reply *codes_reply_next(const struct code_reply *prev);
/* Generic meaning from the digits when the code is unknown:
 * class (first digit) and category (second digit) texts; NULL if out of range. */
const char *codes_reply_class(int first_digit);     /* 2 -> "positive completion" */
const char *codes_reply_category(int second_digit); /* 5 -> "mail system" */

size_t codes_esc_count(void);
const struct code_esc *codes_esc_at(size_t i);
const struct code_esc *codes_esc_find(int subject, int detail);
const char *codes_esc_class(int cls);        /* 5 -> "permanent failure" */
const char *codes_esc_subject(int subject);  /* 7 -> "security or policy status" */

size_t codes_ehlo_count(void);
const struct code_ehlo *codes_ehlo_at(size_t i);
/* Case-insensitive lookup; NULL when unknown. */
const struct code_ehlo *codes_ehlo_find(const char *keyword);

#endif
