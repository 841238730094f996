/* SPDX-License-Identifier: MIT */
/* Quote-aware splitting of local command lines into words. */
#include "tokenize.h"

#include <stdlib.h>

#include "util.h"

static void push_word(struct tokens *t, struct strbuf *w)
{
	t->argv = xrealloc(t->argv, sizeof(char *) * ((size_t)t->argc + 2));
	t->argv[t->argc++] = strbuf_steal(w);
	t->argv[t->argc] = NULL;
}

bool tokenize(const char *line, struct tokens *out, struct err *e)
{
	struct tokens t = { 0, NULL };
	struct strbuf w;
	bool in_word = false;
	char quote = 0;
	const char *p;

	strbuf_init(&w);
	t.argv = xcalloc(1, sizeof(char *));
	for (p = line; *p; p++) {
		char c = *p;

		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				strbuf_add(&w, p, 1);
			continue;
		}
		if (c == '\\') {
			if (!p[1]) {
				err_set(e, ERR_USAGE, "trailing backslash");
				goto fail;
			}
			p++;
			strbuf_add(&w, p, 1);
			in_word = true;
			continue;
		}
		if (quote == '"') {
			if (c == '"')
				quote = 0;
			else
				strbuf_add(&w, p, 1);
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = c;
			in_word = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (in_word) {
				push_word(&t, &w);
				in_word = false;
			}
			continue;
		}
		strbuf_add(&w, p, 1);
		in_word = true;
	}
	if (quote) {
		err_set(e, ERR_USAGE, "unterminated %s quote", quote == '"' ? "double" : "single");
		goto fail;
	}
	if (in_word)
		push_word(&t, &w);
	strbuf_finish(&w);
	*out = t;
	return true;
fail:
	strbuf_finish(&w);
	tokens_finish(&t);
	return false;
}

void tokens_finish(struct tokens *t)
{
	int i;

	if (!t || !t->argv)
		return;
	for (i = 0; i < t->argc; i++)
		free(t->argv[i]);
	free(t->argv);
	t->argv = NULL;
	t->argc = 0;
}
