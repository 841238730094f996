/* SPDX-License-Identifier: MIT */
/*
 * Internals of completion shared by its files (complete*.c only): complete.c
 * holds the line, the candidate list and the API; complete_smtp.c completes
 * SMTP verbs and their arguments; complete_cmd.c the local '/' commands.
 */
#ifndef SMTPSH_COMPLETE_INT_H
#define SMTPSH_COMPLETE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "complete.h"
#include "session.h"

struct cmd;

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* complete_offer(): fold the whole candidate to the case typed. */
#define FOLD_ALL ((size_t)-1)
#define NAME_MAX_LEN 48

/* The line being completed: the word under the cursor is words[argi]. */
struct linev {
	const char *s;
	size_t len;          /* of the whole line */
	size_t start, end;   /* the word typed so far */
	size_t argi;         /* index of that word, 0 for the command or verb */
};

struct cands {
	char **v;
	size_t n, cap;
	const char *word;    /* the word typed so far, not NUL-terminated */
	size_t wlen;
	bool lower_default;  /* case to follow when the word has no letters */
};

/* complete.c */

bool complete_is_blank(char ch);
/* Bounds of word i of the line, counting from 0; false when there is none. */
bool complete_nth_word(const struct linev *v, size_t i, size_t *b, size_t *e);
/* Copy word i into out (truncated to fit); "" when there is none. */
void complete_word_copy(const struct linev *v, size_t i, char *out, size_t outlen);
/* True when s[0..n) has letters and all of them are lower case; dflt without letters. */
bool complete_typed_lower(const char *s, size_t n, bool dflt);
/*
 * Offer cand when it starts with the word typed (case-insensitively). Its
 * first fold bytes are given in lower case when the word was typed in lower
 * case; the rest keeps its case (addresses, hosts, "rfc822;").
 */
void complete_offer(struct cands *c, const char *cand, size_t fold);

/* complete_smtp.c */

/* The words of an SMTP line: the verb, then its arguments. */
void complete_smtp(struct cands *out, const struct complete_ctx *c, const struct linev *v);
/* The SASL mechanisms the last usable EHLO advertised. */
void complete_auth_mechanisms(struct cands *out, const struct session *s);

/* complete_cmd.c */

/* The local command a line names ("/se" resolves like the dispatcher), or NULL. */
const struct cmd *complete_line_command(const char *line, size_t len);
/* The words of a '/' line: the command, then its arguments. Returns false
 * when the caller should complete file names instead. */
bool complete_local(struct cands *out, const struct complete_ctx *c, const struct linev *v);

#endif
