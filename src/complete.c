/* SPDX-License-Identifier: MIT */
/* Completion: the line and its words, the candidate list, and the entry points. */
#include "complete.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "complete_int.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* Helpers */

bool complete_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Bounds of word i of the line, counting from 0; false when there is none. */
bool complete_nth_word(const struct linev *v, size_t i, size_t *b, size_t *e)
{
	size_t p = 0, k = 0;

	for (;;) {
		while (p < v->len && complete_is_blank(v->s[p])) {
			p++;
		}
		if (p >= v->len) {
			return false;
		}
		*b = p;
		while (p < v->len && !complete_is_blank(v->s[p])) {
			p++;
		}
		*e = p;
		if (k == i) {
			return true;
		}
		k++;
	}
}

/* Copy word i into out (truncated to fit); "" when there is none. */
void complete_word_copy(const struct linev *v, size_t i, char *out, size_t outlen)
{
	size_t b, e, n;

	out[0] = '\0';
	if (!complete_nth_word(v, i, &b, &e)) {
		return;
	}
	n = e - b;
	if (n >= outlen) {
		n = outlen - 1;
	}
	memcpy(out, v->s + b, n);
	out[n] = '\0';
}

/* True when s[0..n) has letters and all of them are lower case; dflt without letters. */
bool complete_typed_lower(const char *s, size_t n, bool dflt)
{
	bool lower = false, upper = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (islower((unsigned char)s[i])) {
			lower = true;
		} else if (isupper((unsigned char)s[i])) {
			upper = true;
		}
	}
	if (!lower && !upper) {
		return dflt;
	}
	return lower && !upper;
}

/*
 * Offer cand when it starts with the word typed (case-insensitively). Its
 * first fold bytes are given in lower case when the word was typed in lower
 * case; the rest keeps its case (addresses, hosts, "rfc822;").
 */
void complete_offer(struct cands *c, const char *cand, size_t fold)
{
	size_t len = strlen(cand), i;
	char *s;

	if (len < c->wlen || strncasecmp(cand, c->word, c->wlen) != 0) {
		return;
	}
	s = xstrdup(cand);
	if (fold > len) {
		fold = len;
	}
	if (fold > 0 &&
	    complete_typed_lower(c->word, c->wlen < fold ? c->wlen : fold, c->lower_default)) {
		for (i = 0; i < fold; i++) {
			s[i] = (char)tolower((unsigned char)s[i]);
		}
	}
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->v[i], s) == 0) {
			free(s);
			return;
		}
	}
	if (c->n + 1 >= c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = s;
}

static char **cands_finish(struct cands *c)
{
	if (c->n == 0) {
		free(c->v);
		return NULL;
	}
	c->v[c->n] = NULL;
	return c->v;
}

static void cands_discard(struct cands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i]);
	}
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

/* ------------------------------------------------------------------------ */
/* API */

char **complete_line(const struct complete_ctx *c, const char *line, size_t start, size_t end,
	bool *want_files)
{
	struct linev v;
	struct cands out = { NULL, 0, 0, NULL, 0, false };
	size_t b, e;

	if (want_files) {
		*want_files = false;
	}
	if (!c || !line || c->in_data || (c->sess && c->sess->phase == SESSION_DATA)) {
		return NULL;
	}
	v.s = line;
	v.len = strlen(line);
	v.end = end > v.len ? v.len : end;
	v.start = start > v.end ? v.end : start;
	for (v.argi = 0; complete_nth_word(&v, v.argi, &b, &e) && b < v.start; v.argi++) {
	}
	out.word = line + v.start;
	out.wlen = v.end - v.start;
	if (line[0] == '/') {
		if (line[1] == '/') {
			return NULL;
		}
		if (!complete_local(&out, c, &v)) {
			cands_discard(&out);
			if (want_files) {
				*want_files = true;
			}
			return NULL;
		}
	} else {
		complete_smtp(&out, c, &v);
	}
	return cands_finish(&out);
}

void complete_free(char **list)
{
	size_t i;

	if (!list) {
		return;
	}
	for (i = 0; list[i]; i++) {
		free(list[i]);
	}
	free(list);
}

char *complete_usage_dup(const char *line, size_t end)
{
	const struct smtp_verb *verb;
	const struct cmd *cmd;
	char name[NAME_MAX_LEN];
	size_t len, b = 0, n = 0;

	if (!line) {
		return NULL;
	}
	len = strlen(line);
	if (end < len) {
		len = end;
	}
	if (len > 0 && line[0] == '/') {
		cmd = complete_line_command(line, len);
		if (!cmd) {
			return NULL;
		}
		return xasprintf("usage: /%s%s%s", cmd->name, cmd->args[0] ? " " : "", cmd->args);
	}
	while (b < len && complete_is_blank(line[b])) {
		b++;
	}
	while (b + n < len && !complete_is_blank(line[b + n]) && n + 1 < sizeof(name)) {
		name[n] = line[b + n];
		n++;
	}
	name[n] = '\0';
	verb = n ? cmd_verb_find(name) : NULL;
	return verb ? xasprintf("usage: %s", verb->syntax) : NULL;
}

bool complete_wants_space(const char *candidate)
{
	size_t n = candidate ? strlen(candidate) : 0;

	return n == 0 || !strchr("<=:/;,", candidate[n - 1]);
}
